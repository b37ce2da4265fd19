"""Runner logic that needs no emulator: KVM detection, run classification."""
from pathlib import Path

from harness.model import RunStatus
from harness.runners.base import ProcessOutcome, classify
from harness.runners.qemu import kvm_nested_vmx

INTEL = "vendor_id\t: GenuineIntel\n"


def test_kvm_detection_amd_host():
    ok, why = kvm_nested_vmx(cpuinfo="vendor_id\t: AuthenticAMD\n")
    assert not ok and "AuthenticAMD" in why


def test_kvm_detection_missing_dev(tmp_path):
    ok, why = kvm_nested_vmx(cpuinfo=INTEL, dev=str(tmp_path / "kvm"))
    assert not ok and "does not exist" in why


def test_kvm_detection_nested_off(tmp_path):
    dev = tmp_path / "kvm"
    dev.write_text("")
    param = tmp_path / "nested"
    param.write_text("N\n")
    ok, why = kvm_nested_vmx(cpuinfo=INTEL, dev=str(dev), nested_param=str(param))
    assert not ok and "nested=N" in why
    param.write_text("Y\n")
    assert kvm_nested_vmx(cpuinfo=INTEL, dev=str(dev), nested_param=str(param))[0]


def _serial(tmp_path, canned, name="bochs27_skylake_x", cut=None) -> Path:
    p = tmp_path / "serial.log"
    text = canned(name)
    p.write_text(text if cut is None else "\n".join(text.splitlines()[:cut]))
    return p


def test_segfault_after_complete_trace_keeps_trace(tmp_path, canned):
    res = classify("bochs27-skylake_x", ProcessOutcome(signal_status=11), _serial(tmp_path, canned), clean_exit={1})
    assert res.status == RunStatus.COMPLETE_EMULATOR_CRASHED and res.trace.finish is not None


def test_timeout_with_partial_trace(tmp_path, canned):
    res = classify("x", ProcessOutcome(timed_out=True), _serial(tmp_path, canned, cut=30), clean_exit={1})
    assert res.status == RunStatus.TIMEOUT and res.trace.boot is not None


def test_exit_before_finish_is_crashed(tmp_path, canned):
    res = classify("x", ProcessOutcome(exit_status=1), _serial(tmp_path, canned, cut=30), clean_exit={1})
    assert res.status == RunStatus.CRASHED and "before the FINISH" in res.reason


def test_garbled_trace_is_corrupt(tmp_path, canned):
    p = _serial(tmp_path, canned)
    text = p.read_text()
    at = text.index(" EXIT ") + 1  # the first EXIT record, whatever the trace version
    p.write_text(text[:at] + "EX\x07IT" + text[at + 4:])
    res = classify("x", ProcessOutcome(exit_status=1), p, clean_exit={1})
    assert res.status == RunStatus.CORRUPT


# --------------------------------------------------------------------------- nothing outlives the run

import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

# A fake emulator: writes its pid, then appends to a file forever.  It ignores SIGHUP (as an
# emulator may), so the pty hang-up when its parent dies does not end it: only the parent-death
# signal does.
WRITER = """
import os, signal, sys, time
signal.signal(signal.SIGHUP, signal.SIG_IGN)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
with open(sys.argv[1], "ab") as out:
    while True:
        out.write(b"x" * 4096)
        out.flush()
        time.sleep(0.01)
"""

# The harness's own way to start an emulator: run_process from a pool worker thread.
VIA_HARNESS = """
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from harness.runners import base
out, pidf, tmp = sys.argv[1], sys.argv[2], Path(sys.argv[3])
argv = [sys.executable, "-c", sys.argv[4], out, pidf]
with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(base.run_process, argv, cwd=tmp, env={"PATH": "/usr/bin:/bin"}, timeout=120,
                log_path=tmp / "emulator.log", serial_path=tmp / "serial.log", bad_patterns={}).result()
"""

