"""Plain data the rest of the harness passes around, and env_choice (no file I/O here)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum


def env_choice(name: str, choices: tuple[str, ...], default: str, what: str) -> str:
    """Environment variable ``name``: one of ``choices``, ``default`` when unset or empty.

    Raises:
        ValueError: one line naming the variable, the bad value, what it should be and the known ones.
    """
    value = os.environ.get(name, "") or default
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not {what} (known: {', '.join(choices)})")
    return value


class Status(str, Enum):
    """Outcome of one scenario on one platform (or one comparison)."""

    PASS = "PASS"
    FAIL = "FAIL"
    SKIP = "SKIP"
    XFAIL = "XFAIL"  # a registered, cited divergence was observed
    ERROR = "ERROR"  # harness or platform could not produce a verdict
    CRASHED = "CRASHED"  # trace ended early (no END / FINISH)
    TIMEOUT = "TIMEOUT"


class RunStatus(str, Enum):
    """How one emulator boot ended."""

    COMPLETE = "COMPLETE"  # FINISH record seen, emulator ended cleanly
    COMPLETE_EMULATOR_CRASHED = "COMPLETE_EMULATOR_CRASHED"  # full trace, then the emulator died by a signal
    TIMEOUT = "TIMEOUT"
    CRASHED = "CRASHED"  # emulator ended before FINISH
    TRIPLE_FAULT = "TRIPLE_FAULT"
    PANIC = "PANIC"  # emulator reported a panic other than the shutdown port
    HOST_FAULT = "HOST_FAULT"  # the image took an unexpected exception (FAULT record)
    CORRUPT = "CORRUPT"  # trace unreadable: bad records, seq gaps, wrong version
    UNAVAILABLE = "UNAVAILABLE"  # the platform cannot run here (reason given)
    ERROR = "ERROR"  # harness could not start the run


@dataclass(frozen=True)
class Record:
    """One parsed trace line."""

    type: str
    seq: int
    fields: dict
    line: int
    raw: str


@dataclass(frozen=True)
class ExitRecord:
    """A VM exit as traced (EXIT record)."""

    seq: int
    line: int
    insn: str
    reason: int
    entry_fail: bool
    qual: int
    len: int
    rip: int
    resumed: bool  # the host entered the guest again after this exit
    intr_info: int
    intr_err: int
    gprs: dict
    # Optional keys (core/scenario.c): the information fields exit_info.def gives this
    # exit reason, and IDT-vectoring information when valid; None when not traced.
    info: int | None = None
    gla: int | None = None
    gpa: int | None = None
    idt_info: int | None = None
    idt_err: int | None = None
    # Guest interruptibility state and activity state as the exit saved them (traced where
    # the scenario asks: gintr= gact=).
    gintr: int | None = None
    gact: int | None = None
    cpu: int = 0  # the CPU that traced it ("cpu=N" on records of CPU N != 0, core/smp.c)


@dataclass(frozen=True)
class VmFailRecord:
    """A failed VM instruction (VMFAIL record): VMLAUNCH/VMRESUME, or VMXON/VMCALL (guests/takeover.c)."""

    seq: int
    line: int
    insn: str
    kind: str  # "valid" | "invalid"
    err: int | None
    cpu: int = 0


@dataclass(frozen=True)
class CallRecord:
    """What a call into the hypervisor returned to its caller (CALL record, guests/takeover.c)."""

    seq: int
    line: int
    name: str  # "enable" | "disable" | ...
    ret: int | None
    vector: int | None = None  # the exception the call raised, if any
    cpu: int = 0


@dataclass(frozen=True)
class InsnFaultRecord:
    """An exception an instruction the host executed on purpose raised (a VMX instruction in VMX
    root operation or outside VMX operation), caught by the exception table (INSNFAULT record);
    the run goes on.  The FAULT record is the other kind: an unexpected host fault, which ends it."""

    seq: int
    line: int
    insn: str
    vector: int
    error_code: int
    cpu: int = 0


@dataclass
class ScenarioTrace:
    """Everything between BEGIN and END of one scenario."""

    id: str
    check: str | None
    begin_line: int
    # ExitRecord | VmFailRecord | InsnFaultRecord | CallRecord, in order per CPU
    events: list = field(default_factory=list)
    vmcs: list = field(default_factory=list)  # [(encoding, value)] of the last dump
    setup: dict = field(default_factory=dict)  # values the scenario chose at run time (SETUP records)
    case: str | None = None  # sweep case: "violate" | "satisfy" (CASE record)
    diff: dict = field(default_factory=dict)  # sweep case: {encoding: value} that differ from GOLDEN
    msr_load: list = field(default_factory=list)  # [(index, value)] VM-entry MSR-load entries (MSRLOAD)
    predict: Record | None = None  # the image's model prediction (PREDICT)
    # [(field, before, after, line)]: KEEP records (must be equal); "cpuN:field" for CPU N != 0
    keeps: list = field(default_factory=list)
    end: Record | None = None
    records: list = field(default_factory=list)
    # [(cpu, state, line)]: an AP that did not finish within core/smp.c's bound (SMP what=ap_timeout)
    ap_timeouts: list = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return self.end.fields.get("status") if self.end else None

    @property
    def exits(self) -> list:
        return [e for e in self.events if isinstance(e, ExitRecord)]

    @property
    def cpus(self) -> list:
        """The CPUs that traced events, 0 always included, ascending."""
        return sorted({0} | {e.cpu for e in self.events})


@dataclass(repr=False)
class Trace:
    """A whole boot's trace.  Its repr is a short summary: a whole catalog's trace is megabytes, and
    pytest reprs every argument of a failing (or xfailing) test's frames."""

    boot: Record | None = None
    caps: dict = field(default_factory=dict)  # MSR name -> value, or None if absent
    cpuid: dict = field(default_factory=dict)  # CPUID record: pa_width, la_width
    golden: dict = field(default_factory=dict)  # GOLDEN records: {encoding: value} (0 where absent)
    golden_absent: set = field(default_factory=set)  # GOLDEN absent=1: encodings VMREAD refuses
    ctl_used: dict = field(default_factory=dict)  # CTLUSED: {pin, proc, proc2, exit, entry} of successful entries
    novmx: str | None = None
    vmxon: Record | None = None
    scenarios: dict = field(default_factory=dict)  # id -> ScenarioTrace
    nomatch: list = field(default_factory=list)
    fault: Record | None = None
    fatal: Record | None = None
    finish: Record | None = None
    errors: list = field(default_factory=list)  # "line N: message"
    lines: int = 0

    @property
    def complete(self) -> bool:
        return self.finish is not None and not self.errors

    def __repr__(self) -> str:
        return (f"Trace(scenarios={len(self.scenarios)}, lines={self.lines}, errors={len(self.errors)}, "
                f"finish={self.finish is not None})")


