/*
 * exit_ctrl_* - instruction exits caused by the processor-based VM-execution
 * controls, and the control-register accesses governed by the guest/host
 * masks, read shadows and CR3-target values.  Like guests/exit.c: the guest
 * executes one labelled instruction (label__<id>__insn), the default body
 * steps over it by the VM-exit instruction length, and the guest's VMCALL
 * at label__<id>__resume ends the scenario.  A "noexit" scenario declares
 * that the instruction does NOT exit: its first exit is the VMCALL.
 *
 *   exit_ctrl_rdpmc          RDPMC (15)             "RDPMC exiting"
 *   exit_ctrl_rdtscp         RDTSCP (51)            "RDTSC exiting" + "enable RDTSCP"
 *   exit_ctrl_mov_to_dr7     DR_ACCESS (29)         "MOV-DR exiting", MOV DR7,RAX
 *   exit_ctrl_mov_from_dr6   DR_ACCESS (29)         MOV R9,DR6
 *   exit_ctrl_mwait          MWAIT (36)             "MWAIT exiting"
 *   exit_ctrl_monitor        MONITOR (39)           "MONITOR exiting"
 *   exit_ctrl_pause          PAUSE (40)             "PAUSE exiting"
 *   exit_ctrl_xsetbv         XSETBV (55)            unconditional; guest CR4.OSXSAVE=1
 *   exit_ctrl_cr3_store      CR_ACCESS, MOV RAX,CR3 "CR3-store exiting"
 *   exit_ctrl_cr0_mask_*     MOV to CR0 with CR0.TS host-owned: exits / not
 *   exit_ctrl_cr4_mask_*     MOV to CR4 with CR4.PCE host-owned: exits / not
 *   exit_ctrl_clts_*         CLTS with CR0.TS host-owned, shadow 1 / 0
 *   exit_ctrl_lmsw_*         LMSW register / memory forms, and a non-exiting one
 *   exit_ctrl_cr8_load/store CR8-load / CR8-store exiting ("use TPR shadow" 0)
 *   exit_ctrl_cr3_target_*   CR3-load exiting with a CR3-target list: hit / miss
 *
 * State: every change is in the scenario's fresh VMCS (vcpu_init per
 * scenario); the guest's non-exiting CR writes store the value it read
 * (masked bits are not modified), so nothing outlives the scenario.
 */
#include "lib.h"
#include "scenario.h"



#define CPUID1_ECX_MONITOR BIT(3)
#define CPUID1_ECX_XSAVE BIT(26)

static bool cpuid1_ecx(u32 bit)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return c & bit;
}

#define EXIT_CITE(sections) \
	"SDM Vol. 3 appendix \"VMX Basic Exit Reasons\"; field \"VM-Exit Instruction Length\"; " \
	"\"Instructions That Cause VM Exits Conditionally\"" sections
#define CR_CITE(sections) \
	"SDM Vol. 3 \"Instructions That Cause VM Exits Conditionally\"; \"Guest/Host Masks and Read " \
	"Shadows for CR0 and CR4\"; \"Exit Qualification for Control-Register Accesses\"" sections

/* ---- instructions governed by one processor-based control ------------------------------- */

EXIT_GUEST(exit_ctrl_rdpmc, "xor %ecx, %ecx", "rdpmc");
SETUP_CTL(rdpmc, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_RDPMC_EXITING)
SCENARIO(exit_ctrl_rdpmc, .guest = guest_exit_ctrl_rdpmc, .setup = setup_rdpmc,
	 .expect = STEP_EXIT(RDPMC, ""), .cite = EXIT_CITE(" (RDPMC: \"RDPMC exiting\" is 1); RDPMC = 0F 33"));

EXIT_GUEST(exit_ctrl_rdtscp, "", "rdtscp");
static bool setup_rdtscp(struct scenario_ctx *ctx)
{
	return scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_RDTSCP) &&
	       scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_RDTSC_EXITING);
}
SCENARIO(exit_ctrl_rdtscp, .guest = guest_exit_ctrl_rdtscp, .setup = setup_rdtscp,
	 .expect = STEP_EXIT(RDTSCP, ""),
	 .cite = EXIT_CITE(" (RDTSCP: \"RDTSC exiting\" and \"enable RDTSCP\" are 1); RDTSCP = 0F 01 F9"));

