"""Bad input and kept results, without an emulator: parameters, timeouts, compare,
the reports fallback, the history warning, the ISO cache bound, `make unit`."""
from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from harness import cli, iso as isomod, report, session, tables
from harness.runners.base import die_with_parent

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"

# A catalog as build/scenarios.json gives it once scenarios declare their parameters.
CATALOG = [
    {"id": "entry_fail_ctrl", "hidden": False, "params": []},
    {"id": "vmcall_loop", "hidden": False, "params": [{"key": "count", "default": 10}]},
    {"id": "other_loop", "hidden": False, "params": [{"key": "count", "default": 3}, {"key": "width", "default": 1}]},
]
# A catalog made before the "params" field existed: it declares no parameter at all.
CATALOG_WITHOUT_PARAMS = [{"id": "vmcall_loop", "hidden": False}, {"id": "exit_cpuid", "hidden": False}]


def _cli(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "harness", *args], preexec_fn=die_with_parent(), cwd=REPO,
                          capture_output=True, text=True,
                          timeout=timeout, env=env)


def _one_line(r) -> str:
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    return lines[0]


# --------------------------------------------------------------------------- parameters

@pytest.mark.parametrize("words,expected", [
    (["vmcall_loop.count=100"], {"vmcall_loop.count": 100}),
    (["vmcall_loop.count=0x10"], {"vmcall_loop.count": 16}),  # the image's own 0x syntax
    (["vmcall_loop.count=0X1f"], {"vmcall_loop.count": 31}),
    (["vmcall_loop.count=0"], {"vmcall_loop.count": 0}),
    (["vmcall_loop.count=18446744073709551615"], {"vmcall_loop.count": (1 << 64) - 1}),
    # A plain key sets it on every scenario that declares it; the scoped one wins, in any order.
    (["count=5"], {"vmcall_loop.count": 5, "other_loop.count": 5}),
    (["vmcall_loop.count=7", "count=5"], {"vmcall_loop.count": 7, "other_loop.count": 5}),
    (["width=2"], {"other_loop.width": 2}),
    ([], {}),
])
def test_params_accepted(words, expected):
    assert cli._params(words, CATALOG) == expected


@pytest.mark.parametrize("word,needle", [
    ("vmcall_loop.count=²", "'²'"),  # str.isdigit() is True for '²'
    ("vmcall_loop.count=٣", "'٣'"),  # an Arabic-Indic digit
    ("count=-1", "negative"),
    ("count=+1", "'+1'"),
    ("count=1e3", "'1e3'"),
    ("count=", "''"),
    ("count= 1", "' 1'"),
    ("count=0x", "'0x'"),
    ("count=18446744073709551616", "2**64-1"),
    ("count", "expected KEY=N"),
    ("=1", "expected KEY=N"),
    ("a.b.c=1", "expected KEY=N"),
    ("bogus=1", "unknown parameter 'bogus'"),
    ("nope.count=1", "unknown scenario 'nope'"),
    ("entry_fail_ctrl.count=1", "scenario entry_fail_ctrl has no parameter 'count'"),
    ("vmcall_loop.width=1", "scenario vmcall_loop has no parameter 'width'"),
])
def test_params_refused(word, needle):
    with pytest.raises(cli.CliError) as exc:
        cli._params([word], CATALOG)
    msg = str(exc.value)
    assert needle in msg and "\n" not in msg
    if "unknown" in needle or "no parameter" in needle:
        assert "known parameters: other_loop.count, other_loop.width, vmcall_loop.count" in msg


def test_param_given_twice_is_refused():
    with pytest.raises(cli.CliError, match="given twice"):
        cli._params(["count=1", "count=2"], CATALOG)


def test_catalog_without_params_field_accepts_no_key():
    """Until the catalog lists parameters, every key is unknown: refused, not ignored."""
    for word in ("vmcall_loop.count=5", "count=5"):
        with pytest.raises(cli.CliError, match="declares no scenario parameters"):
            cli._params([word], CATALOG_WITHOUT_PARAMS)


def test_param_keys_come_from_the_catalog():
    assert session.param_keys(CATALOG) == {"entry_fail_ctrl": {}, "vmcall_loop": {"count": 10},
                                           "other_loop": {"count": 3, "width": 1}}


