"""Make a GRUB rescue ISO that boots the image with a given command line.

The ISO is what every platform can boot (Bochs has no multiboot loader).
ISOs for non-default command lines are cached by a hash of the line.

``python3 -m harness.iso IMAGE.elf32 OUT.iso [CMDLINE]``
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

GRUB_CFG = """set timeout=0
set default=0
menuentry "vmx-diff" {{
    multiboot2 /boot/vmxdiff.elf {cmdline}
    boot
}}
"""


class IsoError(Exception):
    """grub-mkrescue failed or is missing."""


def make_iso(elf32: Path, out: Path, cmdline: str = "") -> Path:
    """Build ``out`` (atomically) booting ``elf32`` with ``cmdline``."""
    if any(c in cmdline for c in "\"'\\;{}\n$"):
        raise IsoError(f"command line has a character GRUB would interpret: {cmdline!r}")
    if not shutil.which("grub-mkrescue"):
        raise IsoError("grub-mkrescue not found (apt-get install grub-pc-bin grub-common xorriso mtools)")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vmxdiff-iso-") as tmp:
        root = Path(tmp, "root")
        (root / "boot/grub").mkdir(parents=True)
        shutil.copyfile(elf32, root / "boot/vmxdiff.elf")
        (root / "boot/grub/grub.cfg").write_text(GRUB_CFG.format(cmdline=cmdline))
        part = out.with_name(out.name + f".{os.getpid()}.part")
        res = subprocess.run(
            ["grub-mkrescue", "-o", str(part), str(root)],
            capture_output=True, text=True, timeout=120, check=False)
        if res.returncode != 0:
            part.unlink(missing_ok=True)
            last = (res.stderr.strip().splitlines() or ["no output"])[-1]
            raise IsoError(f"grub-mkrescue failed ({res.returncode}): {last}")
        os.replace(part, out)
    return out


def cached_iso(elf32: Path, cache_dir: Path, cmdline: str) -> Path:
    """ISO for ``cmdline``, rebuilt only when the image or the line changes."""
    key = hashlib.sha256(elf32.read_bytes() + b"\0" + cmdline.encode()).hexdigest()[:16]
    out = cache_dir / f"{key}.iso"
    if not out.exists():
        make_iso(elf32, out, cmdline)
    return out


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: python3 -m harness.iso IMAGE.elf32 OUT.iso [CMDLINE]", file=sys.stderr)
        return 2
    try:
        make_iso(Path(argv[0]), Path(argv[1]), argv[2] if len(argv) == 3 else "")
    except (IsoError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"iso: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
