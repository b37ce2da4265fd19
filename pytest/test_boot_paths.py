"""The one image boots every way: GRUB's ISO (multiboot2), QEMU -kernel (multiboot1) and the Bochs
boot disk (our own Multiboot1 loader, harness/bootdisk.py), with the same records."""
from __future__ import annotations

import pytest

from conftest import complete, require_platform
from harness import session
from harness.model import RunStatus
from harness.runners.qemu import QemuPlatform


@pytest.mark.parametrize("boot,loader", [("kernel", "multiboot1"), ("iso", "multiboot2")])
def test_qemu_boots_elf_and_iso(boot, loader, tmp_path):
    require_platform("qemu-kvm")
    plat = QemuPlatform("qemu-kvm", boot=boot)
    from harness import iso as isomod
    from harness.tables import DEFAULT_BUILD
    cmd = session.cmdline_for(["exit_cpuid"], {})
    iso = isomod.cached_iso(DEFAULT_BUILD / "vmxdiff.elf32", DEFAULT_BUILD / "iso-cache", cmd)
    res = plat.run(iso=iso, elf32=DEFAULT_BUILD / "vmxdiff.elf32", cmdline=cmd, run_dir=tmp_path, timeout=60)
    assert res.status == RunStatus.COMPLETE, res.reason
    assert res.trace.boot.fields["loader"] == loader
    assert list(res.trace.scenarios) == ["exit_cpuid"], "the command line reached the image"


@pytest.mark.parametrize("channel", ["serial", "bogus", "memory"])
def test_trace_channel_switch(channel, tmp_path):
    """trace=serial is COM1 (the default); a value the image does not know ends the run with
    FATAL what=bad_trace_channel, on COM1, before any scenario ("memory" is not "mem").
    (trace=mem itself is exercised by the whole catalog on qemu-kvm612-on-bochs30.)"""
    from harness import platforms
    from harness.tables import DEFAULT_BUILD
    require_platform("bochs30-skylake_x")
    plat = platforms.get("bochs30-skylake_x")
    cmd = session.cmdline_for(["exit_cpuid"], {}) + f" trace={channel}"
    res = plat.run(iso=None, elf32=DEFAULT_BUILD / "vmxdiff.elf32", cmdline=cmd, run_dir=tmp_path, timeout=60)
    assert res.trace is not None and res.trace.finish is not None, (res.status, res.reason)
    if channel == "serial":
        assert res.status == RunStatus.COMPLETE, res.reason
        assert list(res.trace.scenarios) == ["exit_cpuid"]
    else:
        assert res.trace.finish.fields["status"] == "FATAL"
        assert list(res.trace.scenarios) == []
        text = open(res.serial_path, errors="replace").read()
        assert "FATAL seq=1 what=bad_trace_channel" in text, text[-500:]


def test_order_key_refuses_an_unknown_value(tmp_path):
    """order=forward|reverse (pytest/test_independence.py uses reverse); anything else ends the
    run with FATAL what=bad_order before any scenario."""
    from harness import platforms
    from harness.tables import DEFAULT_BUILD
    require_platform("bochs30-skylake_x")
    plat = platforms.get("bochs30-skylake_x")
    cmd = session.cmdline_for(["exit_cpuid", "exit_hlt"], {}) + " order=backwards"
    res = plat.run(iso=None, elf32=DEFAULT_BUILD / "vmxdiff.elf32", cmdline=cmd, run_dir=tmp_path, timeout=60)
    assert res.trace is not None and res.trace.finish is not None, (res.status, res.reason)
    assert res.trace.finish.fields["status"] == "FATAL" and list(res.trace.scenarios) == []
    assert "what=bad_order" in open(res.serial_path, errors="replace").read()


def _records(trace) -> dict:
    return {sid: [(r.type, {k: v for k, v in r.fields.items() if k != "seq"}) for r in st.records]
            for sid, st in trace.scenarios.items()}


@pytest.mark.parametrize("name,sweep", [("bochs30-skylake_x", True), ("bochs27-skylake_x", False)])
def test_bochs_boot_disk_gives_grubs_records(name, sweep, monkeypatch):
    """The Bochs platforms boot from the boot disk (default): every scenario of the catalog that
    shares the main boot (on 2.7, whose GRUB boot is the slow one, the hand-written ones, without
    the entry-check sweep) gives the same records, field for field, as when GRUB's ISO boots the
    image; only the loader differs (BOOT loader=multiboot1 / multiboot2)."""
    from conftest import SCENARIOS
    from harness import bootdisk
    require_platform(name)
    ids = [s["id"] for s in SCENARIOS if not s.get("alone") and int(s.get("cpus") or 1) == 1
           and (sweep or not s.get("sweep"))]
    got = {}
    for mode in ("disk", "iso"):
        monkeypatch.setenv(bootdisk.BOOT_ENV, mode)
        res = session.run_platforms([name], ids, {}, timeout=180)[name]
        assert complete(res), f"{mode}: {res.status.value}: {res.reason}"
        assert res.info["boot"] == mode
        got[mode] = res.trace
    assert got["disk"].boot.fields["loader"] == "multiboot1"
    assert got["iso"].boot.fields["loader"] == "multiboot2"
    disk, iso = _records(got["disk"]), _records(got["iso"])
    assert len(disk) > (900 if sweep else 300) and set(disk) == set(iso)
    differ = [sid for sid in disk if disk[sid] != iso[sid]]
    assert not differ, f"{len(differ)} scenarios differ between the boot disk and GRUB, first {differ[:5]}"


def test_a_broken_boot_disk_ends_at_once_with_the_loaders_words(monkeypatch, tmp_path):
    """A disk whose header the loader does not recognise: the loader says so on port E9H and
    stops Bochs, so the run ends at once with a named status, not at its timeout."""
    from harness import bootdisk, platforms
    from harness.tables import DEFAULT_BUILD
    require_platform("bochs30-skylake_x")
    real = bootdisk.build

    def no_magic(*a, **kw):
        disk = bytearray(real(*a, **kw))
        d = a[3].boot_disk
        disk[d["HEADER_LBA"] * d["SECTOR"] + d["H_MAGIC"]] ^= 0xff
        return bytes(disk)
    monkeypatch.setattr(bootdisk, "build", no_magic)
    monkeypatch.setenv(bootdisk.BOOT_ENV, "disk")
    plat = platforms.get("bochs30-skylake_x")
    res = plat.run(iso=None, elf32=DEFAULT_BUILD / "vmxdiff.elf32", cmdline="scenarios=exit_cpuid",
                   run_dir=tmp_path, timeout=60)
    assert res.status == RunStatus.CRASHED and res.duration_s < 30, (res.status, res.reason)
    assert res.reason.startswith('the boot disk\'s loader said "diskboot: no vmx-diff header in sector 2"; '), \
        res.reason
    assert not (tmp_path / "boot.disk").exists(), "the run removes its boot disk (command.txt writes it again)"
