"""Make a GRUB rescue ISO that boots the image with a given command line.

The ISO is what every platform can boot (Bochs has no multiboot loader).
ISOs for non-default command lines are cached by a hash of the line.

``python3 -m harness.iso IMAGE.elf32 OUT.iso [CMDLINE]``
"""
from __future__ import annotations

import hashlib
import os
import threading
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
        # Unique per process and thread: two platforms of one run may build the same ISO at once.
        part = out.with_name(out.name + f".{os.getpid()}.{threading.get_ident()}.part")
        res = subprocess.run(
            ["grub-mkrescue", "-o", str(part), str(root)],
            capture_output=True, text=True, timeout=120, check=False)
        if res.returncode != 0:
            part.unlink(missing_ok=True)
            last = (res.stderr.strip().splitlines() or ["no output"])[-1]
            raise IsoError(f"grub-mkrescue failed ({res.returncode}): {last}")
        os.replace(part, out)
    return out


def _entries_limit(default: int = 16) -> int:
    raw = os.environ.get("VMXDIFF_ISO_CACHE_ENTRIES", "")
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else default


# At most this many ISOs (about 10 MB each) stay in the cache; the least recently used go first.
CACHE_ENTRIES = _entries_limit()


def cached_iso(elf32: Path, cache_dir: Path, cmdline: str, keep: int | None = None) -> Path:
    """ISO for ``cmdline``, rebuilt only when the image or the line changes.

    The cache keeps the ``keep`` (default CACHE_ENTRIES) most recently used
    ISOs: a hit refreshes the file's mtime, a new entry prunes the oldest.
    """
    key = hashlib.sha256(elf32.read_bytes() + b"\0" + cmdline.encode()).hexdigest()[:16]
    out = cache_dir / f"{key}.iso"
    if out.exists():
        try:
            os.utime(out)
        except OSError:
            pass  # a read-only cache still serves hits
        return out
    make_iso(elf32, out, cmdline)
    prune(cache_dir, keep=CACHE_ENTRIES if keep is None else keep, protect=out)
    return out


def prune(cache_dir: Path, keep: int, protect: Path | None = None) -> list[Path]:
    """Remove all but the ``keep`` newest ``*.iso`` of cache_dir (by mtime); return what was removed.

    ``protect`` (the ISO just made) is never removed.  A file another process
    has open stays readable after the unlink (POSIX), so pruning cannot break
    a run that is already booting.
    """
    entries = []
    for p in cache_dir.glob("*.iso"):
        try:
            entries.append((p.stat().st_mtime, p))
        except OSError:
            continue  # removed meanwhile
    entries.sort(key=lambda e: e[0], reverse=True)
    others = [p for _, p in entries if p != protect]
    room = max(1, keep) - (1 if protect is not None else 0)
    removed = []
    for p in others[max(0, room):]:
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed


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
