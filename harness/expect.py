"""What the Intel SDM says each scenario must produce.

Expected values come from the SDM (section titles cited, numbers drift
between editions) and from instruction encodings (SDM Vol. 2 opcode
tables) -- never from a platform.  Names, not numbers: exit reasons, errors
and checks are resolved through harness.tables (core/include/*.def).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from harness.tables import Tables

VMCALL_LOOP_DEFAULT_COUNT = 10


@dataclass(frozen=True)
class ExpectExit:
    """An expected VM exit; None means "not constrained"."""

    reason: str
    entry_fail: bool = False
    qual: int | None = 0
    len: int | None = None
    resumed: bool | None = None  # does the host enter the guest again after it?
    intr_info: int | None = None
    gprs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExpectVmFail:
    """An expected VMfailValid / VMfailInvalid."""

    kind: str  # "valid" | "invalid"
    error: str | None = None  # VM-instruction error name (vm_errors.def)
    insn: str | None = None


@dataclass(frozen=True)
class Expectation:
    events: tuple
    cite: str


def _instr_exit(reason: str, length: int, qual: int = 0) -> tuple:
    """Guest runs one exiting instruction (stepped over), then VMCALL (done)."""
    return (ExpectExit(reason, qual=qual, len=length, resumed=True),
            ExpectExit("VMCALL", len=3, resumed=False))


# Instruction lengths from the encodings the guests use (guests/exit.c).
_EXIT_CITE = ('SDM Vol. 3 appendix "VMX Basic Exit Reasons"; "Exit Qualification for Control-Register '
              'Accesses" / "for I/O Instructions" / "for INVLPG"; field "VM-Exit Instruction Length"')
STATIC: dict[str, Expectation] = {
    "exit_cpuid": Expectation(_instr_exit("CPUID", 2), _EXIT_CITE + "; CPUID = 0F A2"),
    "exit_hlt": Expectation(_instr_exit("HLT", 1), _EXIT_CITE + "; HLT = F4"),
    "exit_invd": Expectation(_instr_exit("INVD", 2), _EXIT_CITE + "; INVD = 0F 08"),
    # INVLPG: the qualification is the linear-address operand (0x1000).
    "exit_invlpg": Expectation(_instr_exit("INVLPG", 3, qual=0x1000), _EXIT_CITE + "; INVLPG m = 0F 01 /7"),
    "exit_rdtsc": Expectation(_instr_exit("RDTSC", 2), _EXIT_CITE + "; RDTSC = 0F 31"),
    # CR access: bits 3:0 CR number (3), 5:4 access type 0 (MOV to CR), 11:8 GPR 0 (RAX).
    "exit_cr3_load": Expectation(_instr_exit("CR_ACCESS", 3, qual=0x3), _EXIT_CITE + "; MOV CR3,RAX = 0F 22 D8"),
    # I/O: bits 2:0 size-1 (0), bit 3 direction (0 out, 1 in), bit 6 operand
    # encoding (1 immediate, 0 DX), bits 31:16 port (0x80).
    "exit_io_out_imm": Expectation(_instr_exit("IO_INSTRUCTION", 2, qual=0x800040), _EXIT_CITE + "; OUT imm8,AL = E6 ib"),
    "exit_io_in_dx": Expectation(_instr_exit("IO_INSTRUCTION", 1, qual=0x800008), _EXIT_CITE + "; IN AL,DX = EC"),
    "exit_rdmsr": Expectation(_instr_exit("MSR_READ", 2), _EXIT_CITE + "; RDMSR = 0F 32 (no MSR bitmap: all exit)"),
    "exit_wrmsr": Expectation(_instr_exit("MSR_WRITE", 2), _EXIT_CITE + "; WRMSR = 0F 30"),
    "exit_wbinvd": Expectation(_instr_exit("WBINVD", 2), _EXIT_CITE + "; WBINVD = 0F 09"),
    # #UD with the exception bitmap bit 6 set: interruption information
    # valid (31), type hardware exception (3 << 8), vector 6, no error code.
    "exit_ud2": Expectation((ExpectExit("EXCEPTION_NMI", len=None, resumed=False, intr_info=0x80000306),),
                            'SDM "VM-Exit Information Fields": VM-exit interruption information'),
    "entry_fail_launch_nonclear": Expectation(
        (ExpectExit("VMCALL", len=3, resumed=False),
         ExpectVmFail("valid", "VMLAUNCH_NONCLEAR_VMCS", insn="VMLAUNCH")),
        'SDM "VMLAUNCH/VMRESUME" operation; "VM Instruction Error Numbers" (4)'),
    "entry_fail_resume_nonlaunched": Expectation(
        (ExpectVmFail("valid", "VMRESUME_NONLAUNCHED_VMCS", insn="VMRESUME"),),
        'SDM "VMLAUNCH/VMRESUME" operation; "VM Instruction Error Numbers" (5)'),
    "entry_fail_no_current_vmcs": Expectation(
        (ExpectVmFail("invalid", insn="VMLAUNCH"),),
        'SDM "VMCLEAR" (clearing the current VMCS invalidates the current-VMCS pointer); '
        '"VMLAUNCH/VMRESUME": VMfailInvalid if the current-VMCS pointer is not valid'),
}

_CHECK_CITE = {
    "CTRL": 'SDM "Checks on VMX Controls and Host-State Area" -> VMfailValid, "VM Instruction Error Numbers"',
    "HOST": 'SDM "Checks on VMX Controls and Host-State Area" -> VMfailValid, "VM Instruction Error Numbers"',
    "GUEST": 'SDM "Checks on the Guest-State Area"; "VM-Entry Failures During or After Loading Guest State"',
    "MSR": 'SDM "Loading MSRs"; "VM-Entry Failures During or After Loading Guest State"',
}


def for_scenario(meta: dict, tables: Tables, params: dict | None = None) -> Expectation | None:
    """The SDM expectation for one catalog entry (scenarios.json row).

    Args:
        meta: {"id", "check", ...} from build/scenarios.json.
        tables: the fact tables.
        params: command-line parameters given to the image (e.g. count).
    Returns:
        The expectation, or None for a scenario that has none (hidden self-tests).
    """
    sid = meta["id"]
    params = params or {}
    if sid == "vmcall_loop":
        count = int(params.get("vmcall_loop.count", params.get("count", VMCALL_LOOP_DEFAULT_COUNT)))
        events = tuple(
            ExpectExit("VMCALL", len=3, resumed=i + 1 < count,
                       gprs={"rax": i, "rdi": 2, "rsi": 3, "rdx": 3, "rcx": 3})
            for i in range(count))
        return Expectation(events, 'RVM tutorial guest; SDM "VMCALL" (exit reason 18), VMCALL = 0F 01 C1')
    if sid in STATIC:
        return STATIC[sid]
    check = meta.get("check")
    if check:
        c = tables.check_by_name[check]
        area = c["area"]
        if area == "CTRL":
            ev = ExpectVmFail("valid", "ENTRY_INVALID_CONTROL_FIELD", insn="VMLAUNCH")
        elif area == "HOST":
            ev = ExpectVmFail("valid", "ENTRY_INVALID_HOST_STATE", insn="VMLAUNCH")
        elif area == "GUEST":
            ev = ExpectExit("INVALID_STATE", entry_fail=True, qual=c["qual"], resumed=False)
        else:
            ev = ExpectExit("MSR_LOAD_FAIL", entry_fail=True, qual=c["qual"], resumed=False)
        return Expectation((ev,), f'{_CHECK_CITE[area]}: "{c["text"]}"')
    return None
