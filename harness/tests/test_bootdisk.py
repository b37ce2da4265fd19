"""The boot disk (harness/bootdisk.py, core/include/boot_disk.def): what the loader finds where.
The boot itself is tested on Bochs (pytest/test_boot_paths.py: the same records as GRUB's ISO)."""
from __future__ import annotations

import struct
import subprocess
import sys

import pytest

from harness import bootdisk
from harness.runners import bochs as bochs_runner

LOADER = b"\xeb\xfe" + bytes(1022)  # any 2 sectors


def elf32(segments, entry=0x100024, cls=1):
    """A minimal ELF32 executable: [(paddr, file bytes, memsz)] as PT_LOAD segments (and a
    non-loadable header, which the loader ignores)."""
    phoff, phnum = 52, len(segments) + 1
    data_off = phoff + 32 * phnum
    out = bytearray(b"\x7fELF" + bytes([cls, 1, 1]) + bytes(9))
    out += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, phoff, 0, 0, 52, 32, phnum, 40, 0, 0)
    blobs, off = b"", data_off
    for paddr, data, memsz in segments:
        out += struct.pack("<IIIIIIII", 1, off, paddr, paddr, len(data), memsz, 7, 0x1000)
        blobs += data
        off += len(data)
    out += struct.pack("<IIIIIIII", 0x6474e551, 0, 0, 0, 0, 0, 6, 4)  # PT_GNU_STACK
    return bytes(out + blobs)


def header(disk: bytes, tab) -> dict:
    d = tab.boot_disk
    base = d["HEADER_LBA"] * d["SECTOR"]
    return {k: struct.unpack_from("<I", disk, base + d[k])[0] for k in d if k.startswith("H_")}


def test_layout_follows_the_table(tab):
    d = tab.boot_disk
    code = bytes(range(256)) * 3 + b"xyz"  # 771 bytes: not a whole sector
    disk = bootdisk.build(elf32([(0x100000, code, 0x3000)]), LOADER, "scenarios=vmcall_loop", tab)
    h = header(disk, tab)
    sector = d["SECTOR"]
    assert disk[:len(LOADER)] == LOADER
    assert h["H_MAGIC"] == d["MAGIC"] and h["H_ENTRY"] == 0x100024 and h["H_LOAD"] == 0x100000
    assert h["H_CMD_LBA"] == d["HEADER_LBA"] + 1 and h["H_CMD_SECTORS"] == 1
    cmd = disk[h["H_CMD_LBA"] * sector:][:sector]
    assert cmd.split(b"\0")[0] == b"scenarios=vmcall_loop" and cmd[len("scenarios=vmcall_loop")] == 0
    image = disk[h["H_IMAGE_LBA"] * sector:][:h["H_IMAGE_SECTORS"] * sector]
    assert h["H_IMAGE_SECTORS"] == 2 and image[:len(code)] == code and not any(image[len(code):])
    # The zero-filled part starts where the copied sectors end and reaches memsz exactly.
    assert h["H_ZERO_PA"] == 0x100000 + 2 * sector
    assert h["H_ZERO_PA"] + h["H_ZERO_BYTES"] == 0x103000
    assert len(disk) % (d["HEADS"] * d["SPT"] * sector) == 0


def test_segments_with_a_gap_are_laid_out_at_their_addresses(tab):
    sector = tab.boot_disk["SECTOR"]
    disk = bootdisk.build(elf32([(0x200000, b"B" * 10, 10), (0x100000, b"A" * 10, 0x40)]), LOADER, "", tab)
    h = header(disk, tab)
    image = disk[h["H_IMAGE_LBA"] * sector:][:h["H_IMAGE_SECTORS"] * sector]
    assert h["H_LOAD"] == 0x100000
    assert image[:10] == b"A" * 10 and not any(image[10:0x100000]) and image[0x100000:0x10000a] == b"B" * 10
    assert h["H_ZERO_BYTES"] == 0  # the first segment's zero part lies inside the copied bytes


def test_odd_zero_part_is_rounded_to_words(tab):
    disk = bootdisk.build(elf32([(0x100000, b"A" * 512, 512 + 7)]), LOADER, "", tab)
    h = header(disk, tab)
    assert h["H_ZERO_BYTES"] == 8


