"""The .expect declarations (harness/spec.py): grammar, table lookups, clear errors."""
import pytest

from harness import compare, spec
from harness.expect import Expectation, ExpectCall, ExpectExit, ExpectFault, ExpectVmFail
from harness.model import ExitRecord, ScenarioTrace

LABELS = {"insn": 0x1000, "resume": 0x1003, "data": 0x2000}


def meta(expect, params=(), labels=LABELS):
    return {"id": "t", "expect": expect, "labels": dict(labels), "params": list(params)}


def test_step_exit_uses_the_assembler_length_and_the_layout(tab):
    ev = spec.parse(meta("CR_ACCESS at=insn len=insn..resume next=resume qual={CR=3,ACCESS_TYPE=MOV_TO_CR,GPR=1}; "
                         "VMCALL at=resume len=3 end"), tab)
    first, last = ev
    assert (first.reason, first.rip, first.len, first.resume_rip, first.resumed) == ("CR_ACCESS", 0x1000, 3, 0x1003, True)
    assert first.qual == 3 | (1 << 8)  # SDM "Exit Qualification for Control-Register Accesses": GPR in 11:8
    assert (last.reason, last.rip, last.len, last.resumed, last.qual) == ("VMCALL", 0x1003, 3, False, 0)


def test_named_values_of_the_interruption_information(tab):
    ev, = spec.parse(meta("EXCEPTION_NMI at=insn intr={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1} err=0 end"), tab)
    assert ev.intr_info == 0x80000B0D and ev.intr_err == 0


def test_repeat_with_a_parameter_and_the_index(tab):
    m = meta("VMCALL at=insn len=3 rax=# rdi=2 repeat=count end", params=[{"key": "count", "default": 3}])
    evs = spec.parse(m, tab)
    assert [e.gprs["rax"] for e in evs] == [0, 1, 2] and [e.resumed for e in evs] == [True, True, False]
    assert len(spec.parse(m, tab, {"t.count": 5})) == 5


def test_vmfail_heads(tab):
    a, b = spec.parse(meta("VMFAIL_VALID(VMRESUME_NONLAUNCHED_VMCS) insn=VMRESUME; VMFAIL_INVALID"), tab)
    assert a == ExpectVmFail("valid", "VMRESUME_NONLAUNCHED_VMCS", insn="VMRESUME")
    assert b == ExpectVmFail("invalid", None, insn=None)


def test_undefined_bits_and_conditional_fields_are_not_compared(tab):
    ev, = spec.parse(meta("VMPTRLD at=insn qual=0 info={ADDR_SIZE=A64,SEGMENT=DS,INDEX_INVALID=1,~INDEX,~SCALING,"
                          "BASE=0,BASE_INVALID=0} end"), tab)
    m = ev.masks["info"]
    assert m & (0xf << 28) == 0 and m & (0xf << 18) == 0 and m & 3 == 0  # 31:28 undefined; ~INDEX; ~SCALING
    assert m & (1 << 10)  # "cleared to 0": compared


def test_value_with_a_mask_compares_only_those_bits(tab):
    ev, = spec.parse(meta("VMPTRLD at=insn qual=0xfffffff0/0xffffffff end"), tab)
    assert ev.qual == 0xfffffff0 and ev.masks["qual"] == 0xffffffff
    with pytest.raises(spec.SpecError, match="outside the mask"):
        spec.parse(meta("VMPTRLD qual=0x100000000/0xffffffff"), tab)


def test_fault_head_and_vmx_instruction_names(tab):
    """FAULT(vector): the vector by its exit_info.def name or a number; err= optional; insn= any VMX
    instruction (guests/vmx_root.c), for VMFAIL heads too."""
    a, b, c = spec.parse(meta("FAULT(GP) err=0 insn=VMXON; FAULT(6) insn=VMREAD; VMFAIL_VALID(VMXON_IN_VMX_ROOT) "
                              "insn=VMXON"), tab)
    assert a == ExpectFault(13, 0, insn="VMXON") and b == ExpectFault(6, None, insn="VMREAD")
    assert c == ExpectVmFail("valid", "VMXON_IN_VMX_ROOT", insn="VMXON")


