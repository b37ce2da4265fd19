"""The controller-side plugin of make check (harness/pytest_plugin.py): the catalog is booted by one
worker only, and a second boot fails the run."""
from __future__ import annotations

import types

import pytest

from harness import pytest_plugin


def _node(config, workerid: str, booted: bool):
    out = {pytest_plugin.BOOTED: True} if booted else {}
    return types.SimpleNamespace(config=config, workeroutput=out, workerinput={"workerid": workerid})


def _finish(config) -> int:
    session = types.SimpleNamespace(config=config, exitstatus=0)
    pytest_plugin.pytest_sessionfinish(session, 0)
    return session.exitstatus


def test_one_worker_booting_the_catalog_is_fine():
    config = types.SimpleNamespace()
    pytest_plugin.pytest_testnodedown(_node(config, "gw0", True), None)
    pytest_plugin.pytest_testnodedown(_node(config, "gw1", False), None)
    assert pytest_plugin.catalog_booted_twice(config) is None
    assert _finish(config) == 0


def test_two_workers_booting_the_catalog_fail_the_run():
    config = types.SimpleNamespace()
    pytest_plugin.pytest_testnodedown(_node(config, "gw1", True), None)
    pytest_plugin.pytest_testnodedown(_node(config, "gw0", True), None)
    err = pytest_plugin.catalog_booted_twice(config)
    assert err and "2 workers (gw0, gw1)" in err and "\n" not in err
    assert _finish(config) == pytest.ExitCode.TESTS_FAILED


def test_run_result_and_trace_reprs_stay_short_whatever_the_trace():
    """pytest reprs the arguments of every frame of a failing or xfailing test (`runs`: every
    platform's whole trace); a dataclass repr of a catalog's trace took 0.3 s per xfail."""
    from harness.model import Record, RunResult, RunStatus, ScenarioTrace, Trace
    trace = Trace(lines=10**6)
    for i in range(2000):
        trace.scenarios[f"s{i}"] = ScenarioTrace(id=f"s{i}", check=None, begin_line=i,
                                                 records=[Record("EXIT", i, {"reason": "VMCALL"}, i, "EXIT")] * 50)
    res = RunResult(platform="bochs30-skylake_x", status=RunStatus.COMPLETE, reason="x" * 10_000, trace=trace,
                    run_dir="/r")
    text = repr({"bochs30-skylake_x": res})
    assert len(text) < 400
    assert "scenarios=2000" in text and "bochs30-skylake_x" in text and "COMPLETE" in text
