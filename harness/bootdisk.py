"""The boot disk: how the harness boots the image on Bochs without GRUB.

A raw disk image holding our own Multiboot1 loader (core/boot/diskboot.S, built as
build/diskboot.bin), a header, the command line and the image's loadable bytes, laid out as
core/include/boot_disk.def says.  GRUB's rescue ISO costs a Bochs boot about 80 million
instructions before the image runs (most of a short run); this loader costs a few hundred
thousand, and the disk is written in a millisecond where grub-mkrescue takes a third of a second.
The ISO path stays available (VMXDIFF_BOCHS_BOOT=iso, and the boot-path tests use it).

``python3 -m harness.bootdisk IMAGE.elf32 OUT.disk [CMDLINE]`` writes one (command.txt uses it).
"""
from __future__ import annotations

import struct
import sys
from pathlib import Path

from harness import tables
from harness.model import env_choice

BOOT_ENV = "VMXDIFF_BOCHS_BOOT"  # "disk" (default) or "iso": how Bochs platforms boot the image
BOOTS = ("disk", "iso")
LOADER = "diskboot.bin"  # in the build folder, beside vmxdiff.elf32 (Makefile)
PT_LOAD = 1


class BootDiskError(Exception):
    """The image or the loader cannot make a boot disk."""


def boot_mode() -> str:
    """How Bochs platforms boot: VMXDIFF_BOCHS_BOOT, "disk" when unset; ValueError when unknown."""
    return env_choice(BOOT_ENV, BOOTS, "disk", "a boot medium of the Bochs platforms")


def load_segments(elf32: bytes) -> tuple[int, list[tuple[int, bytes, int]]]:
    """(entry, [(physical address, file bytes, memory size)]) of an ELF32 executable's PT_LOAD
    segments: what a Multiboot1 loader loads for an image whose header sets no address fields."""
    if elf32[:4] != b"\x7fELF" or len(elf32) < 52:
        raise BootDiskError("not an ELF file")
    if elf32[4] != 1 or elf32[5] != 1:
        raise BootDiskError("not a little-endian ELF32 file (the loader takes build/vmxdiff.elf32)")
    entry, phoff = struct.unpack_from("<II", elf32, 24)
    phentsize, phnum = struct.unpack_from("<HH", elf32, 42)
    segs = []
    for i in range(phnum):
        off = phoff + i * phentsize
        if off + 32 > len(elf32):
            raise BootDiskError("program header table runs past the file's end")
        p_type, p_offset, _vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIIIII", elf32, off)
        if p_type != PT_LOAD or p_memsz == 0:
            continue
        if p_offset + p_filesz > len(elf32):
            raise BootDiskError(f"segment at {p_paddr:#x} runs past the file's end")
        segs.append((p_paddr, elf32[p_offset:p_offset + p_filesz], p_memsz))
    if not segs:
        raise BootDiskError("no loadable segment")
    return entry, segs


def build(elf32: bytes, loader: bytes, cmdline: str, tab) -> bytes:
    """The disk's bytes (a whole number of cylinders)."""
    d = tab.boot_disk
    sector = d["SECTOR"]
    if len(loader) != d["LOADER_SECTORS"] * sector:
        raise BootDiskError(f"{LOADER} is {len(loader)} bytes, not {d['LOADER_SECTORS']} sectors")
    entry, segs = load_segments(elf32)
    lo = min(a for a, _, _ in segs)
    hi_file = max(a + len(b) for a, b, _ in segs)
    hi_mem = max(a + m for a, _, m in segs)
    # INT 15h AH=87h takes 24-bit addresses; the loader's own buffers lie below 1 MiB.
    if lo < 0x100000 or hi_mem > 0x1000000:
        raise BootDiskError(f"the image spans {lo:#x}-{hi_mem:#x}: the loader loads between 1 MiB and 16 MiB")
    blob = bytearray(hi_file - lo)
    for a, b, _ in segs:
        blob[a - lo:a - lo + len(b)] = b
    blob += bytes(-len(blob) % sector)
    zero_pa = lo + len(blob)
    zero_bytes = max(0, hi_mem - zero_pa)
    zero_bytes += zero_bytes & 1  # the loader moves words
    line = cmdline.encode("ascii") + b"\0"
    if len(line) > d["CMDLINE_ROOM"]:
        raise BootDiskError(f"the command line is {len(line)} bytes; the loader has room for {d['CMDLINE_ROOM']}")
    line += bytes(-len(line) % sector)
    cmd_lba = d["HEADER_LBA"] + 1
    image_lba = cmd_lba + len(line) // sector
    fields = {"H_MAGIC": d["MAGIC"], "H_ENTRY": entry, "H_LOAD": lo, "H_IMAGE_LBA": image_lba,
              "H_IMAGE_SECTORS": len(blob) // sector, "H_ZERO_PA": zero_pa, "H_ZERO_BYTES": zero_bytes,
              "H_CMD_LBA": cmd_lba, "H_CMD_SECTORS": len(line) // sector}
    header = bytearray(sector)
    for name, value in fields.items():
        struct.pack_into("<I", header, d[name], value)
    disk = bytearray(loader) + bytes((d["HEADER_LBA"] - d["LOADER_SECTORS"]) * sector) + header + line + blob
    disk += bytes(-len(disk) % cylinder_bytes(tab))
    return bytes(disk)


def cylinder_bytes(tab) -> int:
    d = tab.boot_disk
    return d["HEADS"] * d["SPT"] * d["SECTOR"]


def write(elf32: Path, out: Path, cmdline: str, tab=None) -> Path:
    """Write the boot disk for ``elf32`` and ``cmdline`` to ``out`` (the loader is read from
    elf32's folder, the build)."""
    try:
        image = elf32.read_bytes()
        loader = (elf32.parent / LOADER).read_bytes()
    except OSError as exc:
        raise BootDiskError(f"cannot read {exc.filename}: {exc.strerror} (make image builds it)") from None
    tab = tab or tables.load(elf32.parent / "tables.json")
    out.write_bytes(build(image, loader, cmdline, tab))
    return out


def bochs_option(path: Path, tab, name: str | None = None) -> str:
    """The bochsrc line (given on Bochs's command line) that makes the disk ata0-master, the first
    hard disk, which "boot: disk" boots (the trace disk is ata0-slave: core/include/trace_disk.def).
    ``name``: the path to write in the line instead of ``path`` (a kit's relative name)."""
    d = tab.boot_disk
    cylinders = path.stat().st_size // cylinder_bytes(tab)
    return (f"ata0-master: type=disk, path={name or path}, mode=flat, cylinders={cylinders}, heads={d['HEADS']}, "
            f"spt={d['SPT']}")


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: python3 -m harness.bootdisk IMAGE.elf32 OUT.disk [CMDLINE]", file=sys.stderr)
        return 2
    try:
        write(Path(argv[0]), Path(argv[1]), argv[2] if len(argv) == 3 else "")
    except (BootDiskError, tables.TablesError, UnicodeEncodeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