def test_insnfault_records_are_events_compared_with_fault_heads(tab):
    """An INSNFAULT record (a caught #UD/#GP in VMX root operation) is an event inside its scenario,
    not the fatal FAULT of the run; vector, error code and instruction are compared."""
    from harness import parser
    text = "\n".join([
        "@VT 2 BEGIN seq=0 scenario=t check=none",
        "@VT 2 INSNFAULT seq=1 insn=VMXON vector=13 error_code=0x0",
        "@VT 2 END seq=2 scenario=t status=DONE reason=none exits=0 vmfails=0",
    ])
    tr = parser.parse(text)
    assert tr.fault is None and not tr.errors
    st = tr.scenarios["t"]
    assert compare.compare_sdm(st, Expectation(spec.parse(meta("FAULT(GP) err=0 insn=VMXON"), tab), "x"), tab) == []
    divs = compare.compare_sdm(st, Expectation(spec.parse(meta("FAULT(UD) insn=VMXOFF"), tab), "x"), tab)
    assert [(d.field, d.left, d.right) for d in divs] == [("insn", "VMXOFF", "VMXON"), ("vector", 6, 13)]
    divs = compare.compare_sdm(st, Expectation(spec.parse(meta("VMFAIL_VALID(VMXON_IN_VMX_ROOT)"), tab), "x"), tab)
    assert [(d.field, d.left, d.right) for d in divs] == [("event", "VMFAIL", "FAULT VMXON vector=13 error_code=0x0")]
    other = parser.parse(text.replace("error_code=0x0", "error_code=0x8")).scenarios["t"]
    assert [(d.field, d.left, d.right) for d in compare.compare_pair(st, other, tab)] == [("error_code", 0, 8)]


@pytest.mark.parametrize("text, words", [
    ("FAULT(XX)", "not a vector of INTR_INFO.VECTOR"),
    ("FAULT", "FAULT needs a vector"),
    ("FAULT(GP) err", "err needs a value"),
    ("FAULT(GP) qual=0", "qual not allowed after FAULT"),
    ("VMFAIL_INVALID insn=CPUID", "insn=CPUID: not a VMX instruction"),
    ("NOT_A_REASON at=insn", "not an exit reason"),
    ("CPUID at=nolabel", "no assembler label label__t__nolabel"),
    ("CR_ACCESS qual={CR=3,BOGUS=1}", "has no field 'BOGUS'"),
    ("CR_ACCESS qual={ACCESS_TYPE=SIDEWAYS}", "not a number nor a named value"),
    ("CR_ACCESS qual={CR=16}", "does not fit bits 3:0"),
    ("CPUID info={X=1}", "defines no info for CPUID"),
    ("CPUID color=red", "unknown word 'color'"),
    ("VMFAIL_VALID(NOPE)", "not a VM-instruction error"),
    ("VMCALL repeat=count", "neither a number nor a declared parameter"),
    ("CPUID at=insn at=resume", "at given twice"),
    ("CPUID; ", "empty item"),
])
def test_bad_declarations_are_one_line_errors(tab, text, words):
    with pytest.raises(spec.SpecError) as exc:
        spec.parse(meta(text), tab)
    assert words in str(exc.value) and "\n" not in str(exc.value) and str(exc.value).startswith("scenario t:")


def _exit(**kw):
    base = dict(seq=1, line=1, insn="VMRESUME", reason=28, entry_fail=False, qual=3, len=3, rip=0x1000,
                resumed=True, intr_info=0, intr_err=0, gprs={})
    base.update(kw)
    return ExitRecord(**base)


