"""A complete trace whose emulator hangs after the image's shutdown request is COMPLETE (killed
after the grace period), not a TIMEOUT; a real timeout stays one."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from harness.model import RunStatus  # noqa: E402
from harness.runners.base import ProcessOutcome, classify  # noqa: E402

TRACE = "@VT 2 BOOT seq=0 build=x\n@VT 2 FINISH seq=1 status=OK scenarios=0\n"


def test_killed_after_shutdown_request_is_complete(tmp_path):
    serial = tmp_path / "serial.log"
    serial.write_text(TRACE)
    out = ProcessOutcome(signal_status=9, killed_after_grace=True, bad_pattern="SHUTDOWN")
    res = classify("bochs30-skylake_x", out, serial, clean_exit={0, 1})
    assert res.status == RunStatus.COMPLETE and "killed" in res.reason


def test_timeout_without_finish_is_timeout(tmp_path):
    serial = tmp_path / "serial.log"
    serial.write_text(TRACE.splitlines()[0] + "\n")
    res = classify("bochs30-skylake_x", ProcessOutcome(timed_out=True, signal_status=9), serial, clean_exit={0})
    assert res.status == RunStatus.TIMEOUT
