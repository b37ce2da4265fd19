"""The every-scenario test of a platform that cannot run VMX on this host (conftest.py NO_VMX_HERE):
it stands for one skip per scenario, so it must fail when any scenario did not skip."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

import conftest
from harness.evaluate import Verdict
from harness.model import Status

IDS = ["vmcall_loop", "exit_cpuid", "ec_X__y"]


def _config(ids):
    return SimpleNamespace(_vmxdiff_need=({"qemu-kvm"}, set(ids)))


def _run(verdicts: dict):
    return lambda sid: Verdict(sid, "qemu-kvm", *verdicts[sid])


def test_all_skipped_is_one_skip_with_count_and_reason():
    v = {s: (Status.SKIP, "VMX absent on qemu-kvm: image reports cpuid_vmx_clear") for s in IDS}
    with pytest.raises(pytest.skip.Exception, match=r"qemu-kvm: 3 scenarios skipped: VMX absent"):
        conftest.every_scenario_skips(_config(IDS), "qemu-kvm", _run(v))


def test_a_scenario_that_did_not_skip_fails_it():
    for status in (Status.PASS, Status.FAIL, Status.CRASHED, Status.XFAIL):
        v = {s: (Status.SKIP, "VMX absent") for s in IDS}
        v["exit_cpuid"] = (status, "registered divergence" if status == Status.XFAIL else "ran")
        with pytest.raises(AssertionError, match=r"1 of 3 scenarios did not skip:\n\s*exit_cpuid: " + status.value):
            conftest.every_scenario_skips(_config(IDS), "qemu-kvm", _run(v))


def test_a_registered_crash_of_the_other_platform_is_counted_apart():
    v = {s: (Status.SKIP, "qemu-kvm did not run VMX") for s in IDS}
    v["ec_X__y"] = (Status.XFAIL, "not booted in the catalog: bochs27-penryn crashes on it (...)")
    with pytest.raises(pytest.skip.Exception, match=r"2 scenarios skipped \(1 more left out of the catalog"):
        conftest.every_scenario_skips(_config(IDS), "bochs27-skylake_x-vs-qemu-kvm", _run(v))


def test_only_platforms_the_host_cannot_give_vmx(monkeypatch):
    from harness.runners import qemu
    monkeypatch.setattr(qemu, "kvm_nested_vmx", lambda: (True, "GenuineIntel host, nested=Y"))
    assert conftest._no_vmx_here() == {}
    monkeypatch.setattr(qemu, "kvm_nested_vmx", lambda: (False, "host CPU vendor is AuthenticAMD"))
    assert conftest._no_vmx_here() == {"qemu-kvm": "host CPU vendor is AuthenticAMD"}