def test_a_qualification_difference_names_the_layout_field(tab):
    want = spec.parse(meta("CR_ACCESS at=insn len=3 resumed qual={CR=3,GPR=0}"), tab)
    st = ScenarioTrace(id="t", check=None, begin_line=1)
    st.events.append(_exit(qual=3 | (1 << 8)))
    divs = compare.compare_sdm(st, Expectation(want, "x"), tab)
    assert [(d.field, d.left, d.right) for d in divs] == [("qual", 3, 0x103)]
    assert "CR_ACCESS: GPR 0 -> 1" in divs[0].note


def test_undefined_instruction_information_bits_never_diverge(tab):
    want = spec.parse(meta("VMCLEAR at=insn len=3 resumed qual=0 info={ADDR_SIZE=A64,SEGMENT=DS,INDEX_INVALID=1,"
                           "~SCALING,~INDEX}"), tab)
    st = ScenarioTrace(id="t", check=None, begin_line=1)
    good = (2 << 7) | (3 << 15) | (1 << 22)
    st.events.append(_exit(reason=19, qual=0, info=good | (0xf << 28) | (1 << 2)))  # undefined bits set
    assert compare.compare_sdm(st, Expectation(want, "x"), tab) == []
    st.events[0] = _exit(reason=19, qual=0, info=good | (1 << 10))  # bit 10 is "cleared to 0"
    assert [d.field for d in compare.compare_sdm(st, Expectation(want, "x"), tab)] == ["info"]


def test_pair_comparison_ignores_only_undefined_bits(tab):
    a, b = ScenarioTrace(id="t", check=None, begin_line=1), ScenarioTrace(id="t", check=None, begin_line=1)
    a.events.append(_exit(reason=19, qual=0, info=0x400000))
    b.events.append(_exit(reason=19, qual=0, info=0x400000 | (0xf << 28)))
    assert compare.compare_pair(a, b, tab) == []
    b.events[0] = _exit(reason=19, qual=0, info=0x400000 | (1 << 10))
    assert [d.field for d in compare.compare_pair(a, b, tab)] == ["info"]


def test_every_declared_expectation_in_the_image_parses(tab):
    from harness import session
    from harness.tables import DEFAULT_BUILD
    declared = [s for s in session.load_catalog(DEFAULT_BUILD) if s.get("expect")]
    assert len(declared) >= 15
    for s in declared:
        assert spec.parse(s, tab), s["id"]
        assert s.get("cite"), f"{s['id']} declares an expectation without its SDM source (.cite)"
    assert all(isinstance(e, (ExpectExit, ExpectVmFail, ExpectFault, ExpectCall))
               for s in declared for e in spec.parse(s, tab))


def test_keep_records_must_be_unchanged(tab):
    """KEEP records (a field an SDM rule says an operation leaves unmodified) diverge exactly
    when before != after."""
    from harness import parser
    text = "\n".join([
        "@VT 2 BEGIN seq=1 scenario=t check=none",
        "@VT 2 KEEP seq=2 field=VM_EXIT_INTR_INFO before=0x80000b0d after=0x80000b0d",
        "@VT 2 KEEP seq=3 field=VM_EXIT_INSTRUCTION_LEN before=2 after=3",
        "@VT 2 END seq=4 scenario=t status=DONE reason=none exits=0 vmfails=0",
    ])
    st = parser.parse(text).scenarios["t"]
    divs = compare.compare_sdm(st, Expectation((), "x"), tab)
    assert [(d.field, d.left, d.right) for d in divs] == [("unmodified:VM_EXIT_INSTRUCTION_LEN", 2, 3)]


def test_intermittent_known_divergence_matches_exactly_but_is_not_stale_when_absent():
    from harness.model import Divergence
    k = compare.KnownDivergence("p*", "s", "qual", "0", "*", "cite", intermittent=True)
    assert k.matches("p1", Divergence("s", 0, "qual", 0, 0x7e7))
    assert not k.matches("p1", Divergence("s", 0, "info", 0, 0x7e7))
    unexplained, matched, stale = compare.split_known("p1", "s", [], registry=(k,))
    assert (unexplained, matched, stale) == ([], [], [])
    strict = compare.KnownDivergence("p*", "s", "qual", "0", "1", "cite")
    assert compare.split_known("p1", "s", [], registry=(strict,))[2] == [strict]


