"""What a platform's capability MSRs advertise, and whether it does what they say.

* ``allowed1``: may a control be 1, by the CAP records alone (SDM appendix "VMX
  Capability Reporting Facility").
* ``field_exists``: does a VMCS field exist, by vmcs_fields.def's existence column (the
  appendix "Field Encoding in VMCS": "This field exists only on processors that support
  the 1-setting of ...") and ``allowed1``.
* ``field_divergences``: the caps_fields scenario's FIELD/FIELDENUM records (what
  VMREAD/VMWRITE did) against that prediction.  The prediction comes from the table and
  the MSR values, never from what the platform's VMREAD did.
* ``control_coverage``: per platform, every control the MSRs allow and the scenarios that
  set it (results.json ``controls``).
"""
from __future__ import annotations

from harness.model import Divergence
from harness.tables import Tables

# Control field -> (capability MSR, how the allowed 1-settings are reported).  The TRUE_*
# MSRs differ only in allowed 0-settings (SDM "VMX Capability Reporting Facility"), so the
# plain MSRs give every allowed 1-setting.
_CTL_MSR = {
    "PIN_BASED_VM_EXEC_CONTROL": "IA32_VMX_PINBASED_CTLS",
    "CPU_BASED_VM_EXEC_CONTROL": "IA32_VMX_PROCBASED_CTLS",
    "SECONDARY_VM_EXEC_CONTROL": "IA32_VMX_PROCBASED_CTLS2",
    "VM_EXIT_CONTROLS": "IA32_VMX_EXIT_CTLS",
    "VM_ENTRY_CONTROLS": "IA32_VMX_ENTRY_CTLS",
}
# The controls that enable a 64-bit control field whose MSR reports allowed 1-settings in
# all 64 bits: "activate tertiary controls" -> IA32_VMX_PROCBASED_CTLS3; "enable VM
# functions" -> IA32_VMX_VMFUNC ("VM-Function Controls", "VM Functions").
_CTL64_MSR = {
    "TERTIARY_VM_EXEC_CONTROL": ("IA32_VMX_PROCBASED_CTLS3", "CPU_BASED_ACTIVATE_TERTIARY_CONTROLS"),
    "VM_FUNCTION_CONTROL": ("IA32_VMX_VMFUNC", "SECONDARY_ENABLE_VMFUNC"),
}
READ_ONLY_AREA = 1  # encoding bits 11:10 (SDM "Component Encoding": read-only data)
ERR_UNSUPPORTED, ERR_READ_ONLY = "UNSUPPORTED_VMCS_COMPONENT", "VMWRITE_READ_ONLY_COMPONENT"  # vm_errors.def


def _bits(tables: Tables) -> dict:
    return {r["name"]: r for r in tables.control_bits}


def allowed1(caps: dict, name: str, tables: Tables) -> bool:
    """May control `name` (control_bits.def) be 1 on this platform, by its CAP records."""
    row = _bits(tables)[name]
    field, bit = row["field"], row["bit"]
    if field in _CTL64_MSR:
        msr, enabler = _CTL64_MSR[field]
        return allowed1(caps, enabler, tables) and bool((caps.get(msr) or 0) >> bit & 1)
    if field == "SECONDARY_VM_EXEC_CONTROL" and not allowed1(caps, "CPU_BASED_ACTIVATE_SECONDARY_CONTROLS", tables):
        return False  # "Processors that support only the 0-setting of bit 31 ... do not support" them
    return bool((caps.get(_CTL_MSR[field]) or 0) >> (32 + bit) & 1)


def exists_if(tables: Tables, field: str) -> list[str]:
    text = tables.field_by_name[field].get("exists_if", "")
    return [c.strip() for c in text.split(",") if c.strip()]


def field_exists(caps: dict, field: str, tables: Tables) -> bool:
    conds = exists_if(tables, field)
    return not conds or any(allowed1(caps, c, tables) for c in conds)


def _outcome(kind: str, err: str, tables: Tables) -> str:
    if kind == "valid":
        n = int(err, 0)
        return f"VMfailValid({n} {tables.error_name(n)})"
    return {"ok": "ok", "none": "not tried"}.get(kind, f"VMfail{kind.capitalize()}" if kind == "invalid" else kind)


