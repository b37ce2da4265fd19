"""Shared emulator-process handling: spawn under a pty (pexpect), watch the
output for known bad patterns, enforce the timeout, never leave a process.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shlex
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pexpect

from harness import parser
from harness.model import RunResult, RunStatus

LIVE = set()  # pids of emulators still running (killed on interpreter exit / signal)

# prctl(2) from libc, resolved once here: the pre-exec hook below runs in a
# freshly forked child and must not import or look anything up.
_PR_SET_PDEATHSIG = 1
try:
    _prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    _prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    _prctl.restype = ctypes.c_int
except (OSError, AttributeError):  # not Linux: no parent-death signal (the kill paths still apply)
    _prctl = None


# Bochs 3.0 (configure's default --enable-show-ips) logs "ips = ..." from its SIGALRM handler
# (main.cc bx_show_ips_handler -> bx_gui_c::show_ips -> BX_INFO); when the alarm lands while the
# CPU thread holds the log mutex (e.g. inside a "VMREAD: not supported field" line) Bochs
# deadlocks in futex_wait.  A signal blocked before exec stays blocked (signal() does not
# unblock it): the alarm stays pending and the handler never runs.  SIGALRM has no other use in
# Bochs with "clock: sync=none".
BOCHS_BLOCKED_SIGNALS = (signal.SIGALRM,)


def die_with_parent(block: tuple = ()):
    """A pre-exec hook: the child gets SIGKILL when the process that started it dies.

    Linux's PR_SET_PDEATHSIG survives exec (it is cleared only for set-uid or
    file-capability binaries), so the emulator (or a test's fake emulator)
    is killed by the kernel even when this process is killed with SIGKILL,
    where no cleanup code of ours runs.  The signal fires when the *thread*
    that forked the child exits: the harness forks from a pool worker that
    stays in run_process until the child is gone, so it never fires early.
    If the parent already died between fork and prctl, the child ends itself.

    Use: ``subprocess.Popen(argv, preexec_fn=die_with_parent())`` or
    ``pexpect.spawn(..., preexec_fn=die_with_parent())``.  block: signals the child starts
    with blocked (BOCHS_BLOCKED_SIGNALS for Bochs).
    """
    parent = os.getpid()

    def hook():
        if block:
            signal.pthread_sigmask(signal.SIG_BLOCK, block)
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
    return hook


def shell_command(argv: list[str], *, cwd: Path | None = None, env: dict | None = None) -> str:
    """One line a user can paste into a POSIX shell to run argv exactly as the harness does."""
    words = [shlex.quote(str(a)) for a in argv]
    if env:
        words = ["env"] + [shlex.quote(f"{k}={v}") for k, v in env.items()] + words
    prefix = f"cd {shlex.quote(str(cwd))} && " if cwd else ""
    return prefix + " ".join(words) + "\n"


@dataclass
class ProcessOutcome:
    exit_status: int | None = None
    signal_status: int | None = None
    timed_out: bool = False
    killed_after_grace: bool = False  # a bad pattern matched and the process outlived grace_s
    bad_pattern: str | None = None
    bad_text: str = ""  # the emulator's line that matched it (e.g. Bochs's PANIC message)
    first_record_s: float | None = None
    duration_s: float = 0.0
    output_tail: list = field(default_factory=list)


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by pid (pexpect children lead their own)."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


class Stopping(KeyboardInterrupt):
    """Raised where an emulator would start after the run was interrupted."""


STOPPING = threading.Event()  # set on Ctrl-C: no emulator starts after it (a worker may be building an ISO)


def refuse_if_stopping() -> None:
    if STOPPING.is_set():
        raise Stopping()


def kill_all_live() -> None:
    STOPPING.set()
    for pid in list(LIVE):
        kill_group(pid)
        LIVE.discard(pid)


def run_process(argv: list[str], *, cwd: Path, env: dict, timeout: float, log_path: Path,
                serial_path: Path, bad_patterns: dict[str, str], grace_s: float = 0.5,
                block_signals: tuple = ()) -> ProcessOutcome:
    """Run argv until it exits, a bad pattern appears, or timeout seconds pass.

    Args:
        bad_patterns: regex -> name; on a match the process gets grace_s to
            exit by itself, then it is killed (fail fast instead of waiting).
    Returns:
        A ProcessOutcome; the emulator's output is in log_path either way.
    """
    out = ProcessOutcome()
    start = time.monotonic()
    deadline = start + timeout
    compiled = [re.compile(p) for p in bad_patterns]
    refuse_if_stopping()
    with open(log_path, "w", encoding="utf-8", errors="replace") as log:
        child = pexpect.spawn(argv[0], argv[1:], cwd=str(cwd), env=env, encoding="utf-8",
                              codec_errors="replace", timeout=None, echo=False,
                              preexec_fn=die_with_parent(block_signals))
        LIVE.add(child.pid)
        child.logfile_read = log
        try:
            while True:
                # Ctrl-C may land between the spawn and LIVE.add above (kill_all_live then found
                # nothing to kill): the loop sees the flag and the finally kills the emulator.
                refuse_if_stopping()
                now = time.monotonic()
                if out.first_record_s is None and _has_record(serial_path):
                    out.first_record_s = now - start
                if now >= deadline:
                    if out.bad_pattern is not None and deadline < start + timeout:
                        out.killed_after_grace = True  # not a timeout: it said why it should end
                    else:
                        out.timed_out = True
                    break
                idx = child.expect([pexpect.EOF, pexpect.TIMEOUT] + compiled,
                                   timeout=min(0.05, deadline - now))
                if idx == 0:
                    break
                if idx >= 2 and out.bad_pattern is None:
                    out.bad_pattern = bad_patterns[compiled[idx - 2].pattern]
                    out.bad_text = " ".join(str(child.after).split())[:300]
                    deadline = min(deadline, time.monotonic() + grace_s)
        finally:
            if child.isalive():
                kill_group(child.pid)
            try:
                child.close(force=True)
            except pexpect.ExceptionPexpect:
                kill_group(child.pid)
            LIVE.discard(child.pid)
            out.exit_status = child.exitstatus
            out.signal_status = child.signalstatus
            out.duration_s = time.monotonic() - start
            if out.first_record_s is None and _has_record(serial_path):
                out.first_record_s = out.duration_s
    return out


def _has_record(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return parser.SENTINEL.encode() in f.read(4096)
    except OSError:
        return False


def classify(platform: str, proc: ProcessOutcome, serial_path: Path, *, clean_exit: set[int],
             extra_status: tuple[RunStatus, str] | None = None) -> RunResult:
    """Turn a finished process plus its serial file into a RunResult.

    The trace is always kept; the status names what ended the run.
    """
    try:
        text = serial_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    trace = parser.parse(text)
    res = RunResult(platform=platform, status=RunStatus.CRASHED, trace=trace,
                    duration_s=proc.duration_s, first_record_s=proc.first_record_s,
                    serial_path=str(serial_path))
    finished = trace.finish is not None
    if proc.timed_out and not (finished and proc.bad_pattern is None):
        res.status, res.reason = RunStatus.TIMEOUT, "no FINISH record before the timeout"
    elif proc.bad_pattern == "TRIPLE_FAULT":
        res.status, res.reason = RunStatus.TRIPLE_FAULT, "the emulator reported a triple fault"
    elif trace.fault is not None:
        f = trace.fault.fields
        res.status = RunStatus.HOST_FAULT
        res.reason = f"host exception vector {f.get('vector')} at rip {f.get('rip')}"
    elif trace.fatal is not None:
        res.status, res.reason = RunStatus.CRASHED, "image FATAL: " + trace.fatal.raw
    elif trace.errors:
        res.status, res.reason = RunStatus.CORRUPT, trace.errors[0]
    elif finished and proc.bad_pattern == "SHUTDOWN" and proc.killed_after_grace:
        # The image asked for the shutdown after a complete trace; the emulator did not exit by
        # itself (Bochs 3.0 can hang in its exit path) and was killed after the grace period.
        res.status = RunStatus.COMPLETE
        res.reason = "the emulator did not exit after the shutdown request; killed"
    elif finished and proc.signal_status is not None:
        res.status = RunStatus.COMPLETE_EMULATOR_CRASHED
        res.reason = f"the emulator died by signal {proc.signal_status} after a complete trace"
    elif finished and proc.bad_pattern not in (None, "SHUTDOWN"):
        res.status, res.reason = RunStatus.PANIC, f"emulator reported {proc.bad_pattern}: {proc.bad_text}"
    elif finished:
        res.status = RunStatus.COMPLETE
        if proc.exit_status not in clean_exit and proc.exit_status is not None:
            res.reason = f"unexpected emulator exit status {proc.exit_status}"
    elif proc.bad_pattern and proc.bad_pattern != "SHUTDOWN":
        res.status, res.reason = RunStatus.PANIC, f"emulator reported {proc.bad_pattern}: {proc.bad_text}"
    else:
        how = (f"signal {proc.signal_status}" if proc.signal_status is not None
               else f"exit status {proc.exit_status}")
        res.status, res.reason = RunStatus.CRASHED, f"emulator ended ({how}) before the FINISH record"
    if extra_status and res.status in (RunStatus.COMPLETE,):
        res.status, res.reason = extra_status
    return res
