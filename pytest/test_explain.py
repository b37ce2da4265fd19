"""`harness explain` names the violated check for every failed entry of the catalog, on every
platform, from the trace alone (VMCS dump, CAP and CPUID records, MSR-load entries)."""
from conftest import CATALOG, TABLES, require_run

from harness.cli import explain_failure, model_agrees


def test_explain_names_each_failed_entrys_check(runs, platform_name):
    run = require_run(runs, platform_name)
    if run.trace is None or run.trace.novmx:
        import pytest
        pytest.skip(f"{platform_name} did not run VMX")
    seen = 0
    for meta in CATALOG:
        st = run.trace.scenarios.get(meta["id"])
        if meta.get("sweep") or st is None:
            continue
        got = explain_failure(run.trace, st, TABLES)
        if got is None:
            continue  # no failed entry here (e.g. a registered divergence: the entry succeeded)
        e, pred, where = got
        if pred is None:
            # No current VMCS (nothing to dump), or blocking by MOV SS (no VMCS state involved).
            assert getattr(e, "kind", None) == "invalid" or \
                getattr(e, "err", None) == TABLES.error_number("ENTRY_EVENTS_BLOCKED_MOV_SS"), \
                (meta["id"], where)
            continue
        seen += 1
        assert model_agrees(pred, e, TABLES), f"{meta['id']} on {platform_name}: model {pred.summary()} vs {e}"
        if meta["check"]:
            assert pred.violated == (meta["check"],), f"{meta['id']}: {pred.summary()}"
        else:
            assert pred.violated == (), f"{meta['id']}: instruction-level failure, {pred.summary()}"
    assert seen >= 8, f"only {seen} failed entries explained on {platform_name}"
