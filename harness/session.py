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
import sys
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


# --------------------------------------------------------------------------- shards

def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` -> (K, N) with 1 <= K <= N, whole ASCII numbers.

    Raises:
        ValueError: with a one-line message naming what is wrong.
    """
    k, sep, n = text.partition("/")
    if not sep or not (k.isascii() and k.isdigit() and n.isascii() and n.isdigit()):
        raise ValueError(f"expected K/N (two whole numbers, shard K of N), got {text!r}")
    ki, ni = int(k), int(n)
    if ni < 1:
        raise ValueError(f"shard count N must be at least 1, got {text!r}")
    if not 1 <= ki <= ni:
        raise ValueError(f"shard K must be between 1 and N={ni}, got {text!r}")
    return ki, ni


def shard_split(ids: list[str], catalog: list[dict], count: int) -> list[list[str]]:
    """The selection cut into ``count`` disjoint parts that together are the selection.

    Deterministic: it depends only on the set of selected ids, the catalog's sweep flags and
    ``count`` (never on order of the selection, host, time or hash seed).  The non-sweep
    scenarios, sorted by id, come first, then the sweep cases sorted by id; the list is cut into
    ``count`` contiguous parts whose sizes differ by at most one (the first ``len % count`` parts
    take one more).  So the non-sweep scenarios stay together in shard 1 while one part holds them
    all (N <= selected / non-sweep: 12 for a catalog of 816 with 67 non-sweep scenarios): a platform
    that does not run the sweep (compare.SWEEP_NOT_RUN) is booted in shard 1 only, and every pair of
    platforms compares each scenario inside one shard.  Contiguous sorted ids also keep the boot
    command line short (whole families become one glob, see _patterns).
    """
    if count < 1:
        raise ValueError(f"shard count must be at least 1, got {count}")
    sweep = {m["id"] for m in catalog if m.get("sweep")}
    uniq = sorted(set(ids))
    order = [i for i in uniq if i not in sweep] + [i for i in uniq if i in sweep]
    size, extra = divmod(len(order), count)
    parts, at = [], 0
    for k in range(count):
        n = size + (1 if k < extra else 0)
        parts.append(order[at:at + n])
        at += n
    return parts


# --------------------------------------------------------------------------- progress

PROGRESS_ENV = "VMXDIFF_PROGRESS_S"  # seconds between progress lines (default 5; 0 turns them off)
_END = b"@VT 2 END "
_REC = b"@VT "


class Progress(threading.Thread):
    """Progress of one boot from its growing serial file, one line on stderr every few seconds:
    ``[platform  12.0s] case 312 of 778 (40%), 38.2 cases/s, 2,950 records/s, ETA 12 s``.

    It reads only what the emulator appended since the last look (complete lines), so its cost
    does not grow with the trace.  Off under VMXDIFF_QUIET or with VMXDIFF_PROGRESS_S=0.
    ``serial``: the trace file, or a function that returns it (asked at every poll: a runner may
    create its trace file after the watcher starts).
    """

    READ_MAX = 8 << 20  # bytes read per poll at most

    def __init__(self, name: str, serial: Path, total: int, every: float = 5.0, stream=None,
                 elf: Path | None = None):
        super().__init__(name=f"vmxdiff-progress-{name}", daemon=True)
        self.elf = elf  # the image: a binary trace (the Bochs disk) is decoded with its strings
        self.decoder = None
        self.plat, self.serial, self.total, self.every = name, serial, total, every
        self.stream = stream if stream is not None else sys.stderr
        self.stop_event = threading.Event()
        self.start_t = time.monotonic()
        self.offset, self.tail = 0, b""
        self.cases = self.records = 0
        # (time, cases, records) at the first poll that saw a record: rates are measured from there.
        self.base: tuple[float, int, int] | None = None
        self.changed_t = self.start_t  # when the case count last rose

    def poll(self) -> None:
        """Count the END records and all records appended since the last poll.

        The trace file is serial.log, or (the Bochs disk channel) the run's trace disk: a sparse
        file whose trace bytes end at the first NUL, so a read stops there and at READ_MAX."""
        path = self.serial() if callable(self.serial) else self.serial
        try:
            with open(path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read(self.READ_MAX)
        except OSError:
            return
        if self.offset == 0 and self.decoder is None and self.elf is not None:
            from harness import tracebin
            try:
                if tracebin.is_binary(chunk):
                    self.decoder = tracebin.Decoder(self.elf)
            except (OSError, ValueError):
                self.elf = None
        if self.decoder is not None:  # a binary trace: count the records of its text
            text = self.decoder.feed(chunk, live=True)
            self.offset = self.decoder.pos + len(self.decoder.buf)
            chunk = text
        else:
            cut = chunk.find(b"\0")
            if cut >= 0:
                chunk = chunk[:cut]
            self.offset += len(chunk)
        data = self.tail + chunk
        cut = data.rfind(b"\n") + 1
        done, self.tail = data[:cut], data[cut:]
        self.records += done.count(_REC)
        ends = done.count(_END)
        if ends:
            self.cases += ends
            self.changed_t = time.monotonic()
        if self.records and self.base is None:
            self.base = (time.monotonic(), self.cases, self.records)

    def line(self) -> str:
        now = time.monotonic()
        head = f"[{self.plat:26} {now - self.start_t:6.1f}s]"
        if self.base is None:
            return f"{head} booting: no trace record yet"
        pct = f" ({100 * min(self.cases, self.total) // self.total}%)" if self.total else ""
        t0, c0, r0 = self.base
        dt = now - t0
        if dt < 0.5:  # the first records just arrived: no rate yet
            return f"{head} case {self.cases} of {self.total}{pct}, trace started"
        rate = (self.cases - c0) / dt
        left = max(0, self.total - self.cases)
        eta = f"ETA {left / rate:.0f} s" if rate > 0 else "ETA ?"
        idle = now - self.changed_t
        stall = f"; no case ended for {idle:.0f} s" if idle >= 10 and left else ""
        return (f"{head} case {self.cases} of {self.total}{pct}, {rate:.1f} cases/s, "
                f"{(self.records - r0) / dt:,.0f} records/s, {eta}{stall}")

    def run(self) -> None:
        while not self.stop_event.wait(self.every):
            self.poll()
            try:
                self.stream.write(self.line() + "\n")
                self.stream.flush()
            except (OSError, ValueError):
                return

    def stop(self) -> None:
        self.stop_event.set()


def progress_interval() -> float:
    """Seconds between progress lines; 0 when they are off (VMXDIFF_QUIET, VMXDIFF_PROGRESS_S=0)."""
    if os.environ.get("VMXDIFF_QUIET"):
        return 0.0
    try:
        v = float(os.environ.get(PROGRESS_ENV, "5"))
    except ValueError:
        return 5.0
    return v if v > 0 and v == v and v != float("inf") else 0.0


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


def smp_split(ids: list[str] | None, build: Path, skip=()) -> tuple[list[str], list[str], int]:
    """(single-CPU ids, ids of scenarios on more than one CPU, the most CPUs one needs) of a
    selection (None: the default catalog); the catalog's "cpus" (core/include/scenario.h)."""
    try:
        cat = load_catalog(build)
    except SelectionError:
        return list(ids or []), [], 1
    chosen = [m for m in cat if (m["id"] in ids if ids is not None else not m["hidden"]) and m["id"] not in skip]
    smp = [m for m in chosen if int(m.get("cpus") or 1) > 1]
    return ([m["id"] for m in chosen if m not in smp], [m["id"] for m in smp],
            max([int(m["cpus"]) for m in smp], default=1))


def own_boots(ids: list[str] | None, build: Path, skip=()) -> tuple[list[str], list[tuple[list[str], int]]]:
    """For a runner that boots scenarios separately (runners/bochs.py separate_smp_boot): the
    ids of the catalog's boot, and the other boots as (ids, CPUs): one for every scenario on
    more than one CPU, and one for each scenario declared .alone (core/include/scenario.h)."""
    main, smp, cpus = smp_split(ids, build, skip)
    try:
        alone = {m["id"] for m in load_catalog(build) if m.get("alone")}
    except SelectionError:
        alone = set()
    boots = [([i], 1) for i in main if i in alone]
    return [i for i in main if i not in alone], ([(smp, cpus)] if smp else []) + boots


def merge_own_boot(res: RunResult, sres: RunResult, ids: list[str], scmd: str) -> RunResult:
    """A boot of some scenarios of their own folded into the platform's result: their scenario
    traces, and that boot's status, reason and paths appended to info["own_boots"].  A scenario
    of that boot that did not end is judged with that boot's status (harness/evaluate.py:
    scenario_run)."""
    info = {"status": sres.status.value, "reason": sres.reason, "run_dir": sres.run_dir,
            "serial": sres.serial_path, "cmdline": scmd, "scenarios": ids,
            "cpus": sres.info.get("cpus") or 1, "duration_s": sres.duration_s}
    res.info = dict(res.info, own_boots=list(res.info.get("own_boots") or []) + [info])
    if sres.trace is not None and res.trace is not None:
        for sid, st in sres.trace.scenarios.items():  # in the order that boot ran them
            if sid in ids:
                res.trace.scenarios[sid] = st
        res.trace.errors += [f"{sres.run_dir}: {e}" for e in sres.trace.errors]
    return res


def _live(plat, run_dir: Path):
    """What a progress watcher reads: the runner's growing trace file where it has its own
    (runners/bochs.py: the trace disk, created once the run starts), else serial.log."""
    live = getattr(plat, "live_trace", None)
    return (lambda: live(run_dir)) if live else run_dir / "serial.log"


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
                  timeout: float = DEFAULT_TIMEOUT, jobs: int = 2, build: Path = DEFAULT_BUILD,
                  shard: dict | None = None, progress: bool = False) -> dict:
    """Boot each named platform once with the same selection.

    Args:
        names: platform names (harness.platforms).
        ids: scenario ids, or None for the default catalog.
        params: scenario parameters ("vmcall_loop.count": 100, ...).
        shard: {"index": K, "count": N, ...} when ids is one shard of a larger selection: it is
            recorded in each result's info, and a platform left with nothing to boot in this
            shard (its part holds only sweep cases it does not run) is not booted.
        progress: print progress lines on stderr while each platform runs (the CLI does;
            pytest and bench do not).
    Returns:
        {platform name: RunResult}; never raises for a platform's failure.
    """
    run_dir = run_dir or new_run_dir()
    cmdline = cmdline_for(ids, params)
    elf32 = build / "vmxdiff.elf32"

    def iso_for(plat, line: str) -> Path | None:
        """GRUB's ISO for a platform that boots one (needs_iso); the others make their own medium."""
        return isomod.cached_iso(elf32, build / "iso-cache", line) if getattr(plat, "needs_iso", False) else None

    def one(name: str) -> RunResult:
        pdir = run_dir / name
        pdir.mkdir(parents=True, exist_ok=True)
        skip = compare.crash_skips(name, ids)
        cmd, pids, not_run = cmdline, ids, []
        try:
            plat = platmod.get(name)
            if compare.sweep_not_run(name):
                cat = [m for m in load_catalog(build) if (m["id"] in ids if ids is not None else not m["hidden"])]
                not_run = [m["id"] for m in cat if m.get("sweep")]
                pids = [m["id"] for m in cat if not m.get("sweep")] if not_run else ids
            if shard is not None and not_run and not pids:
                res = RunResult(platform=name, status=RunStatus.COMPLETE, run_dir=str(pdir),
                                reason=f"not booted: shard {shard['index']}/{shard['count']} holds only sweep "
                                       f"cases, which {name} does not run")
                res.info = dict(plat.info() if hasattr(plat, "info") else {}, not_booted=True)
            else:
                main_ids, smp_ids, cpus = smp_split(pids, build, skip)
                separate = getattr(plat, "separate_smp_boot", False)
                boots: list = []
                if separate:  # scenarios on several CPUs and .alone ones boot on their own (runners/bochs.py)
                    main_ids, boots = own_boots(pids, build, skip)
                boot_skip = list(skip) + [i for b, _ in boots for i in b if i not in skip]
                if boot_skip or not_run:
                    cmd = cmdline_for(pids, params, boot_skip)
                every = progress_interval() if progress else 0.0
                if boots and not main_ids:
                    res = None
                else:
                    watcher = None
                    if every:
                        n = len(main_ids)
                        watcher = Progress(name, _live(plat, pdir), max(0, n - len(skip)), every, elf=elf32)
                        watcher.start()
                    try:
                        res = plat.run(iso=iso_for(plat, cmd), elf32=elf32, cmdline=cmd, run_dir=pdir, timeout=timeout,
                                       **({"cpus": cpus} if smp_ids and not separate else {}))
                    finally:
                        if watcher is not None:
                            watcher.stop()
                for bids, bcpus in boots:
                    sdir = pdir if res is None else pdir / (f"cpus{bcpus}" if bcpus > 1 else f"alone-{bids[0]}")
                    sdir.mkdir(parents=True, exist_ok=True)
                    scmd = cmdline_for(bids, params)
                    watcher = Progress(name, _live(plat, sdir), len(bids), every) if every else None
                    if watcher is not None:
                        watcher.start()
                    try:
                        sres = plat.run(iso=iso_for(plat, scmd), elf32=elf32, cmdline=scmd, run_dir=sdir, timeout=timeout,
                                        **({"cpus": bcpus} if bcpus > 1 else {}))
                    finally:
                        if watcher is not None:
                            watcher.stop()
                    res = sres if res is None else merge_own_boot(res, sres, bids, scmd)
        except isomod.IsoError as exc:
            res = RunResult(platform=name, status=RunStatus.ERROR, reason=f"cannot make the ISO: {exc}",
                            run_dir=str(pdir))
        except Exception as exc:  # a runner bug must not lose the other platforms' results
            res = RunResult(platform=name, status=RunStatus.ERROR, reason=f"{type(exc).__name__}: {exc}",
                            run_dir=str(pdir))
        res.info = dict(res.info, cmdline=cmd, selected=ids, excluded=skip, sweeps_not_run=not_run,
                        sweeps_not_run_reason=compare.sweep_not_run(name) if not_run else None)
        if shard is not None:
            res.info["shard"] = dict(shard)
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
