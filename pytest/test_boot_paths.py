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
