"""Verdicts of entry-check sweep cases (harness/evaluate.py _sweep_verdict) on a canned trace."""
import pathlib

from harness.tests.modelkit import TABLES

from harness import evaluate, parser
from harness.model import RunResult, RunStatus, Status

TEXT = (pathlib.Path(__file__).parent / "data" / "sweep-bochs30-skylake_x.log").read_text()
META = {"ec_CTRL_CR3_TARGET_COUNT__5": ("CTRL_CR3_TARGET_COUNT", "violate"),
        "ec_CTRL_CR3_TARGET_COUNT__4": ("CTRL_CR3_TARGET_COUNT", "satisfy"),
        "ec_MSR_LOAD_FS_BASE__entry2": ("MSR_LOAD_FS_BASE", "violate"),
        "ec_HOST_CS_SELECTOR_ZERO__0": ("HOST_CS_SELECTOR_ZERO", "violate")}


def _verdict(text, sid):
    run = RunResult(platform="bochs30-skylake_x", status=RunStatus.COMPLETE, trace=parser.parse(text))
    check, kind = META[sid]
    return evaluate.scenario_verdict(run, {"id": sid, "check": check, "sweep": kind, "params": [], "labels": {}},
                                     TABLES)


def _edit(sid, old, new):
    """The canned trace with one record of scenario sid changed."""
    head, rest = TEXT.split(f"scenario={sid} ", 1)
    body, tail = rest.split(" END ", 1)
    assert old in body, (old, body)
    return head + f"scenario={sid} " + body.replace(old, new, 1) + " END " + tail


def test_every_canned_case_passes():
    for sid in META:
        v = _verdict(TEXT, sid)
        assert v.status == Status.PASS, (sid, v.reason, v.divergences)


def test_platform_that_does_otherwise_fails():
    v = _verdict(_edit("ec_CTRL_CR3_TARGET_COUNT__5", "kind=valid err=7", "kind=valid err=8"),
                 "ec_CTRL_CR3_TARGET_COUNT__5")
    assert v.status == Status.FAIL and "err" in str(v.divergences[0].field) + str(v.divergences[0])
    v = _verdict(_edit("ec_MSR_LOAD_FS_BASE__entry2", "qual=0x2", "qual=0x1"), "ec_MSR_LOAD_FS_BASE__entry2")
    assert v.status == Status.FAIL


def test_satisfy_case_must_enter():
    sid = "ec_CTRL_CR3_TARGET_COUNT__4"
    v = _verdict(_edit(sid, "reason=18 name=VMCALL entry_fail=0", "reason=33 name=INVALID_STATE entry_fail=1"), sid)
    assert v.status == Status.FAIL


def test_image_model_must_equal_host_model():
    sid = "ec_HOST_CS_SELECTOR_ZERO__0"
    v = _verdict(_edit(sid, "outcome=vmfail_valid err=8", "outcome=vmfail_valid err=7"), sid)
    assert v.status == Status.ERROR and "disagree" in v.reason


def test_expectation_comes_from_the_vmcs_not_the_image_prediction():
    # The DIFF record is the VMCS the platform held: a count of 4 is within the SDM bound, so the
    # host model expects a clean entry and the case's claim ("violates") is false -> ERROR.
    sid = "ec_CTRL_CR3_TARGET_COUNT__5"
    v = _verdict(_edit(sid, "field=CR3_TARGET_COUNT enc=0x400a value=0x5", "field=CR3_TARGET_COUNT enc=0x400a value=0x4"),
                 sid)
    assert v.status == Status.ERROR


def test_untestable_skip_is_checked_against_the_model():
    sid = "ec_HOST_CS_SELECTOR_ZERO__0"
    head, rest = TEXT.split(f"scenario={sid} ", 1)
    body, tail = rest.split(" END ", 1)
    body = "\n".join(ln for ln in body.split("\n") if "VMFAIL" not in ln)
    skipped = head + f"scenario={sid} " + body + " END " + tail.replace("status=DONE reason=none", "status=SKIP reason=untestable", 1)
    v = _verdict(skipped, sid)
    assert v.status == Status.FAIL and "testable" in v.reason
