"""Results JSON (schema-versioned), the run history, and `make report`.

Every write goes to a temporary file in the same folder and is renamed into
place, so a run killed at any moment (kill -9 included) leaves the history
and every earlier report intact.  The history is append-only: one file per
run under reports/history/, never rewritten.
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import bochslog, caps, compare, evaluate
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
    return _rel_to(str(p), str(REPORTS))


@functools.lru_cache(maxsize=1 << 16)  # a report names each log many times: resolve() each once
def _rel_to(p: str, reports: str) -> str:
    try:
        return str(Path(p).resolve().relative_to(Path(reports).resolve()))
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
                  params: dict | None = None, run_id: str | None = None, shard: dict | None = None) -> dict:
    """The results document for one `make check` (or `make run`).

    shard: {"index": K, "count": N, "set": key, ...} for one shard of a sharded run
    (`harness run --shard K/N`); `make report` merges the shards of one set (merge_shards).
    Each sweep case's row carries its check and the check's group, so the coverage of merged
    shards is computed from the documents alone (coverage_of_rows)."""
    now = _dt.datetime.now(_dt.timezone.utc)
    run_id = run_id or now.strftime("%Y%m%dT%H%M%S.%f") + f"-{os.getpid()}"
    metas = [m for m in catalog if not m["hidden"]]
    doc = {"schema": SCHEMA, "run_id": run_id, "commit": git_commit(), "date": now.isoformat(timespec="microseconds"),
           "host": socket.gethostname(), "tables": tables.hash, "platforms": {}, "results": [], "pairs": [],
           "capability_diffs": []}
    if shard is not None:
        doc["shard"] = dict(shard)
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
            "controls": caps.control_coverage(tr, tables) if tr and tr.caps and not tr.novmx else {},
            "serial": _rel(run.serial_path) if run.serial_path else None,
            "logs": {k: _rel(p) for k, p in run.log_paths.items()},
        }
        if run.info.get("snapshot") is not None:  # KVM-on-Bochs: restored from its snapshot or booted in full
            doc["platforms"][name]["snapshot"] = run.info["snapshot"]
        selected = run.info.get("selected")
        for meta in metas:
            if selected is not None and meta["id"] not in selected:
                continue  # not booted in this run
            v = evaluate.scenario_verdict(run, meta, tables, params)
            st = tr.scenarios.get(meta["id"]) if tr else None
            doc["results"].append({
                "scenario": meta["id"], "platform": name, "status": v.status.value, "reason": v.reason,
                "known_divergence": v.known or None, "exits": v.exits,
                "exit_reasons": sorted({tables.exit_name(e.reason) for e in (st.exits if st else [])}),
                "divergences": [_div(d) for d in v.divergences],
                "run_duration_s": round(run.duration_s, 3),
                "trace_line": st.begin_line if st else None,
                "excerpt": _excerpt(run, meta["id"]),
                "bochs_reasons": bochslog.reasons_for(run, meta["id"]),
                "vmcs": [[tables.field_group(e), tables.field_name(e), hex(val)] for e, val in (st.vmcs if st else [])],
                "serial": _rel(run.serial_path) if run.serial_path else None,
                "logs": {k: _rel(p) for k, p in run.log_paths.items()},
            })
            if meta.get("sweep"):
                c = tables.check_by_name.get(meta.get("check") or "")
                doc["results"][-1].update(sweep=meta["sweep"], check=meta.get("check"),
                                          check_group=c["group"] if c else None)
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
    doc["exit_reasons"] = exit_reason_table(doc["results"], [e["name"] for e in
                                                             sorted(tables.exit_by_number.values(),
                                                                    key=lambda e: e["number"])])
    return doc


def exit_reason_table(rows: list[dict], reasons: list[str]) -> dict:
    """Per basic exit reason (exit_reasons.def order): on which platforms a scenario's trace
    showed it, in how many scenarios, with which verdicts, and the divergences of those
    scenarios.  Rows of merged shards work the same (each row carries "exit_reasons")."""
    table = {name: {"platforms": {}, "divergent": []} for name in reasons}
    for r in rows:
        for name in r.get("exit_reasons") or ():
            entry = table.setdefault(name, {"platforms": {}, "divergent": []})
            per = entry["platforms"].setdefault(r["platform"], {"scenarios": 0, "statuses": {}})
            per["scenarios"] += 1
            per["statuses"][r["status"]] = per["statuses"].get(r["status"], 0) + 1
            if r.get("divergences"):
                entry["divergent"].append({"scenario": r["scenario"], "platform": r["platform"],
                                           "status": r["status"], "known": bool(r.get("known_divergence"))})
    exercised = {n for n, e in table.items() if e["platforms"]}
    by_platform: dict = {}
    for n, e in table.items():
        for plat in e["platforms"]:
            by_platform[plat] = by_platform.get(plat, 0) + 1
    return {"reasons": table, "exercised": len(exercised), "total": len(reasons), "by_platform": by_platform,
            "missing": [n for n in reasons if n not in exercised]}


def coverage(doc: dict, catalog: list[dict], tables: Tables) -> dict:
    """Entry-check coverage by SDM group: a check is exercised on a platform when one of its
    VIOLATE sweep cases ran there to a verdict (PASS, FAIL or XFAIL); untestable cases with why."""
    sweep = {m["id"]: m for m in catalog if m.get("sweep")}
    groups = {}
    for c in tables.check_by_name.values():
        g = groups.setdefault(c["group"], {"section": tables.group_by_name.get(c["group"], {}).get("section"),
                                           "checks": 0})
        g["checks"] += 1
    check_group = {name: c["group"] for name, c in tables.check_by_name.items()}
    with_case = {m["check"] for m in sweep.values() if m["sweep"] == "violate"}
    cases = {sid: (m["sweep"], m.get("check")) for sid, m in sweep.items()}
    return coverage_of_rows(doc["results"], cases, check_group, groups, len(with_case), len(sweep))


def coverage_of_rows(rows: list[dict], cases: dict, check_group: dict, groups: dict,
                     checks_with_cases: int, n_cases: int) -> dict:
    """The coverage document of result rows.  cases: {case id: (sweep kind, check)};
    check_group: {check: group}; groups: {group: {"section", "checks"}} (every group)."""
    work = {name: {"section": g.get("section"), "checks": g.get("checks", 0), "exercised": set(),
                   "by_platform": {}} for name, g in groups.items()}
    cases_run, untestable = 0, []
    for r in rows:
        m = cases.get(r["scenario"])
        if not m:
            continue
        kind, check = m
        if r["status"] in ("PASS", "FAIL", "XFAIL"):
            cases_run += 1
            grp = check_group.get(check)
            if kind == "violate" and grp in work:
                g = work[grp]
                g["exercised"].add(check)
                g["by_platform"].setdefault(r["platform"], set()).add(check)
        elif r["status"] == "SKIP":
            untestable.append({"case": r["scenario"], "platform": r["platform"], "reason": r["reason"]})
    out = {"checks": sum(g["checks"] for g in work.values()),
           "checks_with_cases": checks_with_cases,
           "exercised": sum(len(g["exercised"]) for g in work.values()),
           "cases": n_cases, "cases_run": cases_run, "untestable": untestable, "groups": {}}
    for name, g in work.items():
        out["groups"][name] = {"section": g["section"], "checks": g["checks"], "exercised": len(g["exercised"]),
                               "by_platform": {p: len(v) for p, v in sorted(g["by_platform"].items())}}
    return out


# --------------------------------------------------------------------------- shards: merging

CONFLICT = "CONFLICT"  # a scenario two shard documents report with different verdicts
INCOMPLETE = "INCOMPLETE"  # a platform of a shard set with shards missing


def shard_set_key(commit: str, tables_hash: str, ids: list[str], params: dict, count: int) -> str:
    """The default name of a shard set: shards with the same commit, tables, whole selection,
    parameters and N belong together (`--shard-set NAME` names one explicitly)."""
    import hashlib
    blob = json.dumps([commit, tables_hash, sorted(ids), sorted(params.items()), count])
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _verdict_key(r: dict) -> str:
    divs = sorted(str(d.get("message")) if isinstance(d, dict) else str(d) for d in (r.get("divergences") or []))
    return json.dumps([r.get("status"), r.get("known_divergence"), divs])


def _shard_of(doc: dict) -> dict:
    sh = doc.get("shard")
    return sh if isinstance(sh, dict) else {}


def _member_tag(doc: dict) -> str:
    sh = _shard_of(doc)
    return f"shard {sh.get('index')}/{sh.get('count')} (run {doc.get('run_id')} on {doc.get('host')})"


def _merge_rows(docs: list[dict], field: str, key) -> tuple[list[dict], list[dict]]:
    """Union of the documents' rows; rows with one key and different verdicts become CONFLICT."""
    seen: dict = {}
    order: list = []
    for doc in docs:
        for r in doc.get(field) or []:
            if not isinstance(r, dict):
                continue
            k = key(r)
            row = dict(r, shard=_shard_of(doc).get("index"))
            if k not in seen:
                seen[k] = {"row": row, "by": [(doc, r)]}
                order.append(k)
            else:
                seen[k]["by"].append((doc, r))
    rows, conflicts = [], []
    for k in order:
        entry = seen[k]
        row, by = entry["row"], entry["by"]
        if len({_verdict_key(r) for _, r in by}) > 1:
            votes = [{"run_id": d.get("run_id"), "shard": _shard_of(d).get("index"), "host": d.get("host"),
                      "status": r.get("status"), "reason": r.get("reason")} for d, r in by]
            row = dict(row, status=CONFLICT, conflict=votes, divergences=[],
                       reason="shards disagree: " + "; ".join(
                           f"{_member_tag(d)}: {r.get('status')}" + (f" ({r.get('reason')})" if r.get("reason") else "")
                           for d, r in by))
            conflicts.append({"key": list(k), "votes": votes})
        elif len(by) > 1:
            row = dict(row, reported_by=[_shard_of(d).get("index") for d, _ in by])
        rows.append(row)
    return rows, conflicts


