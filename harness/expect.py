"""What the Intel SDM says each scenario must produce.

Expected values come from the SDM (section titles cited, numbers drift
between editions) and from instruction encodings (SDM Vol. 2 opcode
tables) -- never from a platform.  Names, not numbers: exit reasons, errors
and checks are resolved through harness.tables (core/include/*.def).
Addresses come from the assembler (the guests' labels in the ELF), and a
value a scenario chose at run time from the platform's CPUID (SETUP record)
is judged by applying the SDM's rule to that exact value here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from harness.tables import Tables


class ExpectationError(Exception):
    """The trace lacks what the expectation is computed from (one line)."""


@dataclass(frozen=True)
class ExpectExit:
    """An expected VM exit; None means "not constrained"."""

    reason: str
    entry_fail: bool = False
    qual: int | None = 0
    len: int | None = None
    resumed: bool | None = None  # does the host enter the guest again after it?
    intr_info: int | None = None
    intr_err: int | None = None
    rip: int | None = None  # guest RIP of the exit (assembler label, or the value the scenario chose)
    resume_rip: int | None = None  # the next exit must be here (assembler label after the instruction)
    gprs: dict = field(default_factory=dict)
    info: int | None = None  # VM-exit instruction-information field
    gla: int | None = None  # guest-linear address
    gpa: int | None = None  # guest-physical address
    idt_info: int | None = None  # IDT-vectoring information (0: not valid)
    idt_err: int | None = None
    gintr: int | None = None  # guest interruptibility state saved by the exit
    gact: int | None = None  # guest activity state saved by the exit
    masks: dict = field(default_factory=dict)  # {key: bits compared} (exit_info.def layouts)
    cpu: int | None = None  # expected on this CPU only; None: on every CPU of the scenario
    # occurs=impl: whether this exit happens at all is left to the implementation (the SDM does
    # not determine it); when it does, its fields are compared as declared (compare.align).
    optional: bool = False


@dataclass(frozen=True)
class ExpectVmFail:
    """An expected VMfailValid / VMfailInvalid."""

    kind: str  # "valid" | "invalid"
    error: str | None = None  # VM-instruction error name (vm_errors.def)
    insn: str | None = None
    cpu: int | None = None


@dataclass(frozen=True)
class ExpectCall:
    """What a call into the scenario's hypervisor must return (CALL record, guests/takeover.c)."""

    name: str
    ret: int | None = None
    vector: int | None = None
    cpu: int | None = None


@dataclass(frozen=True)
class ExpectFault:
    """An expected exception from an instruction the host executes (INSNFAULT record): a VMX
    instruction's #UD / #GP(0) / #PF in VMX root operation or outside VMX operation."""

    vector: int
    error_code: int | None = None  # None: not compared (#UD pushes none)
    insn: str | None = None
    cpu: int | None = None


@dataclass(frozen=True)
class Expectation:
    events: tuple
    cite: str
    cpus: int = 1  # the CPUs the scenario runs on (.cpus): an item without cpu= is expected on each


def rip_bits_identical(rip: int, n: int) -> bool:
    """SDM "Checks on Guest RIP, RFLAGS, and SSP": "bits 63:N must be identical"."""
    if n >= 64:
        return True
    top = rip >> n
    return top == 0 or top == (1 << (64 - n)) - 1


def canonical_4level(addr: int) -> bool:
    """Canonical for 4-level paging (48-bit linear addresses): bits 63:47 identical."""
    return rip_bits_identical(addr, 47)


_CHECK_CITE = {
    "CTRL": 'SDM "Checks on VMX Controls and Host-State Area" -> VMfailValid, "VM Instruction Error Numbers"',
    "HOST": 'SDM "Checks on VMX Controls and Host-State Area" -> VMfailValid, "VM Instruction Error Numbers"',
    "GUEST": 'SDM "Checks on the Guest-State Area"; "VM-Entry Failures During or After Loading Guest State"',
    "MSR": 'SDM "Loading MSRs"; "VM-Entry Failures During or After Loading Guest State"',
}


def _check_failure(c: dict):
    area = c["area"]
    if area == "CTRL":
        return ExpectVmFail("valid", "ENTRY_INVALID_CONTROL_FIELD", insn="VMLAUNCH")
    if area == "HOST":
        return ExpectVmFail("valid", "ENTRY_INVALID_HOST_STATE", insn="VMLAUNCH")
    if area == "GUEST":
        return ExpectExit("INVALID_STATE", entry_fail=True, qual=c["qual"], resumed=False)
    return ExpectExit("MSR_LOAD_FAIL", entry_fail=True, qual=c["qual"], resumed=False)


