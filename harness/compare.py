"""Pure comparison: a scenario trace versus the SDM, or versus another platform.

One per-field policy table says how each field is compared:
EXACT, IGNORE (SDM leaves it undefined), LEN_RULE (exact only for exits
whose instruction length the SDM defines: tables.len_defined(), by exit reason and,
for exception exits, interruption type) or ERR_RULE
(the interruption error code, exact only where it is valid) or LAYOUT_RULE
(exact on the bits core/include/exit_info.def's layout for the exit does not
call undefined).  Known, cited
platform deviations are registered in KNOWN_DIVERGENCES, each matching one
field and both values exactly; they turn exactly that divergence into
XFAIL, never into PASS, and fail when they stop happening.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from harness.expect import ExpectCall, Expectation, ExpectExit, ExpectFault, ExpectVmFail
from harness.model import CallRecord, Divergence, ExitRecord, InsnFaultRecord, ScenarioTrace, VmFailRecord, _fmt
from harness.tables import Tables

EXACT, IGNORE, LEN_RULE, ERR_RULE, LAYOUT_RULE = "EXACT", "IGNORE", "LEN_RULE", "ERR_RULE", "LAYOUT_RULE"

# Exit-record fields compared between platforms.
EXIT_FIELD_POLICY = {
    "insn": EXACT,
    "reason": EXACT,
    "entry_fail": EXACT,
    "qual": EXACT,
    "len": LEN_RULE,  # SDM field "VM-Exit Instruction Length": undefined for other exits (and events)
    "rip": EXACT,
    "resumed": EXACT,
    "intr_info": EXACT,
    "intr_err": ERR_RULE,  # SDM "VM-exit interruption error code": undefined unless intr_info bit 11 is 1
    "gprs": EXACT,
    # exit_info.def: present where the reason defines them; the bits the layout calls
    # undefined are not compared (LAYOUT_RULE).
    "info": LAYOUT_RULE,
    "gla": LAYOUT_RULE,
    "gpa": LAYOUT_RULE,
    "idt_info": EXACT,
    "idt_err": EXACT,
    # Saved guest interruptibility / activity state: traced only where a scenario asks.
    "gintr": EXACT,
    "gact": EXACT,
}
VMFAIL_FIELD_POLICY = {"insn": EXACT, "kind": EXACT, "err": EXACT}
# INSNFAULT: the image's exception stubs push 0 for vectors without an error code, so the error
# code is compared exactly too.
FAULT_FIELD_POLICY = {"insn": EXACT, "vector": EXACT, "error_code": EXACT}
CALL_FIELD_POLICY = {"name": EXACT, "ret": EXACT, "vector": EXACT}


@dataclass(frozen=True)
class KnownDivergence:
    """One observed deviation, registered with its citation and evidence.

    It matches exactly one divergence: the platform (or pair "a-vs-b"), the
    scenario, the field, and both values as printed (``Divergence`` values
    through ``_fmt``).  Any other divergence in the same scenario still
    fails, and an entry whose divergence is no longer observed fails too.
    """

    platform: str  # glob over platform names, or over "a-vs-b" pair names
    scenario: str  # exact scenario id
    field: str
    expected: str  # left value as printed (SDM expectation, or the left platform)
    actual: str  # right value as printed
    cite: str
    layer: str = ""  # which implementation decides it (e.g. "bochs" for KVM-on-Bochs entry checks)
    # The platform produces it on some boots only (a value left over in the emulator's decoder
    # cache): when it is not observed the verdict is the SDM's, not "no longer observed".  When
    # observed it still has to match exactly this field and these values.
    intermittent: bool = False

    def applies(self, platform: str, scenario: str) -> bool:
        # A platform entry never applies to a pair verdict, nor a pair entry to a platform.
        if ("-vs-" in platform) != ("-vs-" in self.platform):
            return False
        return fnmatch.fnmatchcase(platform, self.platform) and scenario == self.scenario

    def matches(self, platform: str, d: Divergence, labels: dict | None = None) -> bool:
        """Values "@name" are the scenario's assembler label label__<id>__name (addresses
        change with every build; the label does not).  A value with "*" is a glob, only for a
        value the platform makes up anew on every boot (stale decoder data); it still matches
        one field, and the other value exactly."""
        def want(v: str) -> str:
            if v.startswith("@") and labels and v[1:] in labels:
                return _fmt(labels[v[1:]])
            return v

        def same(got, pattern: str) -> bool:
            w = want(pattern)
            return fnmatch.fnmatchcase(_fmt(got), w) if "*" in w else _fmt(got) == w
        return (self.applies(platform, d.scenario) and d.field == self.field
                and same(d.left, self.expected) and same(d.right, self.actual))


_RIP_CITE = ('SDM "Checks on Guest RIP, RFLAGS, and SSP": "If the processor supports N < 64 linear-address '
             'bits, bits 63:N must be identical if the IA-32e mode guest VM-entry control is 1 and the L bit '
             'in the access-rights field for CS is 1." Bochs 2.7 and 3.0, every CPU model (N from '
             'CPUID.80000008H:EAX[15:8]: 48, and 57 on sapphire_rapids), check only "bits 63:32 must be 0" '
             'for guests that are not 64-bit and nothing for 64-bit ones: with RIP = {what} (bits 63:N not '
             'identical; 0x{n48:x} for N=48, 0x{n57:x} for N=57) VM entry succeeds and the first fetch takes '
             '#GP(0) (exit reason 0, interruption information 0x80000b0d, error code 0, exit RIP = that '
             'value) instead of exit reason 33. The passing side of the boundary (guest_rip_bit_n_minus_1, '
             'guest_rip_high_ones) behaves as the SDM says.')

_SIDE_CITE = ('SDM "VM-Entry Failures During or After Loading Guest State": "Information about the VM-entry '
              'failure is recorded in the VM-exit information fields: Exit reason ... Exit qualification ... All '
              'other VM-exit information fields are unmodified" -- {field}: Bochs {what} on a VM-entry failure.')
_KVM_ON_BOCHS_RIP = (" On qemu-kvm612-on-bochs30 the same: KVM nested.c has no check of vmcs12's guest RIP and "
                     "leaves it to the hardware, here Bochs 3.0 (L0), which does not make it.")

_SDM_CANON = {
    "gdtr_idtr": 'SDM "Checks on Guest Descriptor-Table Registers": "On processors that support Intel 64 architecture, '
                 'the base-address fields must contain canonical addresses"',
    "seg": 'SDM "Checks on Guest Segment Registers": "Base-address fields (processors that support Intel 64 '
           'architecture). TR, FS, GS. The address must be canonical"',
    "ldtr": 'SDM "Checks on Guest Segment Registers": "Base-address fields (processors that support Intel 64 '
            'architecture). ... LDTR. If LDTR is usable, the address must be canonical"',
    "guest_sysenter": 'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "The IA32_SYSENTER_ESP '
                      'field and the IA32_SYSENTER_EIP field must each contain a canonical address"',
    "host_seg": 'SDM "Checks on Host Segment and Descriptor-Table Registers": "On processors that support Intel 64 '
                'architecture, the base-address fields for FS, GS, GDTR, IDTR, and TR must contain canonical addresses"',
    "host_sysenter": 'SDM "Checks on Host Control Registers, MSRs, and SSP": "On processors that support Intel 64 '
                     'architecture, the IA32_SYSENTER_ESP field and the IA32_SYSENTER_EIP field must each contain a '
                     'canonical address"',
    "msr_load": 'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits '
                '127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if '
                'executed via WRMSR with CPL = 0" (WRMSR to this MSR faults only on a non-canonical value)',
}


def _canon57(rule: str, what: str, value: str, log: str) -> str:
    return (_SDM_CANON[rule] + ' and Vol. 1 "Canonical Addressing": "an address is considered to be in canonical form '
            'if address bits 63 through to the most-significant implemented bit by the microarchitecture are set to '
            'either all ones or all zeros" -- on sapphire_rapids CPUID.80000008H:EAX[15:8] = 57 (most-significant '
            f'implemented bit 56): {what} = {value} has bits 63:56 identical, canonical. Bochs 3.0 checks canonical '
            'form against the current paging mode (IsCanonical: 48 bits while CR4.LA57 = 0 in the host and the guest): '
            f'"{log}". Only the band between 48 and 57 bits differs; the VIOLATE cases (bit 56 alone) agree.')


_X2APIC_PENRYN27 = ('SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 '
                    'is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) '
                    'loads MSR 800H-8FFH from the MSR-load area without failing (exit 18 after the entry); Bochs 3.0 on '
                    'the same model fails the entry with exit 34, qualification 2, as the SDM says.')


# qemu-kvm612-on-bochs30: the exit catalog and failed-entry scenarios (each analysed; layer named).
_KVM_PASSTHROUGH = (" On qemu-kvm612-on-bochs30 the L3 exit is taken by Bochs 3.0 (L0) on vmcs02 and KVM copies "
                    "it into vmcs12 (nested.c prepare_vmcs12: vmcs12->exit_qualification = exit_qualification; "
                    "vmcs12->vmx_instruction_info = vmcs_read32(VMX_INSTRUCTION_INFO)), so the value is Bochs's.")

_REGFORM_QUAL = ('SDM "Exit Qualification for VM Exits" (LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT, STR, VMCLEAR, '
                 'VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMXON, ...): the exit qualification receives the value of '
                 'the instruction\'s displacement field; "If the instruction has no displacement (for example, '
                 'has a register operand), zero is stored into the exit qualification." -- {insn} has a register '
                 'operand, so the qualification must be 0. Bochs 3.0 (L0) stores i->displ32s() '
                 '(cpu/vmexit.cc VMexit_Instruction) for register forms too; the 64-bit decoder '
                 '(cpu/decoder/fetchdecode64.cc) zeroes displ32u only in decodeModrm64, i.e. for mod != 11b, and '
                 'zeroes only the first union (modRMForm.Id) for every instruction, so a mod=11b instruction '
                 'keeps the displacement of whatever instruction last used that icache entry. Direct Bochs runs '
                 'happen to read 0 (fresh entries); under L1 Linux the entries are recycled and the value changes '
                 'from boot to boot.')

KVM_EXIT_DIVERGENCES = (
    # ---- SDM verdicts on the KVM platform -------------------------------------------------------
    *(KnownDivergence("qemu-kvm*-on-bochs*", sid, "qual", "0", "*",
                      _REGFORM_QUAL.format(insn=insn) + _KVM_PASSTHROUGH, layer="bochs", intermittent=True)
      for sid, insn in (("exit_desc_lldt_reg", "LLDT CX (0F 00 D1)"),
                        ("exit_desc_ltr_reg", "LTR r16 (0F 00 /3)"),
                        ("exit_desc_sldt_reg", "SLDT R13D (41 0F 00 C5)"),
                        ("exit_desc_str_reg", "STR AX (66 0F 00 C8)"),
                        ("exit_vmx_vmread_reg", "VMREAD R14, R9 (4D 0F 78 CE)"),
                        ("exit_vmx_vmwrite_reg", "VMWRITE RDI, RSI (0F 79 FE)"))),
    *(KnownDivergence("qemu-kvm*-on-bochs*", sid, "info", want, got,
                      'SDM "Format of the VM-Exit Instruction-Information Field as Used for RDRAND, RDSEED, TPAUSE, '
                      'and UMWAIT": "12:11 Operand size: 0: 16-bit 1: 32-bit 2: 64-bit" -- ' + insn + ' has a '
                      '16-bit operand size (bits 12:11 = 0); Bochs 3.0 (L0) reports 1: cpu/vmexit.cc '
                      'gen_instruction_info tests the address-size bit (as32L) instead of the operand size (the '
                      'bochs* entry).' + _KVM_PASSTHROUGH, layer="bochs")
      for sid, want, got, insn in (("exit_rdrand16", "0", "0x800", "RDRAND AX (66 0F C7 F0)"),
                                   ("exit_rdseed16", "0x30", "0x830", "RDSEED SI (66 0F C7 FE)"))),
    KnownDivergence("qemu-kvm*-on-bochs*", "exit_ept_walk_ad", "qual", "0xab", "0xaa",
                    'SDM "Exit Qualification for EPT Violations", bits 0-1 footnote: with accessed and dirty flags '
                    'for EPT enabled, "processor accesses to guest paging-structure entries are treated as writes '
                    'with regard to EPT violations"; "If such an access causes an EPT violation, the processor sets '
                    'both bit 0 and bit 1 of the exit qualification" -- Bochs 3.0 (L0) sets only bit 1 on the '
                    'vmcs02 EPT violation (cpu/paging.cc, the bochs* entry). KVM builds the vmcs12 qualification '
                    'in paging_tmpl.h FNAME(walk_addr_generic) (EPT): bits 2:0 from the fault\'s access bits, which '
                    'handle_ept_violation derived from Bochs\'s bits 0-2 (read -> PFERR_USER, write -> PFERR_WRITE), '
                    'bits 5:3 from ept12, bits 8:7 from Bochs -- so Bochs\'s missing read bit is carried through.',
                    layer="bochs"),
    *(KnownDivergence("qemu-kvm*-on-bochs*", "exit_ev_preempt_timer", field, want, got,
                      'SDM "VMX-Preemption Timer" (VM entries): "It is possible for the VMX-preemption timer to '
                      'expire during VM entry (e.g., if the value in the VMX-preemption timer-value field is zero). '
                      'If this happens (and if the VM entry was not to the wait-for-SIPI state), a VM exit occurs '
                      'with its normal priority after any event injection and before execution of any instruction '
                      'following VM entry." -- timer value 0, yet L3 executes its VMCALL first. KVM emulates the '
                      'vmcs12 timer (nested.c vmx_start_preemption_timer: value 0 -> preemption_timer_expired at '
                      'once); vmx_check_nested_events returns -EBUSY while nested_run_pending, so vcpu_enter_guest '
                      'forces an immediate exit from vmcs02: with kvm_intel preemption_timer=N (recorded in the run: '
                      'vmx.c hardware_setup turns it off when tsc_khz*1000 >> IA32_VMX_MISC[4:0] (0 on Bochs) '
                      'exceeds 0xffffffff/10) vmx_vcpu_run sends a self-IPI (smp_send_reschedule) with IRQs off and '
                      'relies on "external-interrupt exiting" in vmcs02 to exit before L3\'s first instruction. '
                      'Bochs 3.0 (L0) does not recognise that pending interrupt at VM entry: cpu/vmx.cc VMenterLoadCheckGuestState '
                      'sets async_event = 0 and re-evaluates the interrupt masks only through setEFlags -> '
                      'handleInterruptMaskChange when RFLAGS.IF changes (L1 IF=0 -> L3 IF=0: no change), so '
                      'BX_EVENT_PENDING_LAPIC_INTR stays masked although cpu/flag_ctrl_pro.cc itself says that with '
                      '"external-interrupt exiting" "the value of EFLAGS.IF doesn\'t affect interrupt blocking". '
                      'SDM "Event Blocking": with external-interrupt exiting 1 "RFLAGS.IF does not control the '
                      'blocking of external interrupts ... causes a VM exit (even if RFLAGS.IF = 0)".',
                      layer="bochs")
      for field, want, got in (("event_count", "2", "1"),
                               ("reason", "52 (PREEMPTION_TIMER)", "18 (VMCALL)"))),

    # ---- Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30 ----------------------------------------
    *(KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", sid, field, "0" if field == "intr_info" else "None",
                      got,
                      'SDM "VM-Entry Failures During or After Loading Guest State": "Information about the VM-entry '
                      'failure is recorded in the VM-exit information fields: Exit reason ... Exit qualification ... '
                      'All other VM-exit information fields are unmodified" -- KVM (nested.c '
                      'nested_vmx_enter_non_root_mode, label vmentry_fail_vmexit: load_vmcs12_host_state, '
                      'vmcs12->vm_exit_reason = exit_reason.full, exit_qualification set by the failing check; '
                      'prepare_vmcs12 writes the interruption and IDT-vectoring fields only when the exit reason is '
                      'not a failed entry) leaves vmcs12\'s ' + what + ' of the prior exit (' + prior + ') at '
                      + got + ', as the SDM says; Bochs 3.0 (left) clears it (the bochs* unmodified: entries), so '
                      'the failed-entry record has ' + field + ' ' + ("0" if field == "intr_info" else "not valid")
                      + ' there.', layer="bochs")
      for sid, field, got, what, prior in (
          ("entry_fail_side_guest", "intr_info", "0x80000b0e", "VM-exit interruption information",
           "#PF while delivering #GP(0xfff8)"),
          ("entry_fail_side_guest", "idt_info", "0x80000b0d", "IDT-vectoring information",
           "#PF while delivering #GP(0xfff8)"),
          ("entry_fail_side_guest", "idt_err", "0xfff8", "IDT-vectoring error code",
           "#PF while delivering #GP(0xfff8)"),
          ("entry_fail_side_msr", "intr_info", "0x80000b0d", "VM-exit interruption information",
           "#GP while delivering INT 80H"),
          ("entry_fail_side_msr", "idt_info", "0x80000480", "IDT-vectoring information",
           "#GP while delivering INT 80H"),
          # The image traces the IDT-vectoring error code with valid IDT-vectoring information; for
          # INT 80H (no error code) its value is undefined: KVM's is 0.
          ("entry_fail_side_msr", "idt_err", "0", "IDT-vectoring error code",
           "#GP while delivering INT 80H"))),
    *(KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", sid, "qual", "0", "*",
                      _REGFORM_QUAL.format(insn=insn) + _KVM_PASSTHROUGH, layer="bochs", intermittent=True)
      for sid, insn in (("exit_desc_lldt_reg", "LLDT CX"), ("exit_desc_ltr_reg", "LTR r16"),
                        ("exit_desc_sldt_reg", "SLDT R13D"), ("exit_desc_str_reg", "STR AX"),
                        ("exit_vmx_vmread_reg", "VMREAD R14, R9"), ("exit_vmx_vmwrite_reg", "VMWRITE RDI, RSI"))),
    *(KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", "exit_ept_misconfig_pde_2m", field, left, right,
                      'SDM "EPT Misconfigurations": "the entry is present and ... sets any reserved bit"; bits 20:12 '
                      'of an EPT PDE that maps a 2-MByte page are reserved -- KVM (paging_tmpl.h EPT walk, '
                      'is_rsvd_bits_set -> PFERR_RSVD_MASK -> nested.c nested_ept_inject_page_fault: '
                      'EXIT_REASON_EPT_MISCONFIG, vmcs12->guest_physical_address = fault->address) takes exit 49 at '
                      'the read as the SDM requires; Bochs 3.0 (left) translates normally (the bochs* entry).',
                      layer="bochs")
      for field, left, right in (("reason", "0x12", "0x31"),
                                 ("rip", "@resume", "@insn"),
                                 ("gprs", "{'rax': *, 'rdi': 0, 'rsi': 0, 'rdx': 0, 'rcx': 0}",
                                  "{'rax': 0, 'rdi': 0, 'rsi': 0, 'rdx': 0, 'rcx': 0}"),
                                 ("gpa", "None", "0x40200123"))),
    KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", "exit_m2_pml_full_read", "rip", "@read", "@insn",
                    'SDM "Page-Modification Logging": the log-full event happens when the processor would set an EPT '
                    'dirty flag that was 0 -- KVM emulates PML for vmcs12 (nested.c nested_vmx_write_pml_buffer '
                    'when it sets a dirty bit; PML-full via nested_ept_inject_page_fault, vmx->nested.pml_full) and '
                    'exits at the second write (@insn) as the SDM requires; Bochs 3.0 (left) exits at the read '
                    '(@read; the bochs* entry).', layer="bochs"),
    *(KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", "exit_ev_preempt_timer", field, left, right,
                      'SDM "VMX-Preemption Timer": timer value 0 at VM entry -> VM exit "before execution of any '
                      'instruction following VM entry" -- Bochs 3.0 direct (left) does so; under KVM the forced '
                      'immediate exit (self-IPI, kvm_intel preemption_timer=N) is not recognised by Bochs 3.0 (L0) '
                      'at VM entry (cpu/vmx.cc: async_event = 0, interrupt masks only re-evaluated on an RFLAGS.IF '
                      'change), so L3 runs its VMCALL first (see the qemu-kvm*-on-bochs* entry).', layer="bochs")
      for field, left, right in (("event_count", "2", "1"), ("reason", "0x34", "0x12"),
                                 ("resumed", "True", "False"))),
)


# Shared tails of the KVM-on-Bochs sweep entries (which layer let the entry through).
_KVM_NO_CHECK = (" On qemu-kvm612-on-bochs30: KVM nested.c (L1) has no such check and copies the field into vmcs02; Bochs 3.0 (L0) lacks it as well, so the entry succeeds there too.")
_KVM_NO_SEG_CHECK = (" On qemu-kvm612-on-bochs30: KVM nested.c (L1) makes no guest segment-register checks (left to the hardware) and copies the SS fields into vmcs02; Bochs 3.0 (L0) skips them for the null SS selector.")


KNOWN_DIVERGENCES: tuple[KnownDivergence, ...] = (
    *KVM_EXIT_DIVERGENCES,
    KnownDivergence("bochs*", "invalid_guest_state_rip_bit_n", "reason", "33 (INVALID_STATE)",
                    "0 (EXCEPTION_NMI)", _RIP_CITE.format(what="bit N alone", n48=1 << 48, n57=1 << 57), layer="bochs"),
    KnownDivergence("bochs*", "invalid_guest_state_rip_bit_63", "reason", "33 (INVALID_STATE)",
                    "0 (EXCEPTION_NMI)", _RIP_CITE.format(what="bit 63 alone", n48=1 << 63, n57=1 << 63), layer="bochs"),
    # KVM's nested.c does not check vmcs12's guest RIP: it leaves the check to the
    # "hardware", which on this platform is Bochs 3.0 (L0): the same deviation.
    KnownDivergence("qemu-kvm*-on-bochs*", "invalid_guest_state_rip_bit_n", "reason", "33 (INVALID_STATE)",
                    "0 (EXCEPTION_NMI)", _RIP_CITE.format(what="bit N alone", n48=1 << 48, n57=1 << 57)
                    + _KVM_ON_BOCHS_RIP, layer="bochs"),
    KnownDivergence("qemu-kvm*-on-bochs*", "invalid_guest_state_rip_bit_63", "reason", "33 (INVALID_STATE)",
                    "0 (EXCEPTION_NMI)", _RIP_CITE.format(what="bit 63 alone", n48=1 << 63, n57=1 << 63)
                    + _KVM_ON_BOCHS_RIP, layer="bochs"),
    # Failed-entry side effects (guests/entry_fail_side.c).  Bochs 2.7/3.0 run a failed entry through
    # their ordinary VM-exit path (cpu/vmx.cc VMexit()), which always writes the VM-exit instruction
    # length (RIP - prev_rip) and clears the VM-exit interruption information for reasons other
    # than 0 and 1.
    *(KnownDivergence("bochs*", sid, f"unmodified:{field}", before, after, _SIDE_CITE.format(field=field, what=what),
                      layer="bochs")
      for sid, field, before, after, what in (
          ("entry_fail_side_guest", "VM_EXIT_INTR_INFO", "0x80000b0e", "0",
           "clears it (the prior exit's #PF, taken while delivering a #GP)"),
          ("entry_fail_side_msr", "VM_EXIT_INTR_INFO", "0x80000b0d", "0",
           "clears it (the prior exit's #GP, taken while delivering INT 80H)"),
          ("entry_fail_side_guest", "VM_EXIT_INSTRUCTION_LEN", "0", "3",
           "writes the VMRESUME's length (3) over the prior exit's 0 (Bochs's value for the #PF exit, whose "
           "length the SDM leaves undefined)"),
          ("entry_fail_side_msr", "VM_EXIT_INSTRUCTION_LEN", "2", "0",
           "writes 0 over the prior exit's 2 (INT 80H; the MSR-load failure path)"),
          # cpu/vmx.cc VMexit(): "in_event" is false for a failed entry, so the IDT-vectoring
          # information is written 0 (the IDT-vectoring error code is left alone).
          ("entry_fail_side_guest", "IDT_VECTORING_INFO_FIELD", "0x80000b0d", "0",
           "clears it (the prior exit's IDT-vectoring information: the #GP being delivered)"),
          ("entry_fail_side_msr", "IDT_VECTORING_INFO_FIELD", "0x80000480", "0",
           "clears it (the prior exit's IDT-vectoring information: INT 80H being delivered)"))),
    # Exit catalog (guests/exit_*.c): instruction information.
    *(KnownDivergence("bochs*", sid, "info", want, got,
                      'SDM "Format of the VM-Exit Instruction-Information Field as Used for RDRAND, RDSEED, TPAUSE, '
                      'and UMWAIT": "12:11 Operand size: 0: 16-bit 1: 32-bit 2: 64-bit" -- ' + insn + ' in 64-bit mode '
                      'without REX.W has a 16-bit operand size (bits 12:11 = 0); Bochs 2.7/3.0 report 1 (32-bit): '
                      'cpu/vmexit.cc gen_instruction_info tests the address-size bit (as32L) instead of the operand '
                      'size, and the 64-bit decoder always sets it.', layer="bochs")
      for sid, want, got, insn in (("exit_rdrand16", "0", "0x800", "RDRAND AX (66 0F C7 F0)"),
                                   ("exit_rdseed16", "0x30", "0x830", "RDSEED SI (66 0F C7 FE)"))),
    KnownDivergence("bochs27-*", "exit_ev_nmi_window_stale_blocking", "reason", "8 (NMI_WINDOW)", "18 (VMCALL)",
                    'SDM "NMI-Window Exiting": "a VM exit occurs at the beginning of any instruction at which ... '
                    'there is no virtual-NMI blocking"; "Loading Guest State": with "virtual NMIs" 1, bit 3 of the '
                    'interruptibility state is virtual-NMI blocking -- after an exit with blocking, the host clears '
                    'bit 3 and resumes with NMI-window exiting: Bochs 2.7 keeps the earlier blocking and runs the '
                    'guest\'s next VMCALL (Bochs 3.0 exits). The image scrubs this state after every scenario that '
                    'used virtual NMIs (core/main.c), so later scenarios do not inherit it.', layer="bochs"),
    KnownDivergence("bochs*", "exit_ept_walk_ad", "qual", "0xab", "0xaa",
                    'SDM "Exit Qualification for EPT Violations", bits 0-1 footnote: with accessed and dirty flags '
                    'for EPT enabled, "processor accesses to guest paging-structure entries are treated as writes '
                    'with regard to EPT violations"; "If such an access causes an EPT violation, the processor sets '
                    'both bit 0 and bit 1 of the exit qualification" -- Bochs sets only bit 1 (write): '
                    'cpu/paging.cc turns the walk access into BX_WRITE before the violation is reported.',
                    layer="bochs"),
    KnownDivergence("bochs*", "exit_ept_misconfig_pde_2m", "reason", "49 (EPT_MISCONFIG)", "18 (VMCALL)",
                    'SDM "EPT Misconfigurations": "the entry is present and ... sets any reserved bit"; for an EPT '
                    'PDE that maps a 2-MByte page bits 20:12 are reserved -- with bit 12 set Bochs translates '
                    'normally: cpu/paging.cc masks the entry with 0x000fffffffffe000 before its reserved-bit test, '
                    'so bit 12 is never checked (the bit-13 case gets exit 49).', layer="bochs"),
    KnownDivergence("bochs*", "exit_m2_pml_full_read", "rip", "@insn", "@read",
                    'SDM "Page-Modification Logging": logging (and the page-modification log-full event when the '
                    'PML index is outside 0-511) happens when the processor sets an EPT dirty flag that was 0 -- '
                    'the guest reads a page whose dirty flag is set between two writes; Bochs takes the log-full '
                    'exit at the read (cpu/paging.cc / cpu/vmexit.cc check the PML index on every EPT '
                    'translation), not at the second write.', layer="bochs"),
    # The Bochs 2.7 virtual-NMI deviation seen between the 2.7 and 3.0 platforms of one CPU model.
    KnownDivergence("bochs27-*-vs-bochs30-*", "exit_ev_nmi_window_stale_blocking", "reason", "0x12", "8",
                    "Bochs 2.7 keeps virtual-NMI blocking the VMCS no longer has and runs the guest's VMCALL; 3.0 "
                    "takes the NMI-window exit the SDM requires (see the bochs27-* entry).", layer="bochs"),
    # Entry-check sweep (core/model, guests/sweep_*.c): platforms against the SDM model.  Each was
    # checked by evaluating the SDM condition on the exact value (harness/tests/test_model_*.py test
    # both sides of each boundary).  Generated from a run, then reviewed one by one.
    KnownDivergence('bochs*', 'ec_CTRL_ENTRY_SMM__set', 'event', 'VMFAIL', 'EXIT INVALID_STATE|ENTRY_FAIL qual=0x0',
                    'SDM "Checks on VM-Entry Control Fields": "If the processor is not in SMM, the "entry to SMM" and "deactivate dual-monitor treatment" VM-entry controls must be 0 ["entry to SMM" here]" -- Bochs 2.7/3.0 do not make this control check; they fail the entry later as a guest-state check (exit 33) instead of VMfailValid 7.', layer="bochs"),
    KnownDivergence('bochs30-skylake_x', 'ec_CTRL_POSTED_INTR_DESC_ALIGN__64', 'event', 'EXIT', 'VMFAIL VMLAUNCH valid err=7',
                    'SDM "Checks on VM-Execution Control Fields": "If the "process posted interrupts" VM-execution control is 1, the following must be true: ... Bits 5:0 of the posted-interrupt descriptor address are all 0" -- Bochs 3.0 requires the posted-interrupt descriptor to be 4 KiB aligned (IsValidPageAlignedPhyAddr: "Posted Interrupt Descriptor phy addr malformed"); the SDM asks only bits 5:0 = 0, so a 64-byte aligned descriptor must enter.', layer="bochs"),
    KnownDivergence('bochs27-skylake_x', 'ec_CTRL_PROC2_RESERVED__tsc_scaling_multiplier0', 'event', 'EXIT', 'VMFAIL VMLAUNCH valid err=7',
                    'SDM "Checks on VM-Execution Control Fields": "If the "activate secondary controls" primary processor-based VM-execution control is 1, reserved bits in the secondary processor-based VM-execution controls must be cleared. Software may consult the VMX capability MSRs to determine which bits are reserved" -- the SDM lists no VM-entry check on the TSC-multiplier field; Bochs 2.7/3.0 refuse "use TSC scaling" with multiplier 0 (VMfailValid 7).', layer="bochs"),
    KnownDivergence('bochs30-skylake_x', 'ec_CTRL_PROC2_RESERVED__tsc_scaling_multiplier0', 'event', 'EXIT', 'VMFAIL VMLAUNCH valid err=7',
                    'SDM "Checks on VM-Execution Control Fields": "If the "activate secondary controls" primary processor-based VM-execution control is 1, reserved bits in the secondary processor-based VM-execution controls must be cleared. Software may consult the VMX capability MSRs to determine which bits are reserved" -- the SDM lists no VM-entry check on the TSC-multiplier field; Bochs 2.7/3.0 refuse "use TSC scaling" with multiplier 0 (VMfailValid 7).', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_ACTIVITY_HLT_EVENT__de', 'reason', '33 (INVALID_STATE)', '0 (EXCEPTION_NMI)',
                    'SDM "Checks on Guest Non-Register State": "HLT. The only events allowed are the following: Those with interruption type external interrupt or non-maskable interrupt (NMI). Those with interruption type hardware exception and vector 1 (debug exception) or vector 18 (machine-check exception). Those with interruption type other event and vector 0 (pending MTF VM exit)" -- Bochs has no rule for which events may be injected into the HLT state; it enters and delivers the #DE.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_ACTIVITY_SHUTDOWN_EVENT__extint18', 'reason', '33 (INVALID_STATE)', '0 (EXCEPTION_NMI)',
                    'SDM "Checks on Guest Non-Register State": "Shutdown. Only NMIs and machine-check exceptions are allowed" -- Bochs tests only the vector (18 = machine check) of an event injected into the shutdown state, not its type: an external interrupt with vector 18 passes.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_DEBUGCTL_RESERVED__bit16', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "load debug controls" VM-entry control is 1, bits reserved in the IA32_DEBUGCTL MSR must be 0 in the field for that register (reserved: bits 63:16 and 5:3)" -- Bochs never checks the guest IA32_DEBUGCTL field.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_DEBUGCTL_RESERVED__bit3', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "load debug controls" VM-entry control is 1, bits reserved in the IA32_DEBUGCTL MSR must be 0 in the field for that register (reserved: bits 63:16 and 5:3)" -- Bochs never checks the guest IA32_DEBUGCTL field.', layer="bochs"),
    KnownDivergence('bochs27-skylake_x', 'ec_GUEST_IA32E_CR0_PG__pg_clear', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "IA-32e mode guest" VM-entry control is 1, bit 31 in the CR0 field (corresponding to CR0.PG) and bit 5 in the CR4 field (corresponding to CR4.PAE) must each be 1 (CR0.PG)" -- Bochs checks only CR4.PAE for an IA-32e mode guest, not CR0.PG (reachable with unrestricted guest).', layer="bochs"),
    KnownDivergence('bochs30-skylake_x', 'ec_GUEST_IA32E_CR0_PG__pg_clear', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "IA-32e mode guest" VM-entry control is 1, bit 31 in the CR0 field (corresponding to CR0.PG) and bit 5 in the CR4 field (corresponding to CR4.PAE) must each be 1 (CR0.PG)" -- Bochs checks only CR4.PAE for an IA-32e mode guest, not CR0.PG (reachable with unrestricted guest).', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_INTR_VNMI_NMI__blocked', 'reason', '33 (INVALID_STATE)', '0 (EXCEPTION_NMI)',
                    'SDM "Checks on Guest Non-Register State": "Bit 3 (blocking by NMI) must be 0 if the "virtual NMIs" VM-execution control is 1, the valid bit (bit 31) in the VM-entry interruption-information field is 1, and the interruption type (bits 10:8) in that field has value 2 (indicating NMI)" -- the check is commented out in Bochs\'s vmx.cc: it enters and delivers the NMI.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_PENDING_DBG_BS_CLEAR__notf_bs1', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Non-Register State": "(same three conditions: blocking by STI, blocking by MOV SS, or HLT) Bit 14 (BS) must be 0 if the TF flag (bit 8) in the RFLAGS field is 0 or the BTF flag (bit 1) in the IA32_DEBUGCTL field is 1" -- Bochs checks only the reserved bits of the pending-debug-exceptions field, not the BS rules.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_PENDING_DBG_BS_CLEAR__tf_btf_bs1', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Non-Register State": "(same three conditions: blocking by STI, blocking by MOV SS, or HLT) Bit 14 (BS) must be 0 if the TF flag (bit 8) in the RFLAGS field is 0 or the BTF flag (bit 1) in the IA32_DEBUGCTL field is 1" -- Bochs checks only the reserved bits of the pending-debug-exceptions field, not the BS rules.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_PENDING_DBG_BS_SET__tf_bs0', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Non-Register State": "The following checks are performed if any of the following holds: (1) the interruptibility-state field indicates blocking by STI (bit 0 in that field is 1); (2) the interruptibility-state field indicates blocking by MOV SS (bit 1 in that field is 1); or (3) the activity-state field indicates HLT: Bit 14 (BS) must be 1 if the TF flag (bit 8) in the RFLAGS field is 1 and the BTF flag (bit 1) in the IA32_DEBUGCTL field is 0" -- Bochs checks only the reserved bits of the pending-debug-exceptions field, not the BS rules.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_RIP_HIGH_BITS__bit_n', 'reason', '33 (INVALID_STATE)', '0 (EXCEPTION_NMI)',
                    'SDM "Checks on Guest RIP, RFLAGS, and SSP": "If the processor supports N < 64 linear-address bits, bits 63:N must be identical if the "IA-32e mode guest" VM-entry control is 1 and the L bit in the access-rights field for CS is 1" -- Bochs has no "bits 63:N identical" check for 64-bit guests: it enters and the fetch takes #GP(0).', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_SEG_SS_AR_G_LIMIT_HIGH__bit20_g0_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bit 15 (G). The following checks apply if the register is CS or if the register is usable: If any bit in the limit field in the range 31:20 is 1, G must be 1" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_SEG_SS_AR_G_LIMIT_LOW__g1_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bit 15 (G). The following checks apply if the register is CS or if the register is usable: If any bit in the limit field in the range 11:0 is 0, G must be 0" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_SEG_SS_AR_P__p0_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bit 7 (P). If the register is CS or if the register is usable, P must be 1" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_SEG_SS_AR_RSVD_11_8__bit8_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bits 11:8 (reserved). If the register is CS or if the register is usable, these bits must all be 0" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_SEG_SS_AR_RSVD_31_17__bit17_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bits 31:17 (reserved). If the register is CS or if the register is usable, these bits must all be 0" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_SEG_SS_AR_S__s0_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bit 4 (S). If the register is CS or if the register is usable, S must be 1" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_SEG_SS_AR_TYPE__type1_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bits 3:0 (Type). SS. If SS is usable, the Type must be 3 or 7 (read/write, accessed data segment)" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_SEG_SS_AR_TYPE__type2_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bits 3:0 (Type). SS. If SS is usable, the Type must be 3 or 7 (read/write, accessed data segment)" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_GUEST_SEG_SS_BASE_HIGH__bit32_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Segment Registers": "Base-address fields (processors that support Intel 64 architecture). SS, DS, ES. If the register is usable, bits 63:32 of the address must be zero" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_HOST_PERF_GLOBAL_CTRL_RESERVED__bit49', 'event', 'VMFAIL', 'EXIT VMCALL qual=0x0',
                    'SDM "Checks on Host Control Registers, MSRs, and SSP": "If the "load IA32_PERF_GLOBAL_CTRL" VM-exit control is 1, bits reserved in the IA32_PERF_GLOBAL_CTRL MSR must be 0 in the field for that register (model: bits 63:49, reserved in every PMU version)" -- Bochs\'s host-state checks have no check of this field: the entry succeeds.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_HOST_PERF_GLOBAL_CTRL_RESERVED__bit63', 'event', 'VMFAIL', 'EXIT VMCALL qual=0x0',
                    'SDM "Checks on Host Control Registers, MSRs, and SSP": "If the "load IA32_PERF_GLOBAL_CTRL" VM-exit control is 1, bits reserved in the IA32_PERF_GLOBAL_CTRL MSR must be 0 in the field for that register (model: bits 63:49, reserved in every PMU version)" -- Bochs\'s host-state checks have no check of this field: the entry succeeds.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_MSR_LOAD_SMBASE__30000', 'reason', '34 (MSR_LOAD_FAIL)', '18 (VMCALL)',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0 (IA32_SMBASE 9EH: read-only, SMM only)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x9e") and the entry succeeds.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_MSR_LOAD_SMM_MONITOR_CTL__0', 'reason', '34 (MSR_LOAD_FAIL)', '18 (VMCALL)',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that can be written only in system-management mode (SMM) and the VM entry did not commence in SMM. (IA32_SMM_MONITOR_CTL is an MSR that can be written only in SMM.)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x9b") and the entry succeeds.', layer="bochs"),
    KnownDivergence('bochs*', 'ec_MSR_LOAD_UCODE__bios_sign_id', 'reason', '34 (MSR_LOAD_FAIL)', '18 (VMCALL)',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that cannot be loaded on VM entries for model-specific reasons (microcode-update MSRs IA32_BIOS_UPDT_TRIG 79H and IA32_BIOS_SIGN_ID 8BH)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x79/0x8b") and the entry succeeds. (Which MSRs the SDM\'s "cannot be loaded on VM entries for model-specific reasons" covers is taken from KVM\'s nested.c.)', layer="bochs"),
    KnownDivergence('bochs*', 'ec_MSR_LOAD_UCODE__bios_updt_trig', 'reason', '34 (MSR_LOAD_FAIL)', '18 (VMCALL)',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that cannot be loaded on VM entries for model-specific reasons (microcode-update MSRs IA32_BIOS_UPDT_TRIG 79H and IA32_BIOS_SIGN_ID 8BH)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x79/0x8b") and the entry succeeds. (Which MSRs the SDM\'s "cannot be loaded on VM entries for model-specific reasons" covers is taken from KVM\'s nested.c.)', layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs27-skylake_x', 'ec_MSR_LOAD_X2APIC__800', 'entry_fail', 'False', 'True',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs27-skylake_x', 'ec_MSR_LOAD_X2APIC__800', 'qual', '0', '2',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs27-skylake_x', 'ec_MSR_LOAD_X2APIC__800', 'reason', '0x12', '0x22',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn', 'ec_MSR_LOAD_X2APIC__800', 'reason', '34 (MSR_LOAD_FAIL)', '18 (VMCALL)',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs27-skylake_x', 'ec_MSR_LOAD_X2APIC__808_tpr', 'entry_fail', 'False', 'True',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs27-skylake_x', 'ec_MSR_LOAD_X2APIC__808_tpr', 'qual', '0', '2',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs27-skylake_x', 'ec_MSR_LOAD_X2APIC__808_tpr', 'reason', '0x12', '0x22',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn', 'ec_MSR_LOAD_X2APIC__808_tpr', 'reason', '34 (MSR_LOAD_FAIL)', '18 (VMCALL)',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs27-skylake_x', 'ec_MSR_LOAD_X2APIC__8ff', 'entry_fail', 'False', 'True',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs27-skylake_x', 'ec_MSR_LOAD_X2APIC__8ff', 'qual', '0', '2',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs27-skylake_x', 'ec_MSR_LOAD_X2APIC__8ff', 'reason', '0x12', '0x22',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),
    KnownDivergence('bochs27-penryn', 'ec_MSR_LOAD_X2APIC__8ff', 'reason', '34 (MSR_LOAD_FAIL)', '18 (VMCALL)',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:8 is 000008H, meaning that it indexes an x2APIC MSR" -- Bochs 2.7 on core2_penryn_t9600 (no x2APIC) loads MSR 800H-8FFH from the MSR-load area without failing; on skylake_x it fails with exit 34 as the SDM says.', layer="bochs"),


    # bochs30-sapphire_rapids (the sweep runs there since issue 9; each checked on the run's exact values).
    # Same Bochs 3.0 checks as on skylake_x (Bochs log in each cite):
    KnownDivergence('bochs30-sapphire_rapids', 'ec_CTRL_POSTED_INTR_DESC_ALIGN__64', 'event', 'EXIT', 'VMFAIL VMLAUNCH valid err=7',
                    'SDM "Checks on VM-Execution Control Fields": "If the "process posted interrupts" VM-execution control is 1, the following must be true: ... Bits 5:0 of the posted-interrupt descriptor address are all 0" -- POSTED_INTR_DESC_ADDR = 0x164040 (bits 5:0 = 0, not 4 KiB aligned): Bochs 3.0 requires the posted-interrupt descriptor to be 4 KiB aligned ("VMFAIL: VMCS EXEC CTRL: Posted Interrupt Descriptor phy addr malformed").', layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_CTRL_PROC2_RESERVED__tsc_scaling_multiplier0', 'event', 'EXIT', 'VMFAIL VMLAUNCH valid err=7',
                    'SDM "Checks on VM-Execution Control Fields": "If the "activate secondary controls" primary processor-based VM-execution control is 1, reserved bits in the secondary processor-based VM-execution controls must be cleared. Software may consult the VMX capability MSRs to determine which bits are reserved" -- the SDM lists no VM-entry check on the TSC-multiplier field; Bochs 3.0 refuses "use TSC scaling" (secondary controls 0x2000000) with multiplier 0 ("VMFAIL: VMCS EXEC CTRL: TSC multiplier should be non zero", VMfailValid 7).', layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_GUEST_IA32E_CR0_PG__pg_clear', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "IA-32e mode guest" VM-entry control is 1, bit 31 in the CR0 field (corresponding to CR0.PG) and bit 5 in the CR4 field (corresponding to CR4.PAE) must each be 1 (CR0.PG)" -- GUEST_CR0 = 0x60000031 (PG clear, unrestricted guest on): Bochs checks only CR4.PAE for an IA-32e mode guest, not CR0.PG; it logs nothing and enters.', layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_GUEST_DTR_GDTR_BASE_CANONICAL__top', 'reason', '18 (VMCALL)', '33 (INVALID_STATE)',
                    _canon57('gdtr_idtr', 'guest GDTR base', '0x00ffffffffffffff', 'VMENTER FAIL: VMCS guest IDTR/IDTR.BASE non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_GUEST_DTR_IDTR_BASE_CANONICAL__top', 'reason', '18 (VMCALL)', '33 (INVALID_STATE)',
                    _canon57('gdtr_idtr', 'guest IDTR base', '0x00ffffffffffffff', 'VMENTER FAIL: VMCS guest IDTR/IDTR.BASE non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_GUEST_SEG_FS_BASE_CANONICAL__top', 'reason', '18 (VMCALL)', '33 (INVALID_STATE)',
                    _canon57('seg', 'guest FS base', '0x00ffffffffffffff', 'VMENTER FAIL: VMCS guest FS.BASE non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_GUEST_SEG_GS_BASE_CANONICAL__top', 'reason', '18 (VMCALL)', '33 (INVALID_STATE)',
                    _canon57('seg', 'guest GS base', '0x00ffffffffffffff', 'VMENTER FAIL: VMCS guest GS.BASE non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_GUEST_SEG_LDTR_BASE_CANONICAL__top', 'reason', '18 (VMCALL)', '33 (INVALID_STATE)',
                    _canon57('ldtr', 'guest LDTR base (LDTR usable)', '0x00ffffffffffffff', 'VMENTER FAIL: VMCS guest LDTR.BASE non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_GUEST_SEG_TR_BASE_CANONICAL__top', 'reason', '18 (VMCALL)', '33 (INVALID_STATE)',
                    _canon57('seg', 'guest TR base', '0x00ffffffffffffff', 'VMENTER FAIL: VMCS guest TR.BASE non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_GUEST_SYSENTER_EIP_CANONICAL__max', 'reason', '18 (VMCALL)', '33 (INVALID_STATE)',
                    _canon57('guest_sysenter', 'guest IA32_SYSENTER_EIP', '0x00ffffffffffffff', 'VMENTER FAIL: VMCS guest SYSENTER_EIP_MSR non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_GUEST_SYSENTER_ESP_CANONICAL__max', 'reason', '18 (VMCALL)', '33 (INVALID_STATE)',
                    _canon57('guest_sysenter', 'guest IA32_SYSENTER_ESP', '0x00ffffffffffffff', 'VMENTER FAIL: VMCS guest SYSENTER_ESP_MSR non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_HOST_FS_BASE_CANONICAL__high_satisfy', 'event', 'EXIT', 'VMFAIL VMLAUNCH valid err=8',
                    _canon57('host_seg', 'host FS base', '0xff00000000000000', 'VMFAIL: VMCS host FS BASE non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_HOST_GS_BASE_CANONICAL__high_satisfy', 'event', 'EXIT', 'VMFAIL VMLAUNCH valid err=8',
                    _canon57('host_seg', 'host GS base', '0xff00000000000000', 'VMFAIL: VMCS host GS BASE non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_HOST_SYSENTER_EIP_CANONICAL__high_satisfy', 'event', 'EXIT', 'VMFAIL VMLAUNCH valid err=8',
                    _canon57('host_sysenter', 'host IA32_SYSENTER_EIP', '0xff00000000000000', 'VMFAIL: VMCS host SYSENTER_EIP_MSR non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_HOST_SYSENTER_ESP_CANONICAL__high_satisfy', 'event', 'EXIT', 'VMFAIL VMLAUNCH valid err=8',
                    _canon57('host_sysenter', 'host IA32_SYSENTER_ESP', '0xff00000000000000', 'VMFAIL: VMCS host SYSENTER_ESP_MSR non canonical'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_MSR_LOAD_KERNEL_GS_BASE_CANONICAL__canonical_high', 'reason', '18 (VMCALL)', '34 (MSR_LOAD_FAIL)',
                    _canon57('msr_load', 'MSR-load entry 2, IA32_KERNEL_GS_BASE (C0000102H)', '0xff00000000000000', 'WRMSR: attempt to write non-canonical value to MSR_KERNELGSBASE ! / VMX LoadMSRs 2: unable to set up MSR c0000102'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_MSR_LOAD_LSTAR_CANONICAL__canonical_high', 'reason', '18 (VMCALL)', '34 (MSR_LOAD_FAIL)',
                    _canon57('msr_load', 'MSR-load entry 2, IA32_LSTAR (C0000082H)', '0xff00000000000000', 'WRMSR: attempt to write non-canonical value to MSR_LSTAR ! / VMX LoadMSRs 2: unable to set up MSR c0000082'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_MSR_LOAD_SYSENTER_EIP_CANONICAL__canonical_high', 'reason', '18 (VMCALL)', '34 (MSR_LOAD_FAIL)',
                    _canon57('msr_load', 'MSR-load entry 2, IA32_SYSENTER_EIP (176H)', '0xff00000000000000', 'WRMSR: attempt to write non-canonical value to MSR_SYSENTER_EIP ! / VMX LoadMSRs 2: unable to set up MSR 176'), layer="bochs"),
    KnownDivergence('bochs30-sapphire_rapids', 'ec_MSR_LOAD_SYSENTER_ESP_CANONICAL__canonical_high', 'reason', '18 (VMCALL)', '34 (MSR_LOAD_FAIL)',
                    _canon57('msr_load', 'MSR-load entry 2, IA32_SYSENTER_ESP (175H)', '0xff00000000000000', 'WRMSR: attempt to write non-canonical value to MSR_SYSENTER_ESP ! / VMX LoadMSRs 2: unable to set up MSR 175'), layer="bochs"),
    # bochs27-penryn against bochs30-penryn (the Bochs 3.0 penryn sweep runs since issue 9): Bochs 2.7's
    # x2APIC MSR-load deviation above, seen from the pair; Bochs 3.0 penryn fails with exit 34 qual 2 as the SDM says.
    KnownDivergence('bochs27-penryn-vs-bochs30-penryn', 'ec_MSR_LOAD_X2APIC__800', 'entry_fail', 'False', 'True', _X2APIC_PENRYN27, layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs30-penryn', 'ec_MSR_LOAD_X2APIC__800', 'qual', '0', '2', _X2APIC_PENRYN27, layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs30-penryn', 'ec_MSR_LOAD_X2APIC__800', 'reason', '0x12', '0x22', _X2APIC_PENRYN27, layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs30-penryn', 'ec_MSR_LOAD_X2APIC__808_tpr', 'entry_fail', 'False', 'True', _X2APIC_PENRYN27, layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs30-penryn', 'ec_MSR_LOAD_X2APIC__808_tpr', 'qual', '0', '2', _X2APIC_PENRYN27, layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs30-penryn', 'ec_MSR_LOAD_X2APIC__808_tpr', 'reason', '0x12', '0x22', _X2APIC_PENRYN27, layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs30-penryn', 'ec_MSR_LOAD_X2APIC__8ff', 'entry_fail', 'False', 'True', _X2APIC_PENRYN27, layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs30-penryn', 'ec_MSR_LOAD_X2APIC__8ff', 'qual', '0', '2', _X2APIC_PENRYN27, layer="bochs"),
    KnownDivergence('bochs27-penryn-vs-bochs30-penryn', 'ec_MSR_LOAD_X2APIC__8ff', 'reason', '0x12', '0x22', _X2APIC_PENRYN27, layer="bochs"),

)


def _bochs_cite(scenario: str) -> str:
    """The cite of the "bochs*" entry for a scenario (the same SDM rule, seen through KVM-on-Bochs)."""
    return next(k.cite for k in KNOWN_DIVERGENCES if k.platform == "bochs*" and k.scenario == scenario)


KNOWN_DIVERGENCES += (
    # qemu-kvm612-on-bochs30 (the sweep runs there since issue 8): KVM nested.c (L1) checks vmcs12 in
    # software and leaves the rest to its "hardware", Bochs 3.0 (L0), which checks vmcs02.  Each entry names
    # the layer that let the entry through (Bochs's log during the L2 run shows no failed check for any).
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_INTR_VNMI_NMI__blocked', 'reason', '33 (INVALID_STATE)', '0 (EXCEPTION_NMI)',
                    _bochs_cite('ec_GUEST_INTR_VNMI_NMI__blocked') + _KVM_NO_CHECK, layer='bochs'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_PENDING_DBG_BS_CLEAR__notf_bs1', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    _bochs_cite('ec_GUEST_PENDING_DBG_BS_CLEAR__notf_bs1') + _KVM_NO_CHECK, layer='bochs'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_PENDING_DBG_BS_CLEAR__tf_btf_bs1', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    _bochs_cite('ec_GUEST_PENDING_DBG_BS_CLEAR__tf_btf_bs1') + _KVM_NO_CHECK, layer='bochs'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_PENDING_DBG_BS_SET__tf_bs0', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    _bochs_cite('ec_GUEST_PENDING_DBG_BS_SET__tf_bs0') + _KVM_NO_CHECK, layer='bochs'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_RIP_HIGH_BITS__bit_n', 'reason', '33 (INVALID_STATE)', '0 (EXCEPTION_NMI)',
                    _bochs_cite('ec_GUEST_RIP_HIGH_BITS__bit_n') + ' GUEST_RIP = 0x1000000000000 (N = 48). On qemu-kvm612-on-bochs30: KVM nested.c (L1) has no check of vmcs12\'s guest RIP and leaves it to Bochs 3.0 (L0), which does not make it (Bochs: "prefetch: #GP(0): RIP crossed canonical boundary").', layer='bochs'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_SEG_SS_AR_G_LIMIT_HIGH__bit20_g0_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    _bochs_cite('ec_GUEST_SEG_SS_AR_G_LIMIT_HIGH__bit20_g0_null_sel') + _KVM_NO_SEG_CHECK, layer='bochs'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_SEG_SS_AR_G_LIMIT_LOW__g1_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    _bochs_cite('ec_GUEST_SEG_SS_AR_G_LIMIT_LOW__g1_null_sel') + _KVM_NO_SEG_CHECK, layer='bochs'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_SEG_SS_AR_P__p0_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    _bochs_cite('ec_GUEST_SEG_SS_AR_P__p0_null_sel') + _KVM_NO_SEG_CHECK, layer='bochs'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_SEG_SS_BASE_HIGH__bit32_null_sel', 'reason', '33 (INVALID_STATE)', '18 (VMCALL)',
                    _bochs_cite('ec_GUEST_SEG_SS_BASE_HIGH__bit32_null_sel') + _KVM_NO_SEG_CHECK, layer='bochs'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_ACTIVITY_HLT_EVENT__de', 'reason', '33 (INVALID_STATE)', '0 (EXCEPTION_NMI)',
                    _bochs_cite('ec_GUEST_ACTIVITY_HLT_EVENT__de') + ' On qemu-kvm612-on-bochs30 (GUEST_ACTIVITY_STATE = 1, VM_ENTRY_INTR_INFO_FIELD = 0x80000300: hardware exception, vector 0): KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state), and with an event to inject runs L2 through vmcs02 instead of emulating the HLT; the #DE is delivered (IDT limit 0: #GP, exit 0).', layer='kvm'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_ACTIVITY_BLOCKING__hlt_movss', 'reason', '33 (INVALID_STATE)', '52 (PREEMPTION_TIMER)',
                    'SDM "Checks on Guest Non-Register State": "The activity-state field must indicate the active state if the interruptibility-state field indicates blocking by either MOV-SS or by STI (if either bit 0 or bit 1 in that field is 1)" -- GUEST_ACTIVITY_STATE = 1 (HLT), GUEST_INTERRUPTIBILITY_INFO = 0x2 (blocking by MOV-SS). KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state) and accepts the entry; it emulates the inactive L2 itself (nested_vmx_run: kvm_vcpu_halt for HLT without an event to inject), and Bochs (L0) logs no failed check for the case; the case\'s VMX-preemption timer (value 0) then ends it with exit 52.', layer='kvm'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_ACTIVITY_HLT_SS_DPL__dpl3', 'reason', '33 (INVALID_STATE)', '52 (PREEMPTION_TIMER)',
                    'SDM "Checks on Guest Non-Register State": "The activity-state field must not indicate the HLT state if the DPL (bits 6:5) in the access-rights field for SS is not 0" -- GUEST_ACTIVITY_STATE = 1 (HLT), GUEST_SS_AR_BYTES = 0xc0f3 (DPL 3). KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state) and accepts the entry; it emulates the inactive L2 itself (nested_vmx_run: kvm_vcpu_halt for HLT without an event to inject), and Bochs (L0) logs no failed check for the case; the case\'s VMX-preemption timer (value 0) then ends it with exit 52.', layer='kvm'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_GUEST_ACTIVITY_SIPI_EVENT__nmi', 'reason', '33 (INVALID_STATE)', '52 (PREEMPTION_TIMER)',
                    'SDM "Checks on Guest Non-Register State": "Wait-for-SIPI. No interruptions are allowed" -- GUEST_ACTIVITY_STATE = 3 (wait-for-SIPI), VM_ENTRY_INTR_INFO_FIELD = 0x80000202 (NMI). KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state) and accepts the entry; it emulates the inactive L2 itself (nested_vmx_run: kvm_vcpu_halt for HLT without an event to inject), and Bochs (L0) logs no failed check for the case; the case\'s VMX-preemption timer (value 0) then ends it with exit 52.', layer='kvm'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_MSR_LOAD_SYSENTER_EIP_CANONICAL__bit_n_minus_1', 'reason', '34 (MSR_LOAD_FAIL)', '18 (VMCALL)',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0" -- MSR-load entry 2: IA32_SYSENTER_EIP (176H) = 0x800000000000 (bit 47 set, bits 63:48 clear: not canonical for N = 48), so WRMSR would #GP and the entry must fail with exit 34, qualification 2. KVM (L1) loads the VM-entry MSR-load area in software (nested_vmx_load_msr -> kvm_set_msr); its __kvm_set_msr makes an IA32_SYSENTER_EIP/ESP value canonical instead of failing (for AMD compatibility, see its comment), so the load succeeds and L2 enters.', layer='kvm'),
    KnownDivergence('qemu-kvm*-on-bochs*', 'ec_MSR_LOAD_SYSENTER_ESP_CANONICAL__bit_n_minus_1', 'reason', '34 (MSR_LOAD_FAIL)', '18 (VMCALL)',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0" -- MSR-load entry 2: IA32_SYSENTER_ESP (175H) = 0x800000000000 (bit 47 set, bits 63:48 clear: not canonical for N = 48), so WRMSR would #GP and the entry must fail with exit 34, qualification 2. KVM (L1) loads the VM-entry MSR-load area in software (nested_vmx_load_msr -> kvm_set_msr); its __kvm_set_msr makes an IA32_SYSENTER_EIP/ESP value canonical instead of failing (for AMD compatibility, see its comment), so the load succeeds and L2 enters.', layer='kvm'),
    # The pair bochs30-skylake_x vs qemu-kvm612-on-bochs30 on the sweep: each entry is one of the platform
    # entries above seen from the pair (which side deviates, which layer decides); fields and values as the
    # pair comparison prints them (reason in hex).
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_CTRL_PROC2_RESERVED__tsc_scaling_multiplier0', 'event', 'VMFAIL VMLAUNCH valid err=7', 'EXIT VMCALL qual=0x0',
                    'SDM "Checks on VM-Execution Control Fields": "If the "activate secondary controls" primary processor-based VM-execution control is 1, reserved bits in the secondary processor-based VM-execution controls must be cleared. Software may consult the VMX capability MSRs to determine which bits are reserved" -- the SDM lists no VM-entry check on the TSC-multiplier field; Bochs 2.7/3.0 refuse "use TSC scaling" with multiplier 0 (VMfailValid 7). Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) has no check on the TSC multiplier and Bochs (L0) logs no failure for vmcs02: L2 enters (exit 18) as the SDM allows.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_ACTIVITY_BLOCKING__hlt_movss', 'entry_fail', 'True', 'False',
                    'SDM "Checks on Guest Non-Register State": "The activity-state field must indicate the active state if the interruptibility-state field indicates blocking by either MOV-SS or by STI (if either bit 0 or bit 1 in that field is 1)" -- GUEST_ACTIVITY_STATE = 1 (HLT), GUEST_INTERRUPTIBILITY_INFO = 0x2 (blocking by MOV-SS). KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state) and accepts the entry; it emulates the inactive L2 itself (nested_vmx_run: kvm_vcpu_halt for HLT without an event to inject), and Bochs (L0) logs no failed check for the case; the case\'s VMX-preemption timer (value 0) then ends it with exit 52. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_ACTIVITY_BLOCKING__hlt_movss', 'reason', '0x21', '0x34',
                    'SDM "Checks on Guest Non-Register State": "The activity-state field must indicate the active state if the interruptibility-state field indicates blocking by either MOV-SS or by STI (if either bit 0 or bit 1 in that field is 1)" -- GUEST_ACTIVITY_STATE = 1 (HLT), GUEST_INTERRUPTIBILITY_INFO = 0x2 (blocking by MOV-SS). KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state) and accepts the entry; it emulates the inactive L2 itself (nested_vmx_run: kvm_vcpu_halt for HLT without an event to inject), and Bochs (L0) logs no failed check for the case; the case\'s VMX-preemption timer (value 0) then ends it with exit 52. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_ACTIVITY_HLT_SS_DPL__dpl3', 'entry_fail', 'True', 'False',
                    'SDM "Checks on Guest Non-Register State": "The activity-state field must not indicate the HLT state if the DPL (bits 6:5) in the access-rights field for SS is not 0" -- GUEST_ACTIVITY_STATE = 1 (HLT), GUEST_SS_AR_BYTES = 0xc0f3 (DPL 3). KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state) and accepts the entry; it emulates the inactive L2 itself (nested_vmx_run: kvm_vcpu_halt for HLT without an event to inject), and Bochs (L0) logs no failed check for the case; the case\'s VMX-preemption timer (value 0) then ends it with exit 52. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_ACTIVITY_HLT_SS_DPL__dpl3', 'reason', '0x21', '0x34',
                    'SDM "Checks on Guest Non-Register State": "The activity-state field must not indicate the HLT state if the DPL (bits 6:5) in the access-rights field for SS is not 0" -- GUEST_ACTIVITY_STATE = 1 (HLT), GUEST_SS_AR_BYTES = 0xc0f3 (DPL 3). KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state) and accepts the entry; it emulates the inactive L2 itself (nested_vmx_run: kvm_vcpu_halt for HLT without an event to inject), and Bochs (L0) logs no failed check for the case; the case\'s VMX-preemption timer (value 0) then ends it with exit 52. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_ACTIVITY_SIPI_EVENT__nmi', 'entry_fail', 'True', 'False',
                    'SDM "Checks on Guest Non-Register State": "Wait-for-SIPI. No interruptions are allowed" -- GUEST_ACTIVITY_STATE = 3 (wait-for-SIPI), VM_ENTRY_INTR_INFO_FIELD = 0x80000202 (NMI). KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state) and accepts the entry; it emulates the inactive L2 itself (nested_vmx_run: kvm_vcpu_halt for HLT without an event to inject), and Bochs (L0) logs no failed check for the case; the case\'s VMX-preemption timer (value 0) then ends it with exit 52. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_ACTIVITY_SIPI_EVENT__nmi', 'reason', '0x21', '0x34',
                    'SDM "Checks on Guest Non-Register State": "Wait-for-SIPI. No interruptions are allowed" -- GUEST_ACTIVITY_STATE = 3 (wait-for-SIPI), VM_ENTRY_INTR_INFO_FIELD = 0x80000202 (NMI). KVM nested.c (L1) checks only that the activity state is active, HLT or wait-for-SIPI (nested_check_guest_non_reg_state) and accepts the entry; it emulates the inactive L2 itself (nested_vmx_run: kvm_vcpu_halt for HLT without an event to inject), and Bochs (L0) logs no failed check for the case; the case\'s VMX-preemption timer (value 0) then ends it with exit 52. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_DEBUGCTL_RESERVED__bit16', 'entry_fail', 'False', 'True',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "load debug controls" VM-entry control is 1, bits reserved in the IA32_DEBUGCTL MSR must be 0 in the field for that register (reserved: bits 63:16 and 5:3)" -- Bochs never checks the guest IA32_DEBUGCTL field. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) checks it in software (nested.c: "!vmx_is_valid_debugctl(vcpu, debugctl, false)") and fails the entry with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_DEBUGCTL_RESERVED__bit16', 'reason', '0x12', '0x21',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "load debug controls" VM-entry control is 1, bits reserved in the IA32_DEBUGCTL MSR must be 0 in the field for that register (reserved: bits 63:16 and 5:3)" -- Bochs never checks the guest IA32_DEBUGCTL field. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) checks it in software (nested.c: "!vmx_is_valid_debugctl(vcpu, debugctl, false)") and fails the entry with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_DEBUGCTL_RESERVED__bit3', 'entry_fail', 'False', 'True',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "load debug controls" VM-entry control is 1, bits reserved in the IA32_DEBUGCTL MSR must be 0 in the field for that register (reserved: bits 63:16 and 5:3)" -- Bochs never checks the guest IA32_DEBUGCTL field. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) checks it in software (nested.c: "!vmx_is_valid_debugctl(vcpu, debugctl, false)") and fails the entry with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_DEBUGCTL_RESERVED__bit3', 'reason', '0x12', '0x21',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "load debug controls" VM-entry control is 1, bits reserved in the IA32_DEBUGCTL MSR must be 0 in the field for that register (reserved: bits 63:16 and 5:3)" -- Bochs never checks the guest IA32_DEBUGCTL field. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) checks it in software (nested.c: "!vmx_is_valid_debugctl(vcpu, debugctl, false)") and fails the entry with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_IA32E_CR0_PG__pg_clear', 'entry_fail', 'False', 'True',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "IA-32e mode guest" VM-entry control is 1, bit 31 in the CR0 field (corresponding to CR0.PG) and bit 5 in the CR4 field (corresponding to CR4.PAE) must each be 1 (CR0.PG)" -- Bochs checks only CR4.PAE for an IA-32e mode guest, not CR0.PG (reachable with unrestricted guest). Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) checks it in software (nested.c: "ia32e && !(vmcs12->guest_cr0 & X86_CR0_PG)") and fails the entry with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_IA32E_CR0_PG__pg_clear', 'reason', '0x12', '0x21',
                    'SDM "Checks on Guest Control Registers, Debug Registers, MSRs, and SSP": "If the "IA-32e mode guest" VM-entry control is 1, bit 31 in the CR0 field (corresponding to CR0.PG) and bit 5 in the CR4 field (corresponding to CR4.PAE) must each be 1 (CR0.PG)" -- Bochs checks only CR4.PAE for an IA-32e mode guest, not CR0.PG (reachable with unrestricted guest). Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) checks it in software (nested.c: "ia32e && !(vmcs12->guest_cr0 & X86_CR0_PG)") and fails the entry with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_SEG_SS_AR_S__s0_null_sel', 'entry_fail', 'False', 'True',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bit 4 (S). If the register is CS or if the register is usable, S must be 1" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) fails it in software (nested.c: "from_vmentry && !vmx_guest_state_valid(vcpu)") with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_SEG_SS_AR_S__s0_null_sel', 'reason', '0x12', '0x21',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bit 4 (S). If the register is CS or if the register is usable, S must be 1" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) fails it in software (nested.c: "from_vmentry && !vmx_guest_state_valid(vcpu)") with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_SEG_SS_AR_TYPE__type1_null_sel', 'entry_fail', 'False', 'True',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bits 3:0 (Type). SS. If SS is usable, the Type must be 3 or 7 (read/write, accessed data segment)" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) fails it in software (nested.c: "from_vmentry && !vmx_guest_state_valid(vcpu)") with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_SEG_SS_AR_TYPE__type1_null_sel', 'reason', '0x12', '0x21',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bits 3:0 (Type). SS. If SS is usable, the Type must be 3 or 7 (read/write, accessed data segment)" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) fails it in software (nested.c: "from_vmentry && !vmx_guest_state_valid(vcpu)") with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_SEG_SS_AR_TYPE__type2_null_sel', 'entry_fail', 'False', 'True',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bits 3:0 (Type). SS. If SS is usable, the Type must be 3 or 7 (read/write, accessed data segment)" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) fails it in software (nested.c: "from_vmentry && !vmx_guest_state_valid(vcpu)") with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_GUEST_SEG_SS_AR_TYPE__type2_null_sel', 'reason', '0x12', '0x21',
                    'SDM "Checks on Guest Segment Registers": "Access rights, CS, SS, DS, ES, FS, GS, if the guest will not be virtual-8086. Bits 3:0 (Type). SS. If SS is usable, the Type must be 3 or 7 (read/write, accessed data segment)" -- Bochs skips every SS access-rights/limit/base check when the SS selector is null in a 64-bit guest; the SDM\'s conditions depend on whether SS is usable (access-rights bit 16), not on its selector. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) fails it in software (nested.c: "from_vmentry && !vmx_guest_state_valid(vcpu)") with exit 33 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_HOST_PERF_GLOBAL_CTRL_RESERVED__bit49', 'event', 'EXIT VMCALL qual=0x0', 'VMFAIL VMLAUNCH valid err=8',
                    'SDM "Checks on Host Control Registers, MSRs, and SSP": "If the "load IA32_PERF_GLOBAL_CTRL" VM-exit control is 1, bits reserved in the IA32_PERF_GLOBAL_CTRL MSR must be 0 in the field for that register (model: bits 63:49, reserved in every PMU version)" -- Bochs\'s host-state checks have no check of this field: the entry succeeds. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) checks it in software (nested.c: "!kvm_valid_perf_global_ctrl(...)") and fails with VMfailValid 8 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_HOST_PERF_GLOBAL_CTRL_RESERVED__bit63', 'event', 'EXIT VMCALL qual=0x0', 'VMFAIL VMLAUNCH valid err=8',
                    'SDM "Checks on Host Control Registers, MSRs, and SSP": "If the "load IA32_PERF_GLOBAL_CTRL" VM-exit control is 1, bits reserved in the IA32_PERF_GLOBAL_CTRL MSR must be 0 in the field for that register (model: bits 63:49, reserved in every PMU version)" -- Bochs\'s host-state checks have no check of this field: the entry succeeds. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) checks it in software (nested.c: "!kvm_valid_perf_global_ctrl(...)") and fails with VMfailValid 8 as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SMBASE__30000', 'entry_fail', 'False', 'True',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0 (IA32_SMBASE 9EH: read-only, SMM only)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x9e") and the entry succeeds. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) loads the MSR-load area in software (nested_vmx_load_msr), its kvm_set_msr refuses the IA32_SMBASE write, and the entry fails with exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SMBASE__30000', 'qual', '0', '2',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0 (IA32_SMBASE 9EH: read-only, SMM only)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x9e") and the entry succeeds. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) loads the MSR-load area in software (nested_vmx_load_msr), its kvm_set_msr refuses the IA32_SMBASE write, and the entry fails with exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SMBASE__30000', 'reason', '0x12', '0x22',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0 (IA32_SMBASE 9EH: read-only, SMM only)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x9e") and the entry succeeds. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) loads the MSR-load area in software (nested_vmx_load_msr), its kvm_set_msr refuses the IA32_SMBASE write, and the entry fails with exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SMM_MONITOR_CTL__0', 'entry_fail', 'False', 'True',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that can be written only in system-management mode (SMM) and the VM entry did not commence in SMM. (IA32_SMM_MONITOR_CTL is an MSR that can be written only in SMM.)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x9b") and the entry succeeds. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) refuses the entry in software (nested.c: "e->index == MSR_IA32_SMM_MONITOR_CTL"): exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SMM_MONITOR_CTL__0', 'qual', '0', '2',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that can be written only in system-management mode (SMM) and the VM entry did not commence in SMM. (IA32_SMM_MONITOR_CTL is an MSR that can be written only in SMM.)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x9b") and the entry succeeds. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) refuses the entry in software (nested.c: "e->index == MSR_IA32_SMM_MONITOR_CTL"): exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SMM_MONITOR_CTL__0', 'reason', '0x12', '0x22',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that can be written only in system-management mode (SMM) and the VM entry did not commence in SMM. (IA32_SMM_MONITOR_CTL is an MSR that can be written only in SMM.)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x9b") and the entry succeeds. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) refuses the entry in software (nested.c: "e->index == MSR_IA32_SMM_MONITOR_CTL"): exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SYSENTER_EIP_CANONICAL__bit_n_minus_1', 'entry_fail', 'True', 'False',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0" -- MSR-load entry 2: IA32_SYSENTER_EIP (176H) = 0x800000000000 (bit 47 set, bits 63:48 clear: not canonical for N = 48), so WRMSR would #GP and the entry must fail with exit 34, qualification 2. KVM (L1) loads the VM-entry MSR-load area in software (nested_vmx_load_msr -> kvm_set_msr); its __kvm_set_msr makes an IA32_SYSENTER_EIP/ESP value canonical instead of failing (for AMD compatibility, see its comment), so the load succeeds and L2 enters. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SYSENTER_EIP_CANONICAL__bit_n_minus_1', 'qual', '2', '0',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0" -- MSR-load entry 2: IA32_SYSENTER_EIP (176H) = 0x800000000000 (bit 47 set, bits 63:48 clear: not canonical for N = 48), so WRMSR would #GP and the entry must fail with exit 34, qualification 2. KVM (L1) loads the VM-entry MSR-load area in software (nested_vmx_load_msr -> kvm_set_msr); its __kvm_set_msr makes an IA32_SYSENTER_EIP/ESP value canonical instead of failing (for AMD compatibility, see its comment), so the load succeeds and L2 enters. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SYSENTER_EIP_CANONICAL__bit_n_minus_1', 'reason', '0x22', '0x12',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0" -- MSR-load entry 2: IA32_SYSENTER_EIP (176H) = 0x800000000000 (bit 47 set, bits 63:48 clear: not canonical for N = 48), so WRMSR would #GP and the entry must fail with exit 34, qualification 2. KVM (L1) loads the VM-entry MSR-load area in software (nested_vmx_load_msr -> kvm_set_msr); its __kvm_set_msr makes an IA32_SYSENTER_EIP/ESP value canonical instead of failing (for AMD compatibility, see its comment), so the load succeeds and L2 enters. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SYSENTER_ESP_CANONICAL__bit_n_minus_1', 'entry_fail', 'True', 'False',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0" -- MSR-load entry 2: IA32_SYSENTER_ESP (175H) = 0x800000000000 (bit 47 set, bits 63:48 clear: not canonical for N = 48), so WRMSR would #GP and the entry must fail with exit 34, qualification 2. KVM (L1) loads the VM-entry MSR-load area in software (nested_vmx_load_msr -> kvm_set_msr); its __kvm_set_msr makes an IA32_SYSENTER_EIP/ESP value canonical instead of failing (for AMD compatibility, see its comment), so the load succeeds and L2 enters. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SYSENTER_ESP_CANONICAL__bit_n_minus_1', 'qual', '2', '0',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0" -- MSR-load entry 2: IA32_SYSENTER_ESP (175H) = 0x800000000000 (bit 47 set, bits 63:48 clear: not canonical for N = 48), so WRMSR would #GP and the entry must fail with exit 34, qualification 2. KVM (L1) loads the VM-entry MSR-load area in software (nested_vmx_load_msr -> kvm_set_msr); its __kvm_set_msr makes an IA32_SYSENTER_EIP/ESP value canonical instead of failing (for AMD compatibility, see its comment), so the load succeeds and L2 enters. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_SYSENTER_ESP_CANONICAL__bit_n_minus_1', 'reason', '0x22', '0x12',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "An attempt to write bits 127:64 to the MSR indexed by bits 31:0 of the entry would cause a general-protection exception if executed via WRMSR with CPL = 0" -- MSR-load entry 2: IA32_SYSENTER_ESP (175H) = 0x800000000000 (bit 47 set, bits 63:48 clear: not canonical for N = 48), so WRMSR would #GP and the entry must fail with exit 34, qualification 2. KVM (L1) loads the VM-entry MSR-load area in software (nested_vmx_load_msr -> kvm_set_msr); its __kvm_set_msr makes an IA32_SYSENTER_EIP/ESP value canonical instead of failing (for AMD compatibility, see its comment), so the load succeeds and L2 enters. Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: KVM-on-Bochs is the side that deviates; Bochs 3.0 alone (skylake_x) makes the check and follows the SDM.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_UCODE__bios_sign_id', 'entry_fail', 'False', 'True',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that cannot be loaded on VM entries for model-specific reasons (microcode-update MSRs IA32_BIOS_UPDT_TRIG 79H and IA32_BIOS_SIGN_ID 8BH)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x79/0x8b") and the entry succeeds. (Which MSRs the SDM\'s "cannot be loaded on VM entries for model-specific reasons" covers is taken from KVM\'s nested.c.) Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) refuses the entry in software (nested.c: "e->index == MSR_IA32_UCODE_REV"): exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_UCODE__bios_sign_id', 'qual', '0', '2',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that cannot be loaded on VM entries for model-specific reasons (microcode-update MSRs IA32_BIOS_UPDT_TRIG 79H and IA32_BIOS_SIGN_ID 8BH)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x79/0x8b") and the entry succeeds. (Which MSRs the SDM\'s "cannot be loaded on VM entries for model-specific reasons" covers is taken from KVM\'s nested.c.) Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) refuses the entry in software (nested.c: "e->index == MSR_IA32_UCODE_REV"): exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_UCODE__bios_sign_id', 'reason', '0x12', '0x22',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that cannot be loaded on VM entries for model-specific reasons (microcode-update MSRs IA32_BIOS_UPDT_TRIG 79H and IA32_BIOS_SIGN_ID 8BH)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x79/0x8b") and the entry succeeds. (Which MSRs the SDM\'s "cannot be loaded on VM entries for model-specific reasons" covers is taken from KVM\'s nested.c.) Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) refuses the entry in software (nested.c: "e->index == MSR_IA32_UCODE_REV"): exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_UCODE__bios_updt_trig', 'entry_fail', 'False', 'True',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that cannot be loaded on VM entries for model-specific reasons (microcode-update MSRs IA32_BIOS_UPDT_TRIG 79H and IA32_BIOS_SIGN_ID 8BH)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x79/0x8b") and the entry succeeds. (Which MSRs the SDM\'s "cannot be loaded on VM entries for model-specific reasons" covers is taken from KVM\'s nested.c.) Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) refuses the entry in software (nested.c: "e->index == MSR_IA32_UCODE_WRITE"): exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_UCODE__bios_updt_trig', 'qual', '0', '2',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that cannot be loaded on VM entries for model-specific reasons (microcode-update MSRs IA32_BIOS_UPDT_TRIG 79H and IA32_BIOS_SIGN_ID 8BH)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x79/0x8b") and the entry succeeds. (Which MSRs the SDM\'s "cannot be loaded on VM entries for model-specific reasons" covers is taken from KVM\'s nested.c.) Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) refuses the entry in software (nested.c: "e->index == MSR_IA32_UCODE_WRITE"): exit 34, qualification 2, as the SDM says.', layer='kvm'),
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', 'ec_MSR_LOAD_UCODE__bios_updt_trig', 'reason', '0x12', '0x22',
                    'SDM "VM-Entry Failures During or After Loading Guest State: Loading MSRs": "The value of bits 31:0 indicates an MSR that cannot be loaded on VM entries for model-specific reasons (microcode-update MSRs IA32_BIOS_UPDT_TRIG 79H and IA32_BIOS_SIGN_ID 8BH)" -- Bochs ignores the write to the unknown MSR ("WRMSR: Unknown register 0x79/0x8b") and the entry succeeds. (Which MSRs the SDM\'s "cannot be loaded on VM entries for model-specific reasons" covers is taken from KVM\'s nested.c.) Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM (L1) refuses the entry in software (nested.c: "e->index == MSR_IA32_UCODE_WRITE"): exit 34, qualification 2, as the SDM says.', layer='kvm'),
)

# Issue 10 (helper h4): what the capability MSRs advertise versus what the platform does
# (guests/caps_fields.c, guests/caps.c; predictions in harness/caps.py).
_ENUM_CITE = ('SDM "VMCS Enumeration": "IA32_VMX_VMCS_ENUM indicates to software the highest index value used in the '
              'encoding of any field supported by the processor: Bits 9:1 contain the highest index value used for any '
              'VMCS encoding." -- Bochs reports a constant, its field-map bound VMX_HIGHEST_VMCS_ENCODING (cpu/vmx.h; '
              '2.7: 34H, bits 9:1 = 26; 3.0: 50H, bits 9:1 = 40), on every CPU model, not the highest index of a field '
              'it supports: VMREAD of all 16 width/type encodings with that index fails with VMfailValid(12) (the '
              'highest supported index in vmcs_fields.def is 25 on skylake_x, 21 on penryn, 38 on sapphire_rapids).')
_PERF_CITE = ('SDM "Definitions of VM-Entry Controls", bit 13 "Load IA32_PERF_GLOBAL_CTRL": "This control determines '
              'whether the IA32_PERF_GLOBAL_CTRL MSR is loaded on VM entry" and "Definitions of VM-Exit Controls", bit 12: '
              '"... is loaded on VM exit" (from the guest and host IA32_PERF_GLOBAL_CTRL fields) -- Bochs allows both '
              'controls (IA32_VMX_ENTRY_CTLS bit 45, IA32_VMX_EXIT_CTLS bit 44) but has no IA32_PERF_GLOBAL_CTRL MSR '
              '(cpu/cpudb/intel/*.cc: "BX_VMX_PERF_GLOBAL_CTRL | // MSR not implemented yet"; cpu/vmx.cc never loads '
              'it): RDMSR 38FH reads 0 in the guest (field 3) and in the host after the exit (field 1).')
_KVM_FIELDS = ('SDM appendix "Field Encoding in VMCS" notes ("This field exists only on processors that support the '
               '1-setting of ...") and "VMREAD"/"VMWRITE" Operation ("ELSIF secondary source operand does not correspond to '
               'any VMCS field THEN VMfailValid(VMREAD/VMWRITE from/to unsupported VMCS component)") -- KVM nested.c '
               '(L1) decides which vmcs12 fields exist by its fixed table (vmcs12.c vmcs_field_to_offset_table / '
               'get_vmcs12_field_offset in handle_vmread and handle_vmwrite), not by what it advertises to L2: {what}')
_KVM_ACCEPTS = _KVM_FIELDS.format(what='it accepts {field}, whose control {ctl} its IA32_VMX_{msr} does not allow '
                                       '(capability MSRs of this run), so the field does not exist by the SDM.')
_KVM_REJECTS = _KVM_FIELDS.format(what='its table has no {field}, a field without an existence condition (the '
                                       'appendix lists it unconditionally){extra}; KVM does not implement it.')
_UNSUP = 'VMfailValid(12 UNSUPPORTED_VMCS_COMPONENT)'
KNOWN_DIVERGENCES += tuple(
    KnownDivergence('qemu-kvm*-on-bochs*', 'caps_fields', f'{op}:{field}', _UNSUP, 'ok',
                    _KVM_ACCEPTS.format(field=field, ctl=ctl, msr=msr), layer='kvm')
    for field, ctl, msr in (('POSTED_INTR_NV', '"process posted interrupts" (pin-based bit 7)', 'PINBASED_CTLS bit 39'),
                            ('POSTED_INTR_DESC_ADDR', '"process posted interrupts" (pin-based bit 7)',
                             'PINBASED_CTLS bit 39'),
                            ('ENCLS_EXITING_BITMAP', '"enable ENCLS exiting" (secondary bit 15)',
                             'PROCBASED_CTLS2 bit 47'),
                            ('GUEST_BNDCFGS', '"load IA32_BNDCFGS" (entry bit 16) or "clear IA32_BNDCFGS" (exit bit 23)',
                             'ENTRY_CTLS bit 48 / EXIT_CTLS bit 55'))
    for op in ('vmread', 'vmwrite')) + tuple(
    KnownDivergence('qemu-kvm*-on-bochs*', 'caps_fields', f'vmread:{field}', 'ok', _UNSUP,
                    _KVM_REJECTS.format(field=field, extra=extra), layer='kvm')
    for field, extra in (('EXECUTIVE_VMCS_POINTER', ' (dual-monitor treatment of SMIs)'),
                         ('GUEST_SMBASE', ' (32-bit guest-state field)'),
                         *((f'CR3_TARGET_VALUE{i}', '; KVM reports IA32_VMX_MISC[24:16] = 0 CR3-target values, and '
                            'the SDM ("CR3-Target Controls") gives the four fields no condition on that number')
                           for i in range(4)),
                         *((f'IO_{r}', ' (I/O RCX/RSI/RDI/RIP, saved for SMIs after I/O instructions)')
                           for r in ('RCX', 'RSI', 'RDI', 'RIP'))))
KNOWN_DIVERGENCES += (
    KnownDivergence('bochs*', 'caps_fields', 'vmcs_enum:at_max', '>=1 encoding accepted', '0', _ENUM_CITE, layer='bochs'),
    KnownDivergence('bochs*', 'caps_perf_global', 'rdi', '3', '0', _PERF_CITE, layer='bochs'),
    KnownDivergence('bochs*', 'caps_perf_global', 'rdi', '1', '0', _PERF_CITE, layer='bochs'),
)

# Issue 10 (helper h2-controls): the controls every platform allowed but no scenario exercised
# (guests/exit_ple.c, tsc_scale.c, exit_ve.c, caps.c caps_perf_global_save).
_PERF_SAVE_CITE = ('SDM "Definitions of VM-Exit Controls", bit 30 "Save IA32_PERF_GLOBAL_CTRL": "This control '
                   'determines whether the IA32_PERF_GLOBAL_CTRL MSR is saved on VM exit", and "Saving Control '
                   'Registers, Debug Registers, and MSRs": "If the "save IA32_PERF_GLOBAL_CTRL" VM-exit control is 1, '
                   'the IA32_PERF_GLOBAL_CTRL MSR is saved into the corresponding field in the guest-state area" -- '
                   'the guest wrote 2 to MSR 38FH (CPUID.0AH: version >= 2, >= 2 counters, so bit 1 is not '
                   'reserved) and the field, 3 at entry, still holds 3 after the exit.  Bochs 3.0 allows the control '
                   '(IA32_VMX_EXIT_CTLS bit 62, cpu/vmcs.cc init_vmexit_ctrls: BX_VMX_PERF_GLOBAL_CTRL) but nothing '
                   'implements it (cpu/vmx_ctrls.h: "Save IA32_PERF_GLOBAL_CTRL on vmexit (not implemented)"; '
                   'the VM-exit code never writes the field), and it has no IA32_PERF_GLOBAL_CTRL MSR to save (the '
                   'guest\'s WRMSR is dropped as an unknown MSR: compare caps_perf_global).  Bochs 2.7 does not '
                   'allow the control (the scenario skips there).')
_VE_INDEX_CITE = ('SDM "Virtualization-Exception Information": offset 32 holds "The current 16-bit value of the '
                  'EPTP-index VM-execution control" -- the VMCS held EPTP index 3 at VM entry and the #VE '
                  'information area says 0.  Bochs 2.7 and 3.0 keep the index in the VMCS cache (vm->eptp_index) '
                  'and set it only in VMFUNC EPTP switching (cpu/vmfunc.cc); VM entry never reads field 0004H, so '
                  'the #VE reports the index of the last successful EPTP switch on that CPU (0 from reset, and 0 '
                  'after exit_m2_vmfunc_switch).  Everything else the area holds (48, FFFFFFFFH, the qualification, '
                  'GLA and GPA of the equivalent exit) agrees with the SDM.')
KNOWN_DIVERGENCES += (
    KnownDivergence('bochs30-*', 'caps_perf_global_save', 'rdi', '2', '3', _PERF_SAVE_CITE, layer='bochs'),
    KnownDivergence('bochs*', 'exit_ve_convert', 'rcx', '3', '0', _VE_INDEX_CITE, layer='bochs'),
)
_UWAIT_INFO_CITE = ('SDM "VM-Exit Instruction-Information Field as Used for RDRAND, RDSEED, TPAUSE, and UMWAIT": '
                    'bits 6:3 the operand register, bits 12:11 the operand size (0 16-bit, 1 32-bit, 2 64-bit) '
                    '(exit_info.def layout RDRAND) -- {insn} {reg} (32-bit operand, '
                    'register {n}) must give {want}; Bochs 3.0 (sapphire_rapids, the one model that allows "enable '
                    'user wait and pause") writes no instruction information for these exits: cpu/mwait.cc '
                    'UMWAIT_Ed calls VMexit(VMX_VMEXIT_TPAUSE or VMX_VMEXIT_UMWAIT, 0), not VMexit_Instruction, '
                    'so the field keeps its earlier value (0 in the scenario\'s fresh VMCS).  (Its '
                    'gen_instruction_info, never reached for them, would also take the size from the address size.)')
KNOWN_DIVERGENCES += (
    KnownDivergence('bochs30-*', 'exit_uwait_tpause', 'info', '0x808', '0',
                    _UWAIT_INFO_CITE.format(insn='TPAUSE', reg='ECX', n=1, want='808H'), layer='bochs'),
    KnownDivergence('bochs30-*', 'exit_uwait_umwait', 'info', '0x810', '0',
                    _UWAIT_INFO_CITE.format(insn='UMWAIT', reg='EDX', n=2, want='810H'), layer='bochs'),
)


# ---- guests/exit_extint.c: real external interrupts and NMIs (issue 10, helper h5-extint) --------------
_XI_IF = ('SDM "Event Blocking" (VMX non-root operation): "If the external-interrupt exiting VM-execution control '
          'is 1, RFLAGS.IF does not control the blocking of external interrupts. In this case, an external '
          'interrupt that is not blocked for other reasons causes a VM exit (even if RFLAGS.IF = 0)." -- a fixed '
          'self-IPI is pending in IRR (checked) when the host (IF = 0) enters a guest with IF = 0 and no blocking. ')
_BOCHS_IF0 = ('Bochs (2.7 and 3.0, every model) does not see it: cpu/vmx.cc VM entry sets the guest RFLAGS through '
              'setEFlags, which re-evaluates the interrupt masks (flag_ctrl_pro.cc handleInterruptMaskChange, whose '
              'external-interrupt-exiting branch would unmask BX_EVENT_PENDING_LAPIC_INTR) only when IF changes; host '
              'IF 0 -> guest IF 0 is no change, so the LAPIC interrupt stays masked.')
_BOCHS_HLT_WAKE = (' In the HLT state the same holds: cpu/event.cc handleWaitForEvent wakes for INTR/LAPIC_INTR only '
                   '"&& get_IF()", ignoring external-interrupt exiting, so with IF = 0 only the VMX-preemption timer '
                   '(the scenario\'s watchdog) ends the HLT: exit 52 instead of 1, the interrupt still pending '
                   '(rax 5 = IRR, host took it).')
_HLT_SAVED = ('SDM "Saving Non-Register State": "The activity-state field is saved with the logical processor\'s '
              'activity state before the VM exit"; "Architectural State Before a VM Exit": "If an unblocked event '
              'causes a VM exit directly, a return to the active state occurs only after the VM exit completes" -- '
              'an exit that wakes a guest entered in HLT (activity state 1) must save HLT (1). ')
_BOCHS_HLT_SAVED = ('Bochs 3.0 saves ACTIVE (0): cpu/event.cc handleWaitForEvent sets activity_state = ACTIVE when the '
                    'event ends the HLT, before handleAsyncEvent takes the VM exit, and cpu/vmx.cc '
                    'VMexitSaveGuestState writes that activity_state.')
_KVM_HLT_SAVED = ('KVM (L1) saves ACTIVE: nested.c nested_vmx_run does not enter vmcs02 in HLT but halts the vCPU in '
                  'software (kvm_emulate_halt_noskip); x86.c __kvm_emulate_halt leaves mp_state RUNNABLE when '
                  'kvm_vcpu_has_events() (the interrupt/NMI is already pending at VMLAUNCH), and '
                  'sync_vmcs02_to_vmcs12 saves HLT only for mp_state HALTED. Bochs (L0) never sees the HLT state.')
_NMI27 = ('SDM "Architectural State Before a VM Exit": "An NMI causes subsequent NMIs to be blocked, but only after '
          'the VM exit completes"; "Saving Non-Register State": the interruptibility state is "saved to reflect the '
          'logical processor\'s interruptibility before the VM exit" -- an NMI-caused exit (NMI exiting 1, virtual '
          'NMIs 0) from a guest without blocking must save bit 3 (blocking by NMI) as 0. Bochs 2.7 saves 1 (Bochs '
          '3.0 saves 0: its event.cc clears the event and calls VMexit_Event before mask_event(BX_EVENT_NMI)).')
_KVM_NMI_BLOCKED = ('SDM "Interruptibility State" (VM entry): "If the "virtual NMIs" VM-execution control is 0, NMIs '
                    'are blocked if bit 3 (blocking by NMI) in the interruptibility-state field is 1. ... If the "NMI '
                    'exiting" control is 1, such blocking remains in effect as long as the logical processor is in '
                    'VMX non-root operation" -- exit_nmi_iret_blocked: virtual NMIs 0, NMI exiting 1; after the first '
                    'NMI exit the host executes IRET, then enters with bit 3 = 1 (not vectoring); the guest sends '
                    'itself an NMI and stays in VMX non-root operation (its ICR write does not exit to the host), so '
                    'the NMI must stay blocked and the guest reach its VMCALL (saved bit 3 = 1).  KVM (L1) takes an '
                    'NMI exit at the instruction after the ICR write instead (saving bit 3 = 1): vmx.c '
                    'vmx_nmi_blocked() returns false whenever is_guest_mode() && nested_exit_on_nmi(), so '
                    'nested.c vmx_check_nested_events() reflects the pending NMI to L1 without looking at the '
                    'blocking by NMI that vmcs12 loaded.  The NMI is KVM\'s own (its emulated APIC, the ICR write is '
                    'an MMIO exit to L1), so Bochs (L0) has no part in it; Bochs 3.0 itself keeps it blocked.')
KNOWN_DIVERGENCES += (
    *(KnownDivergence("bochs*", "exit_extint_if0", f, w, g, _XI_IF + _BOCHS_IF0, layer="bochs")
      for f, w, g in (("event_count", "2", "1"), ("reason", "1 (EXTERNAL_INTERRUPT)", "18 (VMCALL)"))),
    *(KnownDivergence("bochs*", "exit_extint_hlt_if0", f, w, g, _XI_IF + _BOCHS_IF0 + _BOCHS_HLT_WAKE, layer="bochs")
      for f, w, g in (("reason", "1 (EXTERNAL_INTERRUPT)", "52 (PREEMPTION_TIMER)"), ("rax", "2", "5"))),
    KnownDivergence("bochs*", "exit_extint_hlt", "gact", "1", "0", _HLT_SAVED + _BOCHS_HLT_SAVED, layer="bochs"),
    KnownDivergence("bochs30-*", "exit_nmi_hlt", "gact", "1", "0", _HLT_SAVED + _BOCHS_HLT_SAVED, layer="bochs"),
    # The first (NMI-caused) exit of every exit_nmi_* scenario with "virtual NMIs" 0.  (Phase 2 of
    # exit_nmi_hlt/_shutdown/_sti/_movss, an entry with bit 3 = 0 while the host's NMIs are still blocked,
    # is not determined by the SDM and is declared occurs=impl there: Bochs 2.7 keeps the NMI blocked,
    # which is no divergence.)
    *(KnownDivergence("bochs27-*", sid, "gintr", "0", "8", _NMI27, layer="bochs")
      for sid in ("exit_nmi_exit", "exit_nmi_hlt", "exit_nmi_shutdown", "exit_nmi_sti", "exit_nmi_movss",
                  "exit_nmi_iret_open", "exit_nmi_iret_blocked")),
    KnownDivergence("bochs30-*", "exit_nmi_shutdown", "gact", "2", "0",
                    _HLT_SAVED.replace("a guest entered in HLT (activity state 1) must save HLT (1)",
                                       "a guest entered in shutdown (activity state 2; SDM \"Activity State\": it "
                                       "blocks only external interrupts and SIPIs) must save shutdown (2)")
                    + _BOCHS_HLT_SAVED.replace("ends the HLT", "ends the shutdown state"), layer="bochs"),
    # KVM on Bochs: IF = 0 is Bochs (L0) again -- KVM (nested.c vmx_check_nested_events: -EBUSY while
    # nested_run_pending) forces an immediate exit from vmcs02 with a self-IPI and external-interrupt exiting,
    # which Bochs does not recognise at VM entry with L3 IF = 0 (see exit_ev_preempt_timer).  The saved HLT
    # is KVM's (L1) own.
    *(KnownDivergence("qemu-kvm*-on-bochs*", "exit_extint_if0", f, w, g,
                      _XI_IF + "On KVM-on-Bochs KVM (L1) wakes nothing itself: vmx_check_nested_events returns -EBUSY "
                      "while nested_run_pending and vcpu_enter_guest forces an immediate exit from vmcs02 with a "
                      "self-IPI and external-interrupt exiting; " + _BOCHS_IF0, layer="bochs")
      for f, w, g in (("event_count", "2", "1"), ("reason", "1 (EXTERNAL_INTERRUPT)", "18 (VMCALL)"))),
    *(KnownDivergence("qemu-kvm*-on-bochs*", sid, "gact", "1", "0", _HLT_SAVED + _KVM_HLT_SAVED, layer="kvm")
      for sid in ("exit_extint_hlt", "exit_extint_hlt_if0", "exit_nmi_hlt")),
    # Pairs.
    *(KnownDivergence(pair, sid, "gintr", "8", "0", _NMI27 + " Bochs 2.7 (left) against 3.0 (right).",
                      layer="bochs")
      for pair in ("bochs27-skylake_x-vs-bochs30-skylake_x", "bochs27-penryn-vs-bochs30-penryn")
      for sid in ("exit_nmi_exit", "exit_nmi_sti", "exit_nmi_movss", "exit_nmi_iret_open", "exit_nmi_iret_blocked",
                  # the watchdog (VMX-preemption timer) these need is absent on penryn: skipped there
                  *(("exit_nmi_hlt", "exit_nmi_shutdown") if "skylake" in pair else ()))),
    # exit_nmi_iret_blocked under KVM: the re-entry's bit 3 = 1 does not block the guest's NMI.
    *(KnownDivergence("qemu-kvm*-on-bochs*", "exit_nmi_iret_blocked", f, w, g, _KVM_NMI_BLOCKED, layer="kvm")
      for f, w, g in (("event_count", "2", "3"), ("reason", "18 (VMCALL)", "0 (EXCEPTION_NMI)"))),
    *(KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", "exit_nmi_iret_blocked", f, a, b,
                      _KVM_NMI_BLOCKED + " Bochs 3.0 (left) keeps the NMI blocked and exits at the VMCALL.",
                      layer="kvm")
      for f, a, b in (("event_count", "2", "3"), ("reason", "0x12", "0"), ("rip", "@insn", "@sent"),
                      ("resumed", "False", "True"), ("intr_info", "0", "0x80000202"))),
    *(KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", "exit_extint_hlt_if0", f, a, b,
                      _XI_IF + "Bochs 3.0 (left) never wakes the HLT for it: " + _BOCHS_HLT_WAKE.strip() +
                      " KVM (right) wakes it (vmx_interrupt_blocked is false in guest mode with external-interrupt "
                      "exiting) and exits with reason 1, though saving ACTIVE (the qemu-kvm*-on-bochs* entry).",
                      layer="bochs")
      for f, a, b in (("reason", "0x34", "1"), ("intr_info", "0", "0x80000050"), ("gact", "1", "0"),
                      ("gprs", "{'rax': 5, 'rdi': 0, 'rsi': 0, 'rdx': 0, 'rcx': 0}",
                       "{'rax': 2, 'rdi': 0, 'rsi': 0, 'rdx': 0, 'rcx': 0}"))),
)


# ---- guests/exit_apic_timer.c, exit_nmi_window.c (issue 10, helper h3-apic) ------------------------------
_TMR_IF = ('SDM "Event Blocking" (VMX non-root operation): "If the external-interrupt exiting VM-execution control '
           'is 1, RFLAGS.IF does not control the blocking of external interrupts. In this case, an external '
           'interrupt that is not blocked for other reasons causes a VM exit (even if RFLAGS.IF = 0)." -- the '
           'host\'s local APIC timer (one-shot, vector 58H) ')
_TMR_PENDING = 'expired before the entry (IRR[58H] checked) and the guest is entered with IF = 0 and no blocking. '
_TMR_RUN = ('expires while the guest (IF = 0, no blocking) spins: the same masked event; the guest runs on to its '
            'VMCALL and the timer interrupt is still in IRR afterwards. ')
_BOCHS_TMR_IF0 = ('Bochs (2.7 and 3.0, every model): the same cause as the self-IPI (exit_extint_if0): the timer sets '
                  'IRR and signals BX_EVENT_PENDING_LAPIC_INTR, which stays masked from the host\'s IF = 0, because '
                  'cpu/vmx.cc VM entry loads the guest RFLAGS through setEFlags and flag_ctrl_pro.cc '
                  'handleInterruptMaskChange (whose external-interrupt-exiting branch unmasks it) runs only when IF '
                  'changes; host IF 0 -> guest IF 0 is no change.')
_NMIW_ENTRY = ('SDM "Interruptibility State" (VM entry, virtual NMIs 1): bit 3 "does not affect the blocking of NMIs '
               'after VM entry. NMIs are not blocked in VMX non-root operation" -- the host pends a second self-NMI '
               'after the guest\'s NMI exit (host NMIs blocked, "An NMI causes subsequent NMIs to be blocked, but '
               'only after the VM exit completes") and enters again with NMI-window exiting 1. ')
_BOCHS27_NMIW = ('Bochs 2.7 keeps the host\'s NMI blocking through the entry (Bochs 3.0 cpu/vmx.cc unmasks '
                 'BX_EVENT_NMI at every VM entry and masks it again only for bit 3 with virtual NMIs 0; compare '
                 'exit_ev_nmi_window_stale_blocking; with virtual NMIs 0, where the SDM leaves it open, 2.7 keeps '
                 'it too: exit_nmi_hlt, exit_nmiblock_stale): the '
                 'NMI stays pending until the host\'s clean-up IRET.')
_X2BACK = ('SDM "x2APIC State Transitions" (Figure "Local x2APIC State Transitions with IA32_APIC_BASE, INIT, '
           'and RESET": from Disabled, EN = 1 with EXTD = 0 leads to xAPIC mode; "x2APIC Transitions From x2APIC '
           'Mode": "the only valid x2APIC transition using IA32_APIC_BASE is to the state where the x2APIC is '
           'disabled by setting EN to 0 and EXTD to 0") -- x2APIC -> disabled -> xAPIC must leave IA32_APIC_BASE '
           'as before (FEE00900H). Bochs (cpu/msr.cc relocate_apic) ignores every IA32_APIC_BASE write while the '
           'APIC is globally disabled ("APIC global enable bit cleared !"), the pre-x2APIC P6 rule that only RESET '
           're-enables it: EN stays 0 (FEE00100H) for the rest of the boot.')
_X2GP = ('SDM RDMSR ("Specifying a reserved or unimplemented MSR address in ECX will also cause a general '
         'protection exception") and "Changes to Instruction Behavior in VMX Non-Root Operation" (RDMSR 808H, '
         '"virtualize x2APIC mode" 0: "If the local APIC is not in x2APIC mode, a general-protection fault occurs") '
         '-- the guest\'s RDMSR 808H must be #GP(0) (exception bitmap bit 13: exit 0). On penryn (no x2APIC) Bochs '
         'treats 808H as an unknown MSR: cpu/msr.cc rdmsr logs "RDMSR: Unknown register 0x808" and, with its default '
         'cpu option ignore_bad_msrs=1, returns 0 without #GP; the guest reaches its VMCALL.')
KNOWN_DIVERGENCES += (
    *(KnownDivergence("bochs*", "exit_apictimer_if0", f, w, g, _TMR_IF + _TMR_PENDING + _BOCHS_TMR_IF0, layer="bochs")
      for f, w, g in (("event_count", "2", "1"), ("reason", "1 (EXTERNAL_INTERRUPT)", "18 (VMCALL)"))),
    *(KnownDivergence("bochs*", "exit_apictimer_run_if0", f, w, g, _TMR_IF + _TMR_RUN + _BOCHS_TMR_IF0, layer="bochs")
      for f, w, g in (("event_count", "2", "1"), ("reason", "1 (EXTERNAL_INTERRUPT)", "18 (VMCALL)"))),
    *(KnownDivergence("bochs*", "exit_apictimer_hlt_if0", f, w, g,
                      _TMR_IF + "expires while the guest, IF = 0, is in the HLT state its own HLT entered. "
                      + _BOCHS_TMR_IF0 + _BOCHS_HLT_WAKE, layer="bochs")
      for f, w, g in (("reason", "1 (EXTERNAL_INTERRUPT)", "52 (PREEMPTION_TIMER)"), ("rax", "2", "5"))),
    KnownDivergence("bochs*", "exit_apictimer_hlt", "gact", "1", "0",
                    _HLT_SAVED.replace("a guest entered in HLT (activity state 1)",
                                       "a guest whose own HLT put it in the HLT state")
                    + _BOCHS_HLT_SAVED + " (Bochs 2.7 too.)", layer="bochs"),
    KnownDivergence("bochs27-*", "exit_nmiwin_real_open", "rax", "8", "0",
                    _NMIW_ENTRY + 'No virtual-NMI blocking: the NMI-window exit comes first ("VM exits caused by this '
                    'control take priority over non-maskable interrupts (NMIs)"), and SDM "Updating Non-Register '
                    'State" (only a VM exit caused directly by an NMI causes blocking by NMI) leaves the NMI unblocked, '
                    'so the host\'s NMI handler must take it right after that exit (rax bit 3). ' + _BOCHS27_NMIW,
                    layer="bochs"),
    *(KnownDivergence("bochs27-*", "exit_nmiwin_real_blocked", f, w, g,
                      _NMIW_ENTRY + "Virtual-NMI blocking 1: no NMI-window exit, but the real NMI is not blocked and "
                      "must exit (0) before the guest's first instruction. " + _BOCHS27_NMIW, layer="bochs")
      for f, w, g in (("event_count", "3", "2"), ("reason", "0 (EXCEPTION_NMI)", "18 (VMCALL)"))),
    # KVM on Bochs.  The IF = 0 cases are Bochs (L0) again: KVM (L1) enters vmcs02 with its own IF = 0 and
    # external-interrupt exiting 1, so the interrupt that should end L3 (the image's guest) -- the image's
    # timer interrupt, or L1's own interrupt that makes KVM deliver it -- meets the same masked event.
    *(KnownDivergence("qemu-kvm*-on-bochs*", sid, f, w, g,
                      _TMR_IF + what + "Under KVM-on-Bochs: as for exit_extint_if0 there, " + _BOCHS_TMR_IF0, layer="bochs")
      for sid, what in (("exit_apictimer_if0", _TMR_PENDING), ("exit_apictimer_run_if0", _TMR_RUN))
      for f, w, g in (("event_count", "2", "1"), ("reason", "1 (EXTERNAL_INTERRUPT)", "18 (VMCALL)"))),
    # The NMI cases are KVM's (L1): Bochs 3.0 as L0 gets both right natively (bochs30-* pass).
    KnownDivergence("qemu-kvm*-on-bochs*", "exit_nmiwin_real_open", "rax", "8", "0",
                    _NMIW_ENTRY + "After the NMI-window exit the NMI must be unblocked in the image's host (only an "
                    "NMI-caused exit blocks NMIs) and go to its handler. KVM (L1) keeps the host's NMI blocking that "
                    "nested.c set at the first, NMI-caused nested exit (vmx_set_nmi_mask(vcpu, true) in vmcs01) "
                    "through the nested entry with virtual NMIs 1 and the NMI-window exit: the NMI stays pending.",
                    layer="kvm"),
    *(KnownDivergence("qemu-kvm*-on-bochs*", "exit_nmiwin_real_blocked", f, w, g,
                      _NMIW_ENTRY + "Virtual-NMI blocking 1: the real NMI must exit (0) at the first instruction. KVM "
                      "(L1) treats the host's pending NMI as blocked at the nested entry (vmcs01's NMI blocking from "
                      "the first nested NMI exit is kept) and L3 runs to its VMCALL.", layer="kvm")
      for f, w, g in (("event_count", "3", "2"), ("reason", "0 (EXCEPTION_NMI)", "18 (VMCALL)"))),
    # Pairs: Bochs 2.7 vs 3.0 (3.0 follows the SDM).
    *(KnownDivergence(pair, "exit_nmiwin_real_blocked", f, a, b, _NMIW_ENTRY + _BOCHS27_NMIW + " Bochs 3.0 (right) "
                      "takes the NMI exit.", layer="bochs")
      for pair in ("bochs27-skylake_x-vs-bochs30-skylake_x", "bochs27-penryn-vs-bochs30-penryn")
      for f, a, b in (("event_count", "2", "3"), ("gintr", "None", "8"), ("gact", "None", "0"),
                      ("intr_info", "0", "0x80000202"), ("reason", "0x12", "0"), ("resumed", "False", "True"))),
    *(KnownDivergence(pair, "exit_nmiwin_real_open", "gprs", "{'rax': " + a + ", 'rdi': 0, 'rsi': 0, 'rdx': 0, 'rcx': 0}",
                      "{'rax': " + b + ", 'rdi': 0, 'rsi': 0, 'rdx': 0, 'rcx': 0}",
                      _NMIW_ENTRY + "The host must take the NMI after the NMI-window exit (rax 8). " + _BOCHS27_NMIW
                      + (" KVM (right) keeps the host's NMI blocking (the qemu-kvm*-on-bochs* entry)."
                         if "qemu" in pair else ""), layer="kvm" if "qemu" in pair else "bochs")
      for pair, a, b in (("bochs27-skylake_x-vs-bochs30-skylake_x", "0", "8"), ("bochs27-penryn-vs-bochs30-penryn", "0", "8"),
                         ("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", "8", "0"))),
    *(KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", "exit_nmiwin_real_blocked", f, a, b,
                      _NMIW_ENTRY + "Bochs 3.0 (left) takes the NMI exit; KVM (right) does not (the qemu-kvm*-on-bochs* "
                      "entry).", layer="kvm")
      for f, a, b in (("event_count", "3", "2"), ("gintr", "8", "None"), ("gact", "0", "None"),
                      ("intr_info", "0x80000202", "0"), ("reason", "0", "0x12"), ("resumed", "True", "False"))),
    # Bochs 3.0 vs KVM on the timer in HLT: KVM (right) follows the SDM on both (saves HLT, wakes with IF = 0).
    KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", "exit_apictimer_hlt", "gact", "0", "1",
                    _HLT_SAVED + _BOCHS_HLT_SAVED + " KVM (right) saves HLT.", layer="bochs"),
    *(KnownDivergence("bochs30-skylake_x-vs-qemu-kvm612-on-bochs30", "exit_apictimer_hlt_if0", f, a, b,
                      _TMR_IF + "expires while the guest, IF = 0, is in the HLT state. Bochs 3.0 (left): "
                      + _BOCHS_HLT_WAKE.strip() + " KVM (right) exits with reason 1.", layer="bochs")
      for f, a, b in (("reason", "0x34", "1"), ("intr_info", "0", "0x80000058"),
                      ("gprs", "{'rax': 5, 'rdi': 0, 'rsi': 0, 'rdx': 0, 'rcx': 0}",
                       "{'rax': 2, 'rdi': 0, 'rsi': 0, 'rdx': 0, 'rcx': 0}"))),
    # The host's way back from x2APIC mode (guests/exit_x2apic.c close): WRMSR IA32_APIC_BASE EN=0 EXTD=0
    # (disabled), then EN=1 EXTD=0 (xAPIC).  Each scenario boots alone on Bochs (.alone), so only its own
    # KEEP record shows it.
    *(KnownDivergence(p, sid, "unmodified:IA32_APIC_BASE", "0xfee00900", "0xfee00100", _X2BACK, layer="bochs")
      for p in ("bochs27-skylake_x", "bochs30-skylake_x", "bochs30-sapphire_rapids")
      for sid in ("exit_x2apic_selfipi", "exit_x2apic_icr", "exit_x2apic_rdmsr_exit", "exit_x2apic_rdmsr_nobitmap",
                  "exit_x2apic_rdmsr_pass")),
    # exit_x2apic_xapic_gp on penryn (no x2APIC, CPUID.01H:ECX[21] = 0): MSR 808H does not exist there.
    KnownDivergence("bochs*-penryn", "exit_x2apic_xapic_gp", "reason", "0 (EXCEPTION_NMI)", "18 (VMCALL)",
                    _X2GP, layer="bochs"),
    *(KnownDivergence("bochs27-penryn-vs-bochs27-skylake_x", "exit_x2apic_xapic_gp", f, a, b, _X2GP, layer="bochs")
      for f, a, b in (("reason", "0x12", "0"), ("intr_info", "0", "0x80000b0d"), ("rip", "@resume", "@insn"))),
)

# Event injection and IDT-vectoring information (guests/exit_inject.c, helper h2-inject).
_INJ_RF_CITE = ('SDM "Saving RIP, RSP, RFLAGS, and SSP" (RF): for VM exits caused by EPT violations, "If the VM '
                'exit stored 1 for bit 31 for IDT-vectoring information field ... the value saved is the value '
                'that would have appeared in the saved RFLAGS image had the event been delivered through the '
                'IDT"; "Details of Vectored-Event Injection": "The value pushed for the RF flag is not modified '
                'based on the type of event being delivered" -- the injected external interrupt 32 (guest RFLAGS '
                'A43H, RF 0) meets a not-present EPT entry for its gate: the RF saved must be 0, so the host\'s '
                're-injection pushes A43H (handler RCX).  Bochs 3.0 saves RF = 1: cpu/vmx.cc VMexit() clears '
                'in_event right after writing the IDT-vectoring field, before VMexitSaveGuestState -> '
                'VMexitReadEFLAGS, which then takes the "not during event delivery" branch (RF = 1) for EPT '
                'violations (also APIC-access, EPT misconfiguration, PML-full, SPP exits). Bochs 2.7 saves 0.')
KNOWN_DIVERGENCES += (
    KnownDivergence("bochs30-*", "exit_inj_vec_ept_reinject", "rcx", "0xa43", "0x10a43", _INJ_RF_CITE, layer="bochs"),
    # KVM (L1) reflects L2's EPT violation from vmcs02, where Bochs 3.0 (L0) saved RF = 1: nested.c
    # sync_vmcs02_to_vmcs12 copies vmcs02's guest RFLAGS into vmcs12; KVM sets RF itself only when it
    # injects a fault-class exception, not an external interrupt.  The pair with bochs30-skylake_x agrees.
    KnownDivergence("qemu-kvm*-on-bochs*", "exit_inj_vec_ept_reinject", "rcx", "0xa43", "0x10a43",
                    _INJ_RF_CITE + " Under KVM the EPT violation is Bochs 3.0's (L0) on vmcs02; KVM copies the "
                    "saved RFLAGS into vmcs12.", layer="bochs"),
    # The same between Bochs 2.7 (left, SDM) and 3.0.  The pair compares the five registers as one
    # value: RAX of the handler's record is the pushed RIP, label insn, equal on both sides (a glob
    # only because a label cannot be named inside that value); RCX is the pushed RFLAGS.
    *(KnownDivergence("bochs27-*-vs-bochs30-*", "exit_inj_vec_ept_reinject", "gprs",
                      "{'rax': " + rax + ", 'rdi': " + rdi + ", 'rsi': 18446744073709551615, 'rdx': 8, 'rcx': 2627}",
                      "{'rax': " + rax + ", 'rdi': " + rdi + ", 'rsi': 18446744073709551615, 'rdx': 8, 'rcx': 68163}",
                      _INJ_RF_CITE + " (rcx 2627 = A43H, 68163 = 10A43H)", layer="bochs")
      for rax, rdi in (("*", "32"), ("0", "48568231272448"))),
)


# VM exits during event delivery caused by the guest's own stack (guests/exit_deliver.c, helper h6-delivery).
# The same Bochs 3.0 ordering as exit_inj_vec_ept_reinject (_INJ_RF_CITE): VMexit() clears in_event right
# after writing the IDT-vectoring field, before VMexitSaveGuestState -> VMexitReadEFLAGS, whose EPT-violation /
# EPT-misconfiguration / APIC-access branch then takes the "did not occur during delivery" side (RF = 1).  The
# IDT-vectoring information and error code themselves are right (written before in_event is cleared), as are
# the qualification, the addresses and the instruction length.  It shows only where the RF the SDM asks for is 0:
# a trap-class software exception (INT3), a software interrupt (INT n), an injected external interrupt; for a
# fault (#GP, #PF: exit_dlv_ept_gp, exit_dlv_ept_pf, exit_dlv_apic_gp) the right value is 1 as well.
_DLV_RF_CITE = ('SDM "Saving RIP, RSP, RFLAGS, and SSP" (RF): "For APIC-access VM exits and for VM exits caused by EPT '
                'violations and EPT misconfigurations, the value saved depends on whether the VM exit occurred during '
                'delivery of an event through the IDT: ... If the VM exit stored 1 for bit 31 for IDT-vectoring '
                'information field (because the VM exit did occur during delivery of an event through the IDT), the '
                'value saved is the value that would have appeared in the saved RFLAGS image had the event been '
                'delivered through the IDT"; "Instruction-Breakpoint Exception Condition": "For any fault-class '
                'exception except a debug exception generated in response to an instruction breakpoint, the value '
                'pushed for RF is 1", otherwise "the value that was in EFLAG.RF at the time the event handler was '
                'called" (software interrupts: "RF is pushed as 0") -- {what}, guest RFLAGS {rfl} (RF 0): the exit '
                'sets IDT-vectoring valid ({idt}), so the RF saved must be 0, and the host\'s re-injection from the '
                'IDT-vectoring fields ("Details of Vectored-Event Injection": "The value pushed for the RF flag is not '
                'modified") pushes {rfl}, the handler\'s RCX.  Bochs 3.0 saves RF = 1 ({bad}): cpu/vmx.cc VMexit() '
                'clears in_event right after writing the IDT-vectoring field and before VMexitSaveGuestState -> '
                'VMexitReadEFLAGS, which then takes the "not during event delivery" branch (RF = 1) for reason {reason}. '
                'Bochs 2.7 saves 0.')
_DLV_RF = {
    # scenario: (what, exit reason, IDT-vectoring information, guest RFLAGS, RFLAGS Bochs 3.0 saves)
    "exit_dlv_ept_bp": ("INT3 whose frame's RIP slot lies in a page EPT maps read/execute (EPT violation)", "48",
                        "80000603H: #BP, software exception", "0x843", "0x10843"),
    "exit_dlv_ept_swint": ("INT 80H whose frame's RIP slot lies in a page whose EPT PTE is not present (EPT violation)",
                           "48", "80000480H: vector 128, software interrupt", "0x843", "0x10843"),
    "exit_dlv_ept_extint": ("an injected external interrupt 32 whose frame's RIP slot lies in a page EPT maps "
                            "read/execute (EPT violation)", "48", "80000020H: vector 32, external interrupt",
                            "0xa43", "0x10a43"),
    "exit_dlv_mis_bp": ("INT3 whose frame's RIP slot lies in a page whose EPT PTE is write-only (EPT misconfiguration)",
                        "49", "80000603H", "0x843", "0x10843"),
    "exit_dlv_mis_extint": ("an injected external interrupt 32 whose frame's RIP slot lies in a page whose EPT PTE is "
                            "write-only (EPT misconfiguration)", "49", "80000020H", "0xa43", "0x10a43"),
    "exit_dlv_apic_bp": ("INT3 whose frame's RIP slot lies on the APIC-access page (APIC access, qualification "
                         "3FF8H: offset FF8H, linear access during event delivery)", "44", "80000603H", "0x843",
                         "0x10843"),
}


def _dlv_cite(sid: str) -> str:
    what, reason, idt, rfl, bad = _DLV_RF[sid]
    return _DLV_RF_CITE.format(what=what, reason=reason, idt=idt, rfl=rfl, bad=bad)


KNOWN_DIVERGENCES += (
    *(KnownDivergence("bochs30-*", sid, "rcx", v[3], v[4], _dlv_cite(sid), layer="bochs") for sid, v in _DLV_RF.items()),
    # Under KVM the exit is Bochs 3.0's (L0) on vmcs02 (KVM's own EPT for the EPT cases, the reflected APIC access);
    # nested.c sync_vmcs02_to_vmcs12 copies vmcs02's guest RFLAGS into vmcs12 unchanged (KVM sets RF itself only
    # when it injects a fault-class exception into L2).  The pair with bochs30-skylake_x agrees.
    *(KnownDivergence("qemu-kvm*-on-bochs*", sid, "rcx", v[3], v[4],
                      _dlv_cite(sid) + " Under KVM the exit is Bochs 3.0's (L0) on vmcs02; KVM copies the saved RFLAGS "
                      "into vmcs12.", layer="bochs") for sid, v in _DLV_RF.items()),
    # Bochs 2.7 (left, SDM) against 3.0: the handler's record (five registers as one value; RAX, the pushed RIP,
    # is label resume or insn, equal on both sides: a glob only because a label cannot be named inside that
    # value; RDI the vector; RCX the pushed RFLAGS).
    *(KnownDivergence("bochs27-*-vs-bochs30-*", sid, "gprs",
                      "{'rax': *, 'rdi': " + vec + ", 'rsi': 18446744073709551615, 'rdx': 8, 'rcx': " + str(int(v[3], 16)) + "}",
                      "{'rax': *, 'rdi': " + vec + ", 'rsi': 18446744073709551615, 'rdx': 8, 'rcx': " + str(int(v[4], 16)) + "}",
                      _dlv_cite(sid) + f" (rcx {int(v[3], 16)} = {v[3]}, {int(v[4], 16)} = {v[4]})", layer="bochs")
      for sid, v in _DLV_RF.items() for vec in ({"exit_dlv_ept_swint": "128", "exit_dlv_ept_extint": "32",
                                                  "exit_dlv_mis_extint": "32"}.get(sid, "3"),)),
)

# --- vmx_root_* (guests/vmx_root.c): VMX instructions executed by the host in VMX root operation
# and outside VMX operation; the expectations are the operation pseudo-code of each instruction's page
# in SDM Vol. 3 "VMX Instruction Reference".  (Under qemu-kvm612-on-bochs30 every one of these
# instructions exits from Bochs (L0) to KVM (L1), whose nested.c emulates it.)
_ROOT_TYPE64 = ('SDM "{insn}" operation: "{insn_type} := value of register operand; IF IA32_VMX_EPT_VPID_CAP MSR '
                'indicates that processor does not support {insn_type} THEN VMfail(Invalid operand to INVEPT/INVVPID)", '
                'and its description: "in 64-bit mode, the register operand has 64 bits". Type 100000002H is no type '
                'the capability MSR reports: VMfailValid, error 28. Bochs (cpu/vmx.cc {name}) reads the register with '
                '64 bits only when the instruction has REX.W (i->os64L()), else its low 32 bits (2: {what}), and the '
                'instruction succeeds.')
_ROOT_NO_FEATURE = ('SDM "{insn}" 64-Bit Mode Exceptions: "#UD ... If the logical processor does not support {feat} '
                    '(IA32_VMX_PROCBASED_CTLS2[{bit}]=0)". core2_penryn_t9600: IA32_VMX_PROCBASED_CTLS2 = 0x4100000000 '
                    '(bit {bit} clear) and IA32_VMX_EPT_VPID_CAP absent (#GP). Bochs 2.7 and 3.0 decode {name} for '
                    'every VMX CPU (ia_opcodes.def: BX_ISA_VMX) and execute it as on a processor that has it: type 2 '
                    'succeeds, no #UD.')
_ROOT_VMCALL_19 = ('SDM "VMCALL-Call to VM Monitor" operation, in VMX root operation at CPL 0: "ELSIF in SMM or the '
                   'logical processor does not support the dual-monitor treatment of SMIs and SMM or the valid bit in '
                   'the IA32_SMM_MONITOR_CTL MSR is clear THEN VMfail (VMCALL executed in VMX root operation)" comes '
                   'before "ELSIF launch state of current VMCS is not clear THEN VMfailValid(VMCALL with non-clear '
                   'VMCS)"; IA32_SMM_MONITOR_CTL bit 0 is 0 (only SMM can set it), so error 1. Bochs 2.7 and 3.0 '
                   '(cpu/vmx.cc VMCALL) test only in_smm there (the other two conditions are commented out) and go '
                   'on to the launch-state test: error 19. (With a clear VMCS they panic: EMULATOR_CRASHES '
                   'vmx_root_vmcall.)')

_ROOT_KVM_VMCALL = ('SDM "VMCALL-Call to VM Monitor" operation: "IF not in VMX operation THEN #UD; ELSIF in VMX '
                    'non-root operation THEN VM exit; ... ELSIF in SMM or the logical processor does not support the '
                    'dual-monitor treatment of SMIs and SMM or the valid bit in the IA32_SMM_MONITOR_CTL MSR is clear '
                    'THEN VMfail (VMCALL executed in VMX root operation)": outside VMX operation #UD, in VMX root '
                    'operation VMfailValid(1), or VMfailInvalid without a current VMCS. Under qemu-kvm612-on-bochs30 '
                    'the image runs in VMX non-root operation of Bochs (L0), whose VMCALL exits unconditionally to '
                    'KVM (L1); KVM\'s exit handler for VMCALL is its paravirtual hypercall (vmx.c '
                    'kvm_vmx_exit_handlers[EXIT_REASON_VMCALL] = kvm_emulate_hypercall; Documentation/virt/kvm/x86/'
                    'hypercalls.rst), taken whatever the guest\'s emulated VMX state (nested.c is not consulted): '
                    'RAX = 0 is no hypercall, RAX := -KVM_ENOSYS, the instruction is skipped, RFLAGS unchanged: no '
                    '#UD, no VMfail. A deliberate KVM interface, a divergence from the SDM all the same.')
_ROOT_KVM_TYPE64 = (' Pair bochs30-skylake_x vs qemu-kvm612-on-bochs30: Bochs 3.0 is the side that deviates; KVM '
                    '(L1, nested.c handle_invept/handle_invvpid) reads the 64-bit register and fails types >= 32 '
                    'with error 28, as the SDM says.')


def _root_pair(sid: str, n_left: str, n_right: str, left: str, right: str, cite: str, layer: str) -> tuple:
    pair = "bochs30-skylake_x-vs-qemu-kvm612-on-bochs30"
    return (KnownDivergence(pair, sid, "event_count", n_left, n_right, cite, layer=layer),
            KnownDivergence(pair, sid, "event", left, right, cite, layer=layer))


def _root_missing_event(platform: str, sid: str, expected: str, cite: str, layer: str) -> tuple:
    """The expected VMFAIL/FAULT is absent: the instruction succeeded and the guest's VMCALL exit came first."""
    return (KnownDivergence(platform, sid, "event_count", "2", "1", cite, layer=layer),
            KnownDivergence(platform, sid, "event", expected, "EXIT VMCALL qual=0x0", cite, layer=layer))


