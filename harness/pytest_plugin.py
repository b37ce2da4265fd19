"""pytest plugin (make check: -p harness.pytest_plugin): the end-of-run summary of vmx-diff in the
process that owns the terminal.

pytest/conftest.py computes the summary (capability differences, Bochs's reasons for each VM-entry
failure, where the report is, platforms that did not all run) where the session's platform runs
are.  In one process it prints it itself.  Under pytest-xdist (make check) the controller loads no
conftest and holds no runs: the worker that ran the catalog sends the summary with its
workeroutput, and this plugin prints it.
"""
from __future__ import annotations

import pytest

KEY = "vmxdiff_summary"
BOOTED = "vmxdiff_booted_catalog"  # set by the worker whose `runs` fixture booted the platforms


def print_summary(terminalreporter, summary: dict) -> None:
    if summary.get("caps"):
        terminalreporter.section("VMX capability differences (explain capability skips; not divergences)")
        for ln in summary["caps"]:
            terminalreporter.write_line(ln)
    if summary.get("reasons"):
        terminalreporter.section("Bochs VM-entry failure reasons")
        for ln in summary["reasons"]:
            terminalreporter.write_line(ln)
    if summary.get("report"):
        terminalreporter.write_line(summary["report"])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    out = getattr(node, "workeroutput", {})
    got = out.get(KEY)
    if got:
        node.config._vmxdiff_summary_from_worker = got
    if out.get(BOOTED):
        booted = node.config.__dict__.setdefault("_vmxdiff_booted_by", [])
        booted.append(str(getattr(node, "workerinput", {}).get("workerid", "?")))


def catalog_booted_twice(config) -> str | None:
    """The error when more than one worker booted the platforms' catalog (their tests belong to one
    xdist group: two boots double the run's cost and mean the grouping broke), else None."""
    booted = sorted(getattr(config, "_vmxdiff_booted_by", ()))
    if len(booted) > 1:
        return (f"vmx-diff: ERROR: {len(booted)} workers ({', '.join(booted)}) each booted the platforms' "
                f"catalog; the tests that read it must form one xdist group (pytest/conftest.py)")
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    if catalog_booted_twice(session.config) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    got = getattr(terminalreporter.config, "_vmxdiff_summary_from_worker", None)
    if got:
        print_summary(terminalreporter, got)
    err = catalog_booted_twice(terminalreporter.config)
    if err:
        terminalreporter.write_line(err, red=True)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    for line in (getattr(config, "_vmxdiff_summary_from_worker", None) or {}).get("final", ()):
        print(line, flush=True)