def test_saved_guest_state_words_and_impl(tab):
    """gintr=/gact= (saved interruptibility / activity state, layouts INTERRUPTIBILITY and
    ACTIVITY of exit_info.def) are compared with the SDM and between platforms; ``impl``
    (implementation-specific or timing) is compared nowhere, at= included."""
    ev, = spec.parse(meta("EXTERNAL_INTERRUPT at=insn gintr={NMI=1} gact=HLT end"), tab)
    assert (ev.gintr, ev.gact, ev.rip) == (8, 1, 0x1000)
    st = ScenarioTrace(id="t", check=None, begin_line=1)
    st.events.append(_exit(reason=1, qual=0, rip=0x1000, gintr=8, gact=0, resumed=False))
    divs = compare.compare_sdm(st, Expectation((ev,), "x"), tab)
    assert [(d.field, d.left, d.right) for d in divs] == [("gact", 1, 0)]
    assert "ACTIVITY: STATE HLT -> ACTIVE" in divs[0].note
    st.events[0] = _exit(reason=1, qual=0, rip=0x1000, resumed=False)  # not traced: a divergence, never a pass
    assert [d.field for d in compare.compare_sdm(st, Expectation((ev,), "x"), tab)] == ["gintr", "gact"]
    ev, = spec.parse(meta("EXTERNAL_INTERRUPT at=impl gintr=impl gact=ACTIVE resumed"), tab)
    assert ev.rip is None and ev.gintr is None and ev.masks["rip"] == 0 and ev.masks["gintr"] == 0
    a, b = ScenarioTrace(id="t", check=None, begin_line=1), ScenarioTrace(id="t", check=None, begin_line=1)
    a.events.append(_exit(reason=1, qual=0, rip=0x1000, gintr=1, gact=0))
    b.events.append(_exit(reason=1, qual=0, rip=0x1003, gintr=0, gact=0))
    assert compare.compare_sdm(a, Expectation((ev,), "x"), tab) == []
    assert compare.compare_pair(a, b, tab, masks=[dict(ev.masks)]) == []
    assert [d.field for d in compare.compare_pair(a, b, tab)] == ["rip", "gintr"]  # undeclared: compared
    b.events[0] = _exit(reason=1, qual=0, rip=0x1003, gintr=0, gact=1)
    assert [d.field for d in compare.compare_pair(a, b, tab, masks=[dict(ev.masks)])] == ["gact"]
    with pytest.raises(spec.SpecError, match="ACTIVITY.STATE"):
        spec.parse(meta("EXTERNAL_INTERRUPT gact=SLEEP"), tab)


def test_exit_record_carries_the_saved_guest_state():
    from harness import parser
    t = parser.parse("@VT 2 BEGIN seq=0 scenario=s check=none\n"
                     "@VT 2 EXIT seq=1 insn=VMLAUNCH reason=1 name=EXTERNAL_INTERRUPT entry_fail=0 qual=0x0 len=0 "
                     "rip=0x10 resumed=0 intr_info=0x80000050 intr_err=0x0 rax=0x0 rdi=0x0 rsi=0x0 rdx=0x0 rcx=0x0 "
                     "gintr=0x8 gact=0x1\n@VT 2 END seq=2 scenario=s status=DONE\n")
    e, = t.scenarios["s"].events
    assert (e.gintr, e.gact) == (8, 1) and not t.errors


