"""Boot a set of platforms (in parallel) with one selection and keep everything.

Each run gets reports/runs/<run-id>/<platform>/ with serial.log,
emulator.log, command.txt; nothing is ever overwritten.
"""
from __future__ import annotations

import datetime as _dt
import fnmatch
import json
import os
import signal
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import compare
from harness import iso as isomod
from harness import platforms as platmod
from harness.model import RunResult, RunStatus
from harness.runners import base
from harness.tables import DEFAULT_BUILD

from harness import report
from harness.report import REPORTS  # one place decides where output goes
DEFAULT_TIMEOUT = 60.0
_lock = threading.Lock()


class SelectionError(Exception):
    """A scenario pattern matches nothing in the catalog."""


def load_catalog(build: Path = DEFAULT_BUILD) -> list[dict]:
    path = build / "scenarios.json"
    try:
        return json.loads(path.read_text())["scenarios"]
    except FileNotFoundError as exc:
        raise SelectionError(f"{path} not found: run `make image` first") from exc
    except (OSError, ValueError, KeyError) as exc:
        raise SelectionError(f"{path} unreadable: {exc}") from exc


def resolve(selection: str | None, catalog: list[dict]) -> list[str]:
    """Scenario ids a comma-separated glob selection picks (same rule as the image)."""
    if not selection:
        return [s["id"] for s in catalog if not s["hidden"]]
    out = []
    for pat in selection.split(","):
        wild = any(c in pat for c in "*?")
        hits = [s["id"] for s in catalog if fnmatch.fnmatchcase(s["id"], pat) and (not s["hidden"] or not wild)]
        if not hits:
            raise SelectionError(f"scenario pattern {pat!r} matches nothing; `python3 -m harness list` shows the catalog")
        out += [h for h in hits if h not in out]
    return out


def param_keys(catalog: list[dict]) -> dict[str, dict[str, int | None]]:
    """{scenario id: {parameter key: default}} from the catalog's "params" rows.

    The image is the one source of the keys a scenario reads
    (build/scenarios.json, "params": [{"key": "count", "default": 10}]).  A
    catalog without that field declares no parameters, so every KEY=N is
    refused rather than silently ignored.
    """
    out: dict[str, dict[str, int | None]] = {}
    for s in catalog:
        rows = s.get("params") or []
        out[s["id"]] = {r["key"]: r.get("default") for r in rows if isinstance(r, dict) and r.get("key")}
    return out


def cmdline_for(ids: list[str] | None, params: dict, skip=()) -> str:
    """Boot command line: the selection and the parameters given, nothing else.

    A parameter not given takes the default the scenario declares in the image,
    which is the same default the catalog (build/scenarios.json "params") gives
    the expectations: one declaration, no second copy here.
    """
    p = dict(params)
    words = [] if ids is None else ["scenarios=" + ",".join(_patterns(ids))]
    words += [f"{k}={v}" for k, v in sorted(p.items())]
    if skip:
        words.append("skip=" + ",".join(skip))  # registered emulator crashes (harness/compare.py)
    line = " ".join(words)
    if len(line) >= CMDLINE_MAX:
        raise SelectionError(f"the selection makes a {len(line)}-character command line (the image takes "
                             f"{CMDLINE_MAX - 1}): select with fewer or broader patterns")
    return line


CMDLINE_MAX = 16384  # core/main.c cmdline[]


def _patterns(ids: list[str]) -> list[str]:
    """The selection as short globs the image expands itself: a prefix (cut at "_") whose every
    catalog member is selected becomes "prefix*" (hidden scenarios stay exact: a wildcard never
    picks them in the image either).  Same set, far shorter than hundreds of sweep-case ids."""
    try:
        catalog = [s["id"] for s in load_catalog() if not s["hidden"]]
    except SelectionError:
        return list(ids)
    want = set(ids)
    out, covered = [], set()
    for sid in ids:
        if sid in covered:
            continue
        pat = sid
        for i, ch in enumerate(sid):
            if ch != "_" or sid not in catalog:
                continue
            members = [c for c in catalog if c.startswith(sid[:i + 1])]
            if len(members) > 1 and all(m in want for m in members):
                pat = sid[:i + 1] + "*"
                covered.update(members)
                break
        covered.add(sid)
        out.append(pat)
    return out


