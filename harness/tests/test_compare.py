"""Comparison versus the SDM and between platforms, on canned traces."""
import dataclasses

from harness import compare, evaluate, expect, parser
from harness.model import RunResult, RunStatus, Status

PARAMS = {"vmcall_loop.count": 4}


def _meta(sid, check=None, catalog=None):
    if catalog and sid in catalog:
        return catalog[sid]
    return {"id": sid, "check": check, "hidden": False, "params": [{"key": "count", "default": 10}]}


def _run(tr, platform="bochs27-skylake_x"):
    return RunResult(platform=platform, status=RunStatus.COMPLETE, trace=tr)


def test_sdm_expectations_hold_on_canned_bochs_trace(canned, tab, catalog):
    tr = parser.parse(canned("bochs27_skylake_x"))
    for sid in tr.scenarios:
        v = evaluate.scenario_verdict(_run(tr), catalog[sid], tab, PARAMS)
        want = Status.XFAIL if sid == "invalid_guest_state_rip_bit_n" else Status.PASS
        assert v.status == want, (sid, v.reason, [d.message() for d in v.divergences])


def test_wrong_exit_reason_is_a_named_divergence(canned, tab, catalog):
    text = canned("bochs27_skylake_x").replace("reason=10 name=CPUID", "reason=12 name=HLT", 1)
    tr = parser.parse(text)
    v = evaluate.scenario_verdict(_run(tr), catalog["exit_cpuid"], tab)
    assert v.status == Status.FAIL
    msg = v.divergences[0].message()
    assert "exit_cpuid" in msg and "reason" in msg and "10 (CPUID)" in msg and "12 (HLT)" in msg


def test_vmcall_loop_rax_and_length_checked(canned, tab, catalog):
    text = canned("bochs27_skylake_x").replace("rax=0x2 rdi=0x2", "rax=0x7 rdi=0x2", 1)
    v = evaluate.scenario_verdict(_run(parser.parse(text)), catalog["vmcall_loop"], tab, PARAMS)
    assert [d.field for d in v.divergences] == ["rax"]


def _shift_exit_rip(text, sid, index, delta):
    """Move the RIP of the index-th EXIT of scenario sid by delta."""
    out, inside, seen = [], False, -1
    for ln in text.splitlines():
        if " BEGIN " in ln:
            inside = f"scenario={sid} " in ln
        if inside and " EXIT " in ln:
            seen += 1
            if seen == index:
                rip = int(ln.split(" rip=")[1].split()[0], 16)
                ln = ln.replace(f" rip={rip:#x} ", f" rip={rip + delta:#x} ")
        out.append(ln)
    return "\n".join(out)


def test_rip_advance_is_observed_not_computed(canned, tab, catalog):
    """The guest resumed one byte short: the VMCALL exit's RIP is not the
    assembler's label after the CPUID, and that is a rip_advance divergence."""
    text = _shift_exit_rip(canned("bochs27_skylake_x"), "exit_cpuid", 1, -1)
    v = evaluate.scenario_verdict(_run(parser.parse(text)), catalog["exit_cpuid"], tab)
    fields = [d.field for d in v.divergences]
    assert v.status == Status.FAIL and "rip_advance" in fields, fields
    adv = next(d for d in v.divergences if d.field == "rip_advance")
    assert adv.left == 2 and adv.right == 1  # CPUID is 2 bytes (assembler); the guest came back after 1


def test_exit_at_wrong_rip_is_a_divergence(canned, tab, catalog):
    text = _shift_exit_rip(canned("bochs27_skylake_x"), "vmcall_loop", 2, 3)
    v = evaluate.scenario_verdict(_run(parser.parse(text)), catalog["vmcall_loop"], tab, PARAMS)
    assert [d.field for d in v.divergences] == ["rip"]


