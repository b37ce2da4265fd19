"""The CI dashboard (harness/dashboard.py) on synthetic history documents: no emulator."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness import dashboard, report
from harness.dashboard import Outcome

SKX, PEN = "bochs27-skylake_x", "bochs27-penryn"


# --------------------------------------------------------------------------- synthetic documents

def result(scenario: str, platform: str, status: str, **extra) -> dict:
    r = {"scenario": scenario, "platform": platform, "status": status, "reason": "", "known_divergence": None,
         "exits": 1, "divergences": [], "duration_s": 1.0, "trace_line": None, "excerpt": [],
         "bochs_reasons": [], "vmcs": [], "serial": f"runs/r/{platform}/serial.log",
         "logs": {"emulator": f"runs/r/{platform}/emulator.log", "command": f"runs/r/{platform}/command.txt"}}
    r.update(extra)
    return r


def doc(n: int, cells: dict[tuple[str, str], str], commit: str | None = None, **extra) -> dict:
    """Run number n (dates rise with n) with the given {(scenario, platform): status}."""
    plats = sorted({p for _, p in cells})
    d = {"schema": report.SCHEMA, "run_id": f"run{n:03d}", "commit": commit or f"{n:040x}",
         "date": f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}+00:00", "host": "ci", "tables": "t",
         "platforms": {p: {"status": "COMPLETE", "reason": "", "emulator": "bochs", "version": "2.7",
                           "cpu_model": "corei7_skylake_x", "accelerator": "none (software VMX model)",
                           "accelerator_reason": None, "serial": f"runs/r/{p}/serial.log", "logs": {}}
                       for p in plats},
         "results": [result(s, p, st) for (s, p), st in cells.items()], "pairs": [], "capability_diffs": []}
    d.update(extra)
    return d


def write_history(reports: Path, docs: list[dict]) -> None:
    for d in docs:
        path = reports / "history" / f"{d['run_id']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(d))


def render(reports: Path, docs: list[dict], **kw) -> str:
    write_history(reports, docs)
    path = dashboard.render(reports, **kw)
    assert path == reports / "index.html"
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- reading the page back

class Page(HTMLParser):
    """Every tag's attributes, and the matrix cells: (scenario, platform) -> classes, labels, strip titles."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.cells: dict[tuple[str, str], dict] = {}
        self.platforms: list[str] = []
        self.runs: dict[int, str] = {}
        self._section: str | None = None
        self._scen: str | None = None
        self._col = -1
        self._cell: dict | None = None
        self._th: tuple[str, list[str]] | None = None  # (plat|scen, text parts)
        self._in_label = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        cls = a.get("class", "").split()
        if tag == "section":
            self._section = a.get("id")
        if self._section != "matrix":
            return
        if tag == "tr":
            self._scen, self._col = None, -1
        elif tag == "th" and ("plat" in cls or "scen" in cls):
            self._th = ("plat" if "plat" in cls else "scen", [])
        elif tag == "td" and self._scen is not None:
            self._col += 1
            self._cell = {"classes": cls, "labels": [], "boxes": []}
            self.cells[(self._scen, self.platforms[self._col])] = self._cell
        elif tag == "span" and self._cell is not None and "label" in cls:
            self._in_label = True
            self._cell["labels"].append("")
        elif tag == "li" and "data-run" in a:  # the run list the strip boxes number into
            self.runs[int(a["value"])] = a["data-run"]
        elif tag == "i" and self._cell is not None and "box" in cls:
            # what the page's script shows on hover: the numbered run's "id · commit", then the status
            status = next(c[3:] for c in cls if c.startswith("st-"))
            self._cell["boxes"].append(f"{self.runs[int(a['data-r'])]} · {status}")

    def handle_endtag(self, tag):
        if tag == "th" and self._th is not None:
            kind, parts = self._th
            self._th = None
            if kind == "plat":
                self.platforms.append("".join(parts))
            else:
                self._scen = "".join(parts)
        elif tag == "td":
            self._cell = None
        elif tag == "span":
            self._in_label = False

    def handle_data(self, data):
        if self._th is not None:
            self._th[1].append(data)
        if self._in_label and self._cell is not None:
            self._cell["labels"][-1] += data


