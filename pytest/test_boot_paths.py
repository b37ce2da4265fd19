"""The one image boots both ways: GRUB ISO (multiboot2) and QEMU -kernel (multiboot1)."""
from __future__ import annotations

import pytest

from conftest import require_platform
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
    from harness import iso as isomod
    from harness import platforms
    from harness.tables import DEFAULT_BUILD
    require_platform("bochs30-skylake_x")
    plat = platforms.get("bochs30-skylake_x")
    cmd = session.cmdline_for(["exit_cpuid"], {}) + f" trace={channel}"
    iso = isomod.cached_iso(DEFAULT_BUILD / "vmxdiff.elf32", DEFAULT_BUILD / "iso-cache", cmd)
    res = plat.run(iso=iso, elf32=DEFAULT_BUILD / "vmxdiff.elf32", cmdline=cmd, run_dir=tmp_path, timeout=60)
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
    from harness import iso as isomod
    from harness import platforms
    from harness.tables import DEFAULT_BUILD
    require_platform("bochs30-skylake_x")
    plat = platforms.get("bochs30-skylake_x")
    cmd = session.cmdline_for(["exit_cpuid", "exit_hlt"], {}) + " order=backwards"
    iso = isomod.cached_iso(DEFAULT_BUILD / "vmxdiff.elf32", DEFAULT_BUILD / "iso-cache", cmd)
    res = plat.run(iso=iso, elf32=DEFAULT_BUILD / "vmxdiff.elf32", cmdline=cmd, run_dir=tmp_path, timeout=60)
    assert res.trace is not None and res.trace.finish is not None, (res.status, res.reason)
    assert res.trace.finish.fields["status"] == "FATAL" and list(res.trace.scenarios) == []
    assert "what=bad_order" in open(res.serial_path, errors="replace").read()