def _rip_high_bits(meta: dict, c: dict, setup: dict, tables: Tables) -> Expectation:
    """Apply the RIP rule to the exact value and N the platform reported."""
    try:
        rip, n = int(setup["value"]), int(setup["la_width"])
    except (KeyError, TypeError, ValueError):
        raise ExpectationError(f"scenario {meta['id']} printed no SETUP record with value= and la_width=")
    cite = (f'{_CHECK_CITE["GUEST"]}: "{c["text"]}"; RIP={rip:#x}, N={n} '
            f'(CPUID.80000008H:EAX[15:8] on this platform)')
    if not rip_bits_identical(rip, n):
        return Expectation((_check_failure(c),), cite + f": bits 63:{n} are not identical -> entry fails")
    if canonical_4level(rip):
        raise ExpectationError(f"RIP {rip:#x} passes the check and is canonical: no prediction for the fetch")
    # The check passes; the guest (4-level paging) fetches from a
    # non-canonical address: #GP(0) (SDM Vol. 3 "Interrupt 13 -- General
    # Protection Exception": non-canonical linear address), intercepted by
    # the exception bitmap (all bits set) at RIP = the value itself.
    ev = ExpectExit("EXCEPTION_NMI", qual=0, resumed=False, rip=rip,
                    intr_info=tables.encode("INTR_INFO", VECTOR="GP", TYPE="HW_EXCEPTION", ERROR_VALID=1, VALID=1),
                    intr_err=0)
    return Expectation((ev,), cite + f": bits 63:{n} identical -> entry succeeds; the fetch at a "
                       "non-canonical RIP raises #GP(0) (exception bitmap: exit reason 0)")


def for_scenario(meta: dict, tables: Tables, params: dict | None = None,
                 setup: dict | None = None) -> Expectation | None:
    """The SDM expectation for one catalog entry (scenarios.json row): the one the
    scenario declares beside itself in C (.expect, harness/spec.py), else the
    entry-check table's outcome for the check it violates (.check).

    Args:
        meta: {"id", "check", "params", "labels", ...} from build/scenarios.json.
        tables: the fact tables.
        params: command-line parameters given to the image (e.g. count).
        setup: the values the scenario reported choosing (SETUP records).
    Returns:
        The expectation, or None for a scenario that has none (hidden self-tests).
    Raises:
        ExpectationError: the trace or the image lacks what it is computed from.
    """
    params = params or {}
    if meta.get("expect"):
        from harness import spec
        try:
            events = spec.parse(meta, tables, params)
        except spec.SpecError as exc:
            raise ExpectationError(str(exc)) from None
        return Expectation(events, meta.get("cite") or "the scenario's declaration", cpus=int(meta.get("cpus") or 1))
    check = meta.get("check")
    if check:
        c = tables.check_by_name[check]
        if check == "GUEST_RIP_HIGH_BITS":
            return _rip_high_bits(meta, c, setup or {}, tables)
        return Expectation((_check_failure(c),), f'{_CHECK_CITE[c["area"]]}: "{c["text"]}"')
    return None


# --- entry-check sweep cases (core/sweep.c, core/model) ------------------------------------------

_OUTCOME_EVENT = {
    "vmfail_invalid": lambda p: ExpectVmFail("invalid", insn="VMLAUNCH"),
    "vmfail_valid": lambda p: ExpectVmFail("valid", _ERROR_NAMES.get(p.error, f"UNKNOWN_{p.error}"), insn="VMLAUNCH"),
    "exit_invalid_state": lambda p: ExpectExit("INVALID_STATE", entry_fail=True, qual=p.qual, resumed=False),
    "exit_msr_load": lambda p: ExpectExit("MSR_LOAD_FAIL", entry_fail=True, qual=p.qual, resumed=False),
    # The entry succeeds: the sweep guest's first instruction is its VMCALL.
    "vmsucceed": lambda p: ExpectExit("VMCALL", len=3, resumed=False),
}
_ERROR_NAMES: dict = {}


def sweep_prediction(trace, st, tables: Tables):
    """The host model's prediction for a sweep case: GOLDEN + the case's DIFF records, the
    platform's capability MSRs and CPUID widths (harness/vmxmodel.py, core/model)."""
    from harness import vmxmodel
    if not trace.golden:
        raise ExpectationError("the trace has no GOLDEN records (the golden VMCS of the sweep)")
    try:
        model = vmxmodel.get(tables)
        pa, la = vmxmodel.widths(trace)
    except vmxmodel.ModelError as exc:
        raise ExpectationError(str(exc)) from None
    return model.predict(vmxmodel.case_input(trace, st), trace.caps, pa_width=pa, la_width=la,
                         msr_load=st.msr_load)


def for_sweep_case(meta: dict, tables: Tables, trace, st) -> tuple[Expectation, object]:
    """(expectation, host prediction) for one sweep case.

    The case's own claim (violates exactly its check, or nothing) is checked by
    the caller; the expectation is what the SDM model predicts for the exact
    VMCS the platform held, never what the platform did.
    """
    if not _ERROR_NAMES:
        _ERROR_NAMES.update({n: e["name"] for n, e in tables.error_by_number.items()})
    p = sweep_prediction(trace, st, tables)
    c = tables.check_by_name.get(meta.get("check") or "", {})
    group = tables.group_by_name.get(c.get("group", ""), {})
    cite = (f'SDM "{group.get("section", "VM Entries")}": "{c.get("text", "?")}"; model: {p.summary()}')
    return Expectation((_OUTCOME_EVENT[p.outcome](p),), cite), p
