"""The per-exit-reason table of results.json and the dashboard (report.exit_reason_table)."""
from pathlib import Path

from harness import dashboard, report


def _row(sid, plat, status, reasons, divs=(), known=None):
    return {"scenario": sid, "platform": plat, "status": status, "exit_reasons": list(reasons),
            "divergences": list(divs), "known_divergence": known}


def test_table_counts_platforms_verdicts_and_divergences():
    rows = [_row("exit_cpuid", "a", "PASS", ["CPUID", "VMCALL"]),
            _row("exit_cpuid", "b", "PASS", ["CPUID", "VMCALL"]),
            _row("exit_rdrand16", "a", "XFAIL", ["RDRAND", "VMCALL"], [{"field": "info"}], known="SDM ..."),
            _row("exit_hlt", "b", "SKIP", [])]
    t = report.exit_reason_table(rows, ["EXCEPTION_NMI", "CPUID", "HLT", "VMCALL", "RDRAND"])
    assert t["exercised"] == 3 and t["total"] == 5 and t["missing"] == ["EXCEPTION_NMI", "HLT"]
    assert t["reasons"]["VMCALL"]["platforms"]["a"] == {"scenarios": 2, "statuses": {"PASS": 1, "XFAIL": 1}}
    assert t["reasons"]["RDRAND"]["divergent"] == [{"scenario": "exit_rdrand16", "platform": "a",
                                                     "status": "XFAIL", "known": True}]
    assert t["by_platform"] == {"a": 3, "b": 2}


def test_dashboard_shows_the_table(tmp_path: Path):
    rows = [_row("exit_cpuid", "bochs30-skylake_x", "PASS", ["CPUID", "VMCALL"])]
    doc = {"run_id": "r", "results": rows, "platforms": {},
           "exit_reasons": report.exit_reason_table(rows, ["CPUID", "VMCALL", "HLT"])}
    html = dashboard.render_html([dashboard.normalise(doc, tmp_path)])
    assert 'id="exits"' in html and "2 of 3" in html and "<td>CPUID</td>" in html and "HLT" in html