def cell(page_text: str, scenario: str, platform: str) -> dict:
    return Page(page_text).cells[(scenario, platform)]


# --------------------------------------------------------------------------- classification

def outcomes(*pairs: tuple[str, str]) -> list[Outcome]:
    return [Outcome(f"run{i}", commit, status) for i, (commit, status) in enumerate(pairs)]


@pytest.mark.parametrize("history, labels", [
    ([("a", "FAIL")], ["new failure"]),  # no previous run
    ([("a", "PASS"), ("b", "FAIL")], ["new failure"]),
    ([("a", "SKIP"), ("b", "TIMEOUT")], ["new failure"]),
    ([("a", "FAIL"), ("b", "PASS"), ("c", "CRASHED")], ["new failure"]),
    ([("a", "FAIL"), ("b", "ERROR")], ["still failing"]),
    ([("a", "PASS"), ("b", "CRASHED"), ("c", "TIMEOUT")], ["still failing"]),
    ([("a", "FAIL"), ("b", "PASS")], ["fixed"]),
    ([("a", "TIMEOUT"), ("b", "XFAIL")], ["fixed"]),
    ([("a", "PASS"), ("b", "PASS")], []),
    ([("a", "FAIL"), ("b", "SKIP")], []),  # a skip fixes nothing
    ([("a", "PASS"), ("a", "FAIL")], ["new failure", "flaky"]),
    ([("a", "FAIL"), ("a", "PASS")], ["fixed", "flaky"]),
    ([("a", "PASS"), ("a", "FAIL"), ("b", "FAIL"), ("c", "PASS"), ("d", "PASS")], ["flaky"]),  # an earlier commit
    ([("a", "PASS"), ("a-dirty", "FAIL")], ["new failure"]),  # commits compared exactly
    ([("a", "SKIP"), ("a", "FAIL"), ("b", "FAIL")], ["still failing"]),
])
def test_classify(history, labels):
    assert dashboard.classify(outcomes(*history)) == labels


def test_classes_in_the_rendered_matrix(tmp_path):
    docs = [
        doc(1, {("s_flaky", SKX): "PASS"}, commit="c1"),
        doc(2, {("s_new", SKX): "PASS", ("s_still", SKX): "FAIL", ("s_fixed", SKX): "FAIL",
                ("s_flaky", SKX): "PASS", ("s_ok", SKX): "PASS"}, commit="c2"),
        doc(3, {("s_new", SKX): "FAIL", ("s_still", SKX): "CRASHED", ("s_fixed", SKX): "PASS",
                ("s_flaky", SKX): "FAIL", ("s_ok", SKX): "PASS", ("s_first", SKX): "TIMEOUT"}, commit="c2-dirty"),
        doc(4, {("s_flaky", SKX): "PASS", ("s_new", SKX): "FAIL", ("s_still", SKX): "CRASHED",
                ("s_fixed", SKX): "PASS", ("s_ok", SKX): "PASS", ("s_first", SKX): "TIMEOUT"}, commit="c2-dirty"),
    ]
    page = Page(render(tmp_path, docs[:3]))
    got = {r["scenario"]: page.cells[(r["scenario"], SKX)]["labels"] for r in docs[2]["results"]}
    assert got == {"s_new": ["new failure"], "s_still": ["still failing"], "s_fixed": ["fixed"],
                   "s_flaky": ["new failure"], "s_ok": [], "s_first": ["new failure"]}
    assert "st-FAIL" in page.cells[("s_new", SKX)]["classes"]
    assert "st-CRASHED" in page.cells[("s_still", SKX)]["classes"]
    assert "st-TIMEOUT" in page.cells[("s_first", SKX)]["classes"]
    assert "st-PASS" in page.cells[("s_fixed", SKX)]["classes"]
    page = Page(render(tmp_path, docs))  # run 4: the same commit string as run 3, s_flaky now passes
    got = {r["scenario"]: page.cells[(r["scenario"], SKX)]["labels"] for r in docs[3]["results"]}
    assert got == {"s_flaky": ["fixed", "flaky"], "s_new": ["still failing"], "s_still": ["still failing"],
                   "s_fixed": [], "s_ok": [], "s_first": ["still failing"]}