@dataclass(repr=False)
class RunResult:
    """One boot of one platform.  Short repr, as Trace's."""

    platform: str
    status: RunStatus
    reason: str = ""
    trace: Trace | None = None
    duration_s: float = 0.0
    first_record_s: float | None = None
    run_dir: str = ""
    serial_path: str = ""
    log_paths: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)  # emulator version, model, accelerator, command
    emulator_log_excerpt: list = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"RunResult(platform={self.platform!r}, status={self.status.value}, reason={self.reason[:80]!r}, "
                f"trace={self.trace!r}, run_dir={self.run_dir!r})")


@dataclass(frozen=True)
class Divergence:
    """One difference, versus the SDM or between two platforms."""

    scenario: str
    record: int  # index of the event within the scenario (0-based), -1 for scenario-level
    field: str
    left: object
    right: object
    left_name: str = "expected"
    right_name: str = "actual"
    note: str = ""
    line: int | None = None

    def message(self) -> str:
        where = f"event #{self.record}" if self.record >= 0 else "scenario"
        at = f" (trace line {self.line})" if self.line else ""
        note = f" — {self.note}" if self.note else ""
        return (f"{self.scenario}: {where} field {self.field}: "
                f"{self.left_name}={_fmt(self.left)} {self.right_name}={_fmt(self.right)}{at}{note}")


def _fmt(v: object) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return hex(v) if v > 9 else str(v)
    return str(v)