KNOWN_DIVERGENCES += (
    *_root_missing_event("bochs*", "vmx_root_invept_type_bit32", "VMFAIL", _ROOT_TYPE64.format(
        insn="INVEPT-Invalidate Translations Derived from EPT", insn_type="INVEPT_TYPE", name="INVEPT",
        what="all-context"), "bochs"),
    *_root_missing_event("bochs*", "vmx_root_invvpid_type_bit32", "VMFAIL", _ROOT_TYPE64.format(
        insn="INVVPID-Invalidate Translations Based on VPID", insn_type="INVVPID_TYPE", name="INVVPID",
        what="all-context"), "bochs"),
    *_root_missing_event("bochs*-penryn", "vmx_root_invept_ud", "FAULT", _ROOT_NO_FEATURE.format(
        insn="INVEPT-Invalidate Translations Derived from EPT", feat="EPT", bit=33, name="INVEPT"), "bochs"),
    *_root_missing_event("bochs*-penryn", "vmx_root_invvpid_ud", "FAULT", _ROOT_NO_FEATURE.format(
        insn="INVVPID-Invalidate Translations Based on VPID", feat="VPIDs", bit=37, name="INVVPID"), "bochs"),
    KnownDivergence("bochs*", "vmx_root_vmcall_launched", "vm_instruction_error", "1 (VMCALL_IN_VMX_ROOT)",
                    "19 (VMCALL_NONCLEAR_VMCS)", _ROOT_VMCALL_19, layer="bochs"),
    *_root_missing_event("qemu-kvm612-on-bochs30", "vmx_root_vmcall", "VMFAIL", _ROOT_KVM_VMCALL, "kvm"),
    *_root_missing_event("qemu-kvm612-on-bochs30", "vmx_root_vmcall_no_vmcs", "VMFAIL", _ROOT_KVM_VMCALL, "kvm"),
    *_root_missing_event("qemu-kvm612-on-bochs30", "vmx_root_outside_vmcall", "FAULT", _ROOT_KVM_VMCALL, "kvm"),
    KnownDivergence("qemu-kvm612-on-bochs30", "vmx_root_vmcall_launched", "event_count", "3", "2", _ROOT_KVM_VMCALL,
                    layer="kvm"),
    KnownDivergence("qemu-kvm612-on-bochs30", "vmx_root_vmcall_launched", "event", "VMFAIL", "EXIT VMCALL qual=0x0",
                    _ROOT_KVM_VMCALL, layer="kvm"),
    # Pairs: the same model under Bochs 3.0 alone and as L0 of KVM; each entry says which side deviates.
    *_root_pair("vmx_root_invept_type_bit32", "1", "2", "EXIT VMCALL qual=0x0", "VMFAIL INVEPT valid err=28",
                _ROOT_TYPE64.format(insn="INVEPT-Invalidate Translations Derived from EPT", insn_type="INVEPT_TYPE",
                                    name="INVEPT", what="all-context") + _ROOT_KVM_TYPE64, "bochs"),
    *_root_pair("vmx_root_invvpid_type_bit32", "1", "2", "EXIT VMCALL qual=0x0", "VMFAIL INVVPID valid err=28",
                _ROOT_TYPE64.format(insn="INVVPID-Invalidate Translations Based on VPID", insn_type="INVVPID_TYPE",
                                    name="INVVPID", what="all-context") + _ROOT_KVM_TYPE64, "bochs"),
    *_root_pair("vmx_root_outside_vmcall", "2", "1", "FAULT VMCALL vector=6 error_code=0x0", "EXIT VMCALL qual=0x0",
                _ROOT_KVM_VMCALL + " Bochs 3.0 alone raises #UD as the SDM says.", "kvm"),
    *_root_pair("vmx_root_vmcall_no_vmcs", "2", "1", "VMFAIL VMCALL invalid", "EXIT VMCALL qual=0x0",
                _ROOT_KVM_VMCALL + " Bochs 3.0 alone gives VMfailInvalid as the SDM says.", "kvm"),
    *_root_pair("vmx_root_vmcall_launched", "3", "2", "VMFAIL VMCALL valid err=19", "EXIT VMCALL qual=0x0",
                _ROOT_KVM_VMCALL + " Both sides deviate: " + _ROOT_VMCALL_19, "kvm"),
)

