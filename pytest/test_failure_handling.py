"""Nothing hangs, nothing is lost: misbehaving platforms end as named statuses
within their timeouts, leave no process behind, and bad input gets one line."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from harness import platforms, session
from harness.model import RunStatus

PY = sys.executable
BOCHS = "bochs27-skylake_x"


def _alive_with(marker: str) -> list[int]:
    """PIDs whose command line mentions marker (a run directory)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker in (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    out.append(int(d.name))
            except OSError:
                pass
    return out


def _need(name):
    ok, why = platforms.get(name).availability()
    if not ok:
        pytest.skip(f"{name} unavailable: {why}")


@pytest.mark.slow
@pytest.mark.parametrize("plat", [BOCHS, "qemu-kvm"])
def test_hung_platform_times_out_and_leaves_no_process(plat):
    _need(plat)
    run_dir = session.new_run_dir("selftest")
    start = time.monotonic()
    res = session.run_platforms([plat], ["selftest_hang"], {}, run_dir=run_dir, timeout=4)[plat]
    took = time.monotonic() - start
    assert res.status == RunStatus.TIMEOUT, res.reason
    assert took < 4 + 6, f"timeout of 4 s took {took:.1f} s"
    assert res.trace.scenarios["selftest_hang"].end is None, "partial trace kept"
    assert Path(res.log_paths["emulator"]).exists()
    assert _alive_with(str(run_dir)) == []


@pytest.mark.parametrize("plat,status", [(BOCHS, RunStatus.TRIPLE_FAULT), ("qemu-kvm", RunStatus.CRASHED)])
def test_triple_fault_ends_the_run(plat, status):
    _need(plat)
    res = session.run_platforms([plat], ["selftest_triple_fault"], {}, timeout=20)[plat]
    assert res.status == status, res.reason
    assert res.duration_s < 15


@pytest.mark.parametrize("plat", [BOCHS, "qemu-kvm"])
def test_host_exception_is_reported(plat):
    _need(plat)
    res = session.run_platforms([plat], ["selftest_host_fault"], {}, timeout=20)[plat]
    assert res.status == RunStatus.HOST_FAULT
    assert res.trace.fault.fields["vector"] == "6"


def _cli(*args, env=None, timeout=60):
    return subprocess.run([PY, "-m", "harness", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env)


def _one_line_error(r):
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_corrupt_trace_file(tmp_path):
    bad = tmp_path / "bad.log"
    good = (Path(REPO) / "harness/tests/data/bochs27_skylake_x.log").read_text().splitlines()
    good[40] = good[40][:25] + "\x00\x13garbage"
    bad.write_text("\n".join(good))
    r = _cli("parse", str(bad))
    assert r.returncode != 0
    assert "line 41" in _one_line_error(r)


def test_truncated_trace_file(tmp_path):
    cut = tmp_path / "cut.log"
    cut.write_text("\n".join((Path(REPO) / "harness/tests/data/bochs27_skylake_x.log").read_text().splitlines()[:50]))
    r = _cli("parse", str(cut))
    assert r.returncode == 5 and "truncated" in _one_line_error(r)


def test_unknown_scenario():
    r = _cli("run", "--scenarios", "no_such_scenario")
    assert r.returncode == 2 and "no_such_scenario" in _one_line_error(r)


def test_unknown_platform():
    r = _cli("run", "--platform", "bochs99-nope")
    assert r.returncode == 2 and "bochs99-nope" in _one_line_error(r)


def test_missing_emulator_is_unavailable_not_a_crash(tmp_path):
    # A PATH with everything of /usr/bin and /usr/sbin except bochs-bin.
    for d in ("/usr/bin", "/usr/sbin"):
        for f in Path(d).iterdir():
            if f.name != "bochs-bin" and not (tmp_path / f.name).exists():
                (tmp_path / f.name).symlink_to(f)
    env = dict(os.environ, PATH=str(tmp_path))
    r = _cli("run", "--platform", BOCHS, "--scenarios", "vmcall_loop", env=env)
    assert "Traceback" not in r.stderr
    assert r.returncode == 3, r.stdout  # everything skipped
    assert "UNAVAILABLE" in r.stdout and "bochs-bin not found" in r.stdout


def test_ctrl_c_leaves_no_emulator():
    _need(BOCHS)
    p = subprocess.Popen([PY, "-m", "harness", "run", "--platform", BOCHS, "--scenarios", "selftest_hang",
                          "--timeout", "60"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    kids = []
    while time.monotonic() < deadline and not kids:
        time.sleep(0.3)
        kids = [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and _ppid(d) == p.pid]
    assert kids, "the harness never started an emulator"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    assert p.returncode == 130 and "Traceback" not in err
    time.sleep(0.2)
    assert not [k for k in kids if Path(f"/proc/{k}").exists() and _state(k) != "Z"]


def _ppid(d: Path) -> int:
    try:
        return int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "gone"