def merge(docs: list[dict]) -> dict:
    """One results document from the documents of one shard set (or any documents given together).

    Per platform the union of the shards' scenarios; a scenario (or pair) reported twice with
    different verdicts is CONFLICT, with every shard's verdict; the shards missing for each
    platform are named ("shards"."missing") and such a platform's run status is INCOMPLETE, never
    COMPLETE; the coverage is computed over the merged rows."""
    docs = sorted(docs, key=lambda d: (_shard_of(d).get("index") or 0, str(d.get("date") or "")))
    shards = [_shard_of(d) for d in docs]
    counts = sorted({sh.get("count") for sh in shards if isinstance(sh.get("count"), int)})
    count = counts[-1] if counts else None
    sets = sorted({str(sh.get("set")) for sh in shards if sh.get("set") is not None})

    def joined(key):
        vals = list(dict.fromkeys(str(d.get(key)) for d in docs if d.get(key) is not None))
        return ", ".join(vals)
    out = {"schema": SCHEMA, "run_id": "shards-" + "+".join(sets or ["adhoc"]), "commit": joined("commit"),
           "date": max((str(d.get("date") or "") for d in docs), default=""), "host": joined("host"),
           "tables": joined("tables"), "platforms": {}}
    present: dict = {}
    plat_conflicts = []
    for d, sh in zip(docs, shards):
        for name, p in (d.get("platforms") or {}).items():
            if not isinstance(p, dict):
                continue
            present.setdefault(name, set()).add(sh.get("index"))
            cur = out["platforms"].get(name)
            runs = dict(status=p.get("status"), reason=p.get("reason"), duration_s=p.get("duration_s"),
                        run_id=d.get("run_id"), host=d.get("host"), serial=p.get("serial"), logs=p.get("logs"))
            if cur is None:
                out["platforms"][name] = dict(p, shard_runs={str(sh.get("index")): runs})
                continue
            cur["shard_runs"][str(sh.get("index"))] = runs
            for k in ("version", "cpu_model", "fingerprint"):
                if p.get(k) and cur.get(k) and p.get(k) != cur.get(k):
                    plat_conflicts.append({"platform": name, "field": k, "first": cur.get(k),
                                           "shard": sh.get("index"), "value": p.get(k)})
            if not cur.get("fingerprint") and p.get("fingerprint"):  # a shard that did not boot it has none
                cur.update({k: p.get(k) for k in ("fingerprint", "vmx", "novmx", "version", "serial", "logs")})
            if isinstance(p.get("duration_s"), (int, float)) and isinstance(cur.get("duration_s"), (int, float)):
                cur["duration_s"] = round(cur["duration_s"] + p["duration_s"], 3)
    missing = {}
    for name, p in out["platforms"].items():
        want = set(range(1, count + 1)) if count else set()
        lost = sorted(want - present.get(name, set()))
        if lost:
            missing[name] = lost
        bad = [r for r in p["shard_runs"].values() if r.get("status") not in ("COMPLETE", None)]
        shards_txt = ", ".join(f"{i}/{count}" for i in sorted(int(i) for i in p["shard_runs"] if str(i).isdigit()))
        if bad:
            p["status"], p["reason"] = bad[0]["status"], "; ".join(
                f"shard {i}/{count}: {r.get('status')} {r.get('reason') or ''}".strip()
                for i, r in p["shard_runs"].items() if r.get("status") != "COMPLETE")
        elif lost:
            p["status"] = INCOMPLETE
            p["reason"] = (f"shards missing: {', '.join(f'{i}/{count}' for i in lost)} "
                           f"(present: {shards_txt or 'none'})")
        else:
            p["status"], p["reason"] = "COMPLETE", f"merged from shards {shards_txt}"
    out["results"], conflicts = _merge_rows(docs, "results", lambda r: (r.get("scenario"), r.get("platform")))
    out["pairs"], pair_conflicts = _merge_rows(docs, "pairs",
                                               lambda r: (r.get("scenario"), r.get("left"), r.get("right")))
    caps: dict = {}
    for d in docs:
        for c in d.get("capability_diffs") or []:
            if isinstance(c, dict):
                caps.setdefault((c.get("left"), c.get("right")), c)
    out["capability_diffs"] = list(caps.values())
    out["coverage"] = merged_coverage(out["results"], docs)
    names = next((list(_dict_or_empty(d.get("exit_reasons")).get("reasons", {})) for d in docs
                  if isinstance(d.get("exit_reasons"), dict)), [])
    out["exit_reasons"] = exit_reason_table(out["results"], names)
    indices = sorted({sh.get("index") for sh in shards if isinstance(sh.get("index"), int)})
    missing_any = sorted(set(range(1, (count or 0) + 1)) - set(indices))
    out["shards"] = {
        "set": "+".join(sets) if sets else None, "count": count, "counts_seen": counts,
        "members": [{"run_id": d.get("run_id"), "index": sh.get("index"), "count": sh.get("count"),
                     "host": d.get("host"), "date": d.get("date"), "commit": d.get("commit"),
                     "platforms": sorted(d.get("platforms") or {})} for d, sh in zip(docs, shards)],
        "present": indices, "missing": missing_any, "missing_by_platform": missing,
        "complete": not missing and not missing_any and len(counts) <= 1 and len(sets) <= 1,
        "conflicts": len(conflicts) + len(pair_conflicts) + len(plat_conflicts),
        "platform_conflicts": plat_conflicts,
    }
    problems = []
    if missing_any:
        problems.append(f"shards missing: {', '.join(f'{i}/{count}' for i in missing_any)}")
    for name, lost in sorted(missing.items()):
        if lost != missing_any:
            problems.append(f"{name}: shards missing: {', '.join(f'{i}/{count}' for i in lost)}")
    if len(counts) > 1:
        problems.append(f"documents of different shard counts merged: N = {', '.join(map(str, counts))}")
    if len(sets) > 1:
        problems.append(f"documents of different shard sets merged: {', '.join(sets)}")
    n_conf = len(conflicts) + len(pair_conflicts)
    if n_conf:
        problems.append(f"{n_conf} conflicting verdict(s) between shards")
    for c in plat_conflicts:
        problems.append(f"{c['platform']}: {c['field']} differs between shards")
    out["shards"]["problems"] = problems
    out["incomplete"] = not out["shards"]["complete"]
    return out


