"""CI regression dashboard: one static reports/index.html from the run history.

The page works from file:// with no server and no external assets: inline CSS,
a few lines of inline JS for the text filter (without JS everything is simply
visible), and links relative to reports/ for the raw traces and logs.

It shows, for the latest run: a header (run, commit, platforms), a matrix
scenario x platform with a strip of each cell's last N outcomes and its
regression class (new failure, still failing, fixed, flaky), the
cross-platform pairs and capability differences, every divergence with its
trace excerpt and Bochs's own reason lines, and VMCS dumps.

Every value taken from the data is HTML-escaped.  The history may hold
anything (old schemas, hand-edited files, partial documents): each document is
normalised first, so a malformed entry never stops the page from rendering.
"""
from __future__ import annotations

import html
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote

from harness import report

FAILING = frozenset({"FAIL", "ERROR", "CRASHED", "TIMEOUT", "CONFLICT"})  # CONFLICT: shards disagree
PASSING = frozenset({"PASS", "XFAIL"})  # XFAIL: a registered divergence, the expected outcome
STATUSES = ("PASS", "FAIL", "XFAIL", "SKIP", "ERROR", "CRASHED", "TIMEOUT", "CONFLICT")
VMCS_GROUPS = ("control", "exit-info", "guest", "host")

NEW_FAILURE, STILL_FAILING, FIXED, FLAKY = "new failure", "still failing", "fixed", "flaky"
LABELS = {
    NEW_FAILURE: ("lbl-new", "failing now; the previous run of this cell passed, was skipped or did not exist"),
    STILL_FAILING: ("lbl-still", "failing now and in the previous run of this cell"),
    FIXED: ("lbl-fixed", "passing now; the previous run of this cell failed"),
    FLAKY: ("lbl-flaky", "one commit has both a passing and a failing outcome for this cell in the history"),
}
# A platform's run status, shown with the colour of the closest scenario status.
RUN_STATUS_COLOUR = {"COMPLETE": "PASS", "UNAVAILABLE": "SKIP", "TIMEOUT": "TIMEOUT", "CRASHED": "CRASHED",
                     "COMPLETE_EMULATOR_CRASHED": "CRASHED", "TRIPLE_FAULT": "CRASHED", "PANIC": "CRASHED",
                     "HOST_FAULT": "ERROR", "CORRUPT": "ERROR", "ERROR": "ERROR",
                     "INCOMPLETE": "CONFLICT"}  # a merged shard set with shards missing: never green
_SEQ = re.compile(r"\bseq=(\d+)")


@dataclass(frozen=True)
class Outcome:
    """One cell's status in one run of the history."""

    run_id: str
    commit: str
    status: str


Cell = tuple[str, str]  # (scenario, platform)
PairKey = tuple[str, str, str]  # (scenario, left, right)


# --------------------------------------------------------------------------- loading and normalising

