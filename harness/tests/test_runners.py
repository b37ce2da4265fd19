"""Runner logic that needs no emulator: KVM detection, run classification."""
from pathlib import Path

from harness.model import RunStatus
from harness.runners.base import ProcessOutcome, classify
from harness.runners.qemu import kvm_nested_vmx

INTEL = "vendor_id\t: GenuineIntel\n"


def test_kvm_detection_amd_host():
    ok, why = kvm_nested_vmx(cpuinfo="vendor_id\t: AuthenticAMD\n")
    assert not ok and "AuthenticAMD" in why


def test_kvm_detection_missing_dev(tmp_path):
    ok, why = kvm_nested_vmx(cpuinfo=INTEL, dev=str(tmp_path / "kvm"))
    assert not ok and "does not exist" in why


def test_kvm_detection_nested_off(tmp_path):
    dev = tmp_path / "kvm"
    dev.write_text("")
    param = tmp_path / "nested"
    param.write_text("N\n")
    ok, why = kvm_nested_vmx(cpuinfo=INTEL, dev=str(dev), nested_param=str(param))
    assert not ok and "nested=N" in why
    param.write_text("Y\n")
    assert kvm_nested_vmx(cpuinfo=INTEL, dev=str(dev), nested_param=str(param))[0]


def _serial(tmp_path, canned, name="bochs27_skylake_x", cut=None) -> Path:
    p = tmp_path / "serial.log"
    text = canned(name)
    p.write_text(text if cut is None else "\n".join(text.splitlines()[:cut]))
    return p


def test_segfault_after_complete_trace_keeps_trace(tmp_path, canned):
    res = classify("bochs27-skylake_x", ProcessOutcome(signal_status=11), _serial(tmp_path, canned), clean_exit={1})
    assert res.status == RunStatus.COMPLETE_EMULATOR_CRASHED and res.trace.finish is not None


def test_timeout_with_partial_trace(tmp_path, canned):
    res = classify("x", ProcessOutcome(timed_out=True), _serial(tmp_path, canned, cut=30), clean_exit={1})
    assert res.status == RunStatus.TIMEOUT and res.trace.boot is not None


def test_exit_before_finish_is_crashed(tmp_path, canned):
    res = classify("x", ProcessOutcome(exit_status=1), _serial(tmp_path, canned, cut=30), clean_exit={1})
    assert res.status == RunStatus.CRASHED and "before the FINISH" in res.reason


def test_garbled_trace_is_corrupt(tmp_path, canned):
    p = _serial(tmp_path, canned)
    p.write_text(p.read_text().replace("@VT 1 EXIT", "@VT 1 EX\x07IT", 1))
    res = classify("x", ProcessOutcome(exit_status=1), p, clean_exit={1})
    assert res.status == RunStatus.CORRUPT