def _dict_or_empty(v) -> dict:
    return v if isinstance(v, dict) else {}


def merged_coverage(rows: list[dict], docs: list[dict]) -> dict:
    """Coverage over merged rows, from the documents alone: each sweep row names its check and
    the check's group (build_results), and every document's coverage names every group."""
    groups: dict = {}
    with_case, n_cases = 0, 0
    for d in docs:
        cov = d.get("coverage") if isinstance(d.get("coverage"), dict) else {}
        for name, g in (cov.get("groups") or {}).items():
            if isinstance(g, dict):
                groups.setdefault(name, {"section": g.get("section"), "checks": g.get("checks", 0)})
        with_case = max(with_case, cov.get("checks_with_cases") or 0)
        n_cases = max(n_cases, cov.get("cases") or 0)
    cases, check_group = {}, {}
    for r in rows:
        if r.get("sweep"):
            cases[r["scenario"]] = (r["sweep"], r.get("check"))
            if r.get("check") and r.get("check_group"):
                check_group[r["check"]] = r["check_group"]
    return coverage_of_rows(rows, cases, check_group, groups, with_case, n_cases)


def merge_shards(docs: list[dict]) -> list[dict]:
    """The documents with each shard set (same "shard"."set") replaced by its merged document,
    placed where its newest member was; documents of no shard set are returned as they are."""
    groups: dict = {}
    for d in docs:
        sh = _shard_of(d)
        if sh.get("set") is not None:
            groups.setdefault(str(sh["set"]), []).append(d)
    out, done = [], set()
    newest = {k: v[-1] for k, v in groups.items()}  # docs come oldest first
    for d in docs:
        key = str(_shard_of(d).get("set")) if _shard_of(d).get("set") is not None else None
        if key is None:
            out.append(d)
        elif d is newest[key] and key not in done:
            out.append(merge(groups[key]))
            done.add(key)
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