def test_guest_encodings_are_the_sdm_opcodes():
    """The bytes the assembler put between label insn and label resume are the SDM Vol. 2
    encodings, so a length computed from the labels (.expect len=insn..resume) is the SDM's."""
    from harness import elfinfo, session
    from harness.tables import DEFAULT_BUILD
    code = elfinfo.read_bytes_at(DEFAULT_BUILD / "vmxdiff.elf")
    catalog = {s["id"]: s for s in session.load_catalog(DEFAULT_BUILD)}
    for sid, enc in (("exit_cpuid", "0f a2"), ("exit_io_out_imm", "e6 80"), ("exit_io_in_dx", "ec"),
                     ("exit_cr3_load", "0f 22 d8"), ("exit_wbinvd", "0f 09"), ("exit_hlt", "f4")):
        lab = catalog[sid]["labels"]
        assert code(lab["insn"], lab["resume"] - lab["insn"]).hex(" ") == enc, sid


def test_wrong_vm_instruction_error(canned, tab, catalog):
    text = canned("bochs27_skylake_x").replace("kind=valid err=7", "kind=valid err=8", 1)
    v = evaluate.scenario_verdict(_run(parser.parse(text)), catalog["entry_fail_ctrl"], tab)
    assert v.status == Status.FAIL and v.divergences[0].field == "vm_instruction_error"


def test_truncated_scenario_is_crashed_not_pass(canned, tab, catalog):
    lines = canned("bochs27_skylake_x").splitlines()
    cut = next(i for i, ln in enumerate(lines) if "BEGIN" in ln and "vmcall_loop" in ln) + 2
    tr = parser.parse("\n".join(lines[:cut]))
    run = RunResult(platform="bochs27-skylake_x", status=RunStatus.CRASHED, trace=tr, reason="x")
    assert evaluate.scenario_verdict(run, catalog["vmcall_loop"], tab, PARAMS).status == Status.CRASHED


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


RIP_N = "invalid_guest_state_rip_bit_n"


def test_rip_rule_is_the_sdm_condition_on_both_sides():
    """ "bits 63:N must be identical", N=48 and N=57, both sides of the boundary."""
    for n in (48, 57):
        assert expect.rip_bits_identical(1 << (n - 1), n)  # bit N-1 is not checked
        assert expect.rip_bits_identical(~0 << n & (1 << 64) - 1, n)  # all ones above N
        assert not expect.rip_bits_identical(1 << n, n)
        assert not expect.rip_bits_identical(1 << 63, n)
        assert not expect.rip_bits_identical((~0 << n & (1 << 64) - 1) ^ (1 << 63), n)
    assert not expect.canonical_4level(1 << 47) and expect.canonical_4level((1 << 47) - 1)


def test_rip_expectation_follows_the_reported_width(canned, tab, catalog):
    """The same value judged with another N gives the other outcome."""
    text = canned("bochs27_skylake_x")
    tr = parser.parse(text)
    assert tr.scenarios[RIP_N].setup["la_width"] == 48
    e48 = expect.for_scenario(catalog[RIP_N], tab, setup=tr.scenarios[RIP_N].setup)
    assert e48.events[0].reason == "INVALID_STATE"
    e52 = expect.for_scenario(catalog[RIP_N], tab, setup=dict(tr.scenarios[RIP_N].setup, la_width=52))
    assert e52.events[0].reason == "EXCEPTION_NMI" and e52.events[0].rip == 1 << 48
    try:
        expect.for_scenario(catalog[RIP_N], tab, setup={})
    except expect.ExpectationError as exc:
        assert "SETUP" in str(exc)
    else:
        raise AssertionError("no SETUP record must not give an expectation")


def test_known_divergence_is_xfail_never_pass(canned, tab, catalog):
    tr = parser.parse(canned("bochs27_skylake_x"))
    assert evaluate.scenario_verdict(_run(tr, "bochs27-skylake_x"), catalog[RIP_N], tab).status == Status.XFAIL
    # Registered for Bochs only: the same trace from another platform fails.
    assert evaluate.scenario_verdict(_run(tr, "qemu-kvm"), catalog[RIP_N], tab).status == Status.FAIL


