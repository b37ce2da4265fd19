"""`make report` merging shard documents: union per platform, conflicts, missing shards (in the
merged results.json and on the dashboard), coverage over the merged cases; no emulator."""
from __future__ import annotations

import copy
import json

import pytest

from harness import dashboard, report, session

PLATS = ("bochs27-skylake_x", "bochs30-skylake_x")


@pytest.fixture(scope="module")
def world(tab):
    """A catalog of plain scenarios and sweep cases over real checks, and every row's status."""
    checks = sorted(tab.check_by_name)[:12]
    cat = [{"id": f"plain_{i}", "hidden": False} for i in range(5)]
    for i, c in enumerate(checks):
        cat.append({"id": f"ec_{c}__v", "hidden": False, "sweep": "violate", "check": c})
        cat.append({"id": f"ec_{c}__s", "hidden": False, "sweep": "satisfy", "check": c})
    status = {}
    for j, m in enumerate(cat):
        for p in PLATS:
            status[(m["id"], p)] = ("SKIP" if m.get("sweep") and j % 5 == 0 and p == PLATS[1]
                                    else "XFAIL" if j % 7 == 0 else "PASS")
    return cat, status


def _row(meta, plat, status, tab):
    r = {"scenario": meta["id"], "platform": plat, "status": status, "reason": "untestable" if status == "SKIP" else "",
         "known_divergence": None, "divergences": [], "exits": 1}
    if meta.get("sweep"):  # as report.build_results writes it
        r.update(sweep=meta["sweep"], check=meta["check"], check_group=tab.check_by_name[meta["check"]]["group"])
    return r


def _doc(world, tab, ids, k=None, n=None, set_="s1", run_id=None, plats=PLATS, date="2026-01-01T00:00:0{}"):
    cat, status = world
    metas = [m for m in cat if m["id"] in ids]
    doc = {"schema": report.SCHEMA, "run_id": run_id or f"run-{k}", "commit": "c0ffee", "host": f"host{k}",
           "date": date.format(k or 0), "tables": tab.hash, "capability_diffs": [],
           "platforms": {p: {"status": "COMPLETE", "reason": "", "version": "v", "duration_s": 1.0,
                             "fingerprint": {"IA32_VMX_BASIC": "0x1"}} for p in plats},
           "results": [_row(m, p, status[(m["id"], p)], tab) for p in plats for m in metas],
           "pairs": [{"scenario": m["id"], "left": plats[0], "right": plats[-1], "status": "PASS", "reason": "",
                      "divergences": []} for m in metas]}
    if k is not None:
        doc["shard"] = {"index": k, "count": n, "set": set_}
    doc["coverage"] = report.coverage(doc, cat, tab)
    return doc


def _shards(world, tab, n=3, **kw):
    cat, _ = world
    parts = session.shard_split([m["id"] for m in cat], cat, n)
    return [_doc(world, tab, set(p), k + 1, n, **kw) for k, p in enumerate(parts)]


def test_union_of_complete_shards(world, tab):
    cat, status = world
    merged = report.merge(_shards(world, tab))
    got = {(r["scenario"], r["platform"]): r["status"] for r in merged["results"]}
    assert got == status  # every scenario of every platform, once
    assert merged["shards"]["complete"] and not merged["incomplete"] and not merged["shards"]["problems"]
    assert merged["shards"]["present"] == [1, 2, 3] and merged["shards"]["missing"] == []
    assert {p["status"] for p in merged["platforms"].values()} == {"COMPLETE"}
    assert merged["platforms"][PLATS[0]]["duration_s"] == 3.0  # machine time over the shards
    assert len(merged["pairs"]) == len(cat)


def test_coverage_is_computed_over_the_merged_cases(world, tab):
    """The merged coverage equals report.coverage of one unsharded document with the same rows."""
    cat, _ = world
    whole = _doc(world, tab, {m["id"] for m in cat})
    merged = report.merge(_shards(world, tab))
    key = lambda u: (u["case"], u["platform"])  # noqa: E731
    want, got = whole["coverage"], merged["coverage"]
    assert sorted(got.pop("untestable"), key=key) == sorted(want.pop("untestable"), key=key)
    assert got == want
    assert got["exercised"] == 12 and got["cases_run"] > 0
    # No shard alone covers it all.
    assert all(s["coverage"]["exercised"] < 12 for s in _shards(world, tab))