/* MOV DR7,RAX: DR 7, direction 0 (to DR), GPR 0 (RAX). */
EXIT_GUEST(exit_ctrl_mov_to_dr7, "mov $0x400, %eax", "mov %rax, %dr7");
/* MOV R9,DR6: DR 6, direction 1 (from DR), GPR 9 (R9, REX.B). */
EXIT_GUEST(exit_ctrl_mov_from_dr6, "", "mov %dr6, %r9");
SETUP_CTL(mov_dr, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_MOV_DR_EXITING)
SCENARIO(exit_ctrl_mov_to_dr7, .guest = guest_exit_ctrl_mov_to_dr7, .setup = setup_mov_dr,
	 .expect = STEP_EXIT(DR_ACCESS, "qual={DR=7,DIRECTION=TO_DR,GPR=0}"),
	 .cite = EXIT_CITE(" (MOV DR: \"MOV-DR exiting\" is 1); \"Exit Qualification for MOV DR\"; "
			   "MOV DR7,RAX = 0F 23 F8"));
SCENARIO(exit_ctrl_mov_from_dr6, .guest = guest_exit_ctrl_mov_from_dr6, .setup = setup_mov_dr,
	 .expect = STEP_EXIT(DR_ACCESS, "qual={DR=6,DIRECTION=FROM_DR,GPR=9}"),
	 .cite = EXIT_CITE(" (MOV DR); \"Exit Qualification for MOV DR\" (GPR 9 = R9); "
			   "MOV R9,DR6 = 41 0F 21 F1"));

/* MWAIT with EAX=ECX=0 and no armed monitor: qualification 0 ("address-range
 * monitoring hardware was not armed"). */
EXIT_GUEST(exit_ctrl_mwait, "xor %eax, %eax; xor %ecx, %ecx", "mwait");
/* MONITOR RAX=a mapped address, ECX=EDX=0. */
EXIT_GUEST(exit_ctrl_monitor, "lea label__exit_ctrl_monitor__insn(%rip), %rax; xor %ecx, %ecx; xor %edx, %edx",
      "monitor");
static bool setup_monitor_mwait(struct scenario_ctx *ctx, u64 bit)
{
	/* Without CPUID.01H:ECX.MONITOR[3] both instructions are #UD, which has
	 * priority over the VM exit. */
	if (!cpuid1_ecx(CPUID1_ECX_MONITOR)) {
		ctx->skip_reason = "cpu_lacks_monitor_mwait";
		return false;
	}
	return scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, bit);
}
static bool setup_mwait(struct scenario_ctx *ctx) { return setup_monitor_mwait(ctx, CPU_BASED_MWAIT_EXITING); }
static bool setup_monitor(struct scenario_ctx *ctx) { return setup_monitor_mwait(ctx, CPU_BASED_MONITOR_EXITING); }
SCENARIO(exit_ctrl_mwait, .guest = guest_exit_ctrl_mwait, .setup = setup_mwait,
	 .expect = STEP_EXIT(MWAIT_INSTRUCTION, "qual=0"),
	 .cite = EXIT_CITE(" (MWAIT: \"MWAIT exiting\" is 1); \"Exit Qualification for VM Exits\" (MWAIT: "
			   "0 if address-range monitoring hardware is not armed); MWAIT = 0F 01 C9"));
SCENARIO(exit_ctrl_monitor, .guest = guest_exit_ctrl_monitor, .setup = setup_monitor,
	 .expect = STEP_EXIT(MONITOR_INSTRUCTION, ""),
	 .cite = EXIT_CITE(" (MONITOR: \"MONITOR exiting\" is 1); MONITOR = 0F 01 C8"));

/* MONITOR executed by the guest ("MONITOR exiting" 0) arms the monitor:
 * the MWAIT exit's qualification is 1.  The VM exit clears the monitoring. */
EXIT_GUEST(exit_ctrl_mwait_armed,
      "lea label__exit_ctrl_mwait_armed__insn(%rip), %rax; xor %ecx, %ecx; xor %edx, %edx; monitor; "
      "xor %eax, %eax; xor %ecx, %ecx", "mwait");
/* MONITOR arms only on write-back memory (SDM MONITOR: "only write-back memory
 * will correctly trigger the monitoring hardware"): the SETUP records carry
 * the memory-type MSRs that decide the type of the monitored line. */
