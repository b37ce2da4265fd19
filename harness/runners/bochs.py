"""Bochs runner (2.7 from Debian, 3.0 built by harness.bochs_build)."""
from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from harness.model import RunResult, RunStatus, env_choice
from harness.runners.base import BOCHS_BLOCKED_SIGNALS, classify, run_process
from harness.tables import REPO
from harness import bootdisk, tables

# Bochs log lines that end a run.  With reset_on_triple_fault=0 a triple fault
# is reported as "exception(): 3rd (N) exception with no resolution".
BAD_PATTERNS = {
    r"exception\(\): 3rd \(\d+\) exception with no resolution": "TRIPLE_FAULT",
    r"Shutdown port: shutdown requested": "SHUTDOWN",
    # Whole line only: a buffer that ends right after ">>PANIC<< " must not match.
    r">>PANIC<< (?!Shutdown port|exception\(\): 3rd)[^\r\n]*[\r\n]": "PANIC",
}
CLEAN_EXIT = {0, 1}  # Bochs exits 1 even after the shutdown port
# Why the Bochs 3.0 build failed in this process, if it did (set by ensure_bochs3_or_reason).
_bochs3_error: list[str] = []

# The trace channel of the Bochs platforms (README "Trace channels"): the one switch.  "disk": the
# image writes its trace to an ATA disk the runner attaches for the run (core/include/trace_disk.def),
# and the runner copies it into serial.log after the run; "serial": COM1, written by Bochs into
# serial.log byte by byte at the modelled 115200 baud.  Both carry the same bytes
# (pytest/test_trace_channels.py).  A command line that already names trace= keeps its channel.
CHANNEL_ENV = "VMXDIFF_TRACE_CHANNEL"
CHANNELS = ("disk", "serial")
DEFAULT_CHANNEL = "disk"
DISK_FILE = "trace.disk"
BOOT_DISK_FILE = "boot.disk"


def trace_channel() -> str:
    """The channel VMXDIFF_TRACE_CHANNEL asks for (default disk).

    Raises:
        ValueError: one line naming the bad value and the known ones.
    """
    return env_choice(CHANNEL_ENV, CHANNELS, DEFAULT_CHANNEL, "a trace channel of the Bochs platforms")


def channel_of(cmdline: str) -> str | None:
    """The value of the image's trace= key in a command line, if it names one."""
    for w in cmdline.split():
        if w.startswith("trace="):
            return w[len("trace="):]
    return None


def disk_option(path: Path, tab=None) -> str:
    """The bochsrc line (given on Bochs's command line) that attaches the trace disk."""
    d = (tab or tables.load()).trace_disk
    slot = f"ata{d['ATA_CHANNEL']}-{'slave' if d['ATA_SLAVE'] else 'master'}"
    return (f"{slot}: type=disk, path={path}, mode=flat, cylinders={d['CYLINDERS']}, heads={d['HEADS']}, "
            f"spt={d['SPT']}")


def make_disk(path: Path, tab=None) -> int:
    """A fresh, sparse, all-zero trace disk; returns its size in bytes."""
    d = (tab or tables.load()).trace_disk
    size = d["CYLINDERS"] * d["HEADS"] * d["SPT"] * d["SECTOR"]
    with open(path, "wb") as f:
        f.truncate(size)
    return size


def disk_to_serial(disk: Path, serial: Path, elf: Path, tab=None) -> tuple[int, str | None]:
    """Append the text of the binary records on a trace disk (core/include/trace_bin.def) to
    serial.log: the bytes COM1 would have carried (harness/tracebin.py).  Returns the bytes of the
    disk the records took and the problem (None, "garbled binary trace ...", "truncated binary
    trace ..."); the records before a problem are kept, and the undecodable part of the disk is
    copied beside it (trace.bin) for a look."""
    from harness import tracebin
    try:
        text, dec = tracebin.decode_file(disk, elf, tab)
    except (OSError, ValueError) as exc:
        return 0, f"garbled binary trace: cannot decode it: {exc}"
    with open(serial, "ab") as f:
        f.write(text)
    if dec.problem:
        try:
            with open(disk, "rb") as src, open(disk.parent / "trace.bin", "wb") as dst:
                dst.write(src.read(dec.pos + (1 << 20)))
        except OSError:
            pass
    return dec.pos, dec.problem