@pytest.mark.parametrize("make,why", [
    (lambda: b"MZ" + bytes(100), "not an ELF file"),
    (lambda: elf32([(0x100000, b"A", 1)], cls=2), "not a little-endian ELF32"),
    (lambda: elf32([(0x7000, b"A", 1)]), "between 1 MiB and 16 MiB"),
    (lambda: elf32([(0xfff000, b"A", 0x2000)]), "between 1 MiB and 16 MiB"),
    (lambda: elf32([]), "no loadable segment"),
    (lambda: elf32([(0x100000, b"A" * 64, 64)])[:-40], "past the file's end"),
])
def test_images_the_loader_cannot_load_are_refused(make, why, tab):
    with pytest.raises(bootdisk.BootDiskError, match=why):
        bootdisk.build(make(), LOADER, "", tab)


def test_command_line_beyond_the_room_and_a_wrong_loader_are_refused(tab):
    room = tab.boot_disk["CMDLINE_ROOM"]
    image = elf32([(0x100000, b"A", 1)])
    assert bootdisk.build(image, LOADER, "x" * (room - 1), tab)  # with its NUL: exactly the room
    with pytest.raises(bootdisk.BootDiskError, match="room"):
        bootdisk.build(image, LOADER, "x" * room, tab)
    with pytest.raises(bootdisk.BootDiskError, match="diskboot.bin is 512 bytes"):
        bootdisk.build(image, LOADER[:512], "", tab)


def test_the_built_loader_fits_its_sectors_and_is_bootable(tab):
    from harness.tables import DEFAULT_BUILD
    d = tab.boot_disk
    loader = (DEFAULT_BUILD / bootdisk.LOADER).read_bytes()
    assert len(loader) == d["LOADER_SECTORS"] * d["SECTOR"]
    assert loader[d["SECTOR"] - 2:d["SECTOR"]] == b"\x55\xaa"  # the BIOS boots only a signed sector 0


def test_bochs_option_names_the_whole_cylinders(tab, tmp_path):
    from harness.tables import DEFAULT_BUILD
    out = bootdisk.write(DEFAULT_BUILD / "vmxdiff.elf32", tmp_path / "boot.disk", "scenarios=exit_cpuid", tab)
    cyl = out.stat().st_size // (tab.boot_disk["HEADS"] * tab.boot_disk["SPT"] * tab.boot_disk["SECTOR"])
    assert cyl >= 1
    assert bootdisk.bochs_option(out, tab) == (f"ata0-master: type=disk, path={out}, mode=flat, cylinders={cyl}, "
                                              f"heads={tab.boot_disk['HEADS']}, spt={tab.boot_disk['SPT']}")


@pytest.mark.parametrize("read,env,other,bad,message", [
    (bootdisk.boot_mode, bootdisk.BOOT_ENV, "iso", "floppy",
     "VMXDIFF_BOCHS_BOOT='floppy' is not a boot medium of the Bochs platforms (known: disk, iso)"),
    (bochs_runner.trace_channel, bochs_runner.CHANNEL_ENV, "serial", "e9",
     "VMXDIFF_TRACE_CHANNEL='e9' is not a trace channel of the Bochs platforms (known: disk, serial)"),
])
def test_bochs_switches(monkeypatch, read, env, other, bad, message):
    """The Bochs platforms' two environment switches (harness/model.py env_choice): "disk" when
    unset or empty, the other known value, and one line for an unknown one."""
    monkeypatch.delenv(env, raising=False)
    assert read() == "disk"
    monkeypatch.setenv(env, "")
    assert read() == "disk"
    monkeypatch.setenv(env, other)
    assert read() == other
    monkeypatch.setenv(env, bad)
    with pytest.raises(ValueError) as exc:
        read()
    assert str(exc.value) == message


@pytest.mark.parametrize("args,msg", [
    ([], "usage:"),
    (["/nonexistent.elf32", "/tmp/x.disk"], "error: cannot read /nonexistent.elf32"),
])
def test_cli_errors_are_one_line_and_exit_2(args, msg, tmp_path):
    r = subprocess.run([sys.executable, "-m", "harness.bootdisk", *args], capture_output=True, text=True,
                       cwd=str(bootdisk.tables.REPO), timeout=30)
    assert r.returncode == 2 and r.stderr.startswith(msg) and len(r.stderr.strip().splitlines()) == 1, r.stderr