static bool setup_mwait_armed(struct scenario_ctx *ctx)
{
	static const u32 msrs[] = { MSR_IA32_MTRR_DEF_TYPE, MSR_IA32_PAT,
				    0x250 /* IA32_MTRR_FIX64K_00000 */ };
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++) {
		u64 v = 0;
		struct fault_info f;
		if (rdmsr_safe(msrs[i], &v, &f))
			scenario_setup("msr=%#x value=%#lx", msrs[i], v);
	}
	return setup_mwait(ctx);
}
SCENARIO(exit_ctrl_mwait_armed, .guest = guest_exit_ctrl_mwait_armed, .setup = setup_mwait_armed,
	 .expect = STEP_EXIT(MWAIT_INSTRUCTION, "qual=1"),
	 .cite = EXIT_CITE(" (MWAIT); \"Exit Qualification for VM Exits\" (MWAIT: 1 if address-range "
			   "monitoring hardware is armed: the guest's MONITOR armed it); MWAIT = 0F 01 C9"));
/* MONITOR, then CPUID (an exit and an entry between them), then MWAIT:
 * "VM exits clear any address-range monitoring": qualification 0. */
void guest_exit_ctrl_mwait_cleared(void);
asm(".text\n.global guest_exit_ctrl_mwait_cleared\nguest_exit_ctrl_mwait_cleared:\n"
    "lea label__exit_ctrl_mwait_cleared__insn(%rip), %rax; xor %ecx, %ecx; xor %edx, %edx; monitor\n"
    "xor %eax, %eax; xor %ecx, %ecx\n"
    GUEST_LABEL(exit_ctrl_mwait_cleared, insn) "cpuid\n"
    GUEST_LABEL(exit_ctrl_mwait_cleared, after) "xor %eax, %eax; xor %ecx, %ecx\n"
    GUEST_LABEL(exit_ctrl_mwait_cleared, mwait) "mwait\n"
    GUEST_LABEL(exit_ctrl_mwait_cleared, resume) "vmcall\n"
    "jmp label__exit_ctrl_mwait_cleared__resume\n");
SCENARIO(exit_ctrl_mwait_cleared, .guest = guest_exit_ctrl_mwait_cleared, .setup = setup_mwait,
	 .expect = "CPUID at=insn len=insn..after next=mwait; "
		   "MWAIT_INSTRUCTION at=mwait len=mwait..resume next=resume qual=0; "
		   "VMCALL at=resume len=3 end",
	 .cite = EXIT_CITE(" (MWAIT); \"Exit Qualification for VM Exits\" (MWAIT: 0 if not armed); "
			   "\"VM Exits\" \"Clearing Address-Range Monitoring\" (VM exits clear any address-range "
			   "monitoring: the CPUID exit between MONITOR and MWAIT disarmed it)"));

EXIT_GUEST(exit_ctrl_pause, "", "pause");
SETUP_CTL(pause, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_PAUSE_EXITING)
SCENARIO(exit_ctrl_pause, .guest = guest_exit_ctrl_pause, .setup = setup_pause,
	 .expect = STEP_EXIT(PAUSE_INSTRUCTION, ""),
	 .cite = EXIT_CITE(" (PAUSE: \"PAUSE exiting\" is 1); PAUSE = F3 90"));

/* XSETBV exits unconditionally; without CR4.OSXSAVE it is #UD first.  The
 * guest writes back the XCR0 it reads; the write never happens (it exits),
 * and CR4 is the guest's own (host CR4 is reloaded on every exit). */
EXIT_GUEST(exit_ctrl_xsetbv, "xor %ecx, %ecx; xgetbv", "xsetbv");
static bool setup_xsetbv(struct scenario_ctx *ctx)
{
	if (!cpuid1_ecx(CPUID1_ECX_XSAVE) || !(vmx_caps.cr4_fixed1 & X86_CR4_OSXSAVE)) {
		ctx->skip_reason = "cpu_lacks_xsave";
		return false;
	}
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) | X86_CR4_OSXSAVE);
	vmcs_write(CR4_READ_SHADOW, vmcs_read(GUEST_CR4));
	return true;
}
SCENARIO(exit_ctrl_xsetbv, .guest = guest_exit_ctrl_xsetbv, .setup = setup_xsetbv,
	 .expect = STEP_EXIT(XSETBV, ""),
	 .cite = "SDM Vol. 3 \"Instructions That Cause VM Exits Unconditionally\" (XSETBV); appendix \"VMX Basic "
		 "Exit Reasons\"; field \"VM-Exit Instruction Length\"; XSETBV = 0F 01 D1");

