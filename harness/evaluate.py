"""Verdicts: one scenario on one platform versus the SDM, and platform pairs."""
from __future__ import annotations

import fnmatch
import functools
import os
from dataclasses import dataclass, field

from harness import caps, compare, expect
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


ALLOW_MISSING_ENV = "VMXDIFF_ALLOW_MISSING"


def allowed_missing(platform: str) -> str | None:
    """The VMXDIFF_ALLOW_MISSING pattern that accepts this platform's absence, if any.

    The only way to accept fewer platforms than the host can run (e.g.
    ``VMXDIFF_ALLOW_MISSING='bochs30-*'`` on an offline machine).
    """
    for pat in os.environ.get(ALLOW_MISSING_ENV, "").replace(",", " ").split():
        if fnmatch.fnmatchcase(platform, pat):
            return pat
    return None


@dataclass
class Verdict:
    scenario: str
    platform: str
    status: Status
    reason: str = ""
    divergences: list = field(default_factory=list)  # every divergence, explained or not
    known: str = ""  # citations of the registered divergences observed (XFAIL)
    exits: int = 0
    line: int | None = None


def missing_verdict(sid: str, name: str, run: RunResult) -> Verdict:
    """A platform that did not run: an ERROR, unless its absence was accepted explicitly."""
    pat = allowed_missing(run.platform)
    if pat:
        return Verdict(sid, name, Status.SKIP, f"{run.platform} missing, accepted by {ALLOW_MISSING_ENV}={pat}: "
                       f"{run.reason}")
    return Verdict(sid, name, Status.ERROR, f"platform {run.platform} did not run: {run.reason} "
                   f"(set {ALLOW_MISSING_ENV}={run.platform} to accept its absence)")


def _apply_known(v: Verdict, platform: str, sid: str, labels: dict | None = None) -> Verdict:
    """Registered divergences: exactly the matching ones become XFAIL."""
    unexplained, matched, stale = compare.split_known(platform, sid, v.divergences, labels=labels)
    if stale and v.status in (Status.PASS, Status.FAIL):
        v.status = Status.FAIL
        v.reason = ("registered divergence no longer observed; remove it from harness/compare.py "
                    "KNOWN_DIVERGENCES: " + "; ".join(f"{k.field} {k.expected} -> {k.actual}" for k in stale))
        return v
    if v.status == Status.FAIL and matched and not unexplained:
        v.status, v.known = Status.XFAIL, " | ".join(k.cite for k in matched)
    elif v.status == Status.FAIL and matched:
        v.known = " | ".join(k.cite for k in matched)
    return v


def scenario_verdict(run: RunResult, meta: dict, tables: Tables, params: dict | None = None) -> Verdict:
    """PASS/FAIL/SKIP/XFAIL/ERROR/CRASHED/TIMEOUT for one scenario of one run."""
    sid, plat = meta["id"], run.platform
    if run.status == RunStatus.UNAVAILABLE:
        return missing_verdict(sid, plat, run)
    crash = _excluded_crash(run, sid)
    if crash:
        return crash
    tr = run.trace
    st = tr.scenarios.get(sid) if tr else None
    if tr is not None and tr.novmx and st is not None and st.status == "SKIP":
        why = f"VMX absent on {plat}: image reports {tr.novmx}"
        acc = run.info.get("accelerator_reason")
        if acc:
            why += f"; {acc}"
        return Verdict(sid, plat, Status.SKIP, why)
    if st is None or st.end is None:
        rstatus, rreason = run.status, run.reason
        for own in run.info.get("own_boots") or ():
            if sid in (own.get("scenarios") or ()):  # booted on its own (session.py own_boots)
                rstatus, rreason = RunStatus(own["status"]), f"{own.get('reason')} (own boot, {own.get('cpus')} CPUs)"
        status = RUN_STATUS_TO_SCENARIO.get(rstatus, Status.CRASHED)
        where = "never started" if st is None else f"started at line {st.begin_line} but has no END"
        return Verdict(sid, plat, status, f"run {rstatus.value}: {rreason}; scenario {where}",
                       exits=len(st.exits) if st else 0, line=st.begin_line if st else None)
    if meta.get("sweep"):
        return _sweep_verdict(run, meta, tables, st)
    if st.status == "SKIP":
        return Verdict(sid, plat, Status.SKIP, f"image skipped it: {st.end.fields.get('reason')}")
    try:
        exp = expect.for_scenario(meta, tables, params, st.setup)
    except expect.ExpectationError as exc:
        return Verdict(sid, plat, Status.ERROR, str(exc), exits=len(st.exits), line=st.begin_line)
    if exp is None:
        return Verdict(sid, plat, Status.ERROR, "no SDM expectation registered for this scenario")
    return _judge(run, sid, st, exp, tables, "the SDM", meta.get("labels"))


def _judge(run: RunResult, sid: str, st, exp, tables: Tables, source: str, labels: dict | None = None) -> Verdict:
    """The platform's records of one scenario against an expectation; registered divergences."""
    plat = run.platform
    divs = compare.compare_sdm(st, exp, tables) + caps.field_divergences(run.trace, st, tables)
    if st.status != "DONE":
        divs.insert(0, compare.Divergence(sid, -1, "end_status", "DONE", st.status, line=st.end.line))
    v = Verdict(sid, plat, Status.PASS if not divs else Status.FAIL, divergences=divs, exits=len(st.exits),
                line=st.begin_line)
    if run.status == RunStatus.CORRUPT:
        v.status, v.reason = Status.ERROR, f"trace corrupt: {run.reason}"
        return v
    _apply_known(v, plat, sid, labels)
    if v.status == Status.FAIL and not v.reason:
        v.reason = f"{len(divs)} divergence(s) from {source} ({exp.cite})"
    return v


