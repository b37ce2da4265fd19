"""Verdicts: one scenario on one platform versus the SDM, and platform pairs."""
from __future__ import annotations

from dataclasses import dataclass, field

from harness import compare, expect
from harness.model import RunResult, RunStatus, Status
from harness.tables import Tables

RUN_STATUS_TO_SCENARIO = {
    RunStatus.TIMEOUT: Status.TIMEOUT,
    RunStatus.CRASHED: Status.CRASHED,
    RunStatus.TRIPLE_FAULT: Status.CRASHED,
    RunStatus.PANIC: Status.CRASHED,
    RunStatus.HOST_FAULT: Status.CRASHED,
    RunStatus.CORRUPT: Status.ERROR,
    RunStatus.ERROR: Status.ERROR,
}


@dataclass
class Verdict:
    scenario: str
    platform: str
    status: Status
    reason: str = ""
    divergences: list = field(default_factory=list)
    known: str = ""  # citation of a registered divergence, for XFAIL
    exits: int = 0
    line: int | None = None


def scenario_verdict(run: RunResult, meta: dict, tables: Tables, params: dict | None = None) -> Verdict:
    """PASS/FAIL/SKIP/XFAIL/ERROR/CRASHED/TIMEOUT for one scenario of one run."""
    sid, plat = meta["id"], run.platform
    if run.status == RunStatus.UNAVAILABLE:
        return Verdict(sid, plat, Status.SKIP, f"platform unavailable: {run.reason}")
    tr = run.trace
    st = tr.scenarios.get(sid) if tr else None
    if tr is not None and tr.novmx and st is not None and st.status == "SKIP":
        why = f"VMX absent on {plat}: image reports {tr.novmx}"
        acc = run.info.get("accelerator_reason")
        if acc:
            why += f"; {acc}"
        return Verdict(sid, plat, Status.SKIP, why)
    if st is None or st.end is None:
        status = RUN_STATUS_TO_SCENARIO.get(run.status, Status.CRASHED)
        where = "never started" if st is None else f"started at line {st.begin_line} but has no END"
        return Verdict(sid, plat, status, f"run {run.status.value}: {run.reason}; scenario {where}",
                       line=st.begin_line if st else None)
    if st.status == "SKIP":
        return Verdict(sid, plat, Status.SKIP, f"image skipped it: {st.end.fields.get('reason')}")
    exp = expect.for_scenario(meta, tables, params)
    if exp is None:
        return Verdict(sid, plat, Status.ERROR, "no SDM expectation registered for this scenario")
    divs = compare.compare_sdm(st, exp, tables)
    if st.status != "DONE":
        divs.insert(0, compare.Divergence(sid, -1, "end_status", "DONE", st.status, line=st.end.line))
    v = Verdict(sid, plat, Status.PASS if not divs else Status.FAIL, divergences=divs, exits=len(st.exits),
                line=st.begin_line)
    if run.status == RunStatus.CORRUPT:
        v.status, v.reason = Status.ERROR, f"trace corrupt: {run.reason}"
    known = compare.known_divergence(plat, sid)
    if known and v.status == Status.FAIL:
        v.status, v.known = Status.XFAIL, known.cite
    if v.status == Status.FAIL:
        v.reason = f"{len(divs)} divergence(s) from the SDM ({exp.cite})"
    return v


def pair_verdict(a: RunResult, b: RunResult, sid: str, tables: Tables) -> Verdict:
    """Exit-by-exit comparison of one scenario between two platforms."""
    name = f"{a.platform}-vs-{b.platform}"
    for r in (a, b):
        if r.status == RunStatus.UNAVAILABLE:
            return Verdict(sid, name, Status.SKIP, f"{r.platform} unavailable: {r.reason}")
        if r.trace is None or r.trace.novmx:
            return Verdict(sid, name, Status.SKIP, f"{r.platform} did not run VMX"
                           + (f" ({r.trace.novmx})" if r.trace and r.trace.novmx else ""))
    sa, sb = a.trace.scenarios.get(sid), b.trace.scenarios.get(sid)
    for r, s in ((a, sa), (b, sb)):
        if s is None or s.end is None:
            return Verdict(sid, name, RUN_STATUS_TO_SCENARIO.get(r.status, Status.CRASHED),
                           f"{r.platform}: scenario incomplete (run {r.status.value}: {r.reason})")
        if s.status == "SKIP":
            return Verdict(sid, name, Status.SKIP,
                           f"{r.platform} lacks a capability: {s.end.fields.get('reason')}")
    divs = compare.compare_pair(sa, sb, tables, a.platform, b.platform)
    v = Verdict(sid, name, Status.PASS if not divs else Status.FAIL, divergences=divs, exits=len(sa.exits))
    known = compare.known_divergence(a.platform, sid) or compare.known_divergence(b.platform, sid)
    if divs and known:
        v.status, v.known = Status.XFAIL, known.cite
    elif divs:
        v.reason = f"{len(divs)} divergence(s) between {a.platform} and {b.platform}"
    return v
