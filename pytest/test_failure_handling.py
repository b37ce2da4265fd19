"""Nothing hangs, nothing is lost: misbehaving platforms end as named statuses
within their timeouts, leave no process behind, and bad input gets one line."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, make_env, require_platform
from harness import session
from harness.model import RunStatus
from harness.runners.base import die_with_parent

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
    require_platform(name)


@pytest.mark.slow
@pytest.mark.parametrize("plat", [BOCHS, "qemu-kvm"])
def test_hung_platform_times_out_and_leaves_no_process(plat):
    _need(plat)
    run_dir = session.new_run_dir("selftest")
    start = time.monotonic()
    # 4 s: the boot reaches the scenario within about a second even on a loaded 2-core host
    # (make check); the scenario's BEGIN record is checked below.
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
    return subprocess.run([PY, "-m", "harness", *args], preexec_fn=die_with_parent(), cwd=REPO,
                          capture_output=True, text=True,
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
    env.pop("VMXDIFF_ALLOW_MISSING", None)
    # A platform that cannot run is an ERROR (exit 4), never a silent skip ...
    r = _cli("run", "--platform", BOCHS, "--scenarios", "vmcall_loop", env=env)
    assert "Traceback" not in r.stderr
    assert r.returncode == 4, r.stdout
    assert "UNAVAILABLE" in r.stdout and "bochs-bin not found" in r.stdout and "VMXDIFF_ALLOW_MISSING" in r.stdout
    # ... unless its absence is accepted explicitly: then everything is skipped (exit 3).
    r = _cli("run", "--platform", BOCHS, "--scenarios", "vmcall_loop", env=dict(env, VMXDIFF_ALLOW_MISSING=BOCHS))
    assert r.returncode == 3, r.stdout
    assert "UNAVAILABLE" in r.stdout and "bochs-bin not found" in r.stdout


def test_ctrl_c_leaves_no_emulator():
    _need(BOCHS)
    # Ctrl-C in a terminal reaches a harness whose SIGINT is at its default: a test run started in
    # the background by a non-interactive shell inherits SIGINT ignored, so set the default first.
    parent_death = die_with_parent()

    def as_in_a_terminal():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        parent_death()

    p = subprocess.Popen([PY, "-m", "harness", "run", "--platform", BOCHS, "--scenarios", "selftest_hang",
                          "--timeout", "60"], preexec_fn=as_in_a_terminal, cwd=REPO, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    kids = []
    while time.monotonic() < deadline and not kids:  # the emulator itself, not the ISO build before it
        time.sleep(0.3)
        kids = [int(d.name) for d in Path("/proc").iterdir()
                if d.name.isdigit() and _ppid(d) == p.pid and "bochs" in _cmdline(d)]
    assert kids, "the harness never started an emulator"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    assert p.returncode == 130 and "Traceback" not in err, (p.returncode, err)
    # Killed with the harness (SIGKILL on its parent's death); a loaded machine may take a moment to
    # tear down an emulator's memory, so wait a bounded time for it to be gone.
    gone = time.monotonic() + 10
    while time.monotonic() < gone and [k for k in kids if Path(f"/proc/{k}").exists() and _state(k) != "Z"]:
        time.sleep(0.2)
    assert not [k for k in kids if Path(f"/proc/{k}").exists() and _state(k) != "Z"]


def _cmdline(d: Path) -> str:
    try:
        return (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


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


# --------------------------------------------------------------------------- honest verdicts, kept results

def test_make_run_refuses_an_unknown_parameter_in_one_line():
    r = subprocess.run(["make", "run", "ARGS=bogus=1", "SCENARIOS=vmcall_loop"], preexec_fn=die_with_parent(),
                       cwd=REPO, capture_output=True, text=True, timeout=600, env=make_env())
    assert r.returncode != 0 and "Traceback" not in r.stderr
    # make adds its own "make: *** [...] Error 2" line; the harness says one line.
    ours = [ln for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith("make")]
    assert len(ours) == 1 and "unknown parameter 'bogus'" in ours[0] and "known parameters" in ours[0], r.stderr
    assert "== " not in r.stdout, "nothing was booted"


@pytest.mark.parametrize("where", ["below-a-file", "dev-full"])
def test_unwritable_reports_keeps_results_elsewhere(tmp_path, where):
    """reports/ cannot be written (root ignores chmod, so: a path below a regular file, or below
    /dev/full): the run still happens, its files are kept in a temporary folder that one line
    names, and the exit code (6) says so."""
    if where == "below-a-file":
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        reports = blocker / "reports"
    else:
        reports = Path("/dev/full/reports")
    plat = "qemu-kvm"
    _need(plat)
    r = _cli("run", "--platform", plat, "--scenarios", "vmcall_loop",
             env=dict(os.environ, VMXDIFF_REPORTS=str(reports)))
    line = _one_line_error(r)
    assert r.returncode == 6, r.stdout + r.stderr
    assert f"cannot write {reports}/runs" in line and "results kept in " in line
    kept = Path(line.split("results kept in ", 1)[1].strip())
    try:
        serial = next(kept.glob(f"*/{plat}/serial.log"))
        assert "FINISH" in serial.read_text(errors="replace")
        assert f"serial: {serial}" in r.stdout
    finally:
        shutil.rmtree(kept, ignore_errors=True)


@pytest.mark.slow
def test_timeout_row_reports_the_exits_traced(tmp_path):
    """A scenario cut off by the timeout shows the EXIT records it did trace, not 0."""
    _need(BOCHS)
    r = _cli("run", "--platform", BOCHS, "--scenarios", "vmcall_loop", "--timeout", "3",
             "vmcall_loop.count=100000000", env=dict(os.environ, VMXDIFF_REPORTS=str(tmp_path)), timeout=90)
    assert r.returncode == 5, r.stdout + r.stderr
    row = next(ln for ln in r.stdout.splitlines() if ln.split()[:1] == ["vmcall_loop"])
    assert row.split()[1] == "TIMEOUT", row
    serial = next(tmp_path.glob(f"runs/*/{BOCHS}/serial.log"))
    from conftest import META, TABLES
    from harness import evaluate, parser
    from harness.model import RunResult
    trace = parser.parse(serial.read_text(errors="replace"))
    traced = len(trace.scenarios["vmcall_loop"].exits)
    assert traced > 0, "the boot never reached the loop within the timeout"
    assert int(row.split()[2]) == traced, (row, traced)
    # The verdict (results.json, the dashboard) counts them too.
    v = evaluate.scenario_verdict(RunResult(platform=BOCHS, status=RunStatus.TIMEOUT, trace=trace),
                                  META["vmcall_loop"], TABLES)
    assert v.status.value == "TIMEOUT" and v.exits == traced


@pytest.mark.slow
def test_out_of_tree_build_works_for_make_run(tmp_path):
    """make image O=dir && make run O=dir: the harness boots the image of dir, not build/."""
    out = tmp_path / "out"
    # The objects of build/ seed dir (same sources, timestamps kept): make still links, converts and
    # generates every product into dir, without compiling the C a second time.
    from harness.tables import DEFAULT_BUILD  # build/, or the O= of the make check that runs this test
    shutil.copytree(DEFAULT_BUILD / "obj", out / "obj")
    r = subprocess.run(["make", "image", f"O={out}"], preexec_fn=die_with_parent(), cwd=REPO, capture_output=True,
                       text=True, timeout=600, env=make_env())
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("vmxdiff.elf", "vmxdiff.elf32", "diskboot.bin", "tables.json", "scenarios.json"):
        assert (out / name).is_file(), name
    for plat in ("qemu-kvm", "bochs30-skylake_x"):  # QEMU -kernel; Bochs's boot disk (from O='s loader)
        r = subprocess.run(["make", "run", f"O={out}", "SCENARIOS=vmcall_loop", f"PLATFORM={plat}"],
                           preexec_fn=die_with_parent(), cwd=REPO,
                           capture_output=True, text=True, timeout=300,
                           env=make_env(VMXDIFF_REPORTS=str(tmp_path / "reports")))
        assert "Traceback" not in r.stderr, r.stderr
        assert "vmcall_loop" in r.stdout and f"== {plat}: run COMPLETE" in r.stdout, r.stdout + r.stderr
        command = next((tmp_path / "reports").glob(f"runs/*/{plat}/command.txt")).read_text()
        assert f"{out}/vmxdiff.elf32" in command and f"{REPO}/build/" not in command, command


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_killed_harness_leaves_no_emulator(sig, tmp_path):
    """kill -9 runs no cleanup code: the kernel's parent-death signal ends the emulator."""
    _need(BOCHS)
    p = subprocess.Popen([PY, "-m", "harness", "run", "--platform", BOCHS, "--scenarios", "selftest_hang",
                          "--timeout", "60"], preexec_fn=die_with_parent(), cwd=REPO, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=dict(os.environ, VMXDIFF_REPORTS=str(tmp_path)))
    kids = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not kids:
            time.sleep(0.3)
            kids = [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and _ppid(d) == p.pid]
        assert kids, "the harness never started an emulator"
        serial = next(tmp_path.glob(f"runs/*/{BOCHS}/serial.log"), None)
        p.send_signal(sig)
        p.wait(timeout=20)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and [k for k in kids if _state(k) not in ("gone", "Z")]:
            time.sleep(0.1)
        assert not [k for k in kids if _state(k) not in ("gone", "Z")], "an emulator outlived the harness"
        if serial is not None and serial.exists():
            size = serial.stat().st_size
            time.sleep(0.5)
            assert serial.stat().st_size == size
    finally:
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if p.poll() is None:
            p.kill()
            p.wait()