def test_the_previous_run_of_a_cell_is_the_last_run_that_had_it(tmp_path):
    docs = [doc(1, {("s", SKX): "FAIL"}), doc(2, {("other", SKX): "PASS"}), doc(3, {("s", SKX): "FAIL"})]
    assert cell(render(tmp_path, docs), "s", SKX)["labels"] == ["still failing"]


def test_legend_explains_every_class_and_status(tmp_path):
    text = render(tmp_path, [doc(1, {("s", SKX): "PASS"})])
    legend = text[text.index('id="legend"'):text.index('id="matrix"')]
    for name in ("new failure", "still failing", "fixed", "flaky"):
        assert f">{name}</span>" in legend
    for status in ("PASS", "FAIL", "XFAIL", "SKIP", "ERROR", "CRASHED", "TIMEOUT"):
        assert f'class="badge st-{status}"' in legend


# --------------------------------------------------------------------------- strips

@pytest.mark.parametrize("last_n", [1, 5, 10])
def test_strip_is_capped_at_n_oldest_to_newest(tmp_path, last_n):
    statuses = ["PASS", "FAIL", "SKIP", "XFAIL", "ERROR", "CRASHED", "TIMEOUT"]
    docs = [doc(i, {("s", SKX): statuses[i % len(statuses)]}) for i in range(15)]
    boxes = cell(render(tmp_path, docs, last_n=last_n), "s", SKX)["boxes"]
    assert len(boxes) == last_n
    want = [f"{d['run_id']} · {d['commit']} · {d['results'][0]['status']}" for d in docs[-last_n:]]
    assert boxes == want


def test_strip_default_is_ten_and_shorter_histories_show_all(tmp_path):
    docs = [doc(i, {("s", SKX): "PASS", ("late", SKX): "PASS" if i >= 12 else "SKIP"}) for i in range(14)]
    for d in docs[:12]:  # "late" appears only in the last 2 runs
        d["results"] = [r for r in d["results"] if r["scenario"] == "s"]
    page = Page(render(tmp_path, docs))
    assert len(page.cells[("s", SKX)]["boxes"]) == 10
    assert len(page.cells[("late", SKX)]["boxes"]) == 2


# --------------------------------------------------------------------------- escaping, assets, links

EVIL = '<script>alert("x")</script>'


def test_values_from_the_data_are_escaped(tmp_path):
    d = doc(1, {("s", SKX): "FAIL"}, host=EVIL, commit=EVIL)
    r = d["results"][0]
    r.update(reason=EVIL, known_divergence=EVIL, excerpt=[EVIL], bochs_reasons=[EVIL],
             vmcs=[["guest", EVIL, EVIL]],
             divergences=[{"record": 0, "field": EVIL, "left": EVIL, "right": {"k": EVIL}, "left_name": EVIL,
                           "right_name": "actual", "note": EVIL, "line": 3, "message": EVIL}])
    d["results"].append(result(EVIL, f'{SKX}"><img src=x onerror=alert(1)>', "ERROR", reason=EVIL))
    d["platforms"][SKX].update(reason=EVIL, cpu_model=EVIL, accelerator=EVIL, accelerator_reason=EVIL)
    d["capability_diffs"] = [{"left": EVIL, "right": SKX, "diffs": [{"msr": EVIL, "left": EVIL, "right": None}]}]
    d["pairs"] = [{"scenario": "s", "left": SKX, "right": EVIL, "status": "FAIL", "reason": EVIL,
                   "divergences": d["results"][0]["divergences"]}]
    text = render(tmp_path, [d])
    assert text.count("<script") == 1  # the page's own filter script
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "<img" not in text
    Page(text)  # still well-formed enough to parse