def _rip_n_exit(text, old, new):
    out = []
    inside = False
    for ln in text.splitlines():
        if " BEGIN " in ln:
            inside = f"scenario={RIP_N} " in ln
        if inside and " EXIT " in ln:
            ln = ln.replace(old, new)
        out.append(ln)
    return "\n".join(out)


def test_registered_divergence_cannot_mask_another(canned, tab, catalog):
    from harness import compare
    """Only the registered field and values become XFAIL: another exit reason,
    or an extra difference in the same scenario, still fails."""
    text = canned("bochs27_skylake_x")
    other_reason = _rip_n_exit(text, "reason=0 name=EXCEPTION_NMI", "reason=48 name=EPT_VIOLATION")
    v = evaluate.scenario_verdict(_run(parser.parse(other_reason)), catalog[RIP_N], tab)
    assert v.status == Status.FAIL, v
    # The registered reason difference plus another field of the same exit.
    both = _rip_n_exit(text, "intr_info=0x80000b0d", "intr_info=0x80000b0e")
    tr = parser.parse(both)
    st = tr.scenarios[RIP_N]
    extra = compare.Divergence(RIP_N, 0, "intr_info", "0x80000b0d", "0x80000b0e")
    v = evaluate.scenario_verdict(_run(tr), catalog[RIP_N], tab)
    assert v.status == Status.XFAIL  # the expectation does not constrain intr_info after a reason mismatch
    v = evaluate.Verdict(RIP_N, "bochs27-skylake_x", Status.FAIL,
                         divergences=evaluate.compare.compare_sdm(st, expect.for_scenario(
                             catalog[RIP_N], tab, setup=st.setup), tab) + [extra])
    evaluate._apply_known(v, "bochs27-skylake_x", RIP_N)
    assert v.status == Status.FAIL and v.known, "a registered divergence hid another one"


def test_registered_divergence_that_stops_happening_fails(canned, tab, catalog):
    """A platform that starts doing what the SDM says makes the entry stale: FAIL, naming it."""
    from harness import compare
    k = compare.KnownDivergence("bochs27-skylake_x", "exit_cpuid", "reason", "10 (CPUID)", "12 (HLT)", "test")
    tr = parser.parse(canned("bochs27_skylake_x"))
    unexplained, matched, stale = compare.split_known("bochs27-skylake_x", "exit_cpuid", [], (k,))
    assert stale == [k] and not matched and not unexplained
    saved = compare.KNOWN_DIVERGENCES
    try:
        compare.KNOWN_DIVERGENCES = saved + (k,)
        v = evaluate.scenario_verdict(_run(tr), catalog["exit_cpuid"], tab)
        assert v.status == Status.FAIL and "no longer observed" in v.reason
        # And it matches exactly: that divergence becomes XFAIL, a different one does not.
        hlt = parser.parse(canned("bochs27_skylake_x").replace("reason=10 name=CPUID", "reason=12 name=HLT", 1))
        assert evaluate.scenario_verdict(_run(hlt), catalog["exit_cpuid"], tab).status == Status.XFAIL
        wb = parser.parse(canned("bochs27_skylake_x").replace("reason=10 name=CPUID", "reason=54 name=WBINVD", 1))
        assert evaluate.scenario_verdict(_run(wb), catalog["exit_cpuid"], tab).status == Status.FAIL
    finally:
        compare.KNOWN_DIVERGENCES = saved


def test_missing_platform_is_an_error_unless_accepted(tab, catalog, monkeypatch):
    run = RunResult(platform="bochs30-penryn", status=RunStatus.UNAVAILABLE, reason="Bochs 3.0 build failed: x")
    monkeypatch.delenv(evaluate.ALLOW_MISSING_ENV, raising=False)
    v = evaluate.scenario_verdict(run, catalog["vmcall_loop"], tab)
    assert v.status == Status.ERROR and "bochs30-penryn" in v.reason
    monkeypatch.setenv(evaluate.ALLOW_MISSING_ENV, "bochs30-*")
    v = evaluate.scenario_verdict(run, catalog["vmcall_loop"], tab)
    assert v.status == Status.SKIP and "VMXDIFF_ALLOW_MISSING=bochs30-*" in v.reason
    monkeypatch.setenv(evaluate.ALLOW_MISSING_ENV, "bochs27-*")
    assert evaluate.scenario_verdict(run, catalog["vmcall_loop"], tab).status == Status.ERROR


