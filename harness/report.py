"""Results JSON (schema-versioned), the run history, and `make report`.

Every write goes to a temporary file in the same folder and is renamed into
place, so a run killed at any moment (kill -9 included) leaves the history
and every earlier report intact.  The history is append-only: one file per
run under reports/history/, never rewritten.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import bochslog, compare, evaluate
from harness.model import RunResult
from harness.tables import REPO, Tables

SCHEMA = "vmx-diff/results/1"
# VMXDIFF_REPORTS moves every generated file (tests that run nested sessions use it).
REPORTS = Path(os.environ.get("VMXDIFF_REPORTS") or REPO / "reports")
_UMASK = os.umask(0)
os.umask(_UMASK)
# Where results went instead of REPORTS in this process: [(wanted, used, reason)].
FALLBACKS: list[tuple[Path, Path, str]] = []


def note_fallback(wanted: Path, used: Path, exc: BaseException) -> None:
    """Record (and say, in one line on stderr) that results went to ``used``, not ``wanted``."""
    why = getattr(exc, "strerror", None) or str(exc)
    FALLBACKS.append((wanted, used, why))
    print(f"harness: error: cannot write {wanted} ({why}); results kept in {used}", file=sys.stderr)


def atomic_write(path: Path, text: str) -> None:
    """Write text to path via a temporary file and rename (POSIX atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def git_commit() -> str:
    try:
        r = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return r.stdout.strip() + ("-dirty" if dirty else "") if r.returncode == 0 else "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def _rel(p: str) -> str:
    try:
        return str(Path(p).resolve().relative_to(REPORTS.resolve()))
    except (ValueError, OSError):
        return p


def _div(d) -> dict:
    return {"record": d.record, "field": d.field, "left": _jsonable(d.left), "right": _jsonable(d.right),
            "left_name": d.left_name, "right_name": d.right_name, "note": d.note, "line": d.line,
            "message": d.message()}


def _jsonable(v):
    return v if isinstance(v, (int, str, bool, type(None), dict, list, float)) else str(v)


def _excerpt(run: RunResult, sid: str, limit: int = 12) -> list[str]:
    tr = run.trace
    st = tr.scenarios.get(sid) if tr else None
    if not st:
        return []
    recs = [r.raw for r in st.records if r.type != "VMCS"]
    return recs[:limit]


def build_results(runs: dict, catalog: list[dict], tables: Tables, pairs: list[tuple[str, str]],
                  params: dict | None = None, run_id: str | None = None) -> dict:
    """The results document for one `make check` (or `make run`)."""
    now = _dt.datetime.now(_dt.timezone.utc)
    run_id = run_id or now.strftime("%Y%m%dT%H%M%S.%f") + f"-{os.getpid()}"
    metas = [m for m in catalog if not m["hidden"]]
    doc = {"schema": SCHEMA, "run_id": run_id, "commit": git_commit(), "date": now.isoformat(timespec="microseconds"),
           "host": socket.gethostname(), "tables": tables.hash, "platforms": {}, "results": [], "pairs": [],
           "capability_diffs": []}
    for name, run in runs.items():
        tr = run.trace
        doc["platforms"][name] = {
            "status": run.status.value, "reason": run.reason, "duration_s": round(run.duration_s, 3),
            "first_record_s": None if run.first_record_s is None else round(run.first_record_s, 3),
            "emulator": run.info.get("emulator"), "version": run.info.get("version"),
            "cpu_model": run.info.get("cpu_model"), "accelerator": run.info.get("accelerator"),
            "accelerator_reason": run.info.get("accelerator_reason"), "cmdline": run.info.get("cmdline"),
            "vmx": bool(tr and tr.caps and not tr.novmx), "novmx": tr.novmx if tr else None,
            "fingerprint": {k: (None if v is None else hex(v)) for k, v in (tr.caps if tr else {}).items()},
            "serial": _rel(run.serial_path) if run.serial_path else None,
            "logs": {k: _rel(p) for k, p in run.log_paths.items()},
        }
        selected = run.info.get("selected")
        for meta in metas:
            if selected is not None and meta["id"] not in selected:
                continue  # not booted in this run
            v = evaluate.scenario_verdict(run, meta, tables, params)
            st = tr.scenarios.get(meta["id"]) if tr else None
            doc["results"].append({
                "scenario": meta["id"], "platform": name, "status": v.status.value, "reason": v.reason,
                "known_divergence": v.known or None, "exits": v.exits,
                "divergences": [_div(d) for d in v.divergences],
                "run_duration_s": round(run.duration_s, 3),
                "trace_line": st.begin_line if st else None,
                "excerpt": _excerpt(run, meta["id"]),
                "bochs_reasons": bochslog.reasons_for(run, meta["id"]),
                "vmcs": [[tables.field_group(e), tables.field_name(e), hex(val)] for e, val in (st.vmcs if st else [])],
                "serial": _rel(run.serial_path) if run.serial_path else None,
                "logs": {k: _rel(p) for k, p in run.log_paths.items()},
            })
    for a, b in pairs:
        if a not in runs or b not in runs:
            continue
        ta, tb = runs[a].trace, runs[b].trace
        if ta and tb and ta.caps and tb.caps:
            doc["capability_diffs"].append({"left": a, "right": b, "diffs": [
                {"msr": k, "left": None if x is None else hex(x), "right": None if y is None else hex(y)}
                for k, x, y in compare.cap_diff(ta.caps, tb.caps)]})
        selected = runs[a].info.get("selected")
        for meta in metas:
            if selected is not None and meta["id"] not in selected:
                continue
            v = evaluate.pair_verdict(runs[a], runs[b], meta["id"], tables)
            doc["pairs"].append({"scenario": meta["id"], "left": a, "right": b, "status": v.status.value,
                                 "reason": v.reason, "known_divergence": v.known or None,
                                 "divergences": [_div(d) for d in v.divergences]})
    doc["coverage"] = coverage(doc, catalog, tables)
    return doc


def coverage(doc: dict, catalog: list[dict], tables: Tables) -> dict:
    """Entry-check coverage by SDM group: a check is exercised on a platform when one of its
    VIOLATE sweep cases ran there to a verdict (PASS, FAIL or XFAIL); untestable cases with why."""
    sweep = {m["id"]: m for m in catalog if m.get("sweep")}
    groups: dict = {}
    for c in tables.check_by_name.values():
        g = groups.setdefault(c["group"], {"section": tables.group_by_name.get(c["group"], {}).get("section"),
                                           "checks": 0, "exercised": set(), "by_platform": {}})
        g["checks"] += 1
    with_case = {m["check"] for m in sweep.values() if m["sweep"] == "violate"}
    cases_run, untestable = 0, []
    for r in doc["results"]:
        m = sweep.get(r["scenario"])
        if not m:
            continue
        if r["status"] in ("PASS", "FAIL", "XFAIL"):
            cases_run += 1
            if m["sweep"] == "violate":
                c = tables.check_by_name.get(m["check"])
                if c:
                    g = groups[c["group"]]
                    g["exercised"].add(m["check"])
                    g["by_platform"].setdefault(r["platform"], set()).add(m["check"])
        elif r["status"] == "SKIP":
            untestable.append({"case": r["scenario"], "platform": r["platform"], "reason": r["reason"]})
    out = {"checks": sum(g["checks"] for g in groups.values()),
           "checks_with_cases": len(with_case),
           "exercised": sum(len(g["exercised"]) for g in groups.values()),
           "cases": len(sweep), "cases_run": cases_run, "untestable": untestable, "groups": {}}
    for name, g in groups.items():
        out["groups"][name] = {"section": g["section"], "checks": g["checks"], "exercised": len(g["exercised"]),
                               "by_platform": {p: len(v) for p, v in sorted(g["by_platform"].items())}}
    return out


def save(doc: dict, reports: Path = REPORTS) -> Path:
    """results.json (latest) plus an append-only history entry; then the dashboard."""
    text = json.dumps(doc, indent=1, sort_keys=False)
    hist = reports / "history" / f"{doc['run_id']}.json"
    if hist.exists():
        raise FileExistsError(f"history entry {hist} exists: the history is append-only")
    try:
        atomic_write(hist, text)
        atomic_write(reports / "results.json", text)
    except OSError as exc:
        # Read-only, full, or a file in the way: never lose the results.
        alt = Path(tempfile.mkdtemp(prefix="vmxdiff-reports-"))
        hist = alt / "history" / hist.name
        atomic_write(hist, text)
        atomic_write(alt / "results.json", text)
        note_fallback(reports, alt, exc)
        reports = alt
    try:
        from harness import dashboard
        dashboard.render(reports)
    except Exception as exc:  # the results are saved; a dashboard bug must not lose them
        print(f"report: dashboard not rendered: {exc}", file=sys.stderr)
    return hist


def load_history(reports: Path = REPORTS) -> list[dict]:
    """All complete history entries, oldest first; unreadable files are skipped."""
    out = []
    for p in sorted((reports / "history").glob("*.json")):
        doc = read_history_file(p)
        if isinstance(doc, dict) and doc.get("schema") == SCHEMA:
            out.append(doc)
    out.sort(key=lambda d: str(d.get("date") or ""))
    return out


def read_history_file(path: Path):
    """One history file's JSON, or None with a warning on stderr that names the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        why = f"unreadable ({exc.strerror or exc})"
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        why = f"invalid JSON ({exc})"
    print(f"report: warning: skipped history file {path}: {why}", file=sys.stderr)
    return None


def main(argv: list[str]) -> int:
    """`make report`: rebuild reports/index.html from the history; boots nothing."""
    del argv
    try:
        from harness import dashboard
    except ImportError:
        print("report: error: harness/dashboard.py is missing", file=sys.stderr)
        return 4
    hist = load_history()
    if not hist:
        print(f"report: error: no history under {REPORTS / 'history'}; run `make check` first", file=sys.stderr)
        return 2
    path = dashboard.render(REPORTS)
    print(f"report: {path} ({len(hist)} runs)")
    return 0