def test_cmdline_states_only_given_parameters():
    assert session.cmdline_for(["vmcall_loop"], {}) == "scenarios=vmcall_loop"
    assert session.cmdline_for(None, {"vmcall_loop.count": 16}) == "vmcall_loop.count=16"


@pytest.mark.parametrize("word", ["vmcall_loop.count=²", "count=-1", "bogus=1", "nope.count=1"])
def test_run_refuses_bad_parameter_in_one_line(word):
    # Parameters are checked before the selection: a broken check would report the selection instead.
    r = _cli("run", "--scenarios", "no_such_scenario_here", word)
    assert r.returncode == cli.EXIT_USAGE
    line = _one_line(r)
    assert "parameter" in line and "no_such_scenario_here" not in line


@pytest.mark.parametrize("value", ["nan", "0", "-5", "inf", "-inf", "NaN", "1e999", "abc", ""])
def test_run_refuses_bad_timeout_in_one_line(value):
    r = _cli("run", "--scenarios", "no_such_scenario_here", "--timeout", value)
    assert r.returncode == cli.EXIT_USAGE
    assert "--timeout" in _one_line(r)


def test_seconds_accepts_finite_positive():
    assert cli.seconds("0.5") == 0.5 and cli.seconds("60") == 60.0


def test_unknown_command_and_missing_argument_are_one_line():
    for args in (["frobnicate"], ["vmcs"], ["repro"], ["debug", "--bogus"], ["bench", "--repeat", "0"],
                 ["debug", "--scenario", "x", "--timeout", "nan"]):
        r = _cli(*args)
        assert r.returncode == cli.EXIT_USAGE, args
        _one_line(r)


# --------------------------------------------------------------------------- compare: a missing scenario diverges

def _drop_scenario(text: str, sid: str) -> str:
    """The trace without sid's records, sequence numbers renumbered (no gap)."""
    out, skipping, seq = [], False, 0
    for line in text.splitlines():
        if "@VT " not in line:
            out.append(line)
            continue
        words = line.split()
        if words[2] == "BEGIN" and f"scenario={sid}" in words:
            skipping = True
        if not skipping:
            out.append(re.sub(r"\bseq=\d+", f"seq={seq}", line))
            seq += 1
        if words[2] == "END" and f"scenario={sid}" in words:
            skipping = False
    return "\n".join(out) + "\n"


def test_compare_counts_a_scenario_missing_on_either_side(tmp_path):
    full = (DATA / "bochs27_skylake_x.log").read_text()
    lacking = tmp_path / "lacking.log"
    lacking.write_text(_drop_scenario(full, "exit_cpuid"))
    same = _cli("compare", str(DATA / "bochs27_skylake_x.log"), str(DATA / "bochs27_skylake_x.log"))
    assert same.returncode == 0 and "0 divergence(s)" in same.stdout, same.stdout + same.stderr
    for left, right in ((DATA / "bochs27_skylake_x.log", lacking), (lacking, DATA / "bochs27_skylake_x.log")):
        r = _cli("compare", str(left), str(right))
        assert r.returncode == cli.EXIT_FAIL, r.stdout + r.stderr
        assert f"exit_cpuid: scenario missing from {lacking}" in r.stdout
        assert "1 divergence(s)" in r.stdout


# --------------------------------------------------------------------------- results kept when reports/ is unwritable

def _doc(run_id: str) -> dict:
    return {"schema": report.SCHEMA, "run_id": run_id, "commit": "c", "date": "2026-01-01T00:00:00+00:00",
            "host": "h", "tables": "t", "platforms": {}, "results": [], "pairs": [], "capability_diffs": []}


def test_save_below_a_regular_file_keeps_results_elsewhere(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report, "FALLBACKS", [])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the fallback folder: cleaned up with tmp_path
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    hist = report.save(_doc("r1"), reports=blocker / "reports")
    assert hist.exists() and not str(hist).startswith(str(blocker))
    assert json.loads((hist.parent.parent / "results.json").read_text())["run_id"] == "r1"
    err = capsys.readouterr().err
    assert f"cannot write {blocker / 'reports'}" in err and f"results kept in {hist.parent.parent}" in err
    assert report.FALLBACKS and report.FALLBACKS[0][1] == hist.parent.parent


