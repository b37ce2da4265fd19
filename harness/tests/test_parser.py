"""Parser: noise, CRs, truncation, garbling, seq gaps, versions."""
from harness import parser

PARAMS = {"vmcall_loop.count": 4}


def test_real_trace_parses_completely(canned):
    tr = parser.parse(canned("bochs27_skylake_x"))
    assert tr.complete and not tr.errors
    assert tr.boot.fields["loader"] == "multiboot2"
    assert set(tr.scenarios) == {"vmcall_loop", "exit_cpuid", "exit_io_out_imm", "entry_fail_ctrl",
                                 "invalid_guest_state_rflags_bit1", "invalid_guest_state_rip_bit_n",
                                 "guest_rip_bit_n_minus_1"}
    loop = tr.scenarios["vmcall_loop"]
    assert [e.gprs["rax"] for e in loop.exits] == [0, 1, 2, 3]
    assert [e.resumed for e in loop.exits] == [True, True, True, False]
    assert tr.scenarios["invalid_guest_state_rip_bit_n"].setup == {"field": "GUEST_RIP", "value": 1 << 48,
                                                                   "la_width": 48}
    assert tr.scenarios["entry_fail_ctrl"].vmcs, "VMCS dump after VMfailValid"
    assert tr.caps["IA32_VMX_BASIC"] is not None


def test_noise_and_carriage_returns_are_ignored(canned):
    text = canned("bochs27_skylake_x").replace("\n", "\r\n")
    text = "SeaBIOS (version x)\r\nBooting from DVD/CD...\r\n" + text.replace(
        "@VT 2 BEGIN", "GRUB loading.\x1b[2J@VT 2 BEGIN", 1)
    tr = parser.parse(text)
    assert tr.complete, tr.errors


def test_truncated_trace_is_not_complete(canned):
    lines = canned("bochs27_skylake_x").splitlines()
    cut = next(i for i, ln in enumerate(lines) if "scenario=vmcall_loop" in ln and "BEGIN" in ln) + 2
    tr = parser.parse("\n".join(lines[:cut]))
    assert not tr.complete and tr.finish is None
    assert tr.scenarios["vmcall_loop"].end is None


def test_lost_line_is_a_seq_gap(canned):
    lines = canned("bochs27_skylake_x").splitlines()
    i = next(i for i, ln in enumerate(lines) if " EXIT " in ln)
    tr = parser.parse("\n".join(lines[:i] + lines[i + 1:]))
    assert any("seq" in e and "lost" in e for e in tr.errors)
    assert not tr.complete


def test_garbled_record_is_reported_with_line_number(canned):
    lines = canned("bochs27_skylake_x").splitlines()
    i = next(i for i, ln in enumerate(lines) if " EXIT " in ln)
    lines[i] = lines[i].replace("qual=0x0", "qu\x00l=0x0")
    tr = parser.parse("\n".join(lines))
    assert any(e.startswith(f"line {i + 1}:") and "garbled" in e for e in tr.errors)


def test_other_major_version_is_refused():
    for major in (1, 3):
        tr = parser.parse(f"@VT {major} BOOT seq=0 build=x\n")
        assert tr.errors and f"major version {major}" in tr.errors[0]


def test_unknown_keys_and_records_are_kept_and_ignored(canned):
    text = canned("bochs27_skylake_x").replace("@VT 2 BOOT seq=0", "@VT 2 BOOT seq=0 future_key=1", 1)
    text = text.replace("@VT 2 FINISH", "@VT 2 FUTURE seq=999999\n@VT 2 FINISH", 1)
    tr = parser.parse(text)
    assert tr.boot.fields["future_key"] == "1"
    assert any("seq" in e for e in tr.errors)  # the extra record breaks the count: seen, not hidden


def test_empty_input_is_incomplete():
    tr = parser.parse("")
    assert tr.finish is None and not tr.complete


def _records(*bodies: str) -> str:
    return "".join(f"@VT 2 {b.split(' ', 1)[0]} seq={i} {b.split(' ', 1)[1] if ' ' in b else ''}\n"
                   for i, b in enumerate(bodies))


GOLDEN3 = ("GOLDEN field=A enc=0x10 value=0x1", "GOLDEN field=B enc=0x20 value=0x0 absent=1",
           "GOLDEN field=C enc=0x30 value=0x3", "GOLDEN field=D enc=0x40 value=0x4", "GOLDENEND fields=4")


def _dump(*vmcs: str, same: int) -> parser.Trace:
    return parser.parse(_records("BOOT build=x", *GOLDEN3, "BEGIN scenario=s", *vmcs,
                                 f"VMCSEND fields=4 unsupported=1 same={same}", "END scenario=s status=done"))


def test_vmcs_dump_relative_to_golden_is_rebuilt_whole():
    # core/vmx/vcpu.c vcpu_dump_vmcs sends only the fields that differ from GOLDEN: C here.
    tr = _dump("VMCS field=C enc=0x30 value=0x7", same=2)
    assert not tr.errors and tr.golden_absent == {0x20}
    assert tr.scenarios["s"].vmcs == [(0x10, 1), (0x30, 7), (0x40, 4)]  # table order; B is absent


def test_vmcs_dump_whose_same_count_disagrees_with_golden_is_an_error():
    for same in (1, 3):  # one too few, one too many: never a silent guess
        tr = _dump("VMCS field=C enc=0x30 value=0x7", same=same)
        assert any(f"{same} fields equal to the golden VMCS" in e and "leave 2" in e for e in tr.errors)


def test_vmcs_dump_relative_to_golden_without_golden_is_an_error():
    tr = parser.parse(_records("BOOT build=x", "BEGIN scenario=s", "VMCS field=C enc=0x30 value=0x7",
                               "VMCSEND fields=4 unsupported=0 same=3", "END scenario=s status=done"))
    assert any("no GOLDEN records" in e for e in tr.errors)


def test_full_vmcs_dump_without_same_is_taken_as_sent():
    tr = parser.parse(_records("BOOT build=x", "BEGIN scenario=s", "VMCS field=C enc=0x30 value=0x7",
                               "VMCSEND fields=4 unsupported=0", "END scenario=s status=done"))
    assert not tr.errors and tr.scenarios["s"].vmcs == [(0x30, 7)]
