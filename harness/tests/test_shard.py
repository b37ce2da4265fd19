"""`run --shard K/N`: the split (deterministic, disjoint, covering, balanced), the K/N
argument's errors (one line, exit 2), and the progress lines; no emulator."""
from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from harness import cli, session
from harness.runners.base import die_with_parent

REPO = Path(__file__).resolve().parents[2]


def _catalog(n_plain=29, n_sweep=749):
    plain = [{"id": f"plain_{i:03d}", "hidden": False} for i in range(n_plain)]
    sweep = [{"id": f"ec_G{i % 7}_CHECK__v{i:04d}", "hidden": False, "sweep": "violate", "check": f"G{i % 7}"}
             for i in range(n_sweep)]
    return plain + sweep


CAT = _catalog()
IDS = [m["id"] for m in CAT]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 26, 100, 778])
def test_split_disjoint_covering_balanced(n):
    parts = session.shard_split(IDS, CAT, n)
    assert len(parts) == n
    flat = [i for p in parts for i in p]
    assert len(flat) == len(set(flat)) == len(IDS)  # disjoint
    assert set(flat) == set(IDS)  # covering
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1  # balanced by count


def test_split_deterministic_whatever_the_order():
    """Same set of ids, any order, any process: the same parts (no hash seed, no time)."""
    shuffled = IDS[:]
    random.Random(7).shuffle(shuffled)
    assert session.shard_split(shuffled, CAT, 3) == session.shard_split(IDS, CAT, 3)
    code = ("import json,sys; sys.path.insert(0, %r); from harness import session; "
            "cat=json.loads(sys.stdin.read()); print(json.dumps(session.shard_split([m['id'] for m in cat], cat, 5)))"
            % str(REPO))
    outs = {subprocess.run([sys.executable, "-c", code], input=json.dumps(CAT), capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed}, preexec_fn=die_with_parent(), check=True).stdout
            for seed in ("1", "2", "random")}
    assert len(outs) == 1
    assert json.loads(outs.pop()) == session.shard_split(IDS, CAT, 5)


def test_non_sweep_scenarios_stay_in_shard_one():
    """The non-sweep scenarios come first: all in shard 1 (a platform that does not run the
    sweep boots in shard 1 only), the sweep cases fill the rest in sorted order."""
    parts = session.shard_split(IDS, CAT, 3)
    plain = {m["id"] for m in CAT if not m.get("sweep")}
    assert plain <= set(parts[0])
    assert not plain & (set(parts[1]) | set(parts[2]))
    sweep_order = [i for p in parts for i in p if i not in plain]
    assert sweep_order == sorted(sweep_order)


def test_split_of_a_selection_and_empty_parts():
    sel = IDS[:5]
    parts = session.shard_split(sel, CAT, 8)
    assert sum(map(len, parts)) == 5 and parts[5:] == [[], [], []]


@pytest.mark.parametrize("text,expected", [("1/3", (1, 3)), ("3/3", (3, 3)), ("1/1", (1, 1)), ("02/10", (2, 10))])
def test_parse_shard_accepts(text, expected):
    assert session.parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/3", "4/3", "x", "1/0", "0/0", "-1/3", "1/-3", "1/3/4", " 1/3", "1/", "/3",
                                  "1.0/3", "１/3", "³/3", ""])
def test_parse_shard_refuses(text):
    with pytest.raises(ValueError):
        session.parse_shard(text)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=60, preexec_fn=die_with_parent())


@pytest.mark.parametrize("value,words", [("0/3", "between 1 and N=3"), ("4/3", "between 1 and N=3"),
                                         ("x", "expected K/N"), ("1/0", "at least 1")])
def test_cli_bad_shard_is_one_line_usage_error(value, words):
    r = _cli("run", "--platform", "bochs27-skylake_x", "--shard", value)
    assert r.returncode == cli.EXIT_USAGE, r.stderr
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--shard" in lines[0] and words in lines[0], r.stderr


def test_cli_bad_shard_set_and_set_without_shard():
    r = _cli("run", "--shard", "1/2", "--shard-set", "a b")
    assert r.returncode == cli.EXIT_USAGE and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = _cli("run", "--platform", "bochs27-skylake_x", "--shard-set", "nightly-1")
    assert r.returncode == cli.EXIT_USAGE and "--shard K/N" in r.stderr, r.stderr


def test_cli_empty_shard_is_a_usage_error():
    """More shards than selected scenarios: the empty shard is refused before anything boots."""
    try:
        cat = session.load_catalog()
    except session.SelectionError as exc:
        pytest.fail(f"{exc} (make unit builds it)")
    sid = next(m["id"] for m in cat if not m["hidden"])
    r = _cli("run", "--platform", "bochs27-skylake_x", "--scenarios", sid, "--shard", "2/2")
    assert r.returncode == cli.EXIT_USAGE, r.stderr
    assert "is empty" in r.stderr and "Traceback" not in r.stderr


def test_progress_lines(tmp_path):
    serial = tmp_path / "serial.log"
    out = io.StringIO()
    p = session.Progress("bochs30-skylake_x", serial, total=4, every=3600, stream=out)
    p.poll()
    assert "no trace record yet" in p.line()
    serial.write_bytes(b"BIOS noise\n@VT 2 BOOT seq=0 build=x\n@VT 2 BEGIN seq=1 scenario=a check=none\n"
                       b"@VT 2 END seq=2 scenario=a status=DONE reason=none exits=0 vmfails=0\n@VT 2 BEG")
    p.poll()
    assert (p.cases, p.records) == (1, 3)
    p.base = (p.base[0] - 2.0, p.base[1], p.base[2])  # as if the first records came 2 s ago
    with serial.open("ab") as f:  # the partial line is completed: counted once
        f.write(b"IN seq=3 scenario=b check=none\n@VT 2 END seq=4 scenario=b status=DONE reason=none exits=0 "
                b"vmfails=0\n")
    p.poll()
    assert (p.cases, p.records) == (2, 5)
    line = p.line()
    assert "case 2 of 4 (50%)" in line and "cases/s" in line and "records/s" in line and "ETA" in line, line


def test_progress_off_when_quiet(monkeypatch):
    monkeypatch.setenv("VMXDIFF_QUIET", "1")
    assert session.progress_interval() == 0.0
    monkeypatch.delenv("VMXDIFF_QUIET")
    monkeypatch.setenv(session.PROGRESS_ENV, "0")
    assert session.progress_interval() == 0.0
    monkeypatch.setenv(session.PROGRESS_ENV, "2")
    assert session.progress_interval() == 2.0
