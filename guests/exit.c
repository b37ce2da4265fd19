/*
 * exit_* - the guest executes one instruction that causes a VM exit, then
 * VMCALL ("done").  The default body steps over each exiting instruction
 * by the VM-exit instruction length.  Expectations (SDM appendix "VMX Basic
 * Exit Reasons", section "Exit Qualification for ..." tables and the
 * "VM-Exit Instruction Length" field) live in harness/expect.py.
 *   exit_cpuid       CPUID (10), len 2
 *   exit_hlt         HLT (12), len 1; needs "HLT exiting"
 *   exit_invd        INVD (13), len 2
 *   exit_invlpg      INVLPG (14), len 3, qual = linear address; "INVLPG exiting"
 *   exit_rdtsc       RDTSC (16), len 2; needs "RDTSC exiting"
 *   exit_cr3_load    CR_ACCESS (28), qual 3 (MOV to CR3 from RAX), len 3
 *   exit_io_out_imm  IO_INSTRUCTION (30), OUT 0x80 imm8: qual 0x800040, len 2
 *   exit_io_in_dx    IO_INSTRUCTION (30), IN from DX=0x80: qual 0x800008, len 1
 *   exit_rdmsr       MSR_READ (31), len 2 (no MSR bitmap: every RDMSR exits)
 *   exit_wrmsr       MSR_WRITE (32), len 2
 *   exit_wbinvd      WBINVD (54), len 2; needs secondary "WBINVD exiting"
 *   exit_ud2         EXCEPTION_NMI (0), intr_info 0x80000306 (#UD, hardware
 *                    exception, valid); the exception bitmap traps it
 */
#include "scenario.h"

#define GUEST(name, insn, ...)                                   \
	static void guest_##name(void)                            \
	{                                                         \
		asm volatile(insn ::__VA_ARGS__);                    \
		for (;;)                                              \
			guest_vmcall();                               \
	}

GUEST(cpuid, "cpuid", "a"(0), "c"(0) : "rbx", "rdx")
GUEST(hlt, "hlt")
GUEST(invd, "invd")
GUEST(invlpg, "invlpg (%0)", "r"(0x1000ULL) : "memory")
GUEST(rdtsc, "rdtsc", "a"(0) : "rdx")
GUEST(rdmsr, "rdmsr", "c"(MSR_IA32_SYSENTER_CS) : "rax", "rdx")
GUEST(wrmsr, "wrmsr", "c"(MSR_IA32_SYSENTER_CS), "a"(0), "d"(0))
GUEST(io_out_imm, "outb %%al, $0x80", "a"(0))
GUEST(io_in_dx, "inb %%dx, %%al", "d"(0x80) : "rax")
GUEST(wbinvd, "wbinvd")
GUEST(ud2, "ud2")

static void guest_cr3_load(void)
{
	/* MOV CR3 from RAX, encoded as 0f 22 d8 (3 bytes). */
	asm volatile("mov %%cr3, %%rax\n mov %%rax, %%cr3" ::: "rax", "memory");
	for (;;)
		guest_vmcall();
}

#define SETUP_CTL(name, field, bits)                          \
	static bool setup_##name(struct scenario_ctx *ctx)     \
	{                                                      \
		if (vcpu_set_ctl(ctx->vcpu, field, bits))       \
			return true;                           \
		ctx->skip_reason = "control_not_allowed";      \
		return false;                                  \
	}

SETUP_CTL(hlt, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_HLT_EXITING)
SETUP_CTL(invlpg, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INVLPG_EXITING)
SETUP_CTL(rdtsc, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_RDTSC_EXITING)
SETUP_CTL(cr3_load, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_CR3_LOAD_EXITING)
SETUP_CTL(io, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_UNCOND_IO_EXITING)
SETUP_CTL(wbinvd, SECONDARY_VM_EXEC_CONTROL, SECONDARY_WBINVD_EXITING)

SCENARIO(exit_cpuid, .guest = guest_cpuid);
SCENARIO(exit_hlt, .guest = guest_hlt, .setup = setup_hlt, .requires = REQ_HLT_EXITING);
SCENARIO(exit_invd, .guest = guest_invd);
SCENARIO(exit_invlpg, .guest = guest_invlpg, .setup = setup_invlpg);
SCENARIO(exit_rdtsc, .guest = guest_rdtsc, .setup = setup_rdtsc, .requires = REQ_RDTSC_EXITING);
SCENARIO(exit_cr3_load, .guest = guest_cr3_load, .setup = setup_cr3_load,
	 .requires = REQ_CR3_LOAD_EXITING);
SCENARIO(exit_io_out_imm, .guest = guest_io_out_imm, .setup = setup_io, .requires = REQ_IO_EXITING);
SCENARIO(exit_io_in_dx, .guest = guest_io_in_dx, .setup = setup_io, .requires = REQ_IO_EXITING);
SCENARIO(exit_rdmsr, .guest = guest_rdmsr);
SCENARIO(exit_wrmsr, .guest = guest_wrmsr);
SCENARIO(exit_wbinvd, .guest = guest_wbinvd, .setup = setup_wbinvd, .requires = REQ_SECONDARY);
SCENARIO(exit_ud2, .guest = guest_ud2);