def _text(value: Any) -> str:
    """A data value as display text ('' for None)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _e(value: Any) -> str:
    """HTML-escaped display text of a data value (safe in text and attributes)."""
    return html.escape(_text(value), quote=True)


def _relpath(path: Any, reports: Path) -> str:
    """A path from the data as a path relative to reports/ ('' when absent)."""
    p = _text(path)
    if p and os.path.isabs(p):
        p = os.path.relpath(p, reports)
    return p


def _normalise_entry(entry: Any, reports: Path) -> dict:
    """A result or platform entry with text keys and relative paths."""
    out = dict(_dict(entry))
    out["serial"] = _relpath(out.get("serial"), reports)
    out["logs"] = {_text(k): _relpath(v, reports) for k, v in _dict(out.get("logs")).items()}
    out["status"] = _text(out.get("status"))
    return out


def normalise(doc: dict, reports: Path) -> dict:
    """A results document with every container of the expected type."""
    out = {k: _text(doc.get(k)) for k in ("run_id", "commit", "date", "host", "tables")}
    out["platforms"] = {_text(k): _normalise_entry(v, reports) for k, v in _dict(doc.get("platforms")).items()}
    out["results"] = [dict(_normalise_entry(r, reports), scenario=_text(r.get("scenario")),
                           platform=_text(r.get("platform")))
                      for r in _list(doc.get("results")) if isinstance(r, dict)]
    out["pairs"] = [dict(p, scenario=_text(p.get("scenario")), left=_text(p.get("left")),
                         right=_text(p.get("right")), status=_text(p.get("status")))
                    for p in _list(doc.get("pairs")) if isinstance(p, dict)]
    out["capability_diffs"] = [c for c in _list(doc.get("capability_diffs")) if isinstance(c, dict)]
    out["coverage"] = _dict(doc.get("coverage"))
    out["exit_reasons"] = _dict(doc.get("exit_reasons"))
    if isinstance(doc.get("shards"), dict):  # a merged shard set (report.merge)
        out["shards"] = doc["shards"]
    if isinstance(doc.get("shard"), dict):
        out["shard"] = doc["shard"]
    return out


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# reports/history/.page-cache/<entry>.json: what the page reads of an entry that is not the newest
# run, keyed by the entry's size and mtime.  A history entry is 10-14 MB of JSON; parsing every one
# after every run made the page cost grow with the history (49 entries: 8.8 s of make check).
PAGE_CACHE = ".page-cache"


def _compact(doc: dict) -> dict:
    """The part of a history entry the page reads when it is not the newest run: each cell's
    verdict (cell_histories; report.merge's conflict test, report._verdict_key, reads status,
    known_divergence and the divergences' messages), the run's identity and its shard."""
    rows = []
    for r in _list(doc.get("results")):
        if isinstance(r, dict):
            rows.append({"scenario": r.get("scenario"), "platform": r.get("platform"), "status": r.get("status"),
                         "known_divergence": r.get("known_divergence"),
                         "divergences": [{"message": str(d.get("message"))} if isinstance(d, dict) else str(d)
                                         for d in _list(r.get("divergences"))]})
    out = {k: doc.get(k) for k in ("schema", "run_id", "commit", "date", "host", "tables", "shard") if k in doc}
    out["results"] = rows
    return out


def _history(reports: Path) -> list[dict]:
    """The history entries, oldest first (report.load_history's order), read defensively: a file
    that is not a results object is skipped.  Only the newest run (every member of its shard set)
    is parsed whole; older entries come from their compact form in PAGE_CACHE, written the first
    time an entry is read (best effort: an unwritable cache only costs time)."""
    hist = reports / "history"
    cache = hist / PAGE_CACHE
    entries = []  # [compact, full or None, path]
    for p in sorted(hist.glob("*.json")):
        try:
            st = p.stat()
        except OSError:
            continue
        tag = f"{st.st_size}:{st.st_mtime_ns}"
        got = _read_json(cache / p.name)
        if isinstance(got, dict) and got.get("source") == tag and isinstance(got.get("doc"), dict):
            entries.append([got["doc"], None, p])
            continue
        full = report.read_history_file(p)
        if not (isinstance(full, dict) and full.get("schema") == report.SCHEMA):
            continue
        comp = _compact(full)
        try:
            report.atomic_write(cache / p.name, json.dumps({"source": tag, "doc": comp}))
        except OSError:
            pass
        entries.append([comp, full, p])
    entries.sort(key=lambda e: _text(e[0].get("date")))
    if not entries:
        return []
    newest = entries[-1][0]
    shard_set = report._shard_of(newest).get("set")
    out = []
    for comp, full, p in entries:
        whole = comp is newest or (shard_set is not None and report._shard_of(comp).get("set") == shard_set)
        if whole and full is None:
            full = report.read_history_file(p)
            if not (isinstance(full, dict) and full.get("schema") == report.SCHEMA):
                continue
        out.append(full if whole else comp)
    return out


def load_runs(reports: Path, docs: list[dict] | None = None) -> list[dict]:
    """The history (or the given documents), oldest first, one document per run id, the shards
    of each sharded run merged into one (report.merge_shards); else results.json alone; else []."""
    docs = _history(reports) if docs is None else list(docs)
    try:
        docs = report.merge_shards([d for d in docs if isinstance(d, dict)])
    except Exception as exc:  # a malformed shard document must not stop the page
        print(f"report: warning: shards not merged: {type(exc).__name__}: {exc}", file=sys.stderr)
    if not docs:
        latest = _read_json(reports / "results.json")
        if isinstance(latest, dict) and latest.get("schema") == report.SCHEMA:
            docs = [latest]
    by_id: dict[str, dict] = {}
    for doc in docs:
        if isinstance(doc, dict):
            norm = normalise(doc, reports)
            by_id.pop(norm["run_id"], None)  # a repeated run id: keep the later document, in its place
            by_id[norm["run_id"]] = norm
    return list(by_id.values())


# --------------------------------------------------------------------------- regression classes

def cell_histories(runs: list[dict]) -> dict[Cell, list[Outcome]]:
    """{(scenario, platform): its outcomes, oldest first, one per run that has the cell}."""
    out: dict[Cell, list[Outcome]] = {}
    for doc in runs:
        seen: dict[Cell, Outcome] = {}
        for r in doc["results"]:
            seen[(r["scenario"], r["platform"])] = Outcome(doc["run_id"], doc["commit"], r["status"])
        for cell, outcome in seen.items():
            out.setdefault(cell, []).append(outcome)
    return out


def is_flaky(outcomes: Iterable[Outcome]) -> bool:
    """True when one commit (compared exactly) both passed and failed."""
    kinds: dict[str, set[str]] = {}
    for o in outcomes:
        if o.status in PASSING:
            kinds.setdefault(o.commit, set()).add("pass")
        elif o.status in FAILING:
            kinds.setdefault(o.commit, set()).add("fail")
    return any(len(k) == 2 for k in kinds.values())


def classify(outcomes: list[Outcome]) -> list[str]:
    """Regression labels of a cell's latest outcome given its earlier ones (oldest first)."""
    if not outcomes:
        return []
    cur = outcomes[-1].status
    prev = outcomes[-2].status if len(outcomes) > 1 else None
    labels = []
    if cur in FAILING:
        labels.append(STILL_FAILING if prev in FAILING else NEW_FAILURE)
    elif cur in PASSING and prev in FAILING:
        labels.append(FIXED)
    if is_flaky(outcomes):
        labels.append(FLAKY)
    return labels


# --------------------------------------------------------------------------- small HTML pieces

def _status_class(status: str) -> str:
    return f"st-{status}" if status in STATUSES else "st-other"


def _badge(status: str, title: str = "") -> str:
    t = f' title="{_e(title)}"' if title else ""
    return f'<span class="badge {_status_class(status)}"{t}>{_e(status or "?")}</span>'


def _run_badge(status: str, reason: str) -> str:
    cls = _status_class(RUN_STATUS_COLOUR.get(status, "ERROR"))
    t = f' title="{_e(reason)}"' if reason else ""
    return f'<span class="badge {cls}"{t}>{_e(status or "?")}</span>'


def _label(name: str) -> str:
    cls, why = LABELS[name]
    return f'<span class="label {cls}" title="{_e(why)}">{_e(name)}</span>'


def _link(path: str, text: str) -> str:
    """A relative link to a file under reports/ ('' when there is no path)."""
    if not path:
        return ""
    href = quote(path, safe="/._-~+")  # a scheme such as "javascript:" becomes a harmless relative name
    return f'<a href="{_e(href)}">{_e(text)}</a>'


def _links(entry: dict) -> str:
    parts = [_link(entry.get("serial", ""), "raw trace")]
    parts += [_link(p, f"{k} log" if k == "emulator" else k) for k, p in entry.get("logs", {}).items()]
    parts = [p for p in parts if p]
    return f'<span class="links">{" · ".join(parts)}</span>' if parts else ""


# --------------------------------------------------------------------------- header

def _header(doc: dict, n_runs: int, last_n: int) -> str:
    meta = [("run", doc["run_id"]), ("commit", doc["commit"]), ("date", doc["date"]), ("host", doc["host"]),
            ("tables", doc["tables"]), ("history", f"{n_runs} run(s); strips show the last {last_n}")]
    items = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in meta)
    return f'<header><h1>vmx-diff dashboard</h1><dl class="meta">{items}</dl></header>'


def _summary(doc: dict, labels: dict[Cell, list[str]]) -> str:
    counts: dict[str, int] = {}
    for r in doc["results"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    parts = [f'{_badge(s)} {counts[s]}' for s in STATUSES if counts.get(s)]
    parts += [f'{_badge(s)} {n}' for s, n in counts.items() if s not in STATUSES]
    lab: dict[str, int] = {}
    for names in labels.values():
        for n in names:
            lab[n] = lab.get(n, 0) + 1
    parts += [f"{_label(n)} {lab[n]}" for n in LABELS if lab.get(n)]
    return f'<p class="summary">{" ".join(parts) or "no results in this run"}</p>'


def _accelerator(p: dict) -> str:
    acc, why = _text(p.get("accelerator")), _text(p.get("accelerator_reason"))
    if why and "kvm" not in acc.lower():
        return f'<span class="nowrap">{_e(acc)}</span><div class="why">{_e(why)}</div>'
    return f'<span class="nowrap">{_e(acc)}</span>'


def _platform_row(name: str, p: dict) -> str:
    """One platform's row, plus a full-width row for its run status reason when there is one."""
    vmx = "yes" if p.get("vmx") else f'no <span class="why">{_e(p.get("novmx"))}</span>'
    reason = _text(p.get("reason"))
    cells = [f'<th class="nowrap">{_e(name)}</th>', f"<td>{_e(p.get('emulator'))}</td>",
             f"<td>{_e(p.get('version'))}</td>", f'<td class="nowrap">{_e(p.get("cpu_model"))}</td>',
             f'<td class="acc">{_accelerator(p)}</td>', f"<td>{_run_badge(p['status'], reason)}</td>",
             f"<td>{vmx}</td>", f'<td class="num">{_e(p.get("duration_s"))}</td>',
             f'<td class="nowrap">{_links(p)}</td>']
    row = f"<tr>{''.join(cells)}</tr>"
    if reason:
        row += f'<tr class="note"><td></td><td colspan="{len(cells) - 1}" class="why">{_e(reason)}</td></tr>'
    return row


def _platforms(doc: dict) -> str:
    if not doc["platforms"]:
        return ""
    head = "".join(f"<th>{h}</th>" for h in ("platform", "emulator", "version", "CPU model", "accelerator",
                                               "run status", "VMX", "time (s)", "files"))
    rows = "".join(_platform_row(n, p) for n, p in doc["platforms"].items())
    return f'<section id="platforms"><h2>Platforms</h2><div class="scroll"><table class="plain plat">' \
           f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>"


def _legend() -> str:
    st = "".join(f"<li>{_badge(s)}</li>" for s in STATUSES)
    lb = "".join(f"<li>{_label(n)} {_e(why)}</li>" for n, (_, why) in LABELS.items())
    return f'<section id="legend"><h2>Legend</h2><ul class="legend">{st}</ul>' \
           f'<ul class="legend-labels">{lb}</ul><p class="hint">Each cell\'s strip: its last runs, oldest to ' \
           f"newest, numbered as in the run list above the matrix (hover a box for its run, commit and status). " \
           f"A cell links to its details below.</p></section>"


def _filter_box() -> str:
    # hidden until the script runs: without JS there is no dead control and everything is shown.
    return '<div id="filterbar" hidden><label for="filter">Filter</label> <input id="filter" type="search" ' \
           'placeholder="scenario, platform, field, status, text..." autocomplete="off"> ' \
           '<span id="filtercount"></span></div>'


# --------------------------------------------------------------------------- matrix

def _ordered(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _strip(outcomes: list[Outcome], last_n: int, run_no: dict[str, int]) -> str:
    """A cell's last runs, oldest first: one box per run, naming the run by its number in the run
    list (_runs_list) instead of repeating its id and commit in every box of every cell (that made
    the page 16 MB); the page's script puts "run · commit · status" in a box's title on hover."""
    boxes = "".join(f'<i class="box {_status_class(o.status)}" data-r="{run_no.get(o.run_id, "")}"></i>'
                    for o in outcomes[-max(1, last_n):])
    return f'<div class="strip">{boxes}</div>'


def _runs_list(hist: dict[Cell, list[Outcome]], last_n: int) -> tuple[dict[str, int], str]:
    """({run id: number}, the list the strips' numbers point into): every run a strip shows."""
    runs: dict[str, str] = {}
    for outcomes in hist.values():
        for o in outcomes[-max(1, last_n):]:
            runs.setdefault(o.run_id, o.commit)
    ordered = sorted(runs.items())  # run ids start with their UTC time: oldest first
    run_no = {rid: i for i, (rid, _) in enumerate(ordered)}
    items = "".join(f'<li value="{i}" data-run="{_e(rid)} · {_e(commit)}">{_e(rid)} · <code>{_e(commit)}</code></li>'
                    for i, (rid, commit) in enumerate(ordered))
    return run_no, f'<details id="runlist"><summary>The runs the strips show ({len(ordered)})</summary>' \
                   f'<ol start="0">{items}</ol></details>'


def _matrix_cell(r: dict | None, outcomes: list[Outcome], labels: list[str], anchor: str, last_n: int,
                 run_no: dict[str, int]) -> str:
    if r is None:
        return '<td class="cell empty">—</td>'
    tip = _text(r.get("reason")) or _text(r.get("known_divergence"))
    badge = _badge(r["status"], tip)
    if anchor:
        badge = f'<a href="#{anchor}">{badge}</a>'
    labs = "".join(_label(n) for n in labels)
    return f'<td class="cell {_status_class(r["status"])}">{badge}{labs}{_strip(outcomes, last_n, run_no)}</td>'


def _matrix(doc: dict, hist: dict[Cell, list[Outcome]], labels: dict[Cell, list[str]],
            anchors: dict[Cell, str], last_n: int) -> str:
    plats = _ordered(list(doc["platforms"]) + [r["platform"] for r in doc["results"]])
    scens = _ordered(r["scenario"] for r in doc["results"])
    by_cell = {(r["scenario"], r["platform"]): r for r in doc["results"]}
    head = "".join(f'<th class="plat">{_e(p)}</th>' for p in plats)
    run_no, runlist = _runs_list({c: hist.get(c, []) for c in by_cell}, last_n)
    rows = []
    for s in scens:
        present = [p for p in plats if (s, p) in by_cell]
        search = " ".join([s] + present + [_text(by_cell[(s, p)].get("reason")) for p in present])
        cells = "".join(_matrix_cell(by_cell.get((s, p)), hist.get((s, p), []), labels.get((s, p), []),
                                     anchors.get((s, p), ""), last_n, run_no) for p in plats)
        rows.append(f'<tr data-filter="{_e(search.lower())}"><th class="scen">{_e(s)}</th>{cells}</tr>')
    body = "".join(rows) or f'<tr><td colspan="{len(plats) + 1}">no results</td></tr>'
    return f'<section id="matrix"><h2>Scenarios × platforms</h2>{runlist}<div class="scroll"><table class="matrix">' \
           f'<thead><tr><th>scenario</th>{head}</tr></thead><tbody>{body}</tbody></table></div></section>'


# --------------------------------------------------------------------------- cross-platform

def _pair_matrix(doc: dict, anchors: dict[PairKey, str]) -> str:
    cols = _ordered((p["left"], p["right"]) for p in doc["pairs"])
    scens = _ordered(p["scenario"] for p in doc["pairs"])
    by = {(p["scenario"], p["left"], p["right"]): p for p in doc["pairs"]}
    head = "".join(f'<th class="plat">{_e(a)}<br>vs {_e(b)}</th>' for a, b in cols)
    rows = []
    for s in scens:
        cells = []
        for a, b in cols:
            p = by.get((s, a, b))
            if p is None:
                cells.append('<td class="cell empty">—</td>')
                continue
            badge = _badge(p["status"], _text(p.get("reason")) or _text(p.get("known_divergence")))
            anchor = anchors.get((s, a, b))
            if anchor:
                badge = f'<a href="#{anchor}">{badge}</a>'
            n = len(_list(p.get("divergences")))
            extra = f'<span class="ndiv">{n} diff</span>' if n else ""
            cells.append(f'<td class="cell {_status_class(p["status"])}">{badge}{extra}</td>')
        search = " ".join([s] + [_text(by[(s, a, b)].get("reason")) for a, b in cols if (s, a, b) in by])
        rows.append(f'<tr data-filter="{_e(search.lower())}"><th class="scen">{_e(s)}</th>{"".join(cells)}</tr>')
    return f'<h3>Scenario comparisons</h3><div class="scroll"><table class="matrix">' \
           f'<thead><tr><th>scenario</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _capabilities(doc: dict) -> str:
    parts = []
    for c in doc["capability_diffs"]:
        title = f'{_e(c.get("left"))} vs {_e(c.get("right"))}'
        diffs = [d for d in _list(c.get("diffs")) if isinstance(d, dict)]
        if not diffs:
            parts.append(f'<div class="capbox"><h4>{title}</h4><p class="hint">identical capability MSRs</p></div>')
            continue
        rows = "".join(f'<tr><td>{_e(d.get("msr"))}</td><td class="mono">{_e(d.get("left") or "absent")}</td>'
                       f'<td class="mono">{_e(d.get("right") or "absent")}</td></tr>' for d in diffs)
        parts.append(f'<div class="capbox"><h4>{title}</h4><table class="plain"><thead><tr><th>MSR</th>'
                     f'<th>{_e(c.get("left"))}</th><th>{_e(c.get("right"))}</th></tr></thead>'
                     f"<tbody>{rows}</tbody></table></div>")
    body = "".join(parts) or '<p class="hint">no capability comparisons in this run</p>'
    return f'<h3>Capability MSR differences</h3><p class="hint">Reported, not counted as divergences.</p>' \
           f'<div class="caps">{body}</div>'


def _cross_platform(doc: dict, anchors: dict[PairKey, str]) -> str:
    pairs = _pair_matrix(doc, anchors) if doc["pairs"] else '<p class="hint">no platform pairs in this run</p>'
    return f'<section id="cross"><h2>Cross-platform</h2>{pairs}{_capabilities(doc)}</section>'


# --------------------------------------------------------------------------- divergence details

def _value(name: Any, value: Any) -> str:
    v = json.dumps(value) if isinstance(value, (dict, list)) else _text(value)
    return f'<span class="vname">{_e(name)}</span> <code>{_e(v)}</code>'


def _divergence_table(divs: list) -> str:
    rows = []
    for d in (x for x in divs if isinstance(x, dict)):
        rows.append(f'<tr><td class="num">{_e(d.get("record"))}</td><td><code>{_e(d.get("field"))}</code></td>'
                    f'<td>{_value(d.get("left_name"), d.get("left"))}</td>'
                    f'<td>{_value(d.get("right_name"), d.get("right"))}</td>'
                    f'<td>{_e(d.get("note"))}</td><td class="num">{_e(d.get("line"))}</td></tr>')
    if not rows:
        return ""
    return '<table class="plain divs"><thead><tr><th>event</th><th>field</th><th>left</th><th>right</th>' \
           f'<th>note</th><th>trace line</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _highlight_seqs(r: dict, divs: list) -> set[int]:
    """Sequence numbers of the excerpt lines a divergence points at (via trace line numbers)."""
    excerpt = [_text(x) for x in _list(r.get("excerpt"))]
    m = _SEQ.search(excerpt[0]) if excerpt else None
    begin = r.get("trace_line")
    if not m or not isinstance(begin, int):
        return set()
    offset = begin - int(m.group(1))  # trace_line is the BEGIN record's line in the serial log
    return {d["line"] - offset for d in divs if isinstance(d, dict) and isinstance(d.get("line"), int)}


def _excerpt(r: dict, divs: list) -> str:
    lines = [_text(x) for x in _list(r.get("excerpt"))]
    if not lines:
        return ""
    hits = _highlight_seqs(r, divs)
    out = []
    for line in lines:
        m = _SEQ.search(line)
        cls = ' class="hit"' if m and int(m.group(1)) in hits else ""
        out.append(f"<span{cls}>{_e(line)}</span>")
    where = f' (from line {_e(r.get("trace_line"))})' if r.get("trace_line") is not None else ""
    return f'<div class="sub">trace excerpt{where}</div><pre class="excerpt">{"".join(out)}</pre>'


def _bochs_reasons(r: dict) -> str:
    lines = [_text(x) for x in _list(r.get("bochs_reasons"))]
    if not lines:
        return ""
    items = "".join(f"<li><code>{_e(x)}</code></li>" for x in lines)
    return f'<div class="sub">Bochs log: failed VM-entry check</div><ul class="bochs">{items}</ul>'


def _vmcs(r: dict) -> str:
    """A collapsible VMCS dump, one table per field group."""
    rows = [x for x in _list(r.get("vmcs")) if isinstance(x, list) and len(x) == 3]
    if not rows:
        return ""
    groups: dict[str, list[list]] = {g: [] for g in VMCS_GROUPS}
    for g, name, value in rows:
        groups.setdefault(_text(g), []).append([name, value])
    tables = []
    for g, fields in groups.items():
        if fields:
            body = "".join(f'<tr><td>{_e(n)}</td><td class="mono">{_e(v)}</td></tr>' for n, v in fields)
            tables.append(f'<table class="plain vmcs"><caption>{_e(g)} ({len(fields)})</caption>'
                          f"<tbody>{body}</tbody></table>")
    return f'<details class="vmcsdump"><summary>VMCS dump ({len(rows)} fields)</summary>' \
           f'<div class="vmcsgrid">{"".join(tables)}</div></details>'


def _side(r: dict | None, title: str, labels: Iterable[str] = ()) -> str:
    """Links, trace excerpt, Bochs reasons and VMCS dump of one result."""
    labs = "".join(_label(n) for n in labels)
    if r is None:
        return f'<div class="side"><h4>{_e(title)}</h4><p class="hint">no result in this run</p></div>'
    divs = _list(r.get("divergences"))
    return f'<div class="side"><h4>{_e(title)}{labs} {_links(r)}</h4>{_excerpt(r, divs)}{_bochs_reasons(r)}' \
           f"{_vmcs(r)}</div>"


def _reason_line(entry: dict) -> str:
    parts = []
    if _text(entry.get("reason")):
        parts.append(f'<p class="reason">{_e(entry.get("reason"))}</p>')
    if _text(entry.get("known_divergence")):
        parts.append(f'<p class="known"><b>registered divergence:</b> {_e(entry.get("known_divergence"))}</p>')
    return "".join(parts)


@dataclass
class Details:
    """What the detail sections show, and the element id each matrix cell links to."""

    groups: list[list[dict]]  # results with divergences or failing; alike results (same signature) together
    diagnostics: list[dict]  # the other results with Bochs reason lines or a VMCS dump
    pairs: list[tuple[str, dict]]  # (element id, pair) with divergences or failing
    cell_ids: dict[Cell, str]
    pair_ids: dict[PairKey, str]


def _needs_entry(entry: dict) -> bool:
    return bool(_list(entry.get("divergences"))) or entry.get("status") in FAILING


def _needs_diag(r: dict) -> bool:
    return bool(_list(r.get("bochs_reasons"))) or bool(_list(r.get("vmcs")))


def _signature(r: dict) -> str:
    """Equal for results of one scenario with the same outcome and the same divergences."""
    divs = [[d.get(k) for k in ("record", "field", "left", "right", "left_name", "right_name", "note")]
            for d in _list(r.get("divergences")) if isinstance(d, dict)]
    return json.dumps([r["scenario"], r["status"], _text(r.get("reason")), _text(r.get("known_divergence")), divs],
                      default=str)


def collect_details(doc: dict) -> Details:
    """Group the latest run's divergent or failing results, pick the diagnostics, number everything."""
    by_cell = {(r["scenario"], r["platform"]): r for r in doc["results"]}
    groups: dict[str, list[dict]] = {}
    diags = []
    for r in by_cell.values():
        if _needs_entry(r):
            groups.setdefault(_signature(r), []).append(r)
        elif _needs_diag(r):
            diags.append(r)
    scen_order = {s: i for i, s in enumerate(_ordered(r["scenario"] for r in doc["results"]))}
    diags.sort(key=lambda r: scen_order[r["scenario"]])  # stable: platforms keep their order
    ordered_groups = sorted(groups.values(), key=lambda g: g[0]["status"] not in FAILING)  # failures first
    cell_ids: dict[Cell, str] = {}
    for g, members in enumerate(ordered_groups):
        cell_ids.update({(r["scenario"], r["platform"]): f"r{g}" for r in members})
    cell_ids.update({(r["scenario"], r["platform"]): f"d{i}" for i, r in enumerate(diags)})
    pairs, pair_ids = [], {}
    for i, p in enumerate(doc["pairs"]):
        key = (p["scenario"], p["left"], p["right"])
        if _needs_entry(p) and key not in pair_ids:
            pair_ids[key] = f"p{i}"
            pairs.append((f"p{i}", p))
    return Details(ordered_groups, diags, pairs, cell_ids, pair_ids)


def _result_entry(group: list[dict], anchor: str, labels: dict[Cell, list[str]]) -> str:
    """One entry for the results of a scenario that diverge alike on one or more platforms."""
    first = group[0]
    plats = ", ".join(_e(r["platform"]) for r in group)
    head = f'<h3>{_e(first["scenario"])} <span class="on">on</span> {plats} {_badge(first["status"])}' \
           f'<span class="kind">versus the SDM</span></h3>'
    sides = [_side(r, r["platform"], labels.get((r["scenario"], r["platform"]), [])) for r in group]
    more = ""
    if len(sides) > 1:
        more = f'<details class="others"><summary>trace excerpts and files of the other {len(sides) - 1} ' \
               f'platform(s)</summary>{"".join(sides[1:])}</details>'
    return f'<article class="entry {_status_class(first["status"])}" id="{anchor}" data-filter="">{head}' \
           f'{_reason_line(first)}{_divergence_table(_list(first.get("divergences")))}{sides[0]}{more}</article>'


def _pair_entry(p: dict, anchor: str, by_cell: dict[Cell, dict]) -> str:
    head = f'<h3>{_e(p["scenario"])} <span class="on">on</span> {_e(p["left"])} <span class="on">vs</span> ' \
           f'{_e(p["right"])} {_badge(p["status"])}<span class="kind">between platforms</span></h3>'
    sides = _side(by_cell.get((p["scenario"], p["left"])), p["left"]) + \
        _side(by_cell.get((p["scenario"], p["right"])), p["right"])
    return f'<article class="entry {_status_class(p["status"])}" id="{anchor}" data-filter="">{head}' \
           f'{_reason_line(p)}{_divergence_table(_list(p.get("divergences")))}<div class="sides">{sides}</div>' \
           f"</article>"


def _diag_row(r: dict, anchor: str) -> str:
    reasons = "".join(f"<div><code>{_e(x)}</code></div>" for x in _list(r.get("bochs_reasons")))
    return f'<tr id="{anchor}" data-filter=""><td class="mono nowrap">{_e(r["scenario"])}</td>' \
           f'<td class="nowrap">{_e(r["platform"])}</td><td>{_badge(r["status"])}</td>' \
           f'<td>{reasons or "<span class=hint>none</span>"}</td><td>{_vmcs(r)}</td>' \
           f'<td class="nowrap">{_links(r)}</td></tr>'


def _divergences(doc: dict, details: Details, labels: dict[Cell, list[str]]) -> str:
    by_cell = {(r["scenario"], r["platform"]): r for r in doc["results"]}
    entries = [_result_entry(g, details.cell_ids[(g[0]["scenario"], g[0]["platform"])], labels)
               for g in details.groups]
    entries += [_pair_entry(p, anchor, by_cell) for anchor, p in details.pairs]
    body = "".join(entries) or '<p class="hint">no divergences and no failures in this run</p>'
    return f'<section id="divergences"><h2>Divergences and failures</h2><p class="hint">Versus the SDM ' \
           f"(one entry for the platforms that diverge alike) and between platforms; the diverging trace " \
           f"lines are highlighted.</p>{body}</section>"


def _diagnostics(details: Details) -> str:
    rows = "".join(_diag_row(r, details.cell_ids[(r["scenario"], r["platform"])]) for r in details.diagnostics)
    table = '<table class="plain diag"><thead><tr><th>scenario</th><th>platform</th><th>status</th>' \
            f"<th>Bochs log: failed check</th><th>VMCS</th><th>files</th></tr></thead><tbody>{rows}</tbody></table>"
    return f'<section id="diagnostics"><h2>VM-entry failure diagnostics</h2><p class="hint">Results without ' \
           f"divergence whose VM entry failed as the scenario intends: Bochs's own reason lines and the VMCS " \
           f'dump.</p>{table if rows else "<p class=hint>none in this run</p>"}</section>'


# --------------------------------------------------------------------------- page

CSS = """
:root{--PASS:#1e8e3e;--FAIL:#d93025;--XFAIL:#e8a100;--SKIP:#9aa0a6;--ERROR:#8b1a1a;--CRASHED:#7b1fa2;
--TIMEOUT:#4a148c;--CONFLICT:#ff1744;--other:#5f6368;--line:#dadce0;--muted:#5f6368}
*{box-sizing:border-box}[hidden]{display:none!important}
section{content-visibility:auto;contain-intrinsic-size:auto 3000px}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:#202124;background:#f8f9fa}
main{max-width:1600px;margin:0 auto;padding:0 20px 40px}
header{background:#202124;color:#fff;padding:14px 20px}
header h1{margin:0 0 6px;font-size:20px;font-weight:600}
.meta{display:flex;flex-wrap:wrap;gap:4px 24px;margin:0}.meta div{display:flex;gap:6px}
.meta dt{color:#9aa0a6}.meta dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
nav{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:6px 20px;
display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center}
nav a{color:#1a73e8;text-decoration:none}#filterbar{margin-left:auto}
#filter{width:320px;padding:4px 8px;border:1px solid var(--line);border-radius:4px;font:inherit}
#filtercount{color:var(--muted);font-size:12px}
h2{font-size:17px;margin:26px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:16px 0 6px}h4{margin:6px 0;font-size:13px}
section{margin-top:6px}.hint{color:var(--muted);margin:4px 0}
.summary{margin:12px 0 0;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center}
table{border-collapse:collapse;background:#fff}
table.plain th,table.plain td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
table.plain thead th{background:#f1f3f4;font-weight:600}
.scroll{overflow-x:auto}
table.matrix th,table.matrix td{border:1px solid var(--line);padding:4px 6px}
table.matrix thead th{background:#f1f3f4;font-weight:600;font-size:12px}
table.matrix th.scen{text-align:left;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;
font-weight:500;background:#fff;white-space:nowrap}
td.cell{min-width:120px;vertical-align:top;border-left-width:4px!important}
td.cell.empty{color:var(--SKIP);text-align:center;background:#fff}
.badge{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:11px;font-weight:600;
letter-spacing:.02em;line-height:18px}
td.cell a{text-decoration:none}
.label{display:inline-block;margin-left:4px;padding:0 5px;border-radius:9px;font-size:11px;line-height:16px;
border:1px solid}
.lbl-new{background:#fce8e6;color:#a50e0e;border-color:#d93025}.lbl-still{background:#f1f3f4;color:#3c4043;
border-color:#80868b}.lbl-fixed{background:#e6f4ea;color:#0d652d;border-color:#1e8e3e}
.lbl-flaky{background:#fef7e0;color:#8a5a00;border-color:#e8a100}
.strip{display:flex;gap:2px;margin-top:4px}.box{width:10px;height:10px;border-radius:2px;display:inline-block}
.strip .box:last-child{outline:1px solid #202124;outline-offset:1px}
.ndiv{margin-left:4px;font-size:11px;color:var(--muted)}
.legend,.legend-labels{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:6px 14px}
.legend-labels{display:grid!important;grid-template-columns:repeat(auto-fit,minmax(480px,1fr))}
.why{color:var(--muted);font-size:12px}.num{text-align:right}.nowrap{white-space:nowrap}
td.acc{max-width:320px}tr.note td{border-top:none!important;padding-top:0!important}
.mono,code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.caps{display:flex;flex-wrap:wrap;gap:12px}.capbox h4{margin:4px 0}
.entry{background:#fff;border:1px solid var(--line);border-left:5px solid var(--other);border-radius:4px;
padding:4px 14px 10px;margin:10px 0}
.entry h3 .on,.entry h3 .kind{color:var(--muted);font-weight:400}.entry h3 .kind{font-size:12px;margin-left:6px}
.reason{margin:4px 0}.known{margin:4px 0;color:#6d4c00}
.divs{margin:6px 0}.vname{color:var(--muted);font-size:12px}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:10px}
.side h4 .links{font-weight:400;margin-left:8px}.links{font-size:12px}.links a{color:#1a73e8}
.sub{font-size:12px;color:var(--muted);margin-top:6px}
pre.excerpt{background:#f6f8fa;border:1px solid var(--line);padding:6px 8px;margin:2px 0;overflow-x:auto;
white-space:pre}
pre.excerpt span{display:block;padding:0 4px}pre.excerpt .hit{background:#fce8e6;font-weight:600}
ul.bochs{margin:2px 0;padding-left:20px}
details.others{margin-top:8px}details.others summary{cursor:pointer;color:#1a73e8}
table.diag td{vertical-align:top}table.diag details.vmcsdump{margin:0}table.diag .vmcsgrid{max-width:1000px}
details.vmcsdump{margin-top:6px}details.vmcsdump summary{cursor:pointer;color:#1a73e8}
.vmcsgrid{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start;margin-top:6px}
table.vmcs caption{text-align:left;font-weight:600;padding:2px 0}
.shardbad{background:#fce8e6;border:2px solid var(--FAIL);color:#a50e0e;padding:8px 12px;margin:8px 0;
border-radius:4px;font-size:15px}.shardok{color:var(--PASS);font-weight:600}
"""
_STATUS_CSS = "".join(
    f".badge.st-{s},.box.st-{s}{{background:var(--{s})}}.cell.st-{s},.entry.st-{s}{{border-left-color:var(--{s})}}"
    for s in STATUSES) + ".badge.st-other,.box.st-other{background:var(--other)}" \
    ".cell.st-PASS{background:#eef8f0}.cell.st-FAIL{background:#fdeceb}.cell.st-XFAIL{background:#fdf5df}" \
    ".cell.st-SKIP{background:#f4f5f6}.cell.st-ERROR{background:#f6e3e3}.cell.st-CRASHED{background:#f2e6f7}" \
    ".cell.st-TIMEOUT{background:#ece4f5}.cell.st-CONFLICT{background:#ffd6dc}"

JS = """
(function(){
  var bar=document.getElementById('filterbar'),box=document.getElementById('filter'),
      count=document.getElementById('filtercount');
  if(!bar||!box)return;
  function apply(){
    var q=box.value.trim().toLowerCase(),els=document.querySelectorAll('[data-filter]'),shown=0;
    for(var i=0;i<els.length;i++){
      var el=els[i],hit=!q||el.getAttribute('data-filter').indexOf(q)>=0||
        el.textContent.toLowerCase().indexOf(q)>=0;
      el.hidden=!hit;if(hit)shown++;
    }
    count.textContent=q?shown+' of '+els.length+' shown':'';
  }
  bar.hidden=false;
  box.addEventListener('input',apply);
  var m=/[?&]filter=([^&]*)/.exec(location.search);  // index.html?filter=text: a shareable filtered view
  if(m){box.value=decodeURIComponent(m[1].replace(/\\+/g,' '));apply();}
})();
(function(){  // a strip box's title, from the run list, when the pointer reaches it
  var runs={},items=document.querySelectorAll('#runlist li[data-run]');
  for(var i=0;i<items.length;i++)runs[items[i].value]=items[i].getAttribute('data-run');
  document.addEventListener('mouseover',function(e){
    var b=e.target;
    if(!b.classList||!b.classList.contains('box')||b.title)return;
    var st=(/st-(\\S+)/.exec(b.className)||['',''])[1];
    b.title=(runs[b.getAttribute('data-r')]||'run '+b.getAttribute('data-r'))+' · '+st;
  });
})();
"""


def _nav() -> str:
    links = [("platforms", "Platforms"), ("legend", "Legend"), ("matrix", "Matrix"), ("cross", "Cross-platform"),
             ("divergences", "Divergences"), ("diagnostics", "Entry diagnostics")]
    return "<nav>" + "".join(f'<a href="#{i}">{t}</a>' for i, t in links) + _filter_box() + "</nav>"


def _coverage(doc: dict) -> str:
    """Entry-check coverage of the sweeps, by SDM group (results.json "coverage")."""
    cov = _dict(doc.get("coverage"))
    if not cov:
        return ""
    groups = _dict(cov.get("groups"))
    plats = sorted({p for g in groups.values() for p in _dict(_dict(g).get("by_platform"))})
    head = "".join(f"<th>{_e(p)}</th>" for p in plats)
    rows = []
    for name, g in sorted(groups.items()):
        g = _dict(g)
        per = _dict(g.get("by_platform"))
        cells = "".join(f"<td>{_e(per.get(p, 0))}</td>" for p in plats)
        rows.append(f"<tr><td>{_e(name)}</td><td>{_e(g.get('section'))}</td><td>{_e(g.get('exercised'))} / "
                    f"{_e(g.get('checks'))}</td>{cells}</tr>")
    un = _list(cov.get("untestable"))
    un_html = "".join(f"<li>{_e(_dict(u).get('case'))} on {_e(_dict(u).get('platform'))}: "
                      f"{_e(_dict(u).get('reason'))}</li>" for u in un[:200])
    return (f'<section id="coverage"><h2>Entry-check coverage</h2><p>{_e(cov.get("exercised"))} of '
            f'{_e(cov.get("checks"))} checks exercised on at least one platform; {_e(cov.get("cases_run"))} case '
            f'runs; {_e(len(un))} untestable.</p><div class="scroll"><table class="plain"><tr><th>group</th>'
            f'<th>SDM section</th><th>exercised</th>{head}</tr>{"".join(rows)}</table></div>'
            f'<details><summary>untestable cases</summary><ul>{un_html}</ul></details></section>')


def _exit_reasons(doc: dict) -> str:
    """Per basic exit reason: where a scenario produced it, verdicts, divergences (results.json
    "exit_reasons")."""
    ex = _dict(doc.get("exit_reasons"))
    if not ex:
        return ""
    reasons = _dict(ex.get("reasons"))
    plats = sorted({p for e in reasons.values() for p in _dict(_dict(e).get("platforms"))})
    head = "".join(f"<th>{_e(p)}</th>" for p in plats)
    rows = []
    for name, e in reasons.items():
        e = _dict(e)
        per = _dict(e.get("platforms"))
        if not per:
            continue
        cells = []
        for p in plats:
            c = _dict(per.get(p))
            st = _dict(c.get("statuses"))
            worst = next((x for x in ("FAIL", "ERROR", "CRASHED", "TIMEOUT", "CONFLICT", "XFAIL", "PASS", "SKIP")
                          if st.get(x)), "")
            title = ", ".join(f"{k} {v}" for k, v in sorted(st.items()))
            cells.append(f'<td>{_badge(worst, title) if worst else ""} {_e(c.get("scenarios", ""))}</td>')
        div = _list(e.get("divergent"))
        div_html = ", ".join(f"{_e(_dict(d).get('scenario'))} on {_e(_dict(d).get('platform'))}"
                             f"{' (registered)' if _dict(d).get('known') else ''}" for d in div[:12])
        more = f" and {len(div) - 12} more" if len(div) > 12 else ""
        rows.append(f"<tr><td>{_e(name)}</td>{''.join(cells)}<td>{div_html}{_e(more)}</td></tr>")
    missing = ", ".join(_e(m) for m in _list(ex.get("missing")))
    per_plat = ", ".join(f"{_e(p)} {_e(n)}" for p, n in sorted(_dict(ex.get("by_platform")).items()))
    return (f'<section id="exits"><h2>Exit reasons</h2><p>{_e(ex.get("exercised"))} of {_e(ex.get("total"))} '
            f'basic exit reasons exercised on at least one platform ({per_plat}). Each cell: the worst verdict '
            f'and the number of scenarios whose trace shows the reason.</p><div class="scroll"><table class="plain">'
            f'<tr><th>exit reason</th>{head}<th>scenarios with divergences</th></tr>{"".join(rows)}</table></div>'
            f'<details><summary>not exercised</summary><p>{missing}</p></details></section>')


def _shards(doc: dict) -> str:
    """A merged shard set: which shards were merged, and, loudly, what is missing or disagrees."""
    sh = _dict(doc.get("shards"))
    if not sh:
        return ""
    count = sh.get("count")
    members = "".join(f"<li>shard {_e(m.get('index'))}/{_e(m.get('count'))}: run {_e(m.get('run_id'))} on "
                      f"{_e(m.get('host'))}, {_e(m.get('date'))}, platforms {_e(', '.join(_list(m.get('platforms'))))}"
                      f"</li>" for m in (_dict(x) for x in _list(sh.get("members"))))
    problems = [_text(x) for x in _list(sh.get("problems"))]
    if sh.get("complete") and not problems:
        state = f'<p class="shardok">complete: all {_e(count)} shards merged</p>'
    else:
        state = '<div class="shardbad"><strong>' + ("INCOMPLETE RUN: " if not sh.get("complete") else "") + \
            f'{_e(problems[0] if problems else "shards missing")}</strong>' + \
            "".join(f"<div>{_e(x)}</div>" for x in problems[1:]) + "</div>"
    return f'<section id="shards"><h2>Shards of set {_e(sh.get("set"))}</h2>{state}' \
           f'<ul class="shardlist">{members}</ul></section>'


def render_html(runs: list[dict], last_n: int = 10) -> str:
    """The whole page for normalised documents, oldest first (the last one is shown)."""
    title = "vmx-diff dashboard"
    if not runs:
        body = '<header><h1>vmx-diff dashboard</h1></header><main><p class="hint">No results yet: run ' \
               "<code>make check</code>.</p></main>"
    else:
        doc = runs[-1]
        hist = cell_histories(runs)
        cells = {(r["scenario"], r["platform"]) for r in doc["results"]}
        labels = {c: classify(hist.get(c, [])) for c in cells}
        details = collect_details(doc)
        failing = sum(r["status"] in FAILING for r in doc["results"])
        title = f"vmx-diff: {failing} failing · {doc['run_id']}"
        sh = _dict(doc.get("shards"))
        if sh and not sh.get("complete"):
            title = "INCOMPLETE " + title
        body = _header(doc, len(runs), last_n) + _nav() + "<main>" + _shards(doc) + _summary(doc, labels) + \
            _platforms(doc) + _coverage(doc) + _exit_reasons(doc) + \
            _legend() + _matrix(doc, hist, labels, details.cell_ids, last_n) + \
            _cross_platform(doc, details.pair_ids) + _divergences(doc, details, labels) + _diagnostics(details) + \
            "</main>"
    return f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' \
           f'<meta name="viewport" content="width=device-width, initial-scale=1">' \
           f"<title>{_e(title)}</title><style>{CSS}{_STATUS_CSS}</style></head>" \
           f"<body>{body}<script>{JS}</script></body></html>\n"


def render(reports: Path, last_n: int = 10, docs: list[dict] | None = None) -> Path:
    """Write reports/index.html from the history (or the given documents, or results.json alone)
    and return its path."""
    reports = Path(reports)
    path = reports / "index.html"
    report.atomic_write(path, render_html(load_runs(reports, docs), last_n))
    return path