def test_no_external_assets(tmp_path):
    d = doc(1, {("s", SKX): "FAIL"})
    d["results"][0]["serial"] = "https://example.com/serial.log"  # data never becomes an external link
    d["results"][0]["logs"] = {"emulator": "//example.com/x.log", "command": "javascript:alert(1)"}
    text = render(tmp_path, [d])
    for tag, attrs in Page(text).tags:
        for name in ("src", "href", "srcset", "action", "poster", "data"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "javascript:", "data:")), (tag, name, value)
        assert not (tag == "link" and "stylesheet" in attrs.get("rel", "")), "external stylesheet"
        assert tag not in ("img", "iframe", "object", "embed"), tag
    assert "@import" not in text and "url(" not in text


def test_links_are_relative_to_reports(tmp_path):
    d = doc(1, {("s", SKX): "FAIL"})
    d["results"][0]["serial"] = str(tmp_path / "runs" / "r1" / SKX / "serial.log")  # absolute: made relative
    d["results"][0]["logs"] = {"emulator": f"runs/r1/{SKX}/emulator log.txt"}
    text = render(tmp_path, [d])
    hrefs = [a["href"] for tag, a in Page(text).tags if tag == "a"]
    files = [h for h in hrefs if not h.startswith("#")]
    assert f"runs/r1/{SKX}/serial.log" in files
    assert f"runs/r1/{SKX}/emulator%20log.txt" in files
    for h in files:
        assert "://" not in h and not h.startswith("/"), h
    ids = {a["id"] for _, a in Page(text).tags if "id" in a}
    for h in hrefs:
        if h.startswith("#"):
            assert h[1:] in ids, f"dangling anchor {h}"


# --------------------------------------------------------------------------- content

def test_header_shows_run_and_platforms(tmp_path):
    d = doc(1, {("s", SKX): "PASS", ("s", "qemu-kvm"): "SKIP"})
    d["platforms"]["qemu-kvm"].update(emulator="qemu", version="7.2.22", cpu_model="max", accelerator="tcg",
                                      accelerator_reason="host CPU vendor is AuthenticAMD", status="COMPLETE")
    d["platforms"][PEN] = dict(d["platforms"][SKX], emulator="qemu", accelerator="kvm",
                               accelerator_reason="kvm_intel nested=Y", status="TIMEOUT", reason="no FINISH in 60 s")
    text = render(tmp_path, [d])
    head = text[:text.index('id="legend"')]
    for value in (d["run_id"], d["commit"], d["date"], "ci", "qemu", "7.2.22", "tcg", "corei7_skylake_x",
                  "host CPU vendor is AuthenticAMD", "COMPLETE", "TIMEOUT", "no FINISH in 60 s", SKX, PEN):
        assert value in head, value
    assert "nested=Y" not in head  # the accelerator's reason only where it is not KVM


@pytest.mark.parametrize("bad", ["[1, 2]", '"text"', '{"schema": "%s", "run_id": "n", "date": null}' % report.SCHEMA])
def test_history_files_of_any_shape(tmp_path, bad):
    write_history(tmp_path, [doc(1, {("s", SKX): "FAIL"}), doc(2, {("s", SKX): "FAIL"})])
    (tmp_path / "history" / "bad.json").write_text(bad)
    assert cell(dashboard.render(tmp_path).read_text(), "s", SKX)["labels"] == ["still failing"]