# The takeover family (guests/takeover.c, issue 11): one block, per CPU (fields of CPU N != 0 are
# "cpuN:<field>").
_VMCALL_ROOT = ('SDM Vol. 3 "VMCALL - Call to VM Monitor" pseudo-code, in VMX root operation: "ELSIF in SMM or the '
                'logical processor does not support the dual-monitor treatment of SMIs and SMM or the valid bit in '
                'the IA32_SMM_MONITOR_CTL MSR is clear THEN VMfail (VMCALL executed in VMX root operation)" -- here '
                'not in SMM, IA32_VMX_BASIC bit 49 (dual-monitor treatment) = 0 (0xd810000000002b on skylake_x) and '
                'IA32_SMM_MONITOR_CTL = 0, with a current VMCS: VMfailValid(1). Bochs (cpu/vmx.cc VMCALL) tests '
                'only in_smm and goes on as if it activated the dual-monitor treatment: with a launched current '
                'VMCS it fails with error 19 "VMCALL with non-clear VMCS" (and with a clear one it panics "VMCALL: '
                'not implemented yet", so the scenario uses a launched VMCS). Both CPUs.')
KNOWN_DIVERGENCES += tuple(
    KnownDivergence(plat, 'takeover_disable_root', f'{cpu}vm_instruction_error', '1 (VMCALL_IN_VMX_ROOT)',
                    '19 (VMCALL_NONCLEAR_VMCS)', _VMCALL_ROOT, layer='bochs')
    for plat in ('bochs27-*', 'bochs30-*') for cpu in ('', 'cpu1:'))

