"""KVM nested VMX on any x86 host: KVM running inside Bochs's VMX.

Layers: L0 = our Bochs 3.0 build (corei7_skylake_x), L1 = Debian's kernel
with kvm_intel nested=1 and QEMU (harness/provision/l1kvm.py), L2 = the
vmx-diff image under ``qemu -accel kvm -cpu host,+vmx``.  The image's VMX
instructions meet KVM's nested VMX (arch/x86/kvm/vmx/nested.c); what KVM
hands to the "hardware" is checked by Bochs.

Outputs kept in the run directory: serial.log (L2's trace, from Bochs COM2),
l1-console.log (COM1), bochs.log (Bochs's stdout: its log and L1's "@L1"
lines), layers.log (bochs.log with the image's scenario markers and KVM's
failed consistency checks merged in by Bochs tick), command.txt; after a
snapshot restore (harness/runners/kvm_snapshot.py, on by default) also
bochs-boot.log and l1-console-boot.log (the boot that made the snapshot)
and snapshot-restore/ (the run's Bochs config and input).

Attribution of VM-entry failures: L1 traces kvm_pio (port 0xe9: the image's
scenario markers) and kvm_nested_vmenter_failed (the check nested.c failed)
with the x86-tsc clock; Bochs's TSC is its tick counter, the prefix of every
Bochs log line.  Here the image writes each marker as one 32-bit OUT of the
scenario's catalog index (command line marker=id, core/include/marker.def):
one L2 exit to QEMU per scenario instead of one per byte of
"@VTMARK BEGIN <scenario>".  L1 says each as "@L1 E9MARK <tick> <value>"
(harness/l1/l1io.c e9-lines) and the runner names the scenario from the
build's catalog (scenarios.json).  Text markers are still read: grouped into
lines ("@L1 E9LINE <tick of the first byte> <text>") or, in older logs, one
"@L1 E9 <tick> <byte>" line per byte.  So every "VMENTER FAIL"/"VMFAIL" line
of Bochs and every KVM check lands in the scenario that caused it.
"""
from __future__ import annotations

import hashlib
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from harness.model import RunResult, RunStatus
from harness.runners import base
from harness.tables import REPO

RC = REPO / "bochsrc" / "l0-kvm-skylake_x.rc"
MSRS = REPO / "bochsrc" / "l0-kvm.msrs"
# VM-instruction error 7 on every KVM_RUN with the defaults: Bochs 3.0 requires
# the posted-interrupt descriptor to be page aligned (SDM 26.2.1.1 asks for 64-byte
# alignment, bits 5:0), and KVM's pi_desc is 64-byte aligned.  Posted interrupts
# are used only with APICv, so APICv is off.
KVM_PARAMS = "enable_apicv=0"
# trace_clock=x86-tsc: the attribution clock of the top-level trace buffer from boot
# (harness/l1/init then changes only its instance's clock: each change costs ~0.85 s of Bochs CPU).
KERNEL_CMDLINE = "console=ttyS0 quiet clearcpuid=aperfmperf mitigations=off trace_clock=x86-tsc"
BOOT_BUDGET_S = 240.0  # L0 start to "kvm loaded", added to the L2 timeout
# Every L2 exit to QEMU is a round trip through KVM inside Bochs: the harness's
# per-boot timeout (sized for a Bochs run of the image) is scaled for L2.
L2_SLOWDOWN = 5.0

_TICK_LINE = re.compile(r"^(\d{8,})([a-z])\[([A-Z0-9 ]+)\] (.*)$")
_L1 = re.compile(r"@L1 (\S+)(?: (.*))?$")
# "@L1" lines that are data, not stages (progress and status).
_L1_DATA = ("E9", "E9LINE", "E9MARK", "KVMCHECK", "QEMUERR", "DMESG", "L2COM1")
_BOCHS_REASON = re.compile(r"(VMFAIL:|VMENTER FAIL:|VMEXIT: Guest State|VMABORT|LoadMSRs)")