def test_divergence_view(tmp_path):
    d = doc(1, {("invalid_rip", SKX): "XFAIL", ("entry_fail_ctrl", PEN): "PASS", ("vmcall", SKX): "PASS",
                ("vmcall", PEN): "PASS"})
    rip, ctrl = d["results"][0], d["results"][1]
    rip.update(known_divergence="SDM says exit 33", trace_line=657, serial="runs/r1/skx/serial.log",
               excerpt=["@VT 1 BEGIN seq=655 scenario=invalid_rip", "@VT 1 EXIT seq=656 reason=0",
                        "@VT 1 END seq=657"],
               divergences=[{"record": 0, "field": "reason", "left": "33 (INVALID_STATE)", "right": "0 (EXCEPTION_NMI)",
                             "left_name": "expected", "right_name": "actual", "note": "", "line": 658,
                             "message": "m"}])
    ctrl.update(bochs_reasons=["VMFAIL: VMCS EXEC CTRL: too may CR3 targets 5"],
                vmcs=[["guest", "GUEST_CS_SELECTOR", "0x8"], ["control", "CR3_TARGET_COUNT", "0x5"],
                      ["host", "HOST_RIP", "0x10357f"], ["exit-info", "VM_INSTRUCTION_ERROR", "0x7"]])
    d["pairs"] = [{"scenario": "vmcall", "left": PEN, "right": SKX, "status": "FAIL", "reason": "",
                   "known_divergence": None,
                   "divergences": [{"record": 2, "field": "qual", "left": "0x0", "right": "0x1", "left_name": PEN,
                                    "right_name": SKX, "note": "policy exact", "line": 12, "message": "m"}]}]
    d["results"][2]["excerpt"] = ["@VT 1 EXIT seq=9 skx side"]
    d["results"][3]["excerpt"] = ["@VT 1 EXIT seq=9 penryn side"]
    text = render(tmp_path, [d])
    div = text[text.index('id="divergences"'):text.index('id="diagnostics"')]
    for value in ("invalid_rip", SKX, "reason", "33 (INVALID_STATE)", "0 (EXCEPTION_NMI)", "SDM says exit 33",
                  "@VT 1 EXIT seq=656 reason=0", 'href="runs/r1/skx/serial.log"'):
        assert value in div, value
    assert '<span class="hit">@VT 1 EXIT seq=656 reason=0</span>' in div  # trace line 658 = seq 656
    pair = div[div.index('id="p0"'):]
    for value in ("qual", "0x0", "0x1", "policy exact", "skx side", "penryn side"):
        assert value in pair, value
    diag = text[text.index('id="diagnostics"'):]
    assert "too may CR3 targets 5" in diag  # shown although the scenario passed
    dump = diag[diag.index("<details"):diag.index("</details>")]
    captions = [f"<caption>{c} (1)</caption>" for c in ("control", "exit-info", "guest", "host")]
    assert all(c in dump for c in captions)
    assert [dump.index(c) for c in captions] == sorted(dump.index(c) for c in captions)  # in group order
    assert "CR3_TARGET_COUNT" in dump and "0x10357f" in dump


def test_alike_divergences_are_one_entry_failures_first(tmp_path):
    div = {"record": 0, "field": "reason", "left": "33", "right": "0", "left_name": "expected",
           "right_name": "actual", "note": "", "line": 9}
    d = doc(1, {("rip", SKX): "XFAIL", ("rip", PEN): "XFAIL", ("rip", "bochs30-skylake_x"): "XFAIL",
                ("len", SKX): "FAIL"})
    for r in d["results"][:3]:
        r.update(divergences=[dict(div, line=9 + len(r["platform"]))], known_divergence="SDM x")
    d["results"][2]["divergences"][0]["right"] = "13"  # diverges differently: its own entry
    d["results"][3]["divergences"] = [dict(div, field="len")]
    text = render(tmp_path, [d])
    page = Page(text)
    ids = [a["id"] for t, a in page.tags if t == "article"]
    assert len(ids) == 3
    hrefs = [a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("#")]
    assert hrefs.count(f"#{ids[1]}") == 2 and hrefs.count(f"#{ids[0]}") == 1  # both alike cells link to one entry
    entries = text[text.index('id="divergences"'):]
    assert entries.index(">len<") < entries.index(">reason<")  # the failure before the known divergence
    assert f"{SKX}, {PEN}" in entries or f"{PEN}, {SKX}" in entries


