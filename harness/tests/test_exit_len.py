"""The VM-exit instruction length and the guest-linear address by exit_info.def's event and
qualification rows (EXIT_LEN_EVENT, EXIT_INFO_WHEN), the spec words that use them, and the
exit_len_* catalog's encodings (guests/exit_len.c)."""
import pytest

from harness import compare, spec
from harness.expect import Expectation
from harness.model import ExitRecord, ScenarioTrace

LABELS = {"insn": 0x1000, "resume": 0x1002, "buf": 0x3000, "operand": 0x4000}


def meta(expect):
    return {"id": "t", "expect": expect, "labels": dict(LABELS), "params": []}


def _intr(tab, vector, typ, valid=1):
    lay = tab.layouts["INTR_INFO"]
    lo = {f: lay["fields"][f][0] for f in ("VECTOR", "TYPE", "VALID")}
    return (lay["values"]["VECTOR"].get(vector, vector) << lo["VECTOR"]) | \
        (lay["values"]["TYPE"][typ] << lo["TYPE"]) | (valid << lo["VALID"])


@pytest.mark.parametrize("typ, defined", [("SW_EXCEPTION", True), ("PRIV_SW_EXCEPTION", True),
                                          ("HW_EXCEPTION", False), ("NMI", False), ("EXTERNAL_INTERRUPT", False)])
def test_exception_exit_length_by_interruption_type(tab, typ, defined):
    """SDM "VM-exit instruction length": software exceptions (INT3, INTO) and privileged software
    exceptions (INT1) define it; hardware exceptions and NMIs do not."""
    exc = tab.exit_number("EXCEPTION_NMI")
    assert tab.len_defined(exc, _intr(tab, "BP", typ)) is defined
    assert not tab.len_defined(exc, _intr(tab, "BP", typ, valid=0))  # invalid: the type means nothing


@pytest.mark.parametrize("typ, defined", [("SW_INTERRUPT", True), ("PRIV_SW_EXCEPTION", True),
                                          ("SW_EXCEPTION", True), ("HW_EXCEPTION", False),
                                          ("EXTERNAL_INTERRUPT", False), ("NMI", False)])
def test_fault_during_delivery_length_by_idt_vectoring_type(tab, typ, defined):
    """ "faults encountered during delivery of a software interrupt, privileged software exception,
    or software exception": the IDT-vectoring information's type decides, a #GP exit itself is a
    hardware exception."""
    exc = tab.exit_number("EXCEPTION_NMI")
    gp = _intr(tab, "GP", "HW_EXCEPTION")
    assert tab.len_defined(exc, gp, _intr(tab, 0x80, typ)) is defined
    assert not tab.len_defined(exc, gp, None) and not tab.len_defined(exc, gp, _intr(tab, 0x80, typ, valid=0))


def test_instruction_exits_keep_their_column(tab):
    assert tab.len_defined(tab.exit_number("HLT")) and not tab.len_defined(tab.exit_number("EPT_VIOLATION"))


def _exit(tab, **kw):
    base = dict(seq=1, line=1, insn="VMLAUNCH", reason=tab.exit_number("EXCEPTION_NMI"), entry_fail=False,
                qual=0, len=1, rip=0x1000, resumed=False, intr_info=0, intr_err=0, gprs={})
    base.update(kw)
    return ExitRecord(**base)


def test_pair_compares_the_length_of_software_exceptions_only(tab):
    a, b = ScenarioTrace(id="t", check=None, begin_line=1), ScenarioTrace(id="t", check=None, begin_line=1)
    bp = _intr(tab, "BP", "SW_EXCEPTION")
    a.events.append(_exit(tab, intr_info=bp, len=1))
    b.events.append(_exit(tab, intr_info=bp, len=2))
    assert [d.field for d in compare.compare_pair(a, b, tab)] == ["len"]
    ud = _intr(tab, "UD", "HW_EXCEPTION")
    a.events[0], b.events[0] = _exit(tab, intr_info=ud, len=0), _exit(tab, intr_info=ud, len=2)
    assert compare.compare_pair(a, b, tab) == []
    gp = _intr(tab, "GP", "HW_EXCEPTION")
    a.events[0] = _exit(tab, intr_info=gp, idt_info=_intr(tab, 0x80, "SW_INTERRUPT"), len=2)
    b.events[0] = _exit(tab, intr_info=gp, idt_info=_intr(tab, 0x80, "SW_INTERRUPT"), len=0)
    assert [d.field for d in compare.compare_pair(a, b, tab)] == ["len"]