/* ---- control-register accesses --------------------------------------------------------- */

/* MOV RAX,CR3 with "CR3-store exiting". */
EXIT_GUEST(exit_ctrl_cr3_store, "", "mov %cr3, %rax");
SETUP_CTL(cr3_store, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_CR3_STORE_EXITING)
SCENARIO(exit_ctrl_cr3_store, .guest = guest_exit_ctrl_cr3_store, .setup = setup_cr3_store,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=3,ACCESS_TYPE=MOV_FROM_CR,GPR=0}"),
	 .cite = CR_CITE(" (MOV from CR3: \"CR3-store exiting\" is 1); MOV RAX,CR3 = 0F 20 D8"));

/*
 * CR0.TS host-owned (CR0 guest/host mask bit 3).  Guest CR0.TS is 0.
 * exit:   read shadow TS = 0; the guest reads CR0 (TS from the shadow: 0),
 *         flips TS and writes it: bit 3 differs from the shadow -> exit.
 * noexit: read shadow TS = 1; the guest reads CR0 (TS = 1, RCX = 8 shows the
 *         shadow was read) and writes the value back: every masked bit equals
 *         the shadow -> no exit (and masked bits are not modified).
 */
EXIT_GUEST(exit_ctrl_cr0_mask_exit, "mov %cr0, %rax; xor $8, %rax", "mov %rax, %cr0");
EXIT_GUEST(exit_ctrl_cr0_mask_noexit, "mov %cr0, %rax; mov %rax, %rcx; and $8, %ecx", "mov %rax, %cr0");
static bool setup_cr0_ts(u64 shadow_ts)
{
	u64 cr0 = vmcs_read(GUEST_CR0) & ~X86_CR0_TS;
	vmcs_write(GUEST_CR0, cr0);
	vmcs_write(CR0_GUEST_HOST_MASK, X86_CR0_TS);
	vmcs_write(CR0_READ_SHADOW, cr0 | shadow_ts);
	return true;
}
static bool setup_cr0_mask_exit(struct scenario_ctx *ctx) { (void)ctx; return setup_cr0_ts(0); }
static bool setup_cr0_mask_noexit(struct scenario_ctx *ctx) { (void)ctx; return setup_cr0_ts(X86_CR0_TS); }
SCENARIO(exit_ctrl_cr0_mask_exit, .guest = guest_exit_ctrl_cr0_mask_exit, .setup = setup_cr0_mask_exit,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=0,ACCESS_TYPE=MOV_TO_CR,GPR=0}"),
	 .cite = CR_CITE(" (MOV to CR0: exits if a bit set in the mask differs from the read shadow; "
			 "mask = TS, shadow TS = 0, source TS = 1); MOV CR0,RAX = 0F 22 C0"));
SCENARIO(exit_ctrl_cr0_mask_noexit, .guest = guest_exit_ctrl_cr0_mask_noexit, .setup = setup_cr0_mask_noexit,
	 .expect = NO_EXIT("rcx=8"),
	 .cite = CR_CITE(" (MOV to CR0: no exit when every masked bit equals the read shadow; MOV from CR0 "
			 "returns the shadow's value for masked bits: TS = 1 -> RCX = 8)"));

