"""Pure comparison: a scenario trace versus the SDM, or versus another platform.

One per-field policy table says how each field is compared:
EXACT, IGNORE (SDM leaves it undefined), or LEN_RULE (exact only for exits
whose instruction length the SDM defines: tables.len_defined()).  Known,
cited platform deviations are registered in KNOWN_DIVERGENCES; they turn a
failure into XFAIL, never into PASS.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from harness.expect import Expectation, ExpectExit, ExpectVmFail
from harness.model import Divergence, ExitRecord, ScenarioTrace, VmFailRecord
from harness.tables import Tables

EXACT, IGNORE, LEN_RULE = "EXACT", "IGNORE", "LEN_RULE"

# Exit-record fields compared between platforms.
EXIT_FIELD_POLICY = {
    "insn": EXACT,
    "reason": EXACT,
    "entry_fail": EXACT,
    "qual": EXACT,
    "len": LEN_RULE,  # SDM field "VM-Exit Instruction Length": undefined for other exits
    "rip": EXACT,
    "rip_advance": EXACT,
    "intr_info": EXACT,
    "gprs": EXACT,
}
VMFAIL_FIELD_POLICY = {"insn": EXACT, "kind": EXACT, "err": EXACT}


@dataclass(frozen=True)
class KnownDivergence:
    """A platform deviation from the SDM, registered with its citation."""

    platform: str  # glob over platform names
    scenario: str  # glob over scenario ids
    cite: str

    def applies(self, platform: str, scenario: str) -> bool:
        return fnmatch.fnmatchcase(platform, self.platform) and fnmatch.fnmatchcase(scenario, self.scenario)


KNOWN_DIVERGENCES: tuple[KnownDivergence, ...] = (
    KnownDivergence(
        "bochs*", "invalid_guest_state_rip_noncanonical",
        'SDM "Checks on Guest RIP, RFLAGS, and SSP": with IA-32e mode guest and CS.L=1, RIP bits 63:N '
        'must be identical. Bochs 2.7 and 3.0 do not check this at VM entry: the guest enters and the '
        'first fetch takes #GP (exit reason 0, interruption info 0x80000b0d) instead of exit reason 33.'),
)


def known_divergence(platform: str, scenario: str) -> KnownDivergence | None:
    for k in KNOWN_DIVERGENCES:
        if k.applies(platform, scenario):
            return k
    return None


def _exit_fields(e: ExitRecord) -> dict:
    return {"insn": e.insn, "reason": e.reason, "entry_fail": e.entry_fail, "qual": e.qual, "len": e.len,
            "rip": e.rip, "rip_advance": e.rip_advance, "intr_info": e.intr_info, "gprs": e.gprs}


def _kind(ev) -> str:
    return "EXIT" if isinstance(ev, (ExitRecord, ExpectExit)) else "VMFAIL"


def compare_sdm(st: ScenarioTrace, exp: Expectation, tables: Tables) -> list[Divergence]:
    """Divergences of a traced scenario from its SDM expectation."""
    out: list[Divergence] = []
    sid = st.id
    if len(st.events) != len(exp.events):
        out.append(Divergence(sid, -1, "event_count", len(exp.events), len(st.events),
                              note="events: " + ", ".join(_describe(e, tables) for e in st.events)))
    for i, (want, got) in enumerate(zip(exp.events, st.events)):
        if _kind(want) != _kind(got):
            out.append(Divergence(sid, i, "event", _kind(want), _describe(got, tables), line=got.line))
            continue
        if isinstance(want, ExpectVmFail):
            if want.insn and want.insn != got.insn:
                out.append(Divergence(sid, i, "insn", want.insn, got.insn, line=got.line))
            if want.kind != got.kind:
                out.append(Divergence(sid, i, "vmfail_kind", want.kind, got.kind, line=got.line))
            elif want.error is not None and tables.error_number(want.error) != got.err:
                out.append(Divergence(sid, i, "vm_instruction_error",
                                      f"{tables.error_number(want.error)} ({want.error})",
                                      f"{got.err} ({tables.error_name(got.err or 0)})", line=got.line))
            continue
        want_reason = tables.exit_number(want.reason)
        if got.reason != want_reason:
            out.append(Divergence(sid, i, "reason", f"{want_reason} ({want.reason})",
                                  f"{got.reason} ({tables.exit_name(got.reason)})", line=got.line))
            continue
        checks = [("entry_fail", want.entry_fail, got.entry_fail), ("qual", want.qual, got.qual),
                  ("intr_info", want.intr_info, got.intr_info)]
        if want.len is not None and tables.len_defined(want_reason):
            checks.append(("len", want.len, got.len))
        if want.resumed is not None:
            checks.append(("resumed", want.resumed, got.next_rip is not None))
        if want.resumed and got.next_rip is not None:
            # The host steps over the instruction: RIP advances by the length.
            checks.append(("rip_advance", got.len, got.rip_advance))
        for k, v in want.gprs.items():
            checks.append((k, v, got.gprs.get(k)))
        for name, w, g in checks:
            if w is not None and w != g:
                out.append(Divergence(sid, i, name, w, g, line=got.line))
    return out


def compare_pair(a: ScenarioTrace, b: ScenarioTrace, tables: Tables,
                 a_name: str = "left", b_name: str = "right") -> list[Divergence]:
    """Exit-by-exit differences between two platforms' traces of one scenario."""
    out: list[Divergence] = []
    sid = a.id
    if len(a.events) != len(b.events):
        out.append(Divergence(sid, -1, "event_count", len(a.events), len(b.events), a_name, b_name))
    for i, (x, y) in enumerate(zip(a.events, b.events)):
        if _kind(x) != _kind(y):
            out.append(Divergence(sid, i, "event", _describe(x, tables), _describe(y, tables), a_name, b_name,
                                  line=y.line))
            continue
        if isinstance(x, VmFailRecord):
            for f, policy in VMFAIL_FIELD_POLICY.items():
                if policy == EXACT and getattr(x, f) != getattr(y, f):
                    out.append(Divergence(sid, i, f, getattr(x, f), getattr(y, f), a_name, b_name, line=y.line))
            continue
        fx, fy = _exit_fields(x), _exit_fields(y)
        for f, policy in EXIT_FIELD_POLICY.items():
            if policy == IGNORE:
                continue
            if policy == LEN_RULE and not (x.reason == y.reason and tables.len_defined(x.reason)):
                continue
            if fx[f] != fy[f]:
                out.append(Divergence(sid, i, f, fx[f], fy[f], a_name, b_name, line=y.line))
    return out


def _describe(ev, tables: Tables) -> str:
    if isinstance(ev, ExitRecord):
        fail = "|ENTRY_FAIL" if ev.entry_fail else ""
        return f"EXIT {tables.exit_name(ev.reason)}{fail} qual={ev.qual:#x}"
    if isinstance(ev, VmFailRecord):
        return f"VMFAIL {ev.insn} {ev.kind}" + (f" err={ev.err}" if ev.err is not None else "")
    return repr(ev)


def cap_diff(a: dict, b: dict) -> list[tuple[str, object, object]]:
    """Capability MSRs that differ: [(name, a_value, b_value)]."""
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
