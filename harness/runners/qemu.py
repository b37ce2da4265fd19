"""QEMU runner: KVM nested VMX where the host really can, else TCG (no VMX)."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from harness.model import RunResult, RunStatus
from harness.runners.base import classify, run_process
from harness.tables import REPO

QEMU = "qemu-system-x86_64"


def kvm_nested_vmx(cpuinfo: str | None = None, dev: str = "/dev/kvm",
                   nested_param: str = "/sys/module/kvm_intel/parameters/nested") -> tuple[bool, str]:
    """Can this host run a guest hypervisor under KVM (nested VMX)?

    Returns:
        (True, description) or (False, the precise reason it cannot).
    """
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError as exc:
            return False, f"cannot read /proc/cpuinfo: {exc}"
    vendor = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("vendor_id")),
                  "unknown")
    if vendor != "GenuineIntel":
        return False, f"host CPU vendor is {vendor}; KVM nested VMX needs a GenuineIntel host"
    if not os.path.exists(dev):
        return False, f"{dev} does not exist (KVM not available)"
    try:
        fd = os.open(dev, os.O_RDWR)
        os.close(fd)
    except OSError as exc:
        return False, f"cannot open {dev}: {exc.strerror}"
    try:
        nested = Path(nested_param).read_text().strip()
    except OSError:
        return False, "kvm_intel is not loaded (no " + nested_param + ")"
    if nested not in ("Y", "y", "1"):
        return False, f"kvm_intel nested={nested} (needs nested=Y)"
    return True, "GenuineIntel host, /dev/kvm usable, kvm_intel nested=Y"


@functools.lru_cache(maxsize=1)
def qemu_version() -> str:
    try:
        r = subprocess.run([QEMU, "--version"], capture_output=True, text=True, timeout=10, check=False)
        return r.stdout.splitlines()[0].replace("QEMU emulator version", "").strip()
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


class QemuPlatform:
    """QEMU with KVM nested VMX (-cpu host,+vmx), or TCG where KVM cannot."""

    kind = "qemu"

    def __init__(self, name: str = "qemu-kvm", boot: str = "kernel"):
        self.name = name
        self.boot = boot  # "kernel" (-kernel ELF32, fast) or "iso" (the GRUB ISO)
        self.model = "host"

    @property
    def needs_iso(self) -> bool:
        """run() boots the GRUB ISO it is given (harness/session.py makes it only then)."""
        return self.boot == "iso"

    def accel(self) -> tuple[str, str]:
        ok, why = kvm_nested_vmx()
        return ("kvm", why) if ok else ("tcg", why)

    def availability(self) -> tuple[bool, str]:
        if not shutil.which(QEMU):
            return False, f"{QEMU} not found (apt-get install qemu-system-x86)"
        return True, ""

    def info(self) -> dict:
        accel, why = self.accel()
        return {"emulator": "qemu", "version": qemu_version(),
                "cpu_model": "host,+vmx" if accel == "kvm" else "max (TCG: no VMX)",
                "accelerator": accel, "accelerator_reason": why, "binary": shutil.which(QEMU)}

    def run(self, *, iso: Path, elf32: Path, cmdline: str, run_dir: Path, timeout: float, cpus: int = 1) -> RunResult:
        ok, why = self.availability()
        if not ok:
            return RunResult(platform=self.name, status=RunStatus.UNAVAILABLE, reason=why, run_dir=str(run_dir))
        serial = run_dir / "serial.log"
        log = run_dir / "emulator.log"
        accel, _ = self.accel()
        argv = [shutil.which(QEMU), "-nodefaults", "-display", "none", "-vga", "none", "-monitor", "none",
                "-serial", f"file:{serial}", "-no-reboot", "-m", "64",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-smp", str(max(1, cpus))]
        argv += ["-accel", "kvm", "-cpu", "host,+vmx"] if accel == "kvm" else ["-accel", "tcg", "-cpu", "max"]
        if self.boot == "iso":
            argv += ["-cdrom", str(iso), "-boot", "d"]
        else:
            argv += ["-kernel", str(elf32), "-append", cmdline]
        from harness.runners.base import shell_command  # command.txt: one line a user can paste
        (run_dir / "command.txt").write_text(shell_command(argv, cwd=REPO))
        proc = run_process(argv, cwd=REPO, env=dict(os.environ), timeout=timeout, log_path=log,
                           serial_path=serial, bad_patterns={})
        # isa-debug-exit makes QEMU exit with (code << 1) | 1: 1 is a clean end.
        res = classify(self.name, proc, serial, clean_exit={1})
        res.run_dir = str(run_dir)
        res.log_paths = {"emulator": str(log), "command": str(run_dir / "command.txt")}
        res.info = dict(self.info(), cpus=max(1, cpus))
        return res