/* CR4.PCE host-owned, the same two sides as CR0.TS (guest CR4.PCE = 0). */
EXIT_GUEST(exit_ctrl_cr4_mask_exit, "mov %cr4, %rax; xor $0x100, %rax", "mov %rax, %cr4");
EXIT_GUEST(exit_ctrl_cr4_mask_noexit, "mov %cr4, %rax; mov %rax, %rcx; and $0x100, %ecx", "mov %rax, %cr4");
static bool setup_cr4_pce(u64 shadow_pce)
{
	u64 cr4 = vmcs_read(GUEST_CR4) & ~X86_CR4_PCE;
	vmcs_write(GUEST_CR4, cr4);
	vmcs_write(CR4_GUEST_HOST_MASK, X86_CR4_PCE);
	vmcs_write(CR4_READ_SHADOW, cr4 | shadow_pce);
	return true;
}
static bool setup_cr4_mask_exit(struct scenario_ctx *ctx) { (void)ctx; return setup_cr4_pce(0); }
static bool setup_cr4_mask_noexit(struct scenario_ctx *ctx) { (void)ctx; return setup_cr4_pce(X86_CR4_PCE); }
SCENARIO(exit_ctrl_cr4_mask_exit, .guest = guest_exit_ctrl_cr4_mask_exit, .setup = setup_cr4_mask_exit,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=4,ACCESS_TYPE=MOV_TO_CR,GPR=0}"),
	 .cite = CR_CITE(" (MOV to CR4: mask = PCE, shadow PCE = 0, source PCE = 1); MOV CR4,RAX = 0F 22 E0"));
SCENARIO(exit_ctrl_cr4_mask_noexit, .guest = guest_exit_ctrl_cr4_mask_noexit, .setup = setup_cr4_mask_noexit,
	 .expect = NO_EXIT("rcx=0x100"),
	 .cite = CR_CITE(" (MOV to CR4: no exit when masked bits equal the shadow; MOV from CR4 returns "
			 "the shadow's PCE = 1 -> RCX = 0x100)"));

/* CLTS exits iff CR0 mask bit 3 and read-shadow bit 3 are both 1. */
EXIT_GUEST(exit_ctrl_clts_exit, "", "clts");
EXIT_GUEST(exit_ctrl_clts_noexit, "", "clts");
SCENARIO(exit_ctrl_clts_exit, .guest = guest_exit_ctrl_clts_exit, .setup = setup_cr0_mask_noexit,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=0,ACCESS_TYPE=CLTS}"),
	 .cite = CR_CITE(" (CLTS: exits if bit 3 of the CR0 guest/host mask and of the CR0 read shadow are "
			 "both 1; CR field 0, GPR cleared for CLTS); CLTS = 0F 06"));
SCENARIO(exit_ctrl_clts_noexit, .guest = guest_exit_ctrl_clts_noexit, .setup = setup_cr0_mask_exit,
	 .expect = NO_EXIT(""),
	 .cite = CR_CITE(" (CLTS: mask TS = 1, shadow TS = 0: no exit)"));

/*
 * LMSW with CR0.TS host-owned, shadow TS = 0: a source with TS = 1 differs
 * from the shadow -> exit; qualification: access type 3, operand type
 * register / memory, LMSW source data 9 (PE|TS), CR and GPR fields 0.
 * noexit: the source is the guest's own CR0 with TS = 0 (equal to the shadow).
 */
EXIT_GUEST(exit_ctrl_lmsw_reg, "mov $9, %eax", "lmsw %ax");
/* The memory operand is a labelled word (source 9); its address is reached through a
 * base register and a displacement, so the guest-linear address the exit reports
 * (gla=@operand) is base + displacement as the assembler placed the word. */
asm(".data\n.balign 2\n" GUEST_LABEL(exit_ctrl_lmsw_mem, operand) ".word 9\n.text\n");
EXIT_GUEST(exit_ctrl_lmsw_mem, "lea label__exit_ctrl_lmsw_mem__operand-0x10(%rip), %rbx", "lmsw 0x10(%rbx)");
EXIT_GUEST(exit_ctrl_lmsw_noexit, "mov %cr0, %rax; and $~8, %eax", "lmsw %ax");
SCENARIO(exit_ctrl_lmsw_reg, .guest = guest_exit_ctrl_lmsw_reg, .setup = setup_cr0_mask_exit,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=0,ACCESS_TYPE=LMSW,LMSW_OPERAND=REG,GPR=0,LMSW_SOURCE=9}"),
	 .cite = CR_CITE(" (LMSW: exits if, for bits 1-3, a mask bit is 1 and the source differs from the "
			 "shadow); LMSW AX = 0F 01 F0"));
SCENARIO(exit_ctrl_lmsw_mem, .guest = guest_exit_ctrl_lmsw_mem, .setup = setup_cr0_mask_exit,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=0,ACCESS_TYPE=LMSW,LMSW_OPERAND=MEM,GPR=0,LMSW_SOURCE=9} "
				   "gla=@operand"),
	 .cite = CR_CITE(" (LMSW, memory operand: LMSW operand type 1); \"Information for VM Exits Due to "
			 "Instruction Execution\" field \"Guest-linear address\" (\"VM exits due to attempts to "
			 "execute LMSW with a memory operand\": the linear address of the operand); "
			 "LMSW [RBX+10H] = 0F 01 73 10"));