def field_divergences(trace, st, tables: Tables) -> list[Divergence]:
    """caps_fields: each FIELD record against the prediction from the CAP records and the table;
    the FIELDENUM record and the accepted fields against IA32_VMX_VMCS_ENUM bits 9:1."""
    out: list[Divergence] = []
    caps = trace.caps if trace else {}
    recs = [r for r in st.records if r.type == "FIELD"]
    if not recs:
        return out
    misc = tables.decode_field("VMX_MISC", "VMWRITE_ANY", caps.get("IA32_VMX_MISC") or 0)  # exit_info.def
    unsupported = f"VMfailValid({tables.error_number(ERR_UNSUPPORTED)} {ERR_UNSUPPORTED})"
    read_only = f"VMfailValid({tables.error_number(ERR_READ_ONLY)} {ERR_READ_ONLY})"
    enum_max = ((caps.get("IA32_VMX_VMCS_ENUM") or 0) >> 1) & 0x1FF
    seen = set()
    for r in recs:
        name = r.fields.get("name", "?")
        seen.add(name)
        if name not in tables.field_by_name:
            out.append(Divergence(st.id, -1, f"vmread:{name}", "a vmcs_fields.def field", "unknown", line=r.line))
            continue
        enc = tables.field_by_name[name]["encoding"]
        exists = field_exists(caps, name, tables)
        cond = " or ".join(exists_if(tables, name)) or "always"
        got_r = _outcome(r.fields.get("read", "?"), r.fields.get("read_err", "0"), tables)
        want_r = "ok" if exists else unsupported
        if got_r != want_r:
            out.append(Divergence(st.id, -1, f"vmread:{name}", want_r, got_r, line=r.line,
                                  note=f"exists if {cond}"))
        if r.fields.get("read") == "ok":
            got_w = _outcome(r.fields.get("write", "?"), r.fields.get("write_err", "0"), tables)
            area = (enc >> 10) & 3
            want_w = unsupported if not exists else (
                read_only if area == READ_ONLY_AREA and not misc else "ok")
            if got_w != want_w:
                out.append(Divergence(st.id, -1, f"vmwrite:{name}", want_w, got_w, line=r.line,
                                      note=f"exists if {cond}; IA32_VMX_MISC[29]={misc}"))
            idx = (enc >> 1) & 0x1FF
            if idx > enum_max:
                out.append(Divergence(st.id, -1, f"vmcs_enum:{name}", f"index<={enum_max}", f"index={idx}",
                                      line=r.line, note="IA32_VMX_VMCS_ENUM bits 9:1: the highest index of "
                                      "any supported field"))
    for name in tables.field_by_name:
        if name not in seen:
            out.append(Divergence(st.id, -1, f"vmread:{name}", "a FIELD record", "missing"))
    en = next((r for r in st.records if r.type == "FIELDENUM"), None)
    if en is None:
        out.append(Divergence(st.id, -1, "vmcs_enum", "a FIELDENUM record", "missing"))
        return out
    f = {k: int(v, 0) for k, v in en.fields.items()}
    if f.get("max") != enum_max:
        out.append(Divergence(st.id, -1, "vmcs_enum:max", enum_max, f.get("max"), line=en.line,
                              note="the image probed another index than the CAP record's"))
    if not f.get("at_max"):
        out.append(Divergence(st.id, -1, "vmcs_enum:at_max", ">=1 encoding accepted", "0", line=en.line,
                              note=f"no width/type at index {enum_max} is accepted"))
    if f.get("above"):
        out.append(Divergence(st.id, -1, "vmcs_enum:above", "0 encodings accepted",
                              f"{f['above']} (first {f.get('first_above', 0):#x})", line=en.line,
                              note=f"indices {enum_max + 1}..{enum_max + f.get('probed_above', 0)} probed"))
    return out


_USED_KEY = {"PIN_BASED_VM_EXEC_CONTROL": "pin", "CPU_BASED_VM_EXEC_CONTROL": "proc",
             "SECONDARY_VM_EXEC_CONTROL": "proc2", "VM_EXIT_CONTROLS": "exit", "VM_ENTRY_CONTROLS": "entry"}


# Controls no successful VM entry can have set here: the image never runs in SMM, and outside SMM
# an entry check (entry_checks_ctrl.def) fails every entry with them 1; the entry-check sweep
# exercises that check instead (ec_CTRL_ENTRY_SMM__*, ec_CTRL_ENTRY_DEACT_DUAL_MONITOR__*).
_ENTRY_CHECK_FORBIDS = {"VM_ENTRY_SMM": "CTRL_ENTRY_SMM",
                        "VM_ENTRY_DEACT_DUAL_MONITOR": "CTRL_ENTRY_DEACT_DUAL_MONITOR"}


def control_coverage(trace, tables: Tables) -> dict:
    """results.json ``platforms.<name>.controls``: every named control (control_bits.def) of the
    pin-based, primary/secondary processor-based, VM-exit and VM-entry controls that this
    platform's capability MSRs allow to be 1, and whether a VM entry of this boot succeeded with
    it set (the image's CTLUSED record; None when the trace has none).  ``allowed_not_exercised``
    names the rest, the controls no scenario of this run used, except those no successful entry
    can have outside SMM: ``not_exercisable`` gives each with the entry check that forbids it."""
    used = trace.ctl_used if trace else {}
    rows = {}
    for r in tables.control_bits:
        key = _USED_KEY.get(r["field"])
        if key is None or not allowed1(trace.caps, r["name"], tables):
            continue
        rows[r["name"]] = None if key not in used else bool(used[key] >> r["bit"] & 1)
    never = {n: f'{c}: {tables.check_by_name[c]["text"]}' for n, c in _ENTRY_CHECK_FORBIDS.items()
             if rows.get(n) is False}
    return {"allowed": rows,
            "allowed_not_exercised": sorted(n for n, x in rows.items() if x is False and n not in never),
            "not_exercisable": never}