def test_capability_diffs_and_pairs(tmp_path):
    d = doc(1, {("s", SKX): "PASS", ("s", PEN): "PASS"})
    d["pairs"] = [{"scenario": "s", "left": PEN, "right": SKX, "status": "PASS", "reason": "", "divergences": []}]
    d["capability_diffs"] = [{"left": PEN, "right": SKX, "diffs": [
        {"msr": "IA32_VMX_EPT_VPID_CAP", "left": None, "right": "0xf0106334141"}]}]
    text = render(tmp_path, [d])
    cross = text[text.index('id="cross"'):text.index('id="divergences"')]
    assert f"{PEN}<br>vs {SKX}" in cross and 'class="cell st-PASS"' in cross
    assert "IA32_VMX_EPT_VPID_CAP" in cross and "0xf0106334141" in cross and "absent" in cross


def test_filter_hidden_without_js_and_rows_filterable(tmp_path):
    d = doc(1, {("s1", SKX): "FAIL", ("s2", SKX): "PASS"})
    d["results"][0]["divergences"] = [{"record": 0, "field": "len", "left": 3, "right": 2}]
    text = render(tmp_path, [d])
    tags = Page(text).tags
    assert ("div", {"id": "filterbar", "hidden": ""}) in tags  # the script reveals it
    assert any(t == "input" and a.get("id") == "filter" for t, a in tags)
    rows = [a["data-filter"] for t, a in tags if t == "tr" and "data-filter" in a]
    assert any(r.startswith("s1") for r in rows) and any(r.startswith("s2") for r in rows)
    assert any(t == "article" and "data-filter" in a for t, a in tags)
    assert not any("hidden" in a for t, a in tags if t in ("tr", "article"))  # all visible without JS


# --------------------------------------------------------------------------- robustness and fallback

def test_results_json_alone_when_the_history_is_empty(tmp_path):
    d = doc(7, {("only", SKX): "PASS"})
    (tmp_path / "results.json").write_text(json.dumps(d))
    text = dashboard.render(tmp_path).read_text()
    assert "run007" in text and ("only", SKX) in Page(text).cells


def test_nothing_at_all(tmp_path):
    assert "No results yet" in dashboard.render(tmp_path).read_text()
    (tmp_path / "results.json").write_text("{truncated")
    assert "No results yet" in dashboard.render(tmp_path).read_text()


def test_any_history_renders(tmp_path):
    odd = [
        {"schema": report.SCHEMA},
        {"schema": report.SCHEMA, "run_id": 5, "results": "nope", "platforms": [], "pairs": {}, "date": None},
        {"schema": report.SCHEMA, "run_id": "x", "date": "2026", "results": [
            "str", None, {}, {"scenario": None, "platform": 3, "status": None, "divergences": {"a": 1},
                              "excerpt": "line", "vmcs": [["guest"], "x", ["a", "b", "c", "d"], None],
                              "bochs_reasons": None, "logs": ["a"], "serial": 7, "trace_line": "x"},
            {"scenario": "s", "platform": "p", "status": "WEIRD", "divergences": [None, 1, {"line": "q"}],
             "excerpt": [None, 3, "@VT seq=x"], "trace_line": 5, "logs": {"emulator": None}}],
         "platforms": {"p": None, "q": {"fingerprint": "x", "logs": None}},
         "pairs": [None, {"left": None, "divergences": None}], "capability_diffs": [{"diffs": [None, {}]}, 3]},
    ]
    for i, d in enumerate(odd):
        (tmp_path / "history").mkdir(exist_ok=True)
        (tmp_path / "history" / f"odd{i}.json").write_text(json.dumps(d))
    (tmp_path / "history" / "not-a-dict.json").write_text("[1, 2]")
    text = dashboard.render(tmp_path).read_text()
    assert text.rstrip().endswith("</html>")
    assert 'class="cell st-other"' in text  # the unknown status still gets a cell