SCENARIO(exit_ctrl_lmsw_noexit, .guest = guest_exit_ctrl_lmsw_noexit, .setup = setup_cr0_mask_exit,
	 .expect = NO_EXIT(""),
	 .cite = CR_CITE(" (LMSW: source TS = 0 equals the shadow, PE not masked: no exit)"));

/* MOV CR8 with "use TPR shadow" 0: CR8-load / CR8-store exiting. */
EXIT_GUEST(exit_ctrl_cr8_load, "xor %eax, %eax", "mov %rax, %cr8");
EXIT_GUEST(exit_ctrl_cr8_store, "", "mov %cr8, %rdx");
SETUP_CTL(cr8_load, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_CR8_LOAD_EXITING)
SETUP_CTL(cr8_store, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_CR8_STORE_EXITING)
SCENARIO(exit_ctrl_cr8_load, .guest = guest_exit_ctrl_cr8_load, .setup = setup_cr8_load,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=8,ACCESS_TYPE=MOV_TO_CR,GPR=0}"),
	 .cite = CR_CITE(" (MOV to CR8: \"CR8-load exiting\" is 1); MOV CR8,RAX = 44 0F 22 C0"));
SCENARIO(exit_ctrl_cr8_store, .guest = guest_exit_ctrl_cr8_store, .setup = setup_cr8_store,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=8,ACCESS_TYPE=MOV_FROM_CR,GPR=2}"),
	 .cite = CR_CITE(" (MOV from CR8: \"CR8-store exiting\" is 1); MOV RDX,CR8 = 44 0F 20 C2"));

/*
 * CR3-load exiting with a CR3-target list of 2 values (IA32_VMX_MISC bits
 * 24:16 must allow 2): MOV to CR3 does not exit if its source equals one of
 * the first "CR3-target count" values.  hit: value 1 is the current CR3;
 * miss: neither is.  The guest writes back the CR3 it reads.
 */
EXIT_GUEST(exit_ctrl_cr3_target_hit, "mov %cr3, %rax", "mov %rax, %cr3");
EXIT_GUEST(exit_ctrl_cr3_target_miss, "mov %cr3, %rax", "mov %rax, %cr3");
static bool setup_cr3_target(struct scenario_ctx *ctx, bool hit)
{
	if (INFO_GET(VMX_MISC, CR3_TARGETS, vmx_caps.misc) < 2) {
		ctx->skip_reason = "cr3_target_count_below_2";
		return false;
	}
	if (!scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_CR3_LOAD_EXITING))
		return false;
	u64 cr3 = vmcs_read(GUEST_CR3);
	vmcs_write(CR3_TARGET_VALUE0, cr3 ^ 0x1000);
	vmcs_write(CR3_TARGET_VALUE1, hit ? cr3 : cr3 ^ 0x2000);
	vmcs_write(CR3_TARGET_COUNT, 2);
	return true;
}
static bool setup_cr3_target_hit(struct scenario_ctx *ctx) { return setup_cr3_target(ctx, true); }
static bool setup_cr3_target_miss(struct scenario_ctx *ctx) { return setup_cr3_target(ctx, false); }
SCENARIO(exit_ctrl_cr3_target_hit, .guest = guest_exit_ctrl_cr3_target_hit, .setup = setup_cr3_target_hit,
	 .expect = NO_EXIT(""),
	 .cite = CR_CITE("; \"CR3-Target Controls\" (MOV to CR3 does not exit if its source equals one of "
			 "the first n CR3-target values; n = 2, value 1 = CR3)"));
SCENARIO(exit_ctrl_cr3_target_miss, .guest = guest_exit_ctrl_cr3_target_miss, .setup = setup_cr3_target_miss,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=3,ACCESS_TYPE=MOV_TO_CR,GPR=0}"),
	 .cite = CR_CITE("; \"CR3-Target Controls\" (n = 2, neither value equals the source: exit); "
			 "MOV CR3,RAX = 0F 22 D8"));