_KVM_VMCALL = ('SDM Vol. 3 "VMCALL - Call to VM Monitor" pseudo-code: "IF not in VMX operation THEN #UD" and, in VMX '
               'root operation without the dual-monitor treatment, "VMfail (VMCALL executed in VMX root '
               'operation)" -- the image runs as KVM\'s L1 guest, so each of its VMCALLs outside its own guest '
               'exits to KVM (Bochs as L0 delivers that exit as the hardware must), and KVM (vmx.c handle_vmcall '
               '-> x86.c kvm_emulate_hypercall) treats it as a KVM hypercall whatever the guest\'s own VMX state: '
               'hypercall number 0x4844 is unknown, RAX = -KVM_ENOSYS (-1000 = 0xfffffffffffffc18) and RIP moves '
               'past the VMCALL; no #UD with VMX off ({case}), no VMfail in VMX root operation. Both CPUs.')
KNOWN_DIVERGENCES += tuple(
    KnownDivergence('qemu-kvm612-on-bochs30', sid, cpu + f, want, got,
                    _KVM_VMCALL.format(case='takeover_disable_off' if sid.endswith('off') else 'takeover_disable_off; '
                                       'here VMX on with a launched current VMCS'), layer='kvm')
    for cpu in ('', 'cpu1:') for sid, f, want, got in (
        ('takeover_disable_off', 'call_ret', '3', '0xfffffffffffffc18'),
        ('takeover_disable_off', 'call_vector', '6', 'None'),
        ('takeover_disable_root', 'event_count', '2', '1'),
        ('takeover_disable_root', 'event', 'VMFAIL', 'CALL disable ret=0xfffffffffffffc18')))
