"""The dashboard as a browser shows it: headless Chromium on this session's runs.

The page is rendered from this session's results plus the last few entries of
reports/history into a temporary reports folder (its runs/ linked to the real
one, so every link resolves as in reports/), which leaves the real history to
pytest_sessionfinish: one entry per session.  The screenshot is kept as
reports/dashboard.png.
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import CATALOG, PAIRS, TABLES
from harness import dashboard, report

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH: the Debian package "
                                "chromium is needed (harness/deps.sh)")
HISTORY_KEEP = 9  # earlier runs copied next to this one: the strips have something to show
SCREENSHOT = report.REPORTS / "dashboard.png"
WINDOW = (1400, 1000)


class Dom(HTMLParser):
    """What the test looks at: the matrix cells, the divergence entries, hidden elements, element ids."""

    def __init__(self, text: str):
        super().__init__()
        self.ids: set[str] = set()
        self.platforms: list[str] = []
        self.rows: dict[str, dict] = {}  # scenario -> {"hidden": bool, "cells": [{"classes", "href"}]}
        self.articles: set[str] = set()  # ids of the divergence entries
        self.filterbar_hidden: bool | None = None
        self._section: str | None = None
        self._th: tuple[str, list[str]] | None = None
        self._row: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        cls = a.get("class", "").split()
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "article" and self._section == "divergences":
            self.articles.add(a.get("id", ""))
        if a.get("id") == "filterbar":
            self.filterbar_hidden = "hidden" in a
        if tag == "section":
            self._section = a.get("id")
        if self._section != "matrix":
            return
        if tag == "tr":
            self._row = {"hidden": "hidden" in a, "cells": []}
        elif tag == "th" and ("plat" in cls or "scen" in cls):
            self._th = ("plat" if "plat" in cls else "scen", [])
        elif tag == "td" and self._row is not None:
            self._row["cells"].append({"classes": cls, "href": ""})
        elif tag == "a" and self._row is not None and self._row["cells"]:
            self._row["cells"][-1]["href"] = a.get("href", "")

    def handle_endtag(self, tag):
        if tag == "th" and self._th is not None:
            kind, parts = self._th
            self._th = None
            if kind == "plat":
                self.platforms.append("".join(parts))
            elif self._row is not None:
                self.rows["".join(parts)] = self._row

    def handle_data(self, data):
        if self._th is not None:
            self._th[1].append(data)


def _chromium(profile: Path, *args: str) -> subprocess.Popen:
    """Headless Chromium, isolated from the network and from any user profile."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-default-apps", "--no-first-run",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("chromium did not finish within 60 s")
    assert proc.returncode == 0, f"chromium exited {proc.returncode}: {err[-2000:]}"
    errors = [line for line in err.splitlines() if "CONSOLE" in line and "Uncaught" in line]
    assert not errors, f"JavaScript errors on the page: {errors}"
    return out, err


@pytest.fixture
def rendered(runs, tmp_path) -> tuple[dict, Path]:
    """(this session's results document, the index.html rendered from it and the recent history)."""
    doc = report.build_results(runs, CATALOG, TABLES, PAIRS)
    reports = tmp_path / "reports"
    (reports / "history").mkdir(parents=True)
    for old in sorted((report.REPORTS / "history").glob("*.json"))[-HISTORY_KEEP:]:
        shutil.copyfile(old, reports / "history" / old.name)
    (reports / "runs").symlink_to(report.REPORTS / "runs", target_is_directory=True)
    report.save(doc, reports=reports)  # writes the history entry, results.json and index.html there
    return doc, reports / "index.html"


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_dashboard_in_chromium(rendered, tmp_path):
    doc, index = rendered
    results = doc["results"]
    assert results, "this session produced no results"
    first = results[0]["scenario"]
    started = time.time()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    # Two independent browsers, in parallel: the DOM after the page's scripts ran with a filter
    # in the address (a row hidden by the filter keeps its cells), and the screenshot.
    procs = [
        _chromium(tmp_path / "p1", "--dump-dom", f"{index.as_uri()}?filter={first}"),
        _chromium(tmp_path / "p2", f"--screenshot={SCREENSHOT}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                  "--hide-scrollbars", index.as_uri()),
    ]
    (dom_text, _), _ = [_finish(p) for p in procs]

    dom = Dom(dom_text)
    assert doc["run_id"] in dom_text and doc["commit"] in dom_text
    assert dom.filterbar_hidden is False, "the filter script did not run"
    # the matrix: every scenario row, every platform column, each cell coloured by its status
    assert set(dom.platforms) >= set(doc["platforms"])
    by_cell = {(r["scenario"], r["platform"]): r["status"] for r in results}
    assert set(dom.rows) == {s for s, _ in by_cell}
    for (scenario, platform), status in by_cell.items():
        cell = dom.rows[scenario]["cells"][dom.platforms.index(platform)]
        assert f"st-{status}" in cell["classes"], (scenario, platform, status, cell)
    # the cross-platform and divergence sections, with an entry for every divergence
    for section in ("platforms", "matrix", "cross", "divergences", "diagnostics"):
        assert section in dom.ids, f"no section {section}"
    for r in results:  # a cell with divergences links to its entry in the divergence section
        if r["divergences"]:
            href = dom.rows[r["scenario"]]["cells"][dom.platforms.index(r["platform"])]["href"]
            assert href[:1] == "#" and href[1:] in dom.articles, (r["scenario"], r["platform"], href)
    pairs = [p for p in doc["pairs"] if p["divergences"] or p["status"] in dashboard.FAILING]
    assert len([i for i in dom.articles if i.startswith("p")]) == len(pairs)
    for entry in [r for r in results if r["divergences"]] + pairs:
        for d in entry["divergences"]:
            assert f">{d['field']}<" in dom_text
    # An entry-failure scenario shows Bochs's own reason line on the page.
    assert any("VMENTER FAIL" in line for r in results for line in r["bochs_reasons"])
    for r in results:
        for line in r["bochs_reasons"]:
            assert line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in dom_text

    # the text filter, applied by the page's own script from ?filter=
    rows = dom.rows
    assert not rows[first]["hidden"]
    assert all(row["hidden"] for s, row in rows.items() if first not in s)

    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_mtime >= started - 1, "no new screenshot"
    assert _png_size(SCREENSHOT) == WINDOW
    assert SCREENSHOT.stat().st_size > 20_000, "the screenshot is nearly empty"