def test_report_save_renders_the_dashboard_atomically(tmp_path):
    d = doc(1, {("s", SKX): "PASS"})
    report.save(d, reports=tmp_path)
    assert (tmp_path / "index.html").read_text().rstrip().endswith("</html>")
    assert not list(tmp_path.glob(".*.tmp")), "temporary files left behind"


def test_invalid_history_file_is_named_in_a_warning(tmp_path, capsys):
    """A history file that is not valid JSON is skipped, and a warning names it; the page renders."""
    bad = tmp_path / "history" / "run000.json"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"schema": "vmx-diff/results/1", "run_id": "run000", ')  # truncated by hand
    page = render(tmp_path, [doc(1, {("exit_cpuid", SKX): "PASS"})])
    assert "run001" in page and "run000" not in page
    err = capsys.readouterr().err
    assert f"skipped history file {bad}: invalid JSON" in err
    assert err.count("skipped history file") == 1, err


def _sharded(n: int, cells: dict, set_: str, index: int, count: int) -> dict:
    return doc(n, cells, shard={"set": set_, "index": index, "count": count})


def test_page_from_the_compact_cache_is_the_page_from_whole_entries(tmp_path):
    """Older entries come from reports/history/.page-cache; the page must be byte for byte the one
    rendered from every entry parsed whole, before the cache exists, with it, after an entry
    changed, and where the cache cannot be written."""
    docs = [
        _sharded(1, {("a", SKX): "PASS", ("b", PEN): "FAIL", ("d", SKX): "XFAIL", ("e", PEN): "XFAIL"}, "old", 1, 2),
        _sharded(2, {("a", SKX): "FAIL", ("c", PEN): "PASS", ("d", SKX): "XFAIL", ("e", PEN): "XFAIL"}, "old", 2, 2),
        doc(3, {("a", SKX): "PASS", ("b", PEN): "PASS", ("d", SKX): "PASS", ("e", PEN): "PASS"}),
        _sharded(4, {("a", SKX): "PASS", ("d", SKX): "PASS"}, "new", 1, 2),
        _sharded(5, {("b", PEN): "FAIL", ("c", PEN): "PASS", ("e", PEN): "PASS"}, "new", 2, 2),
    ]
    # Old shards that agree on the status but not on the registered divergence ("d") or on the
    # divergences' messages ("e") disagree (report._verdict_key): CONFLICT in that run's strip box.
    docs[0]["results"][2].update(known_divergence="rule X")
    docs[1]["results"][2].update(known_divergence="rule Y")
    docs[0]["results"][3].update(divergences=[{"message": "qual: expected=0 actual=3"}])
    docs[1]["results"][3].update(divergences=[{"message": "qual: expected=0 actual=4"}])
    write_history(tmp_path, docs)

    def whole():
        return dashboard.render_html(dashboard.load_runs(tmp_path, report.load_history(tmp_path)))

    def cached():
        return dashboard.render_html(dashboard.load_runs(tmp_path))

    want = whole()
    assert cached() == want  # writes the cache
    cache = tmp_path / "history" / dashboard.PAGE_CACHE
    assert sorted(p.name for p in cache.glob("*.json")) == [f"run{n:03d}.json" for n in range(1, 6)]
    assert cached() == want  # reads it
    for sid, plat in (("a", SKX), ("d", SKX), ("e", PEN)):
        assert cell(want, sid, plat)["boxes"][0].startswith("shards-old ·"), sid
        assert cell(want, sid, plat)["boxes"][0].endswith("· CONFLICT"), sid
    # An older entry changes (same name, other content): its cached form is refreshed.
    docs[2]["results"][0]["status"] = "ERROR"
    write_history(tmp_path, [docs[2]])
    want2 = whole()
    assert want2 != want and cached() == want2
    # A cache that cannot be written: the page is the same.
    for p in cache.iterdir():
        p.unlink()
    cache.rmdir()
    cache.write_text("not a folder")
    assert cached() == want2