def _bochs() -> tuple[str | None, str]:
    from harness import bochs_build
    b = bochs_build.cached_binary()
    return (str(b), "") if b else (None, "Bochs 3.0 is not built (make bochs3)")


class KvmOnBochsPlatform:
    """qemu-kvm<kernel>-on-bochs30: the catalog under KVM's nested VMX inside Bochs."""

    kind = "kvm-on-bochs"

    def __init__(self, name: str = "qemu-kvm612-on-bochs30", suite: str = "trixie"):
        self.name = name
        self.suite = suite
        self.model = "corei7_skylake_x"
        self.kernel_cmdline = KERNEL_CMDLINE

    # -- availability ------------------------------------------------------
    def availability(self) -> tuple[bool, str]:
        b, why = _bochs()
        if not b:
            return False, why
        for tool in ("grub-mkrescue", "xorriso"):
            if not shutil.which(tool):
                return False, f"{tool} not found (apt-get install grub-pc-bin grub-common xorriso mtools)"
        return True, ""

    def image(self, log=None):
        from harness.provision import l1kvm
        return l1kvm.ensure_image(self.suite, log=log)

    def info(self, manifest: dict | None = None) -> dict:
        b, _ = _bochs()
        from harness.runners.bochs import version_of
        man = manifest or {}
        return {"emulator": "qemu-kvm-on-bochs", "version": f"KVM {man.get('kernel', '?')} / QEMU "
                f"{man.get('qemu', '?')} / Bochs {version_of(b) if b else '3.0'}",
                "cpu_model": "host,+vmx on Bochs corei7_skylake_x", "accelerator": "kvm (nested, L1 on Bochs)",
                "layers": {"L0": {"emulator": "bochs", "version": version_of(b) if b else None,
                                  "cpu_model": self.model, "binary": b, "config": str(RC.relative_to(REPO))},
                           "L1": {"kernel": man.get("kernel"), "kernel_package": man.get("kernel_package"),
                                  "qemu": man.get("qemu"), "suite": man.get("suite"),
                                  "kvm_intel": f"nested=1 {KVM_PARAMS}", "cmdline": self.kernel_cmdline},
                           "L2": {"qemu_args": "-accel kvm -cpu host,+vmx -m 64 -kernel vmxdiff.elf32"}}}

    # -- one boot ----------------------------------------------------------
    def run(self, *, iso: Path, elf32: Path, cmdline: str, run_dir: Path, timeout: float, cpus: int = 1) -> RunResult:
        del iso
        ok, why = self.availability()
        if not ok:
            return RunResult(platform=self.name, status=RunStatus.UNAVAILABLE, reason=why, run_dir=str(run_dir))
        from harness.provision.debian import ProvisionError
        try:
            imgdir, man = self.image(log=sys.stderr)
            run_cpio = self.run_cpio(elf32, cmdline, timeout, cpus)
        except (ProvisionError, OSError, subprocess.SubprocessError) as exc:
            return RunResult(platform=self.name, status=RunStatus.UNAVAILABLE,
                             reason=f"L1 image unavailable: {exc}", run_dir=str(run_dir))
        b, _ = _bochs()
        paths = {k: run_dir / f for k, f in (("serial", "serial.log"), ("console", "l1-console.log"),
                                              ("bochs", "bochs.log"), ("layers", "layers.log"),
                                              ("command", "command.txt"))}
        budget = timeout * L2_SLOWDOWN + BOOT_BUDGET_S
        from harness.runners import kvm_snapshot
        out, snap = kvm_snapshot.run_restored(self, b, imgdir, man, run_cpio, run_dir, paths, budget) \
            if kvm_snapshot.enabled() else (None, {"used": False, "disabled": f"{kvm_snapshot.ENV}=0"})
        if out is None:
            try:
                l1iso = self.make_iso(imgdir, man, run_cpio)
            except (ProvisionError, OSError, subprocess.SubprocessError) as exc:
                return RunResult(platform=self.name, status=RunStatus.UNAVAILABLE,
                                 reason=f"L1 image unavailable: {exc}", run_dir=str(run_dir))
            env = dict(os.environ, LC_ALL="C", VMXDIFF_ISO=str(l1iso), VMXDIFF_SERIAL=str(paths["serial"]),
                       VMXDIFF_CONSOLE=str(paths["console"]), VMXDIFF_MSRS=str(MSRS))
            env.pop("VMXDIFF_CHECKPOINT_DIR", None)
            argv = [b, "-q", "-f", str(RC)]
            paths["command"].write_text(" ".join(f"{k}={env[k]}" for k in ("VMXDIFF_ISO", "VMXDIFF_SERIAL",
                                        "VMXDIFF_CONSOLE", "VMXDIFF_MSRS")) + " " + " ".join(argv) + "\n")
            for p in (paths["serial"], paths["console"]):
                p.write_bytes(b"")
            out = watch(argv, env=env, log_path=paths["bochs"], serial_path=paths["serial"],
                        console_path=paths["console"], timeout=budget, name=self.name)
        res = classify(self.name, out, paths, marks=marker_names(elf32.parent))
        res.run_dir = str(run_dir)
        res.log_paths = {"emulator": str(paths["layers"]), "bochs": str(paths["bochs"]),
                         "l1_console": str(paths["console"]), "command": str(paths["command"])}
        res.log_paths.update(snap.get("log_paths", {}))
        res.info = dict(self.info(man), cpus=max(1, cpus),
                        **{"stages": out["stages"], "entry_failure_layers": res.info.get("entry_failure_layers", {}),
                           "bochs_cpu_s": out["cpu_s"], "snapshot": snap,
                           "first_record": {"wall_s": out["first_record_s"], "cpu_s": out["first_record_cpu_s"]}})
        return res

    def run_cpio(self, elf32: Path, cmdline: str, timeout: float, cpus: int = 1) -> bytes:
        """The per-run input: a small cpio unpacked over L1's /run (an initrd on the ISO of a
        full boot, the CD-ROM after a snapshot restore).  run/smp: L2's vCPU count, QEMU -smp;
        more than one only when the selection has a scenario on more than one CPU."""
        from harness.provision.l1kvm import newc_bytes
        run_files = {"run/l2.elf32": elf32.read_bytes(), "run/cmdline": l2_cmdline(cmdline).encode(),
                     "run/trace-mem": trace_mem_args(elf32.parent / "tables.json").encode(),
                     "run/kvm-params": KVM_PARAMS.encode(), "run/timeout": str(int(timeout * L2_SLOWDOWN)).encode(),
                     "run/smp": str(max(1, cpus)).encode()}
        return newc_bytes(run_files, mode=0o100755)

    def make_iso(self, imgdir: Path, man: dict, run_cpio: bytes) -> Path:
        """GRUB ISO: L1 kernel, the base initramfs and the per-run initrd (cached by content)."""
        h = hashlib.sha256(str(imgdir).encode())
        h.update(run_cpio)
        h.update(self.kernel_cmdline.encode())
        cache = REPO / "build" / "kvm-iso-cache"
        out = cache / f"{h.hexdigest()[:16]}.iso"
        if out.exists():
            return out
        cache.mkdir(parents=True, exist_ok=True)
        self.iso_for(imgdir, man, run_cpio, out)
        olds = sorted(cache.glob("*.iso"), key=lambda p: p.stat().st_mtime)[:-4]
        for p in olds:
            p.unlink(missing_ok=True)
        return out

    def iso_for(self, imgdir: Path, man: dict, run_cpio: bytes, out: Path) -> Path:
        """Write the GRUB ISO that boots L1 with run_cpio as its second initrd to out."""
        initrd = man["files"]["initrd"]["name"]
        tmp = out.parent / f"tmp-{os.getpid()}-{time.monotonic_ns()}"
        try:
            (tmp / "boot" / "grub").mkdir(parents=True)
            for name in ("vmlinuz", initrd):
                shutil.copyfile(imgdir / name, tmp / "boot" / name)
            (tmp / "boot" / "run.cpio").write_bytes(run_cpio)
            (tmp / "boot" / "grub" / "grub.cfg").write_text(
                "set timeout=0\nset default=0\nmenuentry l1 {\n"
                f"  linux /boot/vmlinuz {self.kernel_cmdline}\n  initrd /boot/{initrd} /boot/run.cpio\n  boot\n}}\n")
            part = out.with_name(out.name + f".{os.getpid()}.part")
            r = subprocess.run(["grub-mkrescue", "-o", str(part), str(tmp)],
                               capture_output=True, text=True, timeout=300, check=False)
            if r.returncode != 0:
                part.unlink(missing_ok=True)
                raise OSError(f"grub-mkrescue failed: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
            os.replace(part, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return out


def l2_cmdline(cmdline: str) -> str:
    """The image's command line under QEMU in L1: the trace goes to the memory channel
    and each scenario marker is one 32-bit OUT (marker=id).

    Through COM1 every trace byte costs two L2 exits to QEMU (status poll and
    write), each a round trip through KVM inside Bochs; through RAM it costs none.
    L1 copies the bytes out of QEMU's RAM file as they come (harness/l1/init).
    A text marker costs one such exit per byte (~49,000 per catalog; KVM does
    not batch OUTS either: its emulator's em_out hands userspace one element
    per iteration), the compact one exit per scenario.
    """
    return f"{cmdline} trace=mem marker=id".strip()


def marker_names(build: Path) -> dict[int, str]:
    """{marker value: scenario id} for the image's compact markers (core/include/marker.def:
    TAG | the scenario's index in the catalog, which is its row in scenarios.json).
    Empty when the build's catalog or tables cannot be read: markers then stay unnamed."""
    import json
    from harness import tables
    try:
        m = tables.load(build / "tables.json").marker
        ids = [s["id"] for s in json.loads((build / "scenarios.json").read_text())["scenarios"]]
    except (OSError, ValueError, KeyError, TypeError, tables.TablesError):
        return {}
    if not m or len(ids) > m["INDEX_MASK"] + 1:
        return {}
    return {m["TAG"] | i: sid for i, sid in enumerate(ids)}


def trace_mem_args(tables_json: Path) -> str:
    """`l1io follow-mem` arguments from the image's own layout (core/include/trace_mem.def)."""
    from harness import tables
    t = tables.load(tables_json).trace_mem
    return " ".join(str(t[k]) for k in ("ADDR", "SIZE", "MAGIC", "LEN_OFFSET", "LOST_OFFSET", "DATA_OFFSET"))


def watch(argv, *, env, log_path: Path, serial_path: Path, timeout: float, name: str,
          console_path: Path | None = None, stage_deadline: tuple[str, float] | None = None) -> dict:
    """Run Bochs; record "@L1" stages with wall times; print progress; enforce timeout
    (and stage_deadline = (stage, s): stop when that stage has not come after s seconds)."""
    start = time.monotonic()
    stages: list = []
    out = {"stages": stages, "timed_out": False, "exit": None, "signal": None, "panic": None,
           "shutdown": False, "duration_s": 0.0, "first_record_s": None, "first_record_cpu_s": None,
           "cpu_s": None}
    base.refuse_if_stopping()
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=base.die_with_parent(base.BOCHS_BLOCKED_SIGNALS))
    base.LIVE.add(proc.pid)
    buf = b""
    seen_begin = 0
    last_console = 0.0
    last_serial = 0
    try:
        with open(log_path, "wb") as log:
            while True:
                base.refuse_if_stopping()  # Ctrl-C between the spawn and LIVE.add: the finally kills it
                now = time.monotonic()
                # read before poll() reaps it: a zombie's /proc entry keeps its final CPU time
                out["cpu_s"] = cpu_seconds(proc.pid) or out["cpu_s"]
                if now - start > timeout or (stage_deadline and now - start > stage_deadline[1] and
                                             not any(s["stage"] == stage_deadline[0] for s in stages)):
                    out["timed_out"] = True
                    break
                r, _, _ = select.select([proc.stdout], [], [], 0.25)
                if r:
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    log.write(chunk)
                    log.flush()
                    buf += chunk
                    *lines, buf = buf.split(b"\n")
                    for raw in lines:
                        line = raw.decode("utf-8", "replace").rstrip("\r")
                        m = _L1.search(line)
                        if m and m.group(1) not in _L1_DATA:
                            stages.append({"stage": m.group(1), "detail": (m.group(2) or "")[:2000],
                                           "wall_s": round(time.monotonic() - start, 2),
                                           "cpu_s": cpu_seconds(proc.pid)})
                            _progress(name, f"{m.group(1).lower()} {(m.group(2) or '')[:100]}", start)
                        elif ">>PANIC<<" in line:
                            if "Shutdown port: shutdown requested" in line:
                                out["shutdown"] = True
                            elif out["panic"] is None:
                                out["panic"] = line
                # live L2 progress from the serial file
                try:
                    size = serial_path.stat().st_size
                except OSError:
                    size = 0
                if size != last_serial:
                    last_serial = size
                    text = serial_path.read_bytes().decode("utf-8", "replace")
                    if out["first_record_s"] is None and "@VT" in text:
                        out["first_record_s"] = round(time.monotonic() - start, 2)
                        out["first_record_cpu_s"] = cpu_seconds(proc.pid)
                    n = text.count(" BEGIN ")
                    if n != seen_begin:
                        seen_begin = n
                        cur = re.findall(r"BEGIN seq=\d+ scenario=(\S+)", text)
                        _progress(name, f"L2 scenario {n}: {cur[-1] if cur else '?'}", start)
                if console_path is not None and now - last_console > 1.0:
                    last_console = now
                    try:
                        con = console_path.read_bytes()
                    except OSError:
                        con = b""
                    if b"Kernel panic" in con and b"---[ end Kernel panic" in con:
                        _progress(name, "L1 kernel panic (see l1-console.log)", start)
                        break  # L1 is dead; Bochs would idle until the timeout
                if proc.poll() is not None and not r:
                    break
    finally:
        out["cpu_s"] = cpu_seconds(proc.pid) or out["cpu_s"]
        if proc.poll() is None:
            base.kill_group(proc.pid)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            base.kill_group(proc.pid)
        base.LIVE.discard(proc.pid)
        rc = proc.returncode
        out["exit"] = rc if rc is not None and rc >= 0 else None
        out["signal"] = -rc if rc is not None and rc < 0 and not out["timed_out"] else None
        out["duration_s"] = round(time.monotonic() - start, 2)
    return out


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) Bochs has used so far: on a loaded machine a steadier
    measure of each phase's cost than wall time.  None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, ValueError, IndexError):
        return None


