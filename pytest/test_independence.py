"""Scenarios are independent: each one alone gives the same records as inside
the whole catalog (apart from seq).  Every scenario starts from a freshly
initialised VMCS, and the host restores what a VM exit changes (GDTR/IDTR
limits: SDM "Loading Host Segment and Descriptor-Table Registers").
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import SCENARIOS, TIMEOUT
from harness import compare, evaluate, platforms, session
from harness.model import RunStatus, Status

PLAT = "bochs30-skylake_x"


def _records(st) -> list[tuple[str, dict]]:
    return [(r.type, r.fields) for r in st.records]


def _complete(res):
    if res.status == RunStatus.UNAVAILABLE:
        v = evaluate.missing_verdict("*", PLAT, res)
        if v.status == Status.SKIP:
            pytest.skip(v.reason)
        pytest.fail(f"{PLAT} did not run: {res.reason}", pytrace=False)
    assert res.status == RunStatus.COMPLETE, f"{res.status.value}: {res.reason} ({res.serial_path})"
    return res.trace


# Two checks.  (1) Order: the whole catalog run backwards (image key order=reverse) gives every
# scenario the same records as forwards, so no scenario's records depend on what ran before it.
# (2) Alone: a sample of scenarios, each booted alone, gives the catalog's records.  The sample is
# every PLAIN_STRIDE-th hand-written scenario and every SWEEP_STRIDE-th sweep case, starting at an
# offset taken from the image's build hash, so each build boots a different part of the catalog
# alone (a boot per scenario would cost minutes), plus the first and the last of each kind.
PLAIN_STRIDE = 8
SWEEP_STRIDE = 100


def _selection(build: str) -> list[str]:
    plain = [s["id"] for s in SCENARIOS if not s.get("sweep")]
    sweep = [s["id"] for s in SCENARIOS if s.get("sweep")]
    try:
        off = int(build, 16)
    except ValueError:
        off = 0
    pick = plain[off % PLAIN_STRIDE::PLAIN_STRIDE] + sweep[off % SWEEP_STRIDE::SWEEP_STRIDE]
    ends = [x for x in (plain[:1] + plain[-1:] + sweep[:1] + sweep[-1:]) if x not in pick]
    return pick + ends


def _differences(whole, other, ids, what: str) -> list[str]:
    differ = []
    for sid in ids:
        a, b = _records(whole.scenarios[sid]), _records(other.scenarios[sid])
        if a != b:
            first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            differ.append(f"{sid}: record {first}: catalog {a[first] if first < len(a) else None} "
                          f"{what} {b[first] if first < len(b) else None}")
    return differ


def _session_catalog(config):
    """This session's boot of PLAT with the whole catalog (conftest.py runs), if it made one."""
    res = (getattr(config, "_vmxdiff_results", None) or {}).get(PLAT)
    if res is None or res.status != RunStatus.COMPLETE or res.trace is None:
        return None
    want = {s["id"] for s in SCENARIOS} - set(compare.crash_skips(PLAT, None))
    return res if set(res.trace.scenarios) == want else None


@pytest.mark.slow
def test_each_scenario_gives_the_same_records_in_any_order_and_alone(request):
    platforms.get(PLAT)
    fwd = _session_catalog(request.config)  # the forward boot make check has already made
    with ThreadPoolExecutor(max_workers=2) as pool:
        boots = list(pool.map(lambda p: session.run_platforms([PLAT], None, p, timeout=TIMEOUT)[PLAT],
                              ([{"order": "reverse"}] if fwd else [{}, {"order": "reverse"}])))
    fwd = fwd or boots[0]
    whole, backwards = _complete(fwd), _complete(boots[-1])
    # A case registered as crashing this platform is left out of its catalog boots (compare.EMULATOR_CRASHES).
    assert set(whole.scenarios) == {s["id"] for s in SCENARIOS} - set(compare.crash_skips(PLAT, None))
    # Scenarios on several CPUs, and each .alone one, boot on their own on Bochs (harness/session.py
    # own_boots): each boot reverses its own part (an .alone boot has one scenario).
    smp = {s["id"] for s in SCENARIOS if int(s.get("cpus") or 1) > 1}
    alone = {s["id"] for s in SCENARIOS if s.get("alone")}
    for part in (lambda i: i not in smp and i not in alone, lambda i: i in smp):
        assert [i for i in backwards.scenarios if part(i)] == list(reversed([i for i in whole.scenarios if part(i)])), \
            "order=reverse did not reverse"
    differ = _differences(whole, backwards, sorted(whole.scenarios), "reversed")
    ids = [sid for sid in _selection(str(whole.boot.fields.get("build", "")) if whole.boot else "")
           if sid in whole.scenarios]

    def alone(sid):
        return sid, session.run_platforms([PLAT], [sid], {}, timeout=TIMEOUT)[PLAT]

    with ThreadPoolExecutor(max_workers=2) as pool:
        singles = dict(pool.map(alone, ids))
    for sid in ids:
        differ += _differences(whole, _complete(singles[sid]), [sid], "alone")
    assert not differ, "\n".join(differ)