def test_missing_shard_is_named_and_never_complete(world, tab, tmp_path, monkeypatch):
    docs = _shards(world, tab)[:2]  # 2 of 3
    merged = report.merge(docs)
    assert merged["incomplete"] is True and merged["shards"]["complete"] is False
    assert merged["shards"]["missing"] == [3]
    assert merged["shards"]["missing_by_platform"] == {p: [3] for p in PLATS}
    assert {p["status"] for p in merged["platforms"].values()} == {report.INCOMPLETE}
    assert "3/3" in merged["platforms"][PLATS[0]]["reason"]
    assert any("shards missing: 3/3" in x for x in merged["shards"]["problems"])
    # The dashboard says so at the top and in the title; the platform badge is not green.
    page = dashboard.render_html(dashboard.load_runs(tmp_path, docs))
    assert "<title>INCOMPLETE " in page and "INCOMPLETE RUN" in page and "shards missing: 3/3" in page
    assert 'st-PASS" title="shards missing' not in page
    # `make report` with the files as paths: merged results.json, exit 1, one warning line.
    for d in docs:
        (tmp_path / f"{d['run_id']}.json").write_text(json.dumps(d))
    out = tmp_path / "out"
    monkeypatch.setattr(report, "REPORTS", out)
    assert report.main([str(tmp_path / "run-1.json"), str(tmp_path / "run-2.json")]) == 1
    res = json.loads((out / "results.json").read_text())
    assert res["incomplete"] is True and res["shards"]["missing"] == [3]
    assert "INCOMPLETE" in (out / "index.html").read_text()


def test_missing_shard_of_one_platform_only(world, tab):
    docs = _shards(world, tab)
    docs[1] = _doc(world, tab, {r["scenario"] for r in docs[1]["results"]}, 2, 3, plats=PLATS[:1])
    merged = report.merge(docs)
    assert merged["shards"]["missing"] == []  # every shard index is there...
    assert merged["shards"]["missing_by_platform"] == {PLATS[1]: [2]}  # ...but not for every platform
    assert merged["platforms"][PLATS[1]]["status"] == report.INCOMPLETE
    assert merged["platforms"][PLATS[0]]["status"] == "COMPLETE"
    assert merged["incomplete"]


def test_conflicting_verdicts_are_loud(world, tab, tmp_path):
    docs = _shards(world, tab)
    rerun = copy.deepcopy(docs[0])
    rerun["run_id"], rerun["host"] = "run-1-again", "otherhost"
    victim = rerun["results"][0]
    victim["status"], victim["reason"] = "FAIL", "1 divergence(s)"
    merged = report.merge(docs + [rerun])
    bad = [r for r in merged["results"] if r["status"] == report.CONFLICT]
    assert len(bad) == 1 and bad[0]["scenario"] == victim["scenario"]
    assert {v["status"] for v in bad[0]["conflict"]} == {"PASS", "FAIL"} or \
        {v["status"] for v in bad[0]["conflict"]} == {"XFAIL", "FAIL"}
    assert "otherhost" in bad[0]["reason"]
    assert merged["shards"]["conflicts"] == 1 and merged["shards"]["complete"]  # all there, but they disagree
    assert any("conflicting" in x for x in merged["shards"]["problems"])
    # Same scenario twice with the same verdict: no conflict.
    same = copy.deepcopy(docs[0])
    same["run_id"] = "run-1-same"
    ok = report.merge(docs + [same])
    assert ok["shards"]["conflicts"] == 0 and ok["shards"]["complete"]
    page = dashboard.render_html(dashboard.load_runs(tmp_path, docs + [rerun]))
    assert "CONFLICT" in page and "conflicting verdict" in page


def test_platform_version_differs_between_shards(world, tab):
    docs = _shards(world, tab)
    docs[2]["platforms"][PLATS[0]]["version"] = "other"
    merged = report.merge(docs)
    assert merged["shards"]["platform_conflicts"][0]["field"] == "version"
    assert any("version differs" in x for x in merged["shards"]["problems"])


def test_merge_shards_in_the_history(world, tab):
    """Shards of one set become one run where the newest shard was; other runs stay as they are."""
    plain = _doc(world, tab, {"plain_0"}, run_id="plain", date="2025-12-31T00:00:0{}")
    a = _shards(world, tab, set_="A")
    b = _shards(world, tab, n=2, set_="B", date="2026-02-01T00:00:0{}")[:1]
    runs = report.merge_shards([plain] + a + b)
    assert [r["run_id"] for r in runs] == ["plain", "shards-A", "shards-B"]
    assert runs[1]["shards"]["complete"] and not runs[2]["shards"]["complete"]
    assert runs[2]["shards"]["missing"] == [2]
    # The dashboard shows the newest (set B, incomplete) and keeps the history strips.
    page = dashboard.render_html(dashboard.load_runs(None, [plain] + a + b))
    assert "Shards of set B" in page and "INCOMPLETE" in page


def test_report_main_reads_a_folder_and_writes_merged_results(world, tab, tmp_path, monkeypatch):
    hist = tmp_path / "reports" / "history"
    hist.mkdir(parents=True)
    for d in _shards(world, tab):
        (hist / f"{d['run_id']}.json").write_text(json.dumps(d))
    monkeypatch.setattr(report, "REPORTS", tmp_path / "reports")
    assert report.main([]) == 0
    res = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert res["shards"]["complete"] and res["incomplete"] is False and res["run_id"] == "shards-s1"
    assert "complete: all 3 shards merged" in (tmp_path / "reports" / "index.html").read_text()
    assert report.main([str(tmp_path / "nowhere")]) == 2
