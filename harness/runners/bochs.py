"""Bochs runner (2.7 from Debian, 3.0 built by harness.bochs_build)."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from harness.model import RunResult, RunStatus
from harness.runners.base import BOCHS_BLOCKED_SIGNALS, classify, run_process
from harness.tables import REPO

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

    def run(self, *, iso: Path, elf32: Path, cmdline: str, run_dir: Path, timeout: float, cpus: int = 1) -> RunResult:
        del elf32, cmdline  # the command line is inside the ISO's grub.cfg
        ok, why = self.availability()
        if not ok:
            return RunResult(platform=self.name, status=RunStatus.UNAVAILABLE, reason=why, run_dir=str(run_dir))
        b, _ = self.binary()
        serial = run_dir / "serial.log"
        log = run_dir / "emulator.log"
        argv = [b, "-q", "-f", str(self.config_for(cpus, run_dir))]
        if self.version == "2.7":
            # Debian's 2.7 has the debugger compiled in: it waits at its prompt
            # unless an -rc script says "continue".
            rc = run_dir / "debugger.rc"
            rc.write_text("continue\nquit\n")
            argv = netns_prefix()[0] + argv + ["-rc", str(rc)]
        env = dict(os.environ, VMXDIFF_ISO=str(iso), VMXDIFF_SERIAL=str(serial), LC_ALL="C")
        from harness.runners.base import shell_command  # command.txt: one line a user can paste
        (run_dir / "command.txt").write_text(shell_command(argv, cwd=REPO, env={
            "LC_ALL": "C", "VMXDIFF_ISO": iso, "VMXDIFF_SERIAL": serial}))
        proc = run_process(argv, cwd=REPO, env=env, timeout=timeout, log_path=log, serial_path=serial,
                           bad_patterns=BAD_PATTERNS, block_signals=BOCHS_BLOCKED_SIGNALS)
        res = classify(self.name, proc, serial, clean_exit=CLEAN_EXIT)
        res.run_dir = str(run_dir)
        res.log_paths = {"emulator": str(log), "command": str(run_dir / "command.txt")}
        res.info = dict(self.info(), cpus=cpus)
        return res


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
