"""harness/caps.py: the caps_fields prediction from hand-built capability MSR values.

Expected outcomes come from the SDM rules caps.py implements (appendix "Field Encoding in
VMCS" existence notes, "VMX Capability Reporting Facility", VMWRITE's read-only rule with
IA32_VMX_MISC bit 29, "VMCS Enumeration"), evaluated here by hand on the values below."""
from types import SimpleNamespace

from harness import caps

PIN_POSTED = 1 << 7           # pin-based "process posted interrupts"
PROC_SECONDARY = 1 << 31      # primary "activate secondary controls"
PROC2_EPT = 1 << 1            # secondary "enable EPT"


def _caps(pin1=0, proc1=0, proc2_1=0, misc=0, enum_max=0x1ff):
    """CAP records: allowed 1-settings in bits 63:32 of each control MSR."""
    return {"IA32_VMX_PINBASED_CTLS": pin1 << 32, "IA32_VMX_PROCBASED_CTLS": proc1 << 32,
            "IA32_VMX_PROCBASED_CTLS2": proc2_1 << 32, "IA32_VMX_EXIT_CTLS": 0, "IA32_VMX_ENTRY_CTLS": 0,
            "IA32_VMX_MISC": misc, "IA32_VMX_VMCS_ENUM": enum_max << 1}


def _rec(name, read="ok", read_err="0", write="ok", write_err="0"):
    return SimpleNamespace(type="FIELD", line=1,
                           fields={"name": name, "read": read, "read_err": read_err,
                                   "write": write, "write_err": write_err})


def _run(tab, capvals, overrides):
    """Every field accepted, except the records given in `overrides`; a FIELDENUM that matches."""
    recs = [overrides.get(n) or _rec(n) for n in tab.field_by_name]
    enum_max = (capvals["IA32_VMX_VMCS_ENUM"] >> 1) & 0x1FF
    recs.append(SimpleNamespace(type="FIELDENUM", line=2,
                                fields={"max": str(enum_max), "at_max": "1", "above": "0"}))
    st = SimpleNamespace(id="caps_fields", records=recs)
    return caps.field_divergences(SimpleNamespace(caps=capvals), st, tab)


def _fields(divs):
    return {d.field: (d.left, d.right) for d in divs}


def test_field_of_a_control_the_msr_forbids_must_be_unsupported(tab):
    """POSTED_INTR_NV exists only with the 1-setting of "process posted interrupts"."""
    unsupported = f"VMfailValid({tab.error_number('UNSUPPORTED_VMCS_COMPONENT')} UNSUPPORTED_VMCS_COMPONENT)"
    got = _fields(_run(tab, _caps(pin1=0), {}))
    assert got["vmread:POSTED_INTR_NV"] == (unsupported, "ok")
    # The other side of the boundary: allowed -> accepting it is right.
    got = _fields(_run(tab, _caps(pin1=PIN_POSTED), {}))
    assert "vmread:POSTED_INTR_NV" not in got


def test_secondary_control_needs_activate_secondary(tab):
    """EPT_POINTER: "enable EPT" allowed in CTLS2 but "activate secondary controls" not allowed in
    CTLS -> the secondary controls are not supported, so the field does not exist."""
    err = tab.error_number("UNSUPPORTED_VMCS_COMPONENT")
    rejected = {"EPT_POINTER": _rec("EPT_POINTER", read="valid", read_err=str(err))}
    assert "vmread:EPT_POINTER" not in _fields(_run(tab, _caps(proc2_1=PROC2_EPT), rejected))
    got = _fields(_run(tab, _caps(proc1=PROC_SECONDARY, proc2_1=PROC2_EPT), rejected))
    assert got["vmread:EPT_POINTER"][0] == "ok"


def test_vmwrite_to_read_only_field_follows_misc_bit29(tab):
    err = tab.error_number("VMWRITE_READ_ONLY_COMPONENT")
    ro = {"VM_EXIT_REASON": _rec("VM_EXIT_REASON")}  # accepted
    got = _fields(_run(tab, _caps(misc=0), ro))
    assert got["vmwrite:VM_EXIT_REASON"] == (f"VMfailValid({err} VMWRITE_READ_ONLY_COMPONENT)", "ok")
    assert "vmwrite:VM_EXIT_REASON" not in _fields(_run(tab, _caps(misc=1 << 29), ro))


def test_accepted_field_above_vmcs_enum_index_is_reported(tab):
    idx = (tab.field_by_name["VM_EXIT_REASON"]["encoding"] >> 1) & 0x1FF
    got = _fields(_run(tab, _caps(misc=1 << 29, enum_max=idx - 1), {}))
    assert got["vmcs_enum:VM_EXIT_REASON"] == (f"index<={idx - 1}", f"index={idx}")
    assert "vmcs_enum:VM_EXIT_REASON" not in _fields(_run(tab, _caps(misc=1 << 29, enum_max=idx), {}))


def test_control_coverage_sets_apart_the_controls_no_entry_outside_smm_can_have(tab):
    """"entry to SMM" and "deactivate dual-monitor treatment" (VM-entry bits 10, 11) allowed but
    never used: not_exercisable, with the entry check; another unused allowed control stays in
    allowed_not_exercised, and a used one in neither."""
    bits = {r["name"]: r["bit"] for r in tab.control_bits}
    entry1 = (1 << bits["VM_ENTRY_SMM"]) | (1 << bits["VM_ENTRY_DEACT_DUAL_MONITOR"]) | \
        (1 << bits["VM_ENTRY_LOAD_PAT"]) | (1 << bits["VM_ENTRY_LOAD_EFER"])
    capvals = _caps()
    capvals["IA32_VMX_ENTRY_CTLS"] = entry1 << 32
    used = {"pin": 0, "proc": 0, "proc2": 0, "exit": 0, "entry": 1 << bits["VM_ENTRY_LOAD_EFER"]}
    cov = caps.control_coverage(SimpleNamespace(caps=capvals, ctl_used=used), tab)
    assert cov["allowed"]["VM_ENTRY_LOAD_EFER"] is True
    assert cov["allowed_not_exercised"] == ["VM_ENTRY_LOAD_PAT"]
    assert sorted(cov["not_exercisable"]) == ["VM_ENTRY_DEACT_DUAL_MONITOR", "VM_ENTRY_SMM"]
    assert cov["not_exercisable"]["VM_ENTRY_SMM"].startswith("CTRL_ENTRY_SMM: If the processor is not in SMM")