def test_compare_catalogs_counts_missing_scenarios(canned, tab):
    a = parser.parse(canned("bochs27_skylake_x"))
    b = parser.parse(canned("bochs27_skylake_x"))
    del b.scenarios["exit_cpuid"]
    divs = compare.compare_catalogs(a, b, tab, "A", "B")
    assert [(d.scenario, d.field, d.left, d.right) for d in divs] == [("exit_cpuid", "scenario", "present", "missing")]


def test_qemu_tcg_trace_skips_with_reason(canned, tab, catalog):
    tr = parser.parse(canned("qemu_tcg"))
    run = RunResult(platform="qemu-kvm", status=RunStatus.COMPLETE, trace=tr,
                    info={"accelerator_reason": "host CPU vendor is AuthenticAMD"})
    v = evaluate.scenario_verdict(run, catalog["vmcall_loop"], tab, PARAMS)
    assert v.status == Status.SKIP and "cpuid_vmx_clear" in v.reason and "AuthenticAMD" in v.reason


def test_every_catalog_scenario_has_an_expectation(tab):
    from harness import session
    setup = {"value": 1 << 48, "la_width": 48}  # for the scenarios judged on a run-time value
    for meta in session.load_catalog():
        if not meta["hidden"]:
            assert expect.for_scenario(meta, tab, setup=setup) is not None, meta["id"]


def test_length_judged_for_exits_during_software_event_delivery(tab):
    """SDM "Information for VM Exits Due to Instruction Execution": the VM-exit instruction length is
    defined for exit 0 only when the exception is a (privileged) software exception, and for any exit
    during delivery of a software interrupt or (privileged) software exception (IDT-vectoring)."""
    lay = tab.layouts["INTR_INFO"]
    t, v = lay["values"]["TYPE"], 1 << lay["fields"]["VALID"][0]
    lo = lay["fields"]["TYPE"][0]
    ex0, ept = tab.exit_number("EXCEPTION_NMI"), tab.exit_number("EPT_VIOLATION")

    def len_defined_for(tab, reason, w):
        return tab.len_defined(reason, w.intr_info, w.idt_info)

    def want(reason, intr=None, idt=None):
        return expect.ExpectExit(tab.exit_name(reason), len=2, intr_info=intr, idt_info=idt)

    def info(name, valid=True):
        return (v if valid else 0) | (t[name] << lo)
    assert not len_defined_for(tab, ex0, want(ex0, intr=info("HW_EXCEPTION")))
    assert len_defined_for(tab, ex0, want(ex0, intr=info("SW_EXCEPTION")))
    assert len_defined_for(tab, ex0, want(ex0, intr=info("PRIV_SW_EXCEPTION")))
    assert len_defined_for(tab, ex0, want(ex0, intr=info("HW_EXCEPTION"), idt=info("SW_INTERRUPT")))
    assert not len_defined_for(tab, ex0, want(ex0, intr=info("HW_EXCEPTION"), idt=info("HW_EXCEPTION")))
    assert not len_defined_for(tab, ex0, want(ex0, intr=info("HW_EXCEPTION"),
                                                      idt=info("SW_INTERRUPT", valid=False)))
    assert len_defined_for(tab, ept, want(ept, idt=info("SW_EXCEPTION")))
    assert not len_defined_for(tab, ept, want(ept, idt=info("EXTERNAL_INTERRUPT")))
    assert not len_defined_for(tab, ept, want(ept, intr=info("SW_EXCEPTION")))
    assert len_defined_for(tab, tab.exit_number("CPUID"), want(tab.exit_number("CPUID")))