def test_occurs_impl_exit_may_be_absent_on_either_side(tab):
    """occurs=impl: an exit the SDM does not determine (an NMI that may still be blocked) is
    compared when it happened and skipped when it did not, with the SDM and between platforms;
    an exit that must occur still counts, and a mandatory one missing is still a divergence."""
    evs = spec.parse(meta("EXCEPTION_NMI at=impl gintr=0 resumed; "
                          "EXCEPTION_NMI at=insn gintr=0 gact=HLT resumed occurs=impl; "
                          "PREEMPTION_TIMER at=insn gintr={NMI=1} gact=HLT resumed occurs=impl; "
                          "VMCALL at=resume len=3 end"), tab)
    assert [e.optional for e in evs] == [False, True, True, False]
    exp = Expectation(evs, "x")
    nmi = dict(reason=0, qual=0, intr_info=0x80000202, len=0)

    def trace(*events):
        st = ScenarioTrace(id="t", check=None, begin_line=1)
        st.events.extend(events)
        return st
    first = _exit(rip=0x0999, gintr=0, gact=0, **nmi)
    call = _exit(reason=18, qual=0, rip=0x1003, resumed=False)
    took = trace(first, _exit(rip=0x1000, gintr=0, gact=1, **nmi), call)
    kept = trace(first, _exit(reason=52, qual=0, len=0, rip=0x1000, gintr=8, gact=1), call)
    assert compare.compare_sdm(took, exp, tab) == [] and compare.compare_sdm(kept, exp, tab) == []
    # Present, an optional exit is judged as declared.
    bad = trace(first, _exit(reason=52, qual=0, len=0, rip=0x1000, gintr=0, gact=1), call)
    assert [(d.field, d.left, d.right) for d in compare.compare_sdm(bad, exp, tab)] == [("gintr", 8, 0)]
    # Neither optional exit, or the mandatory VMCALL missing: divergences.
    assert [d.field for d in compare.compare_sdm(trace(first), exp, tab)] == ["event_count"]
    masks = [dict(e.masks) for e in evs]
    for i, e in enumerate(evs):
        if e.optional:
            masks[i][compare.OCCURS_IMPL] = tab.exit_number(e.reason)
    assert compare.compare_pair(took, kept, tab, masks=masks) == []
    assert compare.compare_pair(kept, took, tab, masks=masks) == []
    # Without the declaration the pair differs event by event.
    assert "reason" in [d.field for d in compare.compare_pair(took, kept, tab)]
    # Optional on both sides: compared.
    took2 = trace(first, _exit(rip=0x1000, gintr=0, gact=0, **nmi), call)
    assert [d.field for d in compare.compare_pair(took, took2, tab, masks=masks)] == ["gact"]
    # Mandatory exit missing on one side: still a difference.
    assert [d.field for d in compare.compare_pair(took, trace(first, took.events[1]), tab, masks=masks)] == \
        ["event_count"]
    for bad_words in ("VMCALL occurs=maybe", "VMCALL occurs=impl repeat=2", "VMFAIL_INVALID occurs=impl"):
        with pytest.raises(spec.SpecError, match="occurs"):
            spec.parse(meta(bad_words), tab)


def test_encode_lays_fields_out_as_exit_info_def(tab):
    """Tables.encode (harness/expect.py builds the #GP exit's interruption information with it).
    SDM "Format of the VM-Exit Interruption-Information Field": vector 7:0, type 10:8 (3: hardware
    exception), error code valid 11, valid 31; #GP is vector 13."""
    v = tab.encode("INTR_INFO", VECTOR="GP", TYPE="HW_EXCEPTION", ERROR_VALID=1, VALID=1)
    assert v == (1 << 31) | (1 << 11) | (3 << 8) | 13
    assert tab.decode("INTR_INFO", v) == {"VECTOR": "GP", "TYPE": "HW_EXCEPTION", "ERROR_VALID": 1,
                                          "NMI_UNBLOCKING": 0, "VALID": 1}
    with pytest.raises(ValueError, match=r"INTR_INFO.TYPE = 0x8 does not fit bits 10:8"):
        tab.encode("INTR_INFO", TYPE=8)
