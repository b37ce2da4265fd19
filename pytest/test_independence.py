"""Scenarios are independent: each one alone gives the same records as inside
the whole catalog (apart from seq).  Every scenario starts from a freshly
initialised VMCS, and the host restores what a VM exit changes (GDTR/IDTR
limits: SDM "Loading Host Segment and Descriptor-Table Registers").
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import SCENARIOS, TIMEOUT
from harness import evaluate, platforms, session
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


# Every hand-written scenario alone; of the entry-check sweep cases (hundreds, built by one
# shared body from the golden VMCS) every SWEEP_STRIDE-th and the last
# case -- a boot per case would cost minutes.
SWEEP_STRIDE = 25


def _selection() -> list[str]:
    plain = [s["id"] for s in SCENARIOS if not s.get("sweep")]
    sweep = [s["id"] for s in SCENARIOS if s.get("sweep")]
    return plain + sweep[::SWEEP_STRIDE] + sweep[-1:]


@pytest.mark.slow
def test_each_scenario_alone_gives_the_catalog_records():
    ids = _selection()
    platforms.get(PLAT)
    whole = _complete(session.run_platforms([PLAT], None, {}, timeout=TIMEOUT)[PLAT])
    assert set(whole.scenarios) == {s["id"] for s in SCENARIOS}

    def alone(sid):
        return sid, session.run_platforms([PLAT], [sid], {}, timeout=TIMEOUT)[PLAT]

    with ThreadPoolExecutor(max_workers=2) as pool:
        singles = dict(pool.map(alone, ids))
    differ = []
    for sid in ids:
        tr = _complete(singles[sid])
        a, b = _records(whole.scenarios[sid]), _records(tr.scenarios[sid])
        if a != b:
            first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            differ.append(f"{sid}: record {first}: catalog {a[first] if first < len(a) else None} "
                          f"alone {b[first] if first < len(b) else None}")
    assert not differ, "\n".join(differ)