def new_run_dir(tag: str = "") -> Path:
    """A fresh reports/runs/<stamp>-<pid>-<n>[-tag]/.

    Where reports/ cannot be written (read-only, full, a file in the way), the
    run goes to a new temporary folder instead: the results are kept, one
    line on stderr says where, and report.FALLBACKS records it (exit code 6).
    """
    try:
        return _new_dir(REPORTS / "runs", tag)
    except OSError as exc:
        alt = Path(tempfile.mkdtemp(prefix="vmxdiff-runs-"))
        report.note_fallback(REPORTS / "runs", alt, exc)
        return _new_dir(alt, tag)


def _new_dir(parent: Path, tag: str) -> Path:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    with _lock:
        for i in range(1000):
            d = parent / f"{stamp}-{os.getpid()}-{i}{('-' + tag) if tag else ''}"
            try:
                d.mkdir(parents=True)
                return d
            except FileExistsError:
                if not parent.is_dir():
                    raise
                continue
    raise OSError(f"cannot create a run directory under {parent}")


def install_signal_cleanup() -> None:
    """On SIGTERM/SIGHUP, kill every emulator we started, then exit."""
    def handler(signum, _frame):
        base.kill_all_live()
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(sig, handler)
        except ValueError:
            pass  # not the main thread


def run_platforms(names: list[str], ids: list[str] | None, params: dict, *, run_dir: Path | None = None,
                  timeout: float = DEFAULT_TIMEOUT, jobs: int = 2, build: Path = DEFAULT_BUILD) -> dict:
    """Boot each named platform once with the same selection.

    Args:
        names: platform names (harness.platforms).
        ids: scenario ids, or None for the default catalog.
        params: scenario parameters ("vmcall_loop.count": 100, ...).
    Returns:
        {platform name: RunResult}; never raises for a platform's failure.
    """
    run_dir = run_dir or new_run_dir()
    cmdline = cmdline_for(ids, params)
    elf32 = build / "vmxdiff.elf32"
    try:
        iso = isomod.cached_iso(elf32, build / "iso-cache", cmdline)
    except (isomod.IsoError, OSError) as exc:
        return {n: RunResult(platform=n, status=RunStatus.ERROR, reason=f"cannot make the ISO: {exc}",
                             run_dir=str(run_dir)) for n in names}

    def one(name: str) -> RunResult:
        pdir = run_dir / name
        pdir.mkdir(parents=True, exist_ok=True)
        skip = compare.crash_skips(name, ids)
        cmd, piso, pids, not_run = cmdline, iso, ids, []
        try:
            plat = platmod.get(name)
            if compare.sweep_not_run(name):
                cat = [m for m in load_catalog(build) if (m["id"] in ids if ids is not None else not m["hidden"])]
                not_run = [m["id"] for m in cat if m.get("sweep")]
                pids = [m["id"] for m in cat if not m.get("sweep")] if not_run else ids
            if skip or not_run:
                cmd = cmdline_for(pids, params, skip)
                piso = isomod.cached_iso(elf32, build / "iso-cache", cmd)
            res = plat.run(iso=piso, elf32=elf32, cmdline=cmd, run_dir=pdir, timeout=timeout)
        except Exception as exc:  # a runner bug must not lose the other platforms' results
            res = RunResult(platform=name, status=RunStatus.ERROR, reason=f"{type(exc).__name__}: {exc}",
                            run_dir=str(pdir))
        res.info = dict(res.info, cmdline=cmd, selected=ids, excluded=skip, sweeps_not_run=not_run,
                        sweeps_not_run_reason=compare.sweep_not_run(name) if not_run else None)
        return res

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    futures: dict = {}
    try:
        futures = {n: pool.submit(one, n) for n in names}
        results = {n: f.result() for n, f in futures.items()}
    except BaseException:
        # Ctrl-C or SIGTERM: stop the emulators first, so no worker waits on one.
        # A worker may be spawning one right now (not yet in LIVE): keep killing
        # until every running worker has returned.
        base.kill_all_live()
        pool.shutdown(wait=False, cancel_futures=True)
        while any(not f.done() for f in futures.values()):
            base.kill_all_live()
            time.sleep(0.05)
        base.kill_all_live()
        raise
    pool.shutdown()
    return results
