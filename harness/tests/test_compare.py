"""Comparison versus the SDM and between platforms, on canned traces."""
import dataclasses

from harness import compare, evaluate, expect, parser
from harness.model import RunResult, RunStatus, Status

PARAMS = {"vmcall_loop.count": 4}


def _meta(sid, check=None):
    return {"id": sid, "check": check, "hidden": False}


def _run(tr, platform="bochs27-skylake_x"):
    return RunResult(platform=platform, status=RunStatus.COMPLETE, trace=tr)


def test_sdm_expectations_hold_on_canned_bochs_trace(canned, tab):
    tr = parser.parse(canned("bochs27_skylake_x"))
    checks = {"entry_fail_ctrl": "CTRL_CR3_TARGET_COUNT", "invalid_guest_state_rflags_bit1": "GUEST_RFLAGS_BIT1"}
    for sid in tr.scenarios:
        v = evaluate.scenario_verdict(_run(tr), _meta(sid, checks.get(sid)), tab, PARAMS)
        assert v.status == Status.PASS, [d.message() for d in v.divergences]


def test_wrong_exit_reason_is_a_named_divergence(canned, tab):
    text = canned("bochs27_skylake_x").replace("reason=10 name=CPUID", "reason=12 name=HLT", 1)
    tr = parser.parse(text)
    v = evaluate.scenario_verdict(_run(tr), _meta("exit_cpuid"), tab)
    assert v.status == Status.FAIL
    msg = v.divergences[0].message()
    assert "exit_cpuid" in msg and "reason" in msg and "10 (CPUID)" in msg and "12 (HLT)" in msg


def test_vmcall_loop_rax_and_length_checked(canned, tab):
    text = canned("bochs27_skylake_x").replace("rax=0x2 rdi=0x2", "rax=0x7 rdi=0x2", 1)
    v = evaluate.scenario_verdict(_run(parser.parse(text)), _meta("vmcall_loop"), tab, PARAMS)
    assert [d.field for d in v.divergences] == ["rax"]


def test_wrong_vm_instruction_error(canned, tab):
    text = canned("bochs27_skylake_x").replace("kind=valid err=7", "kind=valid err=8", 1)
    v = evaluate.scenario_verdict(_run(parser.parse(text)), _meta("entry_fail_ctrl", "CTRL_CR3_TARGET_COUNT"), tab)
    assert v.status == Status.FAIL and v.divergences[0].field == "vm_instruction_error"


def test_truncated_scenario_is_crashed_not_pass(canned, tab):
    lines = canned("bochs27_skylake_x").splitlines()
    cut = next(i for i, ln in enumerate(lines) if "BEGIN" in ln and "vmcall_loop" in ln) + 2
    tr = parser.parse("\n".join(lines[:cut]))
    run = RunResult(platform="bochs27-skylake_x", status=RunStatus.CRASHED, trace=tr, reason="x")
    assert evaluate.scenario_verdict(run, _meta("vmcall_loop"), tab, PARAMS).status == Status.CRASHED


def test_pair_same_trace_has_no_divergence(canned, tab):
    a = parser.parse(canned("bochs27_skylake_x"))
    b = parser.parse(canned("bochs27_penryn"))
    for sid in a.scenarios:
        assert compare.compare_pair(a.scenarios[sid], b.scenarios[sid], tab) == []


def test_pair_qualification_difference_found(canned, tab):
    a = parser.parse(canned("bochs27_skylake_x"))
    b = parser.parse(canned("bochs27_skylake_x").replace("qual=0x800040", "qual=0x800041", 1))
    divs = compare.compare_pair(a.scenarios["exit_io_out_imm"], b.scenarios["exit_io_out_imm"], tab, "A", "B")
    assert len(divs) == 1 and divs[0].field == "qual"
    assert "A=0x800040" in divs[0].message() and "B=0x800041" in divs[0].message()


def test_length_compared_only_where_sdm_defines_it(canned, tab):
    a = parser.parse(canned("bochs27_skylake_x"))
    st = a.scenarios["invalid_guest_state_rflags_bit1"]
    other = dataclasses.replace(st, events=[dataclasses.replace(st.events[0], len=99)])
    assert not tab.len_defined(st.events[0].reason)
    assert compare.compare_pair(st, other, tab) == []
    cp = a.scenarios["exit_cpuid"]
    other = dataclasses.replace(cp, events=[dataclasses.replace(cp.events[0], len=99)] + cp.events[1:])
    assert [d.field for d in compare.compare_pair(cp, other, tab)] == ["len"]


def test_known_divergence_is_xfail_never_pass(tab):
    trace_text = "\n".join([
        "@VT 1 BOOT seq=0 build=x tables=y", "@VT 1 BEGIN seq=1 scenario=invalid_guest_state_rip_noncanonical check=GUEST_RIP_CANONICAL",
        "@VT 1 EXIT seq=2 insn=VMLAUNCH reason=0 entry_fail=0 qual=0x0 len=0 rip=0x800000000000 next_rip=none "
        "intr_info=0x80000b0d rax=0x0 rdi=0x0 rsi=0x0 rdx=0x0 rcx=0x0",
        "@VT 1 END seq=3 scenario=invalid_guest_state_rip_noncanonical status=DONE exits=1",
        "@VT 1 FINISH seq=4 status=OK"])
    tr = parser.parse(trace_text)
    meta = _meta("invalid_guest_state_rip_noncanonical", "GUEST_RIP_CANONICAL")
    assert evaluate.scenario_verdict(_run(tr, "bochs27-skylake_x"), meta, tab).status == Status.XFAIL
    assert evaluate.scenario_verdict(_run(tr, "qemu-kvm"), meta, tab).status == Status.FAIL


def test_qemu_tcg_trace_skips_with_reason(canned, tab):
    tr = parser.parse(canned("qemu_tcg"))
    run = RunResult(platform="qemu-kvm", status=RunStatus.COMPLETE, trace=tr,
                    info={"accelerator_reason": "host CPU vendor is AuthenticAMD"})
    v = evaluate.scenario_verdict(run, _meta("vmcall_loop"), tab, PARAMS)
    assert v.status == Status.SKIP and "cpuid_vmx_clear" in v.reason and "AuthenticAMD" in v.reason


def test_every_catalog_scenario_has_an_expectation(tab):
    from harness import session
    for meta in session.load_catalog():
        if not meta["hidden"]:
            assert expect.for_scenario(meta, tab) is not None, meta["id"]
