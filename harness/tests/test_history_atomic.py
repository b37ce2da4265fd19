"""A run killed at any moment (SIGKILL) never corrupts the history or an earlier report.

A child process saves large results documents in a loop (report.save: a history
entry, results.json, then the dashboard); it is killed after a random delay,
several times over the same reports folder.  After each kill every history file
and results.json parse with the schema, files written before are byte-for-byte
unchanged, and temporary leftovers are never read as history.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import report

REPO = Path(__file__).resolve().parents[2]
KILLS = 8

CHILD = r"""
import sys, time
from pathlib import Path
from harness import report

reports, prefix = Path(sys.argv[1]), sys.argv[2]
filler = "@VT 1 EXIT seq=%d insn=VMRESUME reason=18 name=VMCALL qual=0x0 len=3 rip=0x1031f3 next_rip=0x1031f6"
print("ready", flush=True)
i = 0
while True:
    results = [{"scenario": f"s{k}", "platform": "bochs27-skylake_x", "status": "PASS" if (i + k) % 7 else "FAIL",
                "reason": "", "divergences": [], "excerpt": [filler % (i * 100000 + k * 12 + j) for j in range(12)],
                "bochs_reasons": [], "vmcs": [["guest", f"F{j}", hex(i + j)] for j in range(20)]}
               for k in range(400)]
    doc = {"schema": report.SCHEMA, "run_id": f"{prefix}-{i:04d}", "commit": "c%d" % i, "host": "child",
           "date": "2026-01-01T00:00:00+00:00", "results": results, "platforms": {}, "pairs": [],
           "capability_diffs": []}
    report.save(doc, reports=reports)
    i += 1
"""


def _snapshot(reports: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (reports / "history").glob("*.json")}


def _check_complete(path: Path) -> dict:
    try:
        doc = json.loads(path.read_bytes())
    except ValueError as exc:
        raise AssertionError(f"{path.name} is not complete JSON after a kill: {exc}") from None
    assert isinstance(doc, dict) and doc.get("schema") == report.SCHEMA, path.name
    return doc


def _kill_once(reports: Path, prefix: str, delay: float) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(reports), prefix], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        time.sleep(delay)
        assert child.poll() is None, f"the child ended by itself: {child.stderr.read()[-2000:]}"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
        child.stderr.close()


def test_sigkill_at_random_moments_never_corrupts(tmp_path):
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    reports = tmp_path / "reports"
    # An earlier report already present: it must survive every kill byte for byte.
    report.save({"schema": report.SCHEMA, "run_id": "0-earlier", "date": "2025-01-01T00:00:00+00:00",
                 "commit": "old", "results": [], "platforms": {}, "pairs": [], "capability_diffs": []}, reports)
    leftovers = 0
    for n in range(KILLS):
        before = _snapshot(reports)
        _kill_once(reports, f"k{n}", rng.uniform(0.05, 0.4))
        where = f"(kill {n + 1}/{KILLS}, seed {seed})"
        after = _snapshot(reports)
        for path, data in before.items():
            assert after.get(path) == data, f"{path.name} changed or vanished {where}"
        for path in after:
            assert _check_complete(path)["run_id"] == path.stem, where
        if (reports / "results.json").exists():
            _check_complete(reports / "results.json")
        if (reports / "index.html").exists():
            assert (reports / "index.html").read_text().rstrip().endswith("</html>"), f"truncated page {where}"
        loaded = {d["run_id"] for d in report.load_history(reports)}
        assert loaded == {p.stem for p in after}, f"load_history differs from the complete files {where}"
        leftovers += len(list(reports.glob("**/.*.tmp")))
    saved = len(_snapshot(reports)) - 1
    assert saved >= 2, f"the children saved only {saved} documents: the kills tested too little"
    print(f"seed {seed}: {saved} documents saved across {KILLS} kills, {leftovers} .tmp leftovers seen")


def test_load_history_ignores_temporary_leftovers(tmp_path):
    hist = tmp_path / "history"
    report.atomic_write(hist / "20260101T000000-1.json",
                        json.dumps({"schema": report.SCHEMA, "run_id": "20260101T000000-1", "date": "2026"}))
    complete = json.dumps({"schema": report.SCHEMA, "run_id": "tmp", "date": "2027"})
    # what atomic_write leaves when killed between mkstemp and os.replace: complete or truncated
    (hist / ".20260101T000001-2.json.k3j4_x.tmp").write_text(complete)
    (hist / ".20260101T000002-3.json.a8b9zz.tmp").write_text(complete[:20])
    (tmp_path / ".results.json.q1w2e3.tmp").write_text(complete)
    assert [d["run_id"] for d in report.load_history(tmp_path)] == ["20260101T000000-1"]


def test_atomic_write_interrupted_before_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    report.atomic_write(path, "old")

    def boom(src, dst):
        raise KeyboardInterrupt  # a signal arriving just before the rename

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        report.atomic_write(path, "new")
    assert path.read_text() == "old"
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file was not removed"
