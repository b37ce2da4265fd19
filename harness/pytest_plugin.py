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
    got = getattr(node, "workeroutput", {}).get(KEY)
    if got:
        node.config._vmxdiff_summary_from_worker = got


def pytest_terminal_summary(terminalreporter):
    got = getattr(terminalreporter.config, "_vmxdiff_summary_from_worker", None)
    if got:
        print_summary(terminalreporter, got)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    for line in (getattr(config, "_vmxdiff_summary_from_worker", None) or {}).get("final", ()):
        print(line, flush=True)