KNOWN_DIVERGENCES += tuple(
    KnownDivergence('bochs30-skylake_x-vs-qemu-kvm612-on-bochs30', sid, cpu + f, want, got,
                    'Pair: both sides deviate from the SDM, differently. ' + (_VMCALL_ROOT + ' ' if 'root' in sid else '')
                    + _KVM_VMCALL.format(case='takeover_disable_off'), layer='kvm')
    for cpu in ('', 'cpu1:') for sid, f, want, got in (
        ('takeover_disable_off', 'ret', '3', '0xfffffffffffffc18'),
        ('takeover_disable_off', 'vector', '6', 'None'),
        ('takeover_disable_root', 'event_count', '2', '1'),
        ('takeover_disable_root', 'event', 'VMFAIL VMCALL valid err=19', 'CALL disable ret=0xfffffffffffffc18')))

_INIT_PENDING = ('SDM "Other Causes of VM Exits": "INIT signals. INIT signals cause VM exits. A logical processor '
                 'performs none of the operations normally associated with these events." -- smp_exit_init: CPU 1\'s '
                 'guest is halted in VMX non-root operation, CPU 0 sends INIT; the exit (reason 3, RIP after the '
                 'HLT) comes on Bochs 2.7 as on 3.0, but Bochs 2.7 keeps the INIT pending across the exit: when CPU 1 '
                 'leaves VMX operation (VMXOFF; INIT is blocked in VMX root operation) its log says "cpu software '
                 'reset" about 7000 ticks after "Deliver INIT IPI", so CPU 1 never returns from VMXOFF (no CALL '
                 'name=vmxoff record, and it does not finish within core/smp.c\'s bound). Bochs 3.0 (cpu/event.cc) '
                 'clears the INIT event before VMexit(VMX_VMEXIT_INIT, 0).')
