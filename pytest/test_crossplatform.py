"""Platforms against each other, exit by exit (same image, same scenario)."""
from __future__ import annotations

import pytest

from conftest import EVERY_SCENARIO, TABLES, every_scenario_skips
from harness import evaluate
from harness.model import Status


@pytest.mark.divergence
def test_pair(scenario_pair, runs, request):
    sid, a, b = scenario_pair
    if sid == EVERY_SCENARIO:
        every_scenario_skips(request.config, f"{a}-vs-{b}",
                             lambda s: evaluate.pair_verdict(runs[a], runs[b], s, TABLES))
    v = evaluate.pair_verdict(runs[a], runs[b], sid, TABLES)
    if v.status == Status.SKIP:
        pytest.skip(v.reason)
    if v.status == Status.XFAIL:
        pytest.xfail("registered divergence (harness/compare.py KNOWN_DIVERGENCES): "
                     + "; ".join(f"{d.field} {d.left} -> {d.right}" for d in v.divergences)
                     if v.divergences else v.reason)  # a registered crash left out of the catalog
    assert v.status == Status.PASS, "\n".join(
        [f"{sid}: {v.status.value} {v.reason}"] + ["  " + d.message() for d in v.divergences]
        + [f"  {a}: {runs[a].serial_path}", f"  {b}: {runs[b].serial_path}"])


def test_capability_fingerprints_recorded(runs):
    """Every VMX platform printed its capability MSRs; differences are listed
    (they explain capability skips, they are not divergences)."""
    vmx = {n: r for n, r in runs.items() if r.trace is not None and r.trace.caps}
    if not vmx:
        pytest.skip("no platform ran VMX")
    for name, r in vmx.items():
        assert "IA32_VMX_BASIC" in r.trace.caps and r.trace.caps["IA32_VMX_BASIC"], name