def ensure_bochs3_or_reason(log=None) -> str:
    """Build Bochs 3.0 if needed; return "" or the one-line reason it is unavailable."""
    from harness import bochs_build
    if bochs_build.cached_binary():
        return ""
    try:
        bochs_build.ensure_bochs3(log=log)
        return ""
    except bochs_build.BuildError as exc:
        _bochs3_error[:] = [str(exc)]
        return str(exc)


@functools.lru_cache(maxsize=1)
def netns_prefix() -> tuple[list[str] | None, str]:
    """Command prefix that gives Bochs a private network namespace.

    Debian's Bochs 2.7 has no nogui display; its rfb display listens on
    0.0.0.0:5900.  In a fresh namespace nothing outside can reach it, and
    parallel runs cannot collide on the port.
    """
    unshare = shutil.which("unshare")
    if not unshare:
        return None, "unshare (util-linux) not found"
    for prefix in ([unshare, "--net"], [unshare, "--user", "--map-root-user", "--net"]):
        try:
            r = subprocess.run(prefix + ["true"], capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if r.returncode == 0:
            return prefix, ""
    return None, "cannot create a private network namespace (need root or user namespaces)"


@functools.lru_cache(maxsize=4)
def version_of(binary: str) -> str:
    try:
        r = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10,
                           stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    for line in (r.stdout + r.stderr).splitlines():
        if "Bochs x86 Emulator" in line:
            return line.split("Emulator", 1)[1].strip()
    return "unknown"


class BochsPlatform:
    """One Bochs binary with one CPU model (one bochsrc/<name>.rc)."""

    kind = "bochs"
    # Scenarios on more than one CPU boot on their own with "cpu: count=N": with count=2 Bochs
    # (2.7 and 3.0) gives some single-CPU scenarios other records even while the second CPU
    # sleeps (exit_ev_exc_pf_inv_noexit, register-operand qualifications), so the catalog keeps
    # count=1 (harness/session.py).
    separate_smp_boot = True

    def __init__(self, name: str, version: str, config: Path):
        self.name = name
        self.version = version  # "2.7" or "3.0"
        self.config = config
        self.model = _model_of(config)

    def binary(self) -> tuple[str | None, str]:
        if self.version == "2.7":
            b = shutil.which("bochs-bin")
            return (b, "") if b else (None, "bochs-bin not found (apt-get install bochs bochsbios vgabios)")
        from harness import bochs_build
        b = bochs_build.cached_binary()
        if b:
            return str(b), ""
        if _bochs3_error:
            return None, f"Bochs 3.0 build failed: {_bochs3_error[0]}"
        return None, "Bochs 3.0 is not built (make bochs3)"

    def availability(self) -> tuple[bool, str]:
        if not self.config.is_file():
            return False, f"{self.config.relative_to(REPO)} is missing"
        b, why = self.binary()
        if not b:
            return False, why
        if self.version == "2.7":
            prefix, why = netns_prefix()
            if prefix is None:
                return False, why
        return True, ""

    def info(self) -> dict:
        b, _ = self.binary()
        return {"emulator": "bochs", "version": version_of(b) if b else self.version, "cpu_model": self.model,
                "accelerator": "none (software VMX model)", "binary": b, "config": str(self.config.relative_to(REPO))}

    def config_for(self, cpus: int, run_dir: Path) -> Path:
        """The platform's bochsrc, or for cpus > 1 a copy in the run folder that includes it and
        then sets "cpu: count=N" (a later cpu: line changes only the options it names)."""
        if cpus <= 1:
            return self.config
        rc = run_dir / f"bochsrc-cpus{cpus}.rc"
        rc.write_text(f"# {self.name} with {cpus} CPUs (harness/runners/bochs.py)\n"
                      f"#include {self.config}\ncpu: count={cpus}\n")
        return rc

    def live_trace(self, run_dir: Path) -> Path:
        """The file the trace grows in while the platform runs (progress lines read it)."""
        return run_dir / (DISK_FILE if (run_dir / DISK_FILE).exists() else "serial.log")

    def run(self, *, iso: Path | None, elf32: Path, cmdline: str, run_dir: Path, timeout: float,
            cpus: int = 1) -> RunResult:
        """Boot the image with ``cmdline``: from the boot disk (harness/bootdisk.py, written into
        the run folder and removed after the run; command.txt writes it again), or with
        VMXDIFF_BOCHS_BOOT=iso from GRUB's ISO for the final command line (``iso`` is not used:
        the trace channel may lengthen the line)."""
        del iso
        ok, why = self.availability()
        if not ok:
            return RunResult(platform=self.name, status=RunStatus.UNAVAILABLE, reason=why, run_dir=str(run_dir))
        try:
            channel = channel_of(cmdline) or trace_channel()
            boot = bootdisk.boot_mode()
        except ValueError as exc:
            return RunResult(platform=self.name, status=RunStatus.ERROR, reason=str(exc), run_dir=str(run_dir))
        if channel_of(cmdline) is None and channel != "serial":
            from harness.session import CMDLINE_MAX
            longer = f"{cmdline} trace={channel}".strip()
            if len(longer) < CMDLINE_MAX:  # else COM1: the image would cut the line's end
                cmdline = longer
            else:
                channel = "serial"
        b, _ = self.binary()
        serial = run_dir / "serial.log"
        log = run_dir / "emulator.log"
        argv = [b, "-q", "-f", str(self.config_for(cpus, run_dir))]
        tab = tables.load(elf32.parent / "tables.json")
        try:
            iso, lines, bdisk = boot_medium(boot, elf32, cmdline, run_dir, tab)
        except MediumError as exc:
            return RunResult(platform=self.name, status=RunStatus.ERROR, run_dir=str(run_dir), reason=str(exc))
        argv += lines
        disk, disk_size = None, 0
        if channel == "disk":
            disk = run_dir / DISK_FILE
            disk_size = make_disk(disk, tab)
            argv.append(disk_option(disk, tab))
        if self.version == "2.7":
            # Debian's 2.7 has the debugger compiled in: it waits at its prompt
            # unless an -rc script says "continue".
            rc = run_dir / "debugger.rc"
            rc.write_text("continue\nquit\n")
            argv = netns_prefix()[0] + argv[:4] + ["-rc", str(rc)] + argv[4:]
        env = dict(os.environ, VMXDIFF_ISO=str(iso), VMXDIFF_SERIAL=str(serial), LC_ALL="C")
        from harness.runners.base import shell_command  # command.txt: one line a user can paste
        command = shell_command(argv, cwd=REPO, env={"LC_ALL": "C", "VMXDIFF_ISO": iso, "VMXDIFF_SERIAL": serial})
        if bdisk is not None:  # the boot disk first (the run removes it: it is the image and the line again)
            q = shlex.quote
            cd, _, rest = command.partition(" && ")
            command = (f"{cd} && {q(sys.executable)} -m harness.bootdisk {q(str(elf32))} {q(str(bdisk))} "
                       f"{q(cmdline)} && {rest}")
        if disk is not None:  # the same three steps as here: a fresh disk, the boot, its bytes into serial.log
            q = shlex.quote
            cd, _, rest = command.partition(" && ")
            command = (f"{cd} && truncate -s {disk_size} {q(str(disk))} && {rest.rstrip()}; "
                       f"{q(sys.executable)} -m harness.tracebin {q(str(disk))} {q(str(elf32))} >> {q(str(serial))}; "
                       f"rm -f {q(str(disk))} {q(str(disk) + '.lock')}\n")
        (run_dir / "command.txt").write_text(command)
        proc = run_process(argv, cwd=REPO, env=env, timeout=timeout, log_path=log,
                           serial_path=disk if disk is not None else serial,
                           bad_patterns=BAD_PATTERNS, block_signals=BOCHS_BLOCKED_SIGNALS)
        full, problem = False, None
        if disk is not None:
            # serial.log gets the text of the disk's records after whatever reached COM1 (only the
            # image's FATAL when no disk answered): the rest of the harness reads serial.log alone.
            used, problem = disk_to_serial(disk, serial, elf32, tab)
            full = used >= disk_size - 4 * tab.trace_disk["SECTOR"]
            for p in (disk, Path(f"{disk}.lock")):  # Bochs locks an image with <path>.lock
                p.unlink(missing_ok=True)
        if bdisk is not None:
            for p in (bdisk, Path(f"{bdisk}.lock")):
                p.unlink(missing_ok=True)
        res = classify(self.name, proc, serial, clean_exit=CLEAN_EXIT)
        if bdisk is not None and (res.trace is None or res.trace.boot is None):
            said = loader_words(log)  # the image never started: the loader may say why
            if said:
                res.reason = f"the boot disk's loader said \"{said}\"; {res.reason}"
        if full and res.status != RunStatus.COMPLETE:
            res.reason = f"the trace disk is full ({disk_size} bytes); {res.reason}"
        if problem:  # the records before it are in serial.log and in res.trace
            res.reason = f"{problem} (the records before it are kept; the run: {res.status.value}: {res.reason})"
            res.status = RunStatus.CORRUPT
        res.run_dir = str(run_dir)
        res.log_paths = {"emulator": str(log), "command": str(run_dir / "command.txt")}
        res.info = dict(self.info(), cpus=cpus, trace_channel=channel, boot=boot)
        return res


class MediumError(Exception):
    """The boot disk or the ISO could not be made (one line)."""


def boot_medium(boot: str, elf32: Path, cmdline: str, run_dir: Path, tab) -> tuple[Path, list[str], Path | None]:
    """What Bochs boots the image from, with ``cmdline``: (the file the bochsrc's CD-ROM line names
    through VMXDIFF_ISO, bochsrc lines for Bochs's command line, the boot disk to remove after the
    run or None).  boot "disk": the boot disk in run_dir, which replaces the CD-ROM (the line still
    needs a file to name: the disk); "iso": GRUB's ISO from the build's cache."""
    try:
        if boot == "disk":
            disk = bootdisk.write(elf32, run_dir / BOOT_DISK_FILE, cmdline, tab)
            return disk, [bootdisk.bochs_option(disk, tab), "boot: disk"], disk
        from harness import iso as isomod
        return isomod.cached_iso(elf32, elf32.parent / "iso-cache", cmdline), [], None
    except Exception as exc:  # BootDiskError, IsoError, OSError: one line either way
        what = "boot disk" if boot == "disk" else "ISO"
        raise MediumError(f"cannot make the {what}: {exc}") from None


def loader_words(log: Path) -> str | None:
    """The boot disk loader's failure line (core/boot/diskboot.S writes it to port E9H, which
    Bochs copies into its log), if the log has one."""
    try:
        with open(log, "rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return None
    i = head.find(b"diskboot: ")
    return head[i:].split(b"\n", 1)[0].decode("ascii", "replace").strip() if i >= 0 else None


def _model_of(config: Path) -> str:
    try:
        text = config.read_text()
    except OSError:
        return "unknown (bochsrc missing)"
    for line in text.splitlines():
        if line.startswith("cpu:"):
            for part in line[4:].split(","):
                k, _, v = part.strip().partition("=")
                if k == "model":
                    return v
    return "unknown"