KNOWN_DIVERGENCES += (
    KnownDivergence('bochs27-*', 'smp_exit_init', 'cpu1:event_count', '2', '1', _INIT_PENDING, layer='bochs'),
    KnownDivergence('bochs27-*', 'smp_exit_init', 'cpu1:ap_done', 'done', 'state 2', _INIT_PENDING, layer='bochs'),
    KnownDivergence('bochs27-skylake_x-vs-bochs30-skylake_x', 'smp_exit_init', 'cpu1:event_count', '1', '2',
                    _INIT_PENDING, layer='bochs'),
)


@dataclass(frozen=True)
class KnownCrash:
    """A case that crashes or hangs a platform instead of giving the SDM's outcome.

    kind "crash": the emulator panics or dies on it; kind "hang": the case never ends (the boot runs
    into its timeout), which would stop the rest of the catalog.  The catalog boot leaves it out on
    matching platforms (command line skip=), so the rest of the catalog still runs there; the
    verdict is XFAIL citing this entry, and pytest/test_emulator_crashes.py boots the case alone
    (a hang with the short ``timeout``) and FAILS once it stops crashing or hanging.
    """

    platform: str  # fnmatch glob
    scenario: str
    panic: str  # crash: words of the run's reason; hang: words the standalone run's logs must hold
    cite: str
    kind: str = "crash"  # "crash" or "hang"
    # The standalone boot's harness timeout for a hang (a crash gets 60 s).  KVM-on-Bochs gives L2
    # int(5 x timeout) seconds of L1 time, and L1's clock runs about 25 times slower than the wall clock
    # inside Bochs.
    timeout: float = 60.0
    layer: str = ""  # which implementation decides it (e.g. "kvm" for KVM-on-Bochs)

    def applies(self, platform: str, scenario: str | None = None) -> bool:
        return fnmatch.fnmatchcase(platform, self.platform) and scenario in (None, self.scenario)