def test_save_on_a_full_disk_keeps_results_elsewhere(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report, "FALLBACKS", [])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the fallback folder: cleaned up with tmp_path
    reports = tmp_path / "reports"
    real = report.atomic_write

    def full(path, text):
        if str(path).startswith(str(reports)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, text)
    monkeypatch.setattr(report, "atomic_write", full)
    hist = report.save(_doc("r2"), reports=reports)
    assert hist.exists() and reports not in hist.parents
    assert "No space left on device" in capsys.readouterr().err


def test_run_dir_falls_back_when_reports_is_unwritable(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report, "FALLBACKS", [])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the fallback folder: cleaned up with tmp_path
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(session, "REPORTS", blocker / "reports")
    d = session.new_run_dir("t")
    assert d.is_dir() and blocker not in d.parents
    assert report.FALLBACKS and "results kept in" in capsys.readouterr().err


# --------------------------------------------------------------------------- history

def test_invalid_history_file_is_named_in_a_warning(tmp_path, capsys):
    hist = tmp_path / "history"
    hist.mkdir()
    (hist / "a.json").write_text(json.dumps(_doc("a")))
    (hist / "b.json").write_text('{"schema": "vmx-diff/results/1", "run_id": ')  # cut off mid-write by hand
    docs = report.load_history(tmp_path)
    assert [d["run_id"] for d in docs] == ["a"]
    err = capsys.readouterr().err
    assert f"skipped history file {hist / 'b.json'}: invalid JSON" in err
    assert "a.json" not in err


# --------------------------------------------------------------------------- ISO cache

def test_iso_cache_keeps_the_most_recently_used(tmp_path, monkeypatch):
    made = []

    def fake_make_iso(elf32, out, cmdline=""):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"iso " + cmdline.encode())
        made.append(cmdline)
        return out
    monkeypatch.setattr(isomod, "make_iso", fake_make_iso)
    elf = tmp_path / "image.elf32"
    elf.write_bytes(b"elf")
    cache = tmp_path / "iso-cache"
    base = first_time = None
    first = isomod.cached_iso(elf, cache, "line0", keep=3)
    base = first.stat().st_mtime - 1000  # creation order, explicit: the clock ticks too coarsely
    for i in range(1, 10):
        new = isomod.cached_iso(elf, cache, f"line{i}", keep=3)
        os.utime(new, (base + i, base + i))
        # line0 stays in use: each hit refreshes its mtime, so it is never the least recently used.
        first_time = first.stat().st_mtime
        assert isomod.cached_iso(elf, cache, "line0", keep=3) == first
        assert first.stat().st_mtime >= first_time
        assert len(list(cache.glob("*.iso"))) <= 3
    assert first.exists() and made.count("line0") == 1
    kept = sorted(p.read_bytes() for p in cache.glob("*.iso"))
    assert kept == sorted([b"iso line0", b"iso line8", b"iso line9"])


def test_iso_cache_default_bound():
    assert 1 <= isomod.CACHE_ENTRIES <= 16


# --------------------------------------------------------------------------- `make unit` builds what it needs

def test_make_unit_builds_the_files_its_tests_read(tmp_path):
    """On a fresh clone (empty O=), `make unit` first makes tables.json and scenarios.json."""
    r = subprocess.run(["make", "-n", "unit", f"O={tmp_path}/fresh"], preexec_fn=die_with_parent(), cwd=REPO,
                       capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    plan = r.stdout
    assert f"{tmp_path}/fresh/tables.json" in plan and f"{tmp_path}/fresh/scenarios.json" in plan, plan
    assert plan.index("/fresh/scenarios.json") < plan.index("-m pytest"), plan


def test_build_files_of_the_unit_tests_exist():
    """The unit tests read these; a missing one must fail here (make unit builds them), not skip elsewhere."""
    for name in ("tables.json", "scenarios.json"):
        assert (tables.DEFAULT_BUILD / name).is_file(), f"{tables.DEFAULT_BUILD / name} missing: run `make unit`"
