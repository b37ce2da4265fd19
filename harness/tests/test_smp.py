"""Scenarios on several CPUs (core/smp.c, guests/takeover.c): records with cpu=N, the .expect
words cpu= and CALL(name), per-CPU comparisons, and how the harness boots them."""
import json

import pytest

from harness import compare, parser, session, spec
from harness.expect import Expectation, ExpectCall, ExpectExit, ExpectVmFail
from harness.model import CallRecord, ExitRecord, RunResult, RunStatus, ScenarioTrace, VmFailRecord

LABELS = {"insn": 0x1000, "resume": 0x1003}


def meta(expect, cpus=2):
    return {"id": "t", "expect": expect, "labels": dict(LABELS), "params": [], "cpus": cpus}


def _exit(reason=10, rip=0x1000, cpu=0, resumed=True, rax=0):
    return ExitRecord(seq=0, line=1, insn="VMRESUME", reason=reason, entry_fail=False, qual=0, len=2, rip=rip,
                      resumed=resumed, intr_info=0, intr_err=0,
                      gprs={"rax": rax, "rdi": 0, "rsi": 0, "rdx": 0, "rcx": 0}, cpu=cpu)


def _trace(*events, keeps=()):
    st = ScenarioTrace(id="t", check=None, begin_line=1)
    st.events.extend(events)
    st.keeps.extend(keeps)
    return st


EXIT_LINE = ("@VT 2 EXIT seq={seq}{cpu} insn=VMLAUNCH reason=10 name=CPUID entry_fail=0 qual=0x0 len=2 "
             "rip=0x1000 resumed=1 intr_info=0x0 intr_err=0x0 rax=0x0 rdi=0x0 rsi=0x0 rdx=0x0 rcx=0x0")


def test_parser_keeps_the_cpu_of_each_record():
    lines = ["@VT 2 BEGIN seq=0 scenario=t check=none",
             EXIT_LINE.format(seq=1, cpu=""),
             "@VT 2 CALL seq=2 name=enable ret=0x0",
             "@VT 2 KEEP seq=3 field=ctx.cr0 before=0x1 after=0x1",
             EXIT_LINE.format(seq=4, cpu=" cpu=1"),
             "@VT 2 VMFAIL seq=5 cpu=1 insn=VMXON kind=valid err=15",
             "@VT 2 CALL seq=6 cpu=1 name=disable ret=0x3 vector=6",
             "@VT 2 KEEP seq=7 cpu=1 field=ctx.cr0 before=0x1 after=0x2",
             "@VT 2 END seq=8 scenario=t status=DONE reason=none exits=2 vmfails=0",
             "@VT 2 FINISH seq=9 status=OK scenarios=1"]
    tr = parser.parse_lines(lines)
    assert tr.complete, tr.errors
    st = tr.scenarios["t"]
    assert [e.cpu for e in st.events] == [0, 0, 1, 1, 1]
    assert st.events[1] == CallRecord(seq=2, line=3, name="enable", ret=0, vector=None, cpu=0)
    assert st.events[3].insn == "VMXON" and st.events[3].err == 15
    assert st.events[4].vector == 6
    assert [k[0] for k in st.keeps] == ["ctx.cr0", "cpu1:ctx.cr0"]
    assert st.cpus == [0, 1]


def test_lost_ap_records_make_the_trace_incomplete():
    tr = parser.parse_lines(["@VT 2 TRACELOST seq=0 cpu=1 records=3", "@VT 2 FINISH seq=1 status=OK scenarios=0"])
    assert not tr.complete and "CPU 1 lost 3 records" in tr.errors[0]


def test_spec_cpu_word_call_head_and_vmfail_instructions(tab):
    a, b, c, d = spec.parse(meta("CPUID at=insn len=2 next=resume; VMFAIL_VALID(VMXON_IN_VMX_ROOT) insn=VMXON; "
                                 "CALL(enable) ret=0x2 cpu=0; CALL(disable) ret=3 vector=6"), tab)
    assert isinstance(a, ExpectExit) and a.cpu is None
    assert b == ExpectVmFail("valid", "VMXON_IN_VMX_ROOT", insn="VMXON")
    assert c == ExpectCall("enable", ret=2, cpu=0)
    assert d == ExpectCall("disable", ret=3, vector=6)


@pytest.mark.parametrize("text, words", [("CALL ret=0", "name is missing"), ("CALL(enable) qual=1", "not allowed"),
                                         ("CPUID at=insn cpu=x", "cpu= takes"),
                                         ("VMFAIL_INVALID insn=CPUID", "insn=CPUID")])
def test_spec_errors_name_the_word(tab, text, words):
    with pytest.raises(spec.SpecError, match=words):
        spec.parse(meta(text), tab)


def test_an_item_without_cpu_is_expected_on_every_cpu(tab):
    exp = Expectation(spec.parse(meta("CPUID at=insn len=2 end; CALL(enable) ret=0"), tab), "x", cpus=2)
    both = _trace(_exit(resumed=False), CallRecord(0, 1, "enable", 0), _exit(resumed=False, cpu=1),
                  CallRecord(0, 1, "enable", 0, cpu=1))
    assert compare.compare_sdm(both, exp, tab) == []
    # CPU 1 never traced anything: its own event_count, named cpu1:; CPU 0's fields keep their names.
    only0 = _trace(_exit(resumed=False), CallRecord(0, 1, "enable", 5))
    assert sorted(d.field for d in compare.compare_sdm(only0, exp, tab)) == ["call_ret", "cpu1:event_count"]