EMULATOR_CRASHES: tuple[KnownCrash, ...] = (
    KnownCrash("bochs27-*", "ec_CTRL_EVENT_TYPE_RESERVED__type7_no_mtf", "unsupported event injection type 7",
               'SDM "Checks on VM-Entry Control Fields": interruption type 7 (other event) requires the '
               '"monitor trap flag" control to be 1, else VM entry fails (VMfailValid, error 7). Bochs 2.7 '
               'ends the simulation instead: ">>PANIC<< VMENTER: unsupported event injection type 7 !"'),
    KnownCrash("bochs30-penryn", "ec_CTRL_EVENT_TYPE_RESERVED__type7_no_mtf", "unsupported event injection type 7",
               'SDM "Checks on VM-Entry Control Fields": interruption type 7 (other event) requires the '
               '"monitor trap flag" control to be 1, else VMfailValid 7. Bochs 3.0 without MTF (model '
               'core2_penryn_t9600) panics: ">>PANIC<< VMENTER: unsupported event injection type 7 !"'),
    KnownCrash("qemu-kvm*-on-bochs*", "ec_CTRL_APIC_ACCESS_WIDTH__maxphyaddr_minus1", "KVM internal error. Suberror: 1",
               'SDM "Checks on VM-Execution Control Fields": "If the "virtualize APIC-accesses" VM-execution '
               'control is 1, the APIC-access address must satisfy the following checks: Bits 11:0 of the address '
               'must be 0. The address should not set any bits beyond the processor\'s physical-address width." '
               'The case sets APIC_ACCESS_ADDR = 0x8000165000 (bit N-1 = 39 set, N = 40 = CPUID.80000008H:EAX[7:0] under '
               'KVM here): bits 11:0 are 0 and no bit at or above bit 40 is set, so VM entry must succeed (the '
               'page need not be RAM). KVM (L1, nested.c nested_get_vmcs12_pages) cannot map a vmcs12 APIC-access '
               'page that no memslot backs (L2 has 64 MB): VMLAUNCH returns from KVM_RUN with '
               'KVM_EXIT_INTERNAL_ERROR, suberror 1 (emulation), without a VM entry or a VMfail; QEMU 10.0 prints '
               '"KVM internal error. Suberror: 1", "emulation failure" and the registers (RIP at VMLAUNCH, '
               'code 0f 01 c2) and stops the VM (CPL 0 guest, -monitor none: it never runs again); L1\'s /init '
               'kills QEMU at the end of that dump (harness/l1/init), and the run ends CRASHED with QEMU\'s '
               'words. Bochs (L0) logs no failed check: the layer that decides is KVM.',
               layer="kvm"),
    # --- vmx_root_* (guests/vmx_root.c): VMX instructions in VMX root operation ---
    KnownCrash("bochs*", "vmx_root_vmcall", "VMCALL: not implemented yet",
               'SDM "VMCALL-Call to VM Monitor" operation, in VMX root operation at CPL 0: "ELSIF in SMM or the '
               'logical processor does not support the dual-monitor treatment of SMIs and SMM or the valid bit in '
               'the IA32_SMM_MONITOR_CTL MSR is clear THEN VMfail (VMCALL executed in VMX root operation)": '
               'VMfailValid, error 1 (IA32_SMM_MONITOR_CTL bit 0 is 0: only SMM can set it). Bochs 2.7 and 3.0 '
               '(cpu/vmx.cc VMCALL) test only in_smm there (the other two conditions are commented out), then '
               'the current VMCS (invalid: VMfailInvalid; launched: error 19), and with a clear current VMCS end '
               'the simulation: ">>PANIC<< VMCALL: not implemented yet" (the dual-monitor activation it would '
               'start). vmx_root_vmcall_launched shows the launched-VMCS side (error 19 for 1).'),
)