def _predict_fields(p) -> dict:
    return {"outcome": p.outcome, "err": str(p.error), "qual": str(p.qual),
            "violated": ",".join(p.violated) or "none"}


def _sweep_verdict(run: RunResult, meta: dict, tables: Tables, st) -> Verdict:
    """A sweep case: the host model's prediction for the exact VMCS (GOLDEN + DIFF), the
    image's own prediction (must be identical: same C, same input), the case's claim
    (violates exactly its check / nothing), then the platform against the prediction."""
    sid, plat = meta["id"], run.platform
    if st.status == "SKIP" and st.predict is None:  # the case's setup could not express it here
        return Verdict(sid, plat, Status.SKIP, f"not expressible on {plat}: {st.end.fields.get('reason')}")
    try:
        exp, pred = expect.for_sweep_case(meta, tables, run.trace, st)
    except expect.ExpectationError as exc:
        return Verdict(sid, plat, Status.ERROR, str(exc), exits=len(st.exits), line=st.begin_line)
    host = _predict_fields(pred)
    image = {k: (st.predict.fields.get(k) if st.predict else None) for k in host}
    if image != host:
        return Verdict(sid, plat, Status.ERROR, f"the image's model and the host's disagree on the same input: "
                       f"image {image} vs host {host} (core/model built twice differs)", line=st.begin_line)
    claim = (pred.violated == (meta["check"],)) if meta["sweep"] == "violate" else (pred.violated == ())
    if st.status == "SKIP":
        why = st.end.fields.get("reason")
        if why == "untestable" and claim:
            return Verdict(sid, plat, Status.FAIL, "the image skipped the case as untestable, but the model says "
                           f"it is testable here ({pred.summary()})", line=st.begin_line)
        detail = f"; model: {pred.summary()}" if why == "untestable" else ""
        return Verdict(sid, plat, Status.SKIP, f"untestable on {plat}: {why}{detail}")
    if not claim:
        return Verdict(sid, plat, Status.ERROR, f"case {meta['sweep']}s {meta['check']} but the model says "
                       f"{pred.summary()}: the image should have skipped it", line=st.begin_line)
    return _judge(run, sid, st, exp, tables, "the model of the SDM")


def _excluded_crash(run: RunResult, sid: str, name: str | None = None) -> Verdict | None:
    """A registered emulator crash left out of this run (compare.EMULATOR_CRASHES): XFAIL;
    a sweep case a platform does not boot yet (its runner says why): SKIP, said at the end of pytest."""
    if sid in (run.info.get("sweeps_not_run") or ()):
        return Verdict(sid, name or run.platform, Status.SKIP,
                       f"sweep case not booted on {run.platform}: {run.info.get('sweeps_not_run_reason')}")
    if sid not in (run.info.get("excluded") or ()):
        return None
    k = compare.crash_for(run.platform, sid)
    what = "hangs" if k and k.kind == "hang" else "crashes"
    v = Verdict(sid, name or run.platform, Status.XFAIL,
                f"not booted in the catalog: {run.platform} {what} on it ({k.panic if k else '?'}); "
                "pytest/test_emulator_crashes.py boots it alone")
    v.known = k.cite if k else ""
    return v


def _declared_masks(sid: str, tables: Tables) -> list | dict | None:
    """Per event, the bits the scenario's .expect declares defined ({key: mask}); a pair compares
    no bit the SDM leaves undefined for that operand form or platform capability.  A scenario on
    more than one CPU: {cpu: list}."""
    from harness import session, spec
    try:
        meta = _catalog_by_id(str(session.DEFAULT_BUILD)).get(sid)
    except session.SelectionError:  # no catalog (unit tests on canned traces): the layouts alone decide
        return None
    if not meta or not meta.get("expect"):
        return None
    try:
        events = spec.parse(meta, tables)
    except spec.SpecError:
        return None
    cpus = int(meta.get("cpus") or 1)

    def m(e) -> dict:
        d = dict(getattr(e, "masks", {}) or {})
        if getattr(e, "optional", False):
            d[compare.OCCURS_IMPL] = tables.exit_number(e.reason)
        return d
    if cpus == 1:
        return [m(e) for e in events]
    return {c: [m(e) for e in events if e.cpu in (None, c)] for c in range(cpus)}


@functools.lru_cache(maxsize=2)
def _catalog_by_id(build: str) -> dict:
    from pathlib import Path

    from harness import session
    return {m["id"]: m for m in session.load_catalog(Path(build))}


def pair_verdict(a: RunResult, b: RunResult, sid: str, tables: Tables) -> Verdict:
    """Exit-by-exit comparison of one scenario between two platforms."""
    name = f"{a.platform}-vs-{b.platform}"
    for r in (a, b):
        crash = _excluded_crash(r, sid, name)
        if crash:
            return crash
    for r in (a, b):
        if r.status == RunStatus.UNAVAILABLE:
            return missing_verdict(sid, name, r)
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
    divs = compare.compare_pair(sa, sb, tables, a.platform, b.platform, masks=_declared_masks(sid, tables))
    v = Verdict(sid, name, Status.PASS if not divs else Status.FAIL, divergences=divs, exits=len(sa.exits))
    from harness import session
    try:
        labels = _catalog_by_id(str(session.DEFAULT_BUILD)).get(sid, {}).get("labels")
    except session.SelectionError:  # no catalog (unit tests on canned traces): no labels
        labels = None
    _apply_known(v, name, sid, labels)
    if v.status == Status.FAIL and not v.reason:
        v.reason = f"{len(divs)} divergence(s) between {a.platform} and {b.platform}"
    return v