def test_sdm_compares_a_declared_software_exception_length(tab):
    want = spec.parse(meta("EXCEPTION_NMI at=insn len=insn..resume=2 "
                           "intr={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1,~NMI_UNBLOCKING} err=0x402 "
                           "idt={VECTOR=0x80,TYPE=SW_INTERRUPT,VALID=1,~NMI_UNBLOCKING} end"), tab)
    assert want[0].len == 2
    st = ScenarioTrace(id="t", check=None, begin_line=1)
    err_valid = 1 << tab.layouts["INTR_INFO"]["fields"]["ERROR_VALID"][0]
    st.events.append(_exit(tab, intr_info=_intr(tab, "GP", "HW_EXCEPTION") | err_valid, intr_err=0x402,
                           idt_info=_intr(tab, 0x80, "SW_INTERRUPT"), len=0))
    assert [(d.field, d.left, d.right) for d in compare.compare_sdm(st, Expectation(want, "x"), tab)] == \
        [("len", 2, 0)]


def test_len_cross_checks_the_assembler(tab):
    assert spec.parse(meta("HLT at=insn len=insn..resume=2 end"), tab)[0].len == 2
    with pytest.raises(spec.SpecError, match="the assembler encoded 2 bytes .* not 3"):
        spec.parse(meta("HLT at=insn len=insn..resume=3 end"), tab)


@pytest.mark.parametrize("text, words", [
    ("EXCEPTION_NMI len=1 intr={VECTOR=UD,TYPE=HW_EXCEPTION,VALID=1}", "Instruction Length\" is undefined"),
    ("EXCEPTION_NMI len=1", "Instruction Length\" is undefined"),
    ("EPT_VIOLATION len=3", "Instruction Length\" is undefined"),
    ("CR_ACCESS qual={CR=0,ACCESS_TYPE=LMSW,LMSW_OPERAND=REG} gla=@operand", "LMSW_OPERAND is 1"),
    ("CR_ACCESS qual={CR=3,ACCESS_TYPE=MOV_TO_CR} gla=0", "LMSW_OPERAND is 1"),
    ("IO_INSTRUCTION qual={SIZE=BYTE,DIRECTION=IN,PORT=0x80} gla=@buf", "IO.STRING is 1"),
    ("CPUID gla=0", "defines no gla for CPUID"),
    ("EPT_VIOLATION qual={READ=1,GLA_VALID=NO_GLA} gla=0", "GLA_VALID is 1"),
])
def test_fields_the_sdm_leaves_undefined_cannot_be_declared(tab, text, words):
    with pytest.raises(spec.SpecError, match=None) as exc:
        spec.parse(meta(text), tab)
    assert words in str(exc.value), str(exc.value)


def test_conditional_guest_linear_address(tab):
    ev, = spec.parse(meta("CR_ACCESS at=insn qual={CR=0,ACCESS_TYPE=LMSW,LMSW_OPERAND=MEM,LMSW_SOURCE=9} "
                          "gla=@operand end"), tab)
    assert ev.gla == 0x4000
    ev, = spec.parse(meta("IO_INSTRUCTION at=insn qual={SIZE=BYTE,DIRECTION=OUT,STRING=1,PORT=0x80} "
                          "gla=@buf end"), tab)
    assert ev.gla == 0x3000
    string = 1 << tab.layouts["IO"]["fields"]["STRING"][0]
    assert tab.info_defined("IO_INSTRUCTION", "gla", string) and not tab.info_defined("IO_INSTRUCTION", "gla", 0)
    assert tab.info_defined("EPT_VIOLATION", "gpa", 0)  # an unconditional row
    # EPT violations: the guest-linear address only with qualification bit 7 (GLA_VALID) set
    bit7 = 1 << tab.layouts["EPT_VIOLATION"]["fields"]["GLA_VALID"][0]
    assert bit7 == 0x80
    assert tab.info_defined("EPT_VIOLATION", "gla", bit7 | 1) and not tab.info_defined("EPT_VIOLATION", "gla", 1)


def test_exit_len_catalog_encodings():
    """guests/exit_len.c: N prefixes before HLT (1 byte) or CPUID (2 bytes) are 1 + N or 2 + N
    bytes as assembled, the #GP cases 16 (their exits define no length, so no len= checks them)."""
    from harness import session
    from harness.tables import DEFAULT_BUILD
    rows = {s["id"]: s for s in session.load_catalog(DEFAULT_BUILD) if s["id"].startswith("exit_len_")}
    size = {sid: r["labels"]["resume"] - r["labels"]["insn"] for sid, r in rows.items()}
    for n in range(15):
        assert size[f"exit_len_hlt_p{n}"] == 1 + n
    assert size["exit_len_hlt_p15_gp"] == 16 and size["exit_len_cpuid_p14_gp"] == 16
    assert size["exit_len_cpuid_p13"] == 15 and size["exit_len_cpuid_p1"] == 3