def _progress(name: str, msg: str, start: float) -> None:
    if os.environ.get("VMXDIFF_QUIET"):
        return
    try:
        sys.stderr.write(f"[{name} {time.monotonic() - start:6.1f}s] {msg}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def classify(name: str, out: dict, paths: dict, marks: dict[int, str] | None = None) -> RunResult:
    """A RunResult whose status and reason name the layer that failed (marks: marker_names())."""
    proc = base.ProcessOutcome(exit_status=out["exit"], signal_status=out["signal"],
                               timed_out=out["timed_out"], duration_s=out["duration_s"],
                               first_record_s=out["first_record_s"],
                               bad_pattern="PANIC" if out["panic"] else None)
    res = base.classify(name, proc, paths["serial"], clean_exit={0, 1})
    stages = {s["stage"]: s for s in out["stages"]}
    try:
        console = paths["console"].read_text(encoding="utf-8", errors="replace")
    except OSError:
        console = ""
    try:
        bochs_text = paths["bochs"].read_text(encoding="utf-8", errors="replace")
    except OSError:
        bochs_text = ""
    layers = attribute(bochs_text, marks)
    try:
        paths["layers"].write_text(layers["merged"])
    except OSError:
        pass
    res.info = {"entry_failure_layers": layers["by_scenario"]}
    qemu_err = [ln.split("@L1 QEMUERR ", 1)[1] for ln in bochs_text.splitlines() if "@L1 QEMUERR " in ln]
    finished = res.trace is not None and res.trace.finish is not None
    fail = stages.get("FAIL")
    panic_line = next((ln[ln.index("Kernel panic"):].strip() for ln in console.splitlines()
                       if "Kernel panic" in ln), None)
    qexit = stages.get("QEMU") if "QEMU" in stages and "exit=" in stages["QEMU"]["detail"] else None
    why = None
    if out["panic"]:
        why = (RunStatus.PANIC, f"L0 panic (Bochs): {out['panic'].strip()[:300]}")
    elif panic_line:
        why = (RunStatus.PANIC, f"L1 kernel panic: {panic_line[:300]}")
    elif fail:
        d = fail["detail"]
        if "stage=kvm_intel" in d:
            why = (RunStatus.ERROR, f"L1: kvm_intel refused to load: {d.split('reason=', 1)[-1][:400]}")
        elif "stage=dev_kvm" in d:
            why = (RunStatus.ERROR, "L1: no /dev/kvm after loading kvm_intel")
        else:
            why = (RunStatus.ERROR, f"L1: {d[:400]}")
    elif "INIT" not in stages and not finished:
        why = (RunStatus.TIMEOUT if out["timed_out"] else RunStatus.CRASHED,
               "L1 never reached /init" + (" before the timeout" if out["timed_out"] else
                                           f" (Bochs exit {out['exit']})"))
    elif "KVM" not in stages and not finished:
        why = (RunStatus.TIMEOUT if out["timed_out"] else RunStatus.CRASHED, "L1 stopped before kvm was loaded")
    elif not finished:
        hw = next((ln for ln in qemu_err if "entry failed" in ln or "hardware error" in ln), None)
        if hw:
            l0 = [r for rs in layers["by_scenario"].values() for r in rs.get("bochs", [])] or \
                 [ln for ln in bochs_text.splitlines() if _BOCHS_REASON.search(ln)][-3:]
            why = (RunStatus.CRASHED, f"KVM entry failure: {hw.strip()}" +
                   (f"; L0 (Bochs) says: {' | '.join(l0)[:300]}" if l0 else ""))
        elif qexit and "stopped=kvm_internal_error" in qexit["detail"]:
            # harness/l1/init killed QEMU at the end of the register dump: the VM was stopped for good.
            rip = next((ln.split()[0] for ln in qemu_err if ln.startswith("RIP=")), "")
            why = (RunStatus.CRASHED, "QEMU stopped L2 on a KVM internal error (L1 then killed it): "
                   + " | ".join([ln.strip() for ln in qemu_err[:2]] + ([rip] if rip else []))[:400])
        elif qexit and re.search(r"exit=(124|137)\b", qexit["detail"]):
            why = (RunStatus.TIMEOUT, "L2 timeout: QEMU killed by L1's timeout")
        elif qexit:
            why = (RunStatus.CRASHED, f"QEMU failed ({qexit['detail'].split()[0]}): "
                   f"{' | '.join(qemu_err[:3])[:400] or 'no stderr'}")
        elif out["timed_out"]:
            why = (RunStatus.TIMEOUT, "L2 timeout: no FINISH record before the timeout")
    if why and res.status in (RunStatus.COMPLETE, RunStatus.CRASHED, RunStatus.TIMEOUT, RunStatus.PANIC):
        res.status, res.reason = why
    return res


def attribute(bochs_text: str, marks: dict[int, str] | None = None) -> dict:
    """Merge Bochs's log, the image's markers and KVM's failed checks by tick.

    marks: {compact marker value: scenario id} (marker_names()); a value it lacks
    becomes the scenario "unknown-marker-0x<value>", so what follows it is never
    given to the scenario before.
    Returns {"merged": text in Bochs-log form (markers as "@VTMARK BEGIN <id>"
    lines), "by_scenario": {id: {"layer", "bochs": [...], "kvm": [...]}}}.
    """
    events = []  # (tick, order, kind, text)
    e9 = []
    for i, line in enumerate(bochs_text.splitlines()):
        line = line.rstrip("\r")
        m = _TICK_LINE.match(line)
        if m:
            events.append((int(m.group(1)), i, "bochs", line))
            continue
        if line.startswith("@L1 E9MARK "):
            parts = line.split()
            if len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit():
                val = int(parts[3])
                events.append((int(parts[2]), -1, "mark", (marks or {}).get(val, f"unknown-marker-{val:#x}")))
        elif line.startswith("@L1 E9LINE "):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[2].isdigit():
                mm = re.match(r"@VTMARK BEGIN (\S+)", parts[3] if len(parts) == 4 else "")
                if mm:
                    events.append((int(parts[2]), -1, "mark", mm.group(1)))
        elif line.startswith("@L1 E9 "):
            parts = line.split()
            if len(parts) >= 4 and parts[2].isdigit():
                e9.append((int(parts[2]), int(parts[3], 16)))
        elif line.startswith("@L1 KVMCHECK "):
            parts = line.split(" ", 3)
            if len(parts) == 4 and parts[2].isdigit():
                events.append((int(parts[2]), i, "kvm", parts[3]))
    # Older logs: rebuild the marker text from the port 0xe9 bytes.
    text, start = "", None
    for tick, val in e9:
        if start is None:
            start = tick
        ch = chr(val)
        if ch == "\n":
            mm = re.match(r"@VTMARK BEGIN (\S+)", text)
            if mm:
                events.append((start, -1, "mark", mm.group(1)))
            text, start = "", None
        else:
            text += ch
    events.sort(key=lambda e: (e[0], e[1]))
    merged: list = []
    by: dict = {}
    cur = None
    for tick, _o, kind, t in events:
        if kind == "mark":
            cur = t
            merged.append(f"@VTMARK BEGIN {t}")
        elif kind == "kvm":
            merged.append(f"{tick:011d}e[KVM   ] L1 KVM nested.c VMENTER FAIL: {t}")
            if cur:
                by.setdefault(cur, {"bochs": [], "kvm": []})["kvm"].append(t)
        else:
            merged.append(t)
            mm = _TICK_LINE.match(t)
            if cur and mm and _BOCHS_REASON.search(mm.group(4)):
                by.setdefault(cur, {"bochs": [], "kvm": []})["bochs"].append(mm.group(4))
    for sid, v in by.items():
        v["layer"] = ("L0 (Bochs 3.0)" if v["bochs"] else "L1 (KVM nested.c)")
    # Lines without a tick (L1 stage lines, Bochs banner) keep their place at the end.
    merged += [ln for ln in bochs_text.splitlines() if not _TICK_LINE.match(ln.rstrip("\r"))
               and not ln.startswith(("@L1 E9 ", "@L1 E9LINE ", "@L1 E9MARK ", "@L1 KVMCHECK "))]
    return {"merged": "\n".join(merged) + "\n", "by_scenario": by}