def test_cpu_n_items_and_per_cpu_order(tab):
    exp = Expectation(spec.parse(meta("CALL(enable) ret=1 cpu=0"), tab), "x", cpus=2)
    assert compare.compare_sdm(_trace(CallRecord(0, 1, "enable", 1)), exp, tab) == []
    divs = compare.compare_sdm(_trace(CallRecord(0, 1, "enable", 1), CallRecord(0, 1, "enable", 1, cpu=1)), exp, tab)
    assert [d.field for d in divs] == ["cpu1:event_count"]


def test_keep_records_of_an_ap_diverge_by_name(tab):
    st = _trace(keeps=[("ctx.cr0", 1, 1, 3), ("cpu1:ctx.cr0", 1, 2, 7)])
    divs = compare.compare_sdm(st, Expectation((), "x", cpus=1), tab)
    assert [d.field for d in divs] == ["unmodified:cpu1:ctx.cr0"]


def test_pair_comparison_is_per_cpu_whatever_the_interleaving(tab):
    a = _trace(_exit(cpu=0), _exit(cpu=1, rip=0x2000), _exit(cpu=0, rip=0x3000))
    b = _trace(_exit(cpu=1, rip=0x2000), _exit(cpu=0), _exit(cpu=0, rip=0x3000))
    assert compare.compare_pair(a, b, tab) == []
    c = _trace(_exit(cpu=0), _exit(cpu=1, rip=0x2000, reason=31), _exit(cpu=0, rip=0x3000))
    assert [d.field for d in compare.compare_pair(a, c, tab)] == ["cpu1:reason"]
    d = _trace(_exit(cpu=0), _exit(cpu=1, rip=0x2000), _exit(cpu=0, rip=0x3000),
               VmFailRecord(0, 1, "VMXON", "valid", 15, cpu=1))
    assert [x.field for x in compare.compare_pair(a, d, tab)] == ["cpu1:event_count"]
    e = _trace(_exit(cpu=0), CallRecord(0, 1, "enable", 0, cpu=1))
    f = _trace(_exit(cpu=0), CallRecord(0, 1, "enable", 1, cpu=1))
    assert [x.field for x in compare.compare_pair(e, f, tab)] == ["cpu1:ret"]


def test_smp_split_and_the_separate_boot(tmp_path):
    (tmp_path / "scenarios.json").write_text(json.dumps({"scenarios": [
        {"id": "a", "hidden": False, "cpus": 1}, {"id": "b", "hidden": False, "cpus": 2},
        {"id": "c", "hidden": False}, {"id": "h", "hidden": True, "cpus": 2}]}))
    assert session.smp_split(None, tmp_path) == (["a", "c"], ["b"], 2)
    assert session.smp_split(["a", "h"], tmp_path) == (["a"], ["h"], 2)
    assert session.smp_split(["a"], tmp_path) == (["a"], [], 1)
    assert session.smp_split(["b"], tmp_path, skip=["b"]) == ([], [], 1)


def test_own_boots_for_smp_and_alone_scenarios(tmp_path):
    """Where the runner boots scenarios separately: one boot for the SMP ones, one for each
    .alone one (core/include/scenario.h), the rest in the catalog's boot."""
    (tmp_path / "scenarios.json").write_text(json.dumps({"scenarios": [
        {"id": "a", "hidden": False, "cpus": 1}, {"id": "b", "hidden": False, "cpus": 2},
        {"id": "x", "hidden": False, "alone": True}, {"id": "y", "hidden": False, "alone": True},
        {"id": "c", "hidden": False}]}))
    assert session.own_boots(None, tmp_path) == (["a", "c"], [(["b"], 2), (["x"], 1), (["y"], 1)])
    assert session.own_boots(["a", "y"], tmp_path) == (["a"], [(["y"], 1)])
    assert session.own_boots(["x"], tmp_path, skip=["x"]) == ([], [])
    res = RunResult(platform="p", status=RunStatus.COMPLETE, trace=parser.parse_lines([]))
    one = RunResult(platform="p", status=RunStatus.TIMEOUT, reason="hung", trace=parser.parse_lines([]))
    res = session.merge_own_boot(session.merge_own_boot(res, one, ["x"], "c1"), one, ["y"], "c2")
    assert [(b["scenarios"], b["status"], b["cmdline"]) for b in res.info["own_boots"]] == \
        [(["x"], "TIMEOUT", "c1"), (["y"], "TIMEOUT", "c2")]


def test_bochs_config_for_several_cpus(tmp_path):
    from harness import platforms
    plat = platforms.get("bochs30-skylake_x")
    assert plat.config_for(1, tmp_path) == plat.config
    rc = plat.config_for(2, tmp_path).read_text()
    assert f"#include {plat.config}" in rc and rc.rstrip().endswith("cpu: count=2")


def test_an_ap_that_did_not_finish_is_a_divergence(tab):
    tr = parser.parse_lines(["@VT 2 BEGIN seq=0 scenario=t check=none",
                             "@VT 2 SMP seq=1 what=ap_timeout cpu=1 state=2",
                             "@VT 2 END seq=2 scenario=t status=DONE reason=none exits=0 vmfails=0",
                             "@VT 2 FINISH seq=3 status=OK scenarios=1"])
    st = tr.scenarios["t"]
    assert st.ap_timeouts == [(1, "2", 2)]
    divs = compare.compare_sdm(st, Expectation((), "x", cpus=2), tab)
    assert [(d.field, d.left, d.right) for d in divs] == [("cpu1:ap_done", "done", "state 2")]
