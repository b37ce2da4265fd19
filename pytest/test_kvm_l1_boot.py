"""KVM-on-Bochs: a broken L1 ends as a named status within its timeout, with
every layer's log kept (the catalog itself runs through the shared
scenario/pair tests of conftest.py, e.g. ``pytest -k vmcall``)."""
from __future__ import annotations

import os
import time

import pytest

from conftest import require_platform
from harness import session
from harness.model import RunStatus
from harness.runners import kvm_snapshot
from harness.runners.kvm_on_bochs import KERNEL_CMDLINE
from harness.tables import DEFAULT_BUILD

NAME = "qemu-kvm612-on-bochs30"


@pytest.fixture(scope="module")
def plat():
    return require_platform(NAME)


def test_broken_l1_kernel_ends_as_named_panic_with_logs(plat, tmp_path):
    """mem=16M leaves no room for L1's initrd (about 20 MB): the kernel panics in its setup, before
    its console starts ("Cannot find place for new RAMDISK"), and earlyprintk=ttyS0 puts the panic
    on COM1.  About 14 s; rdinit=/nonexistent panics only after the whole kernel boot (32 s)."""
    plat.kernel_cmdline = f"{KERNEL_CMDLINE} mem=16M earlyprintk=ttyS0"  # the platform's own line, plus the fault
    run_dir = session.new_run_dir("kvm-broken-l1") / NAME
    run_dir.mkdir(parents=True)
    t = time.monotonic()
    res = plat.run(iso=None, elf32=DEFAULT_BUILD / "vmxdiff.elf32",
                   cmdline=session.cmdline_for(["vmcall_loop"], {}), run_dir=run_dir, timeout=20)
    took = time.monotonic() - t
    assert res.status == RunStatus.PANIC, (res.status, res.reason)
    assert res.reason.startswith("L1 kernel panic: Kernel panic"), res.reason
    assert "RAMDISK" in res.reason, res.reason  # the panic this line causes, not another one
    assert took < 20 * 5 + 240, took  # within its own timeout
    for key in ("emulator", "bochs", "l1_console", "command"):
        assert os.path.exists(res.log_paths[key]), key
    assert "Kernel panic" in open(res.log_paths["l1_console"], errors="replace").read()
    assert os.path.exists(res.serial_path)  # the (empty) L2 trace is kept too
    if kvm_snapshot.enabled():  # one L1 boot, not two: the panic in the snapshot's creation is the result
        assert res.info["snapshot"].get("result_of") == "the snapshot's creation boot", res.info["snapshot"]