def load_paths(paths: list[str]) -> list[dict]:
    """Results documents from the given files, and from the *.json files of given folders (a
    reports/ folder: its history/); unreadable ones are skipped with a warning."""
    files: list[Path] = []
    for text in paths:
        p = Path(text)
        if p.is_dir():
            sub = p / "history" if (p / "history").is_dir() else p
            files += sorted(sub.glob("*.json"))
        elif p.exists():
            files.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    docs, seen = [], set()
    for f in files:
        doc = read_history_file(f)
        if isinstance(doc, dict) and doc.get("schema") == SCHEMA:
            key = json.dumps([doc.get("run_id"), doc.get("date")])
            if key not in seen:  # results.json beside its own history entry
                seen.add(key)
                docs.append(doc)
        elif doc is not None:
            print(f"report: warning: skipped {f}: not a {SCHEMA} document", file=sys.stderr)
    docs.sort(key=lambda d: str(d.get("date") or ""))
    return docs


def main(argv: list[str]) -> int:
    """`make report`: rebuild reports/index.html from the history (or from the given results
    files and folders); boots nothing.  The shards of one sharded run are merged into one run;
    when the newest run is such a merge, reports/results.json becomes the merged document.
    Exit 0; 1 when the newest run is a shard set with missing shards or conflicting verdicts;
    2 when there is nothing to report."""
    from harness.cli import OneLineParser
    ap = OneLineParser(prog="python3 -m harness report")
    ap.add_argument("paths", nargs="*", help="results/history JSON files or folders to merge "
                                             "(default: reports/history/)")
    args = ap.parse_args(argv)
    try:
        from harness import dashboard
    except ImportError:
        print("report: error: harness/dashboard.py is missing", file=sys.stderr)
        return 4
    try:
        hist = load_paths(args.paths) if args.paths else load_history(REPORTS)
    except FileNotFoundError as exc:
        print(f"report: error: {exc}", file=sys.stderr)
        return 2
    if not hist:
        where = ", ".join(args.paths) if args.paths else REPORTS / "history"
        print(f"report: error: no results under {where}; run `make check` first", file=sys.stderr)
        return 2
    runs = merge_shards(hist)
    latest = runs[-1]
    path = dashboard.render(REPORTS, docs=hist if args.paths else None)
    rc = 0
    if "shards" in latest:
        sh = latest["shards"]
        atomic_write(REPORTS / "results.json", json.dumps(latest, indent=1))
        state = "complete" if sh["complete"] else "INCOMPLETE"
        print(f"report: shard set {sh['set']}: {len(sh['members'])} document(s), shards "
              f"{', '.join(str(i) for i in sh['present'])} of {sh['count']}: "
              f"{state}; merged results: {REPORTS / 'results.json'}")
        for line in sh["problems"]:
            print(f"report: warning: {line}", file=sys.stderr)
        if sh["problems"]:
            rc = 1
    print(f"report: {path} ({len(runs)} runs)")
    return rc