# A test fixture's way: subprocess.Popen with the pre-exec hook.
VIA_POPEN = """
import subprocess, sys
from harness.runners import base
out, pidf = sys.argv[1], sys.argv[2]
subprocess.Popen([sys.executable, "-c", sys.argv[4], out, pidf], preexec_fn=base.die_with_parent()).wait()
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


@pytest.mark.parametrize("how", ["harness", "popen"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_fake_emulator_dies_with_its_parent(tmp_path, how, sig):
    out, pidf = tmp_path / "out.bin", tmp_path / "writer.pid"
    script = VIA_HARNESS if how == "harness" else VIA_POPEN
    parent = subprocess.Popen([sys.executable, "-c", script, str(out), str(pidf), str(tmp_path), WRITER],
                              cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    writer = None
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (pidf.exists() and out.exists() and out.stat().st_size > 0):
            time.sleep(0.05)
        assert pidf.exists(), "the fake emulator never started: " + parent.stderr.read1().decode(errors="replace")
        writer = int(pidf.read_text())
        assert not _gone(writer)
        os.kill(parent.pid, sig)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not _gone(writer):
            time.sleep(0.05)
        assert _gone(writer), f"fake emulator {writer} outlived its parent (killed by {sig.name})"
        size = out.stat().st_size
        time.sleep(0.5)
        assert out.stat().st_size == size, "the output file still grows"
    finally:
        for pid in (writer, parent.pid):
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        parent.wait(timeout=10)


def test_emulator_started_from_a_worker_thread_outlives_nothing_but_runs_to_the_end(tmp_path):
    """PDEATHSIG fires when the forking *thread* ends: the harness's worker stays in run_process,
    so an emulator that runs past any other thread's life still completes."""
    from concurrent.futures import ThreadPoolExecutor

    from harness.runners.base import run_process
    serial = tmp_path / "serial.log"
    argv = [sys.executable, "-c", "import time, sys; time.sleep(1.5); open(sys.argv[1], 'w').write('done')",
            str(serial)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcome = pool.submit(run_process, argv, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout=30,
                              log_path=tmp_path / "log", serial_path=serial, bad_patterns={}).result()
    assert outcome.exit_status == 0 and not outcome.timed_out and serial.read_text() == "done"


def test_shell_command_is_pasteable(tmp_path):
    from harness.runners.base import shell_command
    line = shell_command(["printf", "%s|", "a b", "it's"], cwd=tmp_path / "d ir", env={"LC_ALL": "C", "X": "1 2"})
    (tmp_path / "d ir").mkdir()
    r = subprocess.run(["sh", "-c", line.strip() + ' ; printf "%s" "$LC_ALL"'], capture_output=True, text=True,
                       timeout=10, env={"PATH": "/usr/bin:/bin"})
    assert r.stdout == "a b|it's|" and line.startswith(f"cd '{tmp_path}/d ir' && env LC_ALL=C 'X=1 2' printf")


def test_no_emulator_starts_after_ctrl_c(tmp_path):
    """Ctrl-C while a worker still builds an ISO: the emulator it would start next is refused
    (the harness exits at once instead of waiting for a boot of up to its timeout)."""
    from harness.runners import base
    base.kill_all_live()
    try:
        with pytest.raises(KeyboardInterrupt):
            base.run_process(["/bin/true"], cwd=tmp_path, env={}, timeout=5, log_path=tmp_path / "log",
                             serial_path=tmp_path / "serial", bad_patterns={})
        assert not (tmp_path / "log").exists(), "nothing was started"
    finally:
        base.STOPPING.clear()


def test_ctrl_c_just_after_a_spawn_stops_that_emulator(tmp_path):
    """Ctrl-C between the emulator's spawn and its registration in LIVE: kill_all_live finds
    nothing, so run_process's loop must stop the emulator itself, at once (not at its timeout)."""
    import threading
    import time
    from harness.runners import base
    threading.Timer(0.3, base.STOPPING.set).start()
    t0 = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            base.run_process(["/bin/sleep", "30"], cwd=tmp_path, env={"PATH": "/bin:/usr/bin"}, timeout=30,
                             log_path=tmp_path / "log", serial_path=tmp_path / "serial", bad_patterns={})
    finally:
        base.STOPPING.clear()
    assert time.monotonic() - t0 < 5 and not base.LIVE