# Platforms whose catalog boot leaves the entry-check sweep out.  Empty since issue 9: the Bochs 3.0
# "sweep hangs" were a Bochs deadlock (its SIGALRM handler logging "ips = ..." while the CPU thread held
# the log mutex; bochsrc/common-3.0.rc), not a case, and the one case that stops KVM-on-Bochs is
# registered above as a crash.  Kept (harness/session.py and harness/bench.py read it) for a platform
# that cannot run the sweep at all.
SWEEP_NOT_RUN: dict = {}


def sweep_not_run(platform: str) -> str | None:
    return next((why for glob, why in SWEEP_NOT_RUN.items() if fnmatch.fnmatchcase(platform, glob)), None)


def crash_skips(platform: str, scenario_ids) -> list[str]:
    """Registered crashing cases among scenario_ids (None: the whole catalog) on this platform."""
    return sorted({k.scenario for k in EMULATOR_CRASHES if k.applies(platform)
                   and (scenario_ids is None or k.scenario in scenario_ids)})


def crash_for(platform: str, scenario: str) -> KnownCrash | None:
    return next((k for k in EMULATOR_CRASHES if k.applies(platform, scenario)), None)


_BY_SCENARIO: dict[int, tuple] = {}  # id(registry) -> (registry, {scenario: its entries})


def known_for(platform: str, scenario: str,
              registry: tuple[KnownDivergence, ...] | None = None) -> list[KnownDivergence]:
    reg = KNOWN_DIVERGENCES if registry is None else registry
    cached = _BY_SCENARIO.get(id(reg))
    if cached is None or cached[0] is not reg or not isinstance(reg, tuple):  # a list may change: no index
        index: dict[str, list] = {}
        for k in reg:
            index.setdefault(k.scenario, []).append(k)
        cached = (reg, index)
        if isinstance(reg, tuple):
            _BY_SCENARIO[id(reg)] = cached
    return [k for k in cached[1].get(scenario, ()) if k.applies(platform, scenario)]


def split_known(platform: str, scenario: str, divs: list[Divergence],
                registry: tuple[KnownDivergence, ...] | None = None, labels: dict | None = None):
    """(unexplained divergences, matched registry entries, registry entries not observed)."""
    entries = known_for(platform, scenario, registry)
    unexplained, matched = [], []
    for d in divs:
        hit = next((k for k in entries if k.matches(platform, d, labels)), None)
        if hit is None:
            unexplained.append(d)
        elif hit not in matched:
            matched.append(hit)
    stale = [k for k in entries if k not in matched and not k.intermittent]
    return unexplained, matched, stale


def _exit_fields(e: ExitRecord) -> dict:
    return {"insn": e.insn, "reason": e.reason, "entry_fail": e.entry_fail, "qual": e.qual, "len": e.len,
            "rip": e.rip, "resumed": e.resumed, "intr_info": e.intr_info, "intr_err": e.intr_err,
            "gprs": e.gprs, "info": e.info, "gla": e.gla, "gpa": e.gpa, "idt_info": e.idt_info,
            "idt_err": e.idt_err, "gintr": e.gintr, "gact": e.gact}


def _layout_note(tables: Tables, reason: int, key: str, want: int, got: int) -> str:
    """The sub-fields that differ, named by the exit's layout (exit_info.def)."""
    layout = ({"idt_info": "INTR_INFO", "gintr": "INTERRUPTIBILITY", "gact": "ACTIVITY"}.get(key)
              or tables.exit_layouts(tables.exit_name(reason)).get(key))
    if not layout or layout == "WHOLE":
        return ""
    dw, dg = tables.decode(layout, want), tables.decode(layout, got)
    diff = [f"{f} {dw.get(f, 0)} -> {dg.get(f, 0)}" for f in dict.fromkeys([*dw, *dg]) if dw.get(f, 0) != dg.get(f, 0)]
    return f"{layout}: " + ", ".join(diff)


def _kind(ev) -> str:
    if isinstance(ev, (InsnFaultRecord, ExpectFault)):
        return "FAULT"
    if isinstance(ev, (CallRecord, ExpectCall)):
        return "CALL"
    return "EXIT" if isinstance(ev, (ExitRecord, ExpectExit)) else "VMFAIL"


def _cpu_prefix(cpu: int) -> str:
    """Field-name prefix of CPU N's divergences ("cpu1:reason"); none for CPU 0, so a
    single-CPU scenario's fields are named as before."""
    return f"cpu{cpu}:" if cpu else ""


def _per_cpu(cpus, events_a: list, events_b: list):
    """(cpu, a's events of that CPU, b's) for every CPU either side has or expects."""
    for c in sorted(set(cpus) | {e.cpu for e in events_a if e.cpu is not None}
                    | {e.cpu for e in events_b if e.cpu is not None}):
        yield c, [e for e in events_a if e.cpu in (None, c)], [e for e in events_b if e.cpu in (None, c)]


def compare_sdm(st: ScenarioTrace, exp: Expectation, tables: Tables) -> list[Divergence]:
    """Divergences of a traced scenario from its SDM expectation, and every KEEP record whose
    value changed (a field the scenario's SDM rule says an operation leaves unmodified).
    Per CPU: an item without cpu= is expected on each of the scenario's CPUs, in order."""
    out: list[Divergence] = []
    sid = st.id
    for name, before, after, line in st.keeps:
        if before != after:
            out.append(Divergence(sid, -1, f"unmodified:{name}", before, after, "before", "after", line=line,
                                  note="the SDM rule this scenario cites says the field is not modified"))
    for cpu, state, line in st.ap_timeouts:
        out.append(Divergence(sid, -1, f"cpu{cpu}:ap_done", "done", f"state {state}", line=line,
                              note="the AP did not finish within core/smp.c's bound (SMP what=ap_timeout)"))
    for cpu, want_events, got_events in _per_cpu(range(exp.cpus), list(exp.events), st.events):
        out += _compare_sdm_events(sid, want_events, got_events, tables, _cpu_prefix(cpu))
    return out


def align(optional: list, events: list) -> list:
    """Per declared event, the index of the recorded event it is compared with, or None.
    optional[i] is None for an event that must occur, else the exit reason (number) of an
    ``occurs=impl`` exit: that one takes the next recorded event only when it is an exit of
    that reason, and is skipped otherwise.  A declared event that must occur takes the next
    recorded event (or None when there is none left)."""
    out, j = [], 0
    for want in optional:
        if want is not None and not (j < len(events) and isinstance(events[j], ExitRecord)
                                     and events[j].reason == want):
            out.append(None)
            continue
        out.append(j if j < len(events) else None)
        j += 1
    return out


def _compare_sdm_events(sid: str, want_events: list, got_events: list, tables: Tables, px: str) -> list[Divergence]:
    out: list[Divergence] = []
    opt = [tables.exit_number(w.reason) if getattr(w, "optional", False) else None for w in want_events]
    if any(o is not None for o in opt):
        # An occurs=impl exit that did not happen is not expected from this trace.
        want_events = [w for w, o, k in zip(want_events, opt, align(opt, got_events)) if o is None or k is not None]
    if len(got_events) != len(want_events):
        out.append(Divergence(sid, -1, px + "event_count", len(want_events), len(got_events),
                              note="events: " + ", ".join(_describe(e, tables) for e in got_events)))
    for i, (want, got) in enumerate(zip(want_events, got_events)):
        if _kind(want) != _kind(got):
            out.append(Divergence(sid, i, px + "event", _kind(want), _describe(got, tables), line=got.line))
            continue
        if isinstance(want, ExpectCall):
            for f in ("name", "ret", "vector"):
                w, g = getattr(want, f), getattr(got, f)
                if w is not None and w != g:
                    out.append(Divergence(sid, i, px + f"call_{f}", w, g, line=got.line,
                                          note=f"CALL {got.name}"))
            continue
        if isinstance(want, ExpectFault):
            for name, w, g in (("insn", want.insn, got.insn), ("vector", want.vector, got.vector),
                               ("error_code", want.error_code, got.error_code)):
                if w is not None and w != g:
                    out.append(Divergence(sid, i, px + name, w, g, line=got.line))
            continue
        if isinstance(want, ExpectVmFail):
            if want.insn and want.insn != got.insn:
                out.append(Divergence(sid, i, px + "insn", want.insn, got.insn, line=got.line))
            if want.kind != got.kind:
                out.append(Divergence(sid, i, px + "vmfail_kind", want.kind, got.kind, line=got.line))
            elif want.error is not None and tables.error_number(want.error) != got.err:
                out.append(Divergence(sid, i, px + "vm_instruction_error",
                                      f"{tables.error_number(want.error)} ({want.error})",
                                      f"{got.err} ({tables.error_name(got.err or 0)})", line=got.line))
            continue
        want_reason = tables.exit_number(want.reason)
        if got.reason != want_reason:
            out.append(Divergence(sid, i, px + "reason", f"{want_reason} ({want.reason})",
                                  f"{got.reason} ({tables.exit_name(got.reason)})", line=got.line))
            continue
        checks = [("entry_fail", want.entry_fail, got.entry_fail), ("rip", want.rip, got.rip)]
        for key in ("qual", "intr_info", "info", "gla", "gpa", "idt_info", "idt_err", "gintr", "gact"):
            w, g = getattr(want, key), getattr(got, key)
            if w is None:
                continue
            if key == "idt_info" and g is None:
                g = 0  # traced only when valid (bit 31)
            m = want.masks.get(key)
            if m is not None and g is not None and w & m == g & m:
                continue
            if m is None or g is None:
                checks.append((key, w, g))
                continue
            out.append(Divergence(sid, i, px + key, w & m, g & m, line=got.line,
                                  note=_layout_note(tables, got.reason, key, w & m, g & m)))
        if want.intr_err is not None and got.intr_info & tables.field_mask("INTR_INFO", "ERROR_VALID"):
            checks.append(("intr_err", want.intr_err, got.intr_err))
        # The length's definition depends on the event for exception exits (exit_info.def
        # EXIT_LEN_EVENT): the declared interruption / IDT-vectoring information, else the exit's.
        if want.len is not None and tables.len_defined(
                want_reason, got.intr_info if want.intr_info is None else want.intr_info,
                got.idt_info if want.idt_info is None else want.idt_info):
            checks.append(("len", want.len, got.len))
        if want.resumed is not None:
            checks.append(("resumed", want.resumed, got.resumed))
        for k, v in want.gprs.items():
            checks.append((k, v, got.gprs.get(k)))
        for name, w, g in checks:
            if w is not None and w != g:
                out.append(Divergence(sid, i, px + name, w, g, line=got.line))
        if want.resume_rip is not None and got.resumed:
            # Observed, not computed: the host stepped over the instruction by
            # the reported length; the guest's next exit shows where it went.
            nxt = got_events[i + 1] if i + 1 < len(got_events) else None
            start = want.rip if want.rip is not None else got.rip
            if not isinstance(nxt, ExitRecord):
                out.append(Divergence(sid, i, px + "rip_advance", want.resume_rip - start, "no next exit",
                                      line=got.line, note="the guest never exited again after being resumed"))
            elif nxt.rip != want.resume_rip:
                out.append(Divergence(sid, i, px + "rip_advance", want.resume_rip - start, nxt.rip - got.rip,
                                      line=nxt.line, note=f"next exit at {nxt.rip:#x}, the instruction after "
                                      f"the exiting one is at {want.resume_rip:#x} (assembler label)"))
    return out


# Key of a declared event's pair masks (evaluate._declared_masks) that marks an occurs=impl exit;
# its value is the exit reason (number).  No exit field has this name.
OCCURS_IMPL = "occurs=impl"


def compare_pair(a: ScenarioTrace, b: ScenarioTrace, tables: Tables,
                 a_name: str = "left", b_name: str = "right", masks: list | dict | None = None) -> list[Divergence]:
    """Exit-by-exit differences between two platforms' traces of one scenario, CPU by CPU.
    masks: per event, {key: bits} the scenario's declaration says are defined (others are not
    compared): a list (CPU 0) or {cpu: list}."""
    out: list[Divergence] = []
    for cpu, ea, eb in _per_cpu((0,), a.events, b.events):
        m = masks.get(cpu) if isinstance(masks, dict) else (masks if cpu == 0 else None)
        out += _compare_pair_events(a.id, ea, eb, tables, a_name, b_name, m, _cpu_prefix(cpu))
    return out


def _compare_pair_events(sid: str, ea: list, eb: list, tables: Tables, a_name: str, b_name: str,
                         masks: list | None, px: str) -> list[Divergence]:
    out: list[Divergence] = []
    opt = [m.get(OCCURS_IMPL) for m in masks or ()]
    if any(o is not None for o in opt):
        # occurs=impl exits (the declaration's masks carry their reason): both sides aligned with
        # the declaration; one recorded on one side only is no difference, on both it is compared.
        pa, pb = align(opt, ea), align(opt, eb)
        keep = [i for i in range(len(opt)) if opt[i] is None or (pa[i] is not None and pb[i] is not None)]
        rest_a = max((k for k in pa if k is not None), default=-1) + 1
        rest_b = max((k for k in pb if k is not None), default=-1) + 1
        ea = [ea[pa[i]] for i in keep if pa[i] is not None] + ea[rest_a:]
        eb = [eb[pb[i]] for i in keep if pb[i] is not None] + eb[rest_b:]
        masks = [masks[i] for i in keep]
    if len(ea) != len(eb):
        out.append(Divergence(sid, -1, px + "event_count", len(ea), len(eb), a_name, b_name))
    for i, (x, y) in enumerate(zip(ea, eb)):
        if _kind(x) != _kind(y):
            out.append(Divergence(sid, i, px + "event", _describe(x, tables), _describe(y, tables), a_name, b_name,
                                  line=y.line))
            continue
        if isinstance(x, (VmFailRecord, InsnFaultRecord, CallRecord)):
            policy_table = (VMFAIL_FIELD_POLICY if isinstance(x, VmFailRecord) else
                            FAULT_FIELD_POLICY if isinstance(x, InsnFaultRecord) else CALL_FIELD_POLICY)
            for f, policy in policy_table.items():
                if policy == EXACT and getattr(x, f) != getattr(y, f):
                    out.append(Divergence(sid, i, px + f, getattr(x, f), getattr(y, f), a_name, b_name,
                                          line=y.line))
            continue
        fx, fy = _exit_fields(x), _exit_fields(y)
        for f, policy in EXIT_FIELD_POLICY.items():
            if policy == IGNORE:
                continue
            if policy == LEN_RULE and not (x.reason == y.reason and
                                           tables.len_defined(x.reason, x.intr_info, x.idt_info) and
                                           tables.len_defined(y.reason, y.intr_info, y.idt_info)):
                continue
            if policy == ERR_RULE and not (x.intr_info & y.intr_info & tables.field_mask("INTR_INFO", "ERROR_VALID")):
                continue
            if policy == LAYOUT_RULE and None not in (fx[f], fy[f]) and x.reason == y.reason:
                layout = tables.exit_layouts(tables.exit_name(x.reason)).get(f)
                m = tables.layout_mask(layout) if layout else -1
                if fx[f] & m == fy[f] & m:
                    continue
            m = (masks[i] if masks and i < len(masks) else {}).get(f)
            if m is not None and isinstance(fx[f], int) and isinstance(fy[f], int) and fx[f] & m == fy[f] & m:
                continue
            if fx[f] != fy[f]:
                out.append(Divergence(sid, i, px + f, fx[f], fy[f], a_name, b_name, line=y.line))
    return out


def compare_catalogs(a, b, tables: Tables, a_name: str = "left", b_name: str = "right") -> list[Divergence]:
    """Every scenario of two whole traces; one present on one side only is a divergence."""
    out: list[Divergence] = []
    for sid in sorted(set(a.scenarios) | set(b.scenarios)):
        sa, sb = a.scenarios.get(sid), b.scenarios.get(sid)
        if sa is None or sb is None:
            out.append(Divergence(sid, -1, "scenario", "present" if sa else "missing",
                                  "present" if sb else "missing", a_name, b_name))
            continue
        out += compare_pair(sa, sb, tables, a_name, b_name)
    return out


def _describe(ev, tables: Tables) -> str:
    if isinstance(ev, ExitRecord):
        fail = "|ENTRY_FAIL" if ev.entry_fail else ""
        return f"EXIT {tables.exit_name(ev.reason)}{fail} qual={ev.qual:#x}"
    if isinstance(ev, VmFailRecord):
        return f"VMFAIL {ev.insn} {ev.kind}" + (f" err={ev.err}" if ev.err is not None else "")
    if isinstance(ev, InsnFaultRecord):
        return f"FAULT {ev.insn} vector={ev.vector} error_code={ev.error_code:#x}"
    if isinstance(ev, CallRecord):
        return f"CALL {ev.name} ret={_fmt(ev.ret)}" + (f" vector={ev.vector}" if ev.vector is not None else "")
    return repr(ev)


def cap_diff(a: dict, b: dict) -> list[tuple[str, object, object]]:
    """Capability MSRs that differ: [(name, a_value, b_value)]."""
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
