/*
 * caps_* - the VM-entry and VM-exit controls that load or save state, and the MSR areas,
 * each set once and checked against what the SDM says it does.
 *
 * Every value is chosen here (valid by the MSR's own rules: PAT entries are memory types
 * 0, 1, 4-7 with entry 0 write-back, EFER keeps LME/LMA for the 64-bit guest and host) and
 * written into the .expect with STR(), so the expectation is the setup's, never the
 * platform's.  The guest reads the state the entry loaded (RDMSR through an all-zero MSR
 * bitmap, MOV from DR7), changes it and executes VMCALL: the first exit's registers are
 * what the guest saw.  The host then reads what the exit saved (the VMCS field, the
 * MSR-store area) and loaded (its own MSR, DR7) into the guest's RDI/RSI/RDX and resumes
 * it at a second VMCALL, whose exit record carries them.
 *
 * A platform whose capability MSRs do not allow a control skips the scenario
 * (skip reason control_not_allowed: setup returns false), never passes it.
 * SDM sections: "VM-Entry Controls", "VM-Exit Controls", "Loading Guest Control
 * Registers, Debug Registers, and MSRs", "Saving Control Registers, Debug Registers, and
 * MSRs", "Loading Host Control Registers, Debug Registers, MSRs", "VM-Exit Controls for
 * MSRs", "VM-Entry Controls for MSRs", "Loading MSRs", "Saving MSRs", "VMX-Preemption Timer".
 */
#include "lib.h"
#include "scenario.h"
#include "model.h"

/* RDMSR/WRMSR in the guest run without exits: "use MSR bitmaps" with a bitmap of zeros
 * (SDM "MSR-Bitmap Address": a bit of 0 means no exit for that MSR). */
static u8 caps_msr_bitmap[4096] ALIGNED(4096);

static bool msr_passthrough(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_MSR_BITMAPS))
		return false;
	memset(caps_msr_bitmap, 0, sizeof(caps_msr_bitmap));
	vmcs_write(MSR_BITMAP, (u64)caps_msr_bitmap);
	return true;
}

static u64 host_dr7(void)
{
	u64 v;
	asm volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}

/* A host MSR after the exit; ~0 if RDMSR faults (the MSR does not exist here). */
static u64 host_msr(u32 msr)
{
	struct fault_info f;
	u64 v;
	return rdmsr_safe(msr, &v, &f) ? v : ~0ULL;
}

/*
 * Enter, expect the guest's VMCALL, trace it (resumed), let probe() put what the host
 * reads after the exit into the guest's registers, resume at the next instruction (the
 * guest's second VMCALL) and trace that exit.  Anything but VMCALL first ends the scenario
 * with that exit traced (the expectation then fails on it).
 */
static enum scenario_status two_exits(struct scenario_ctx *ctx, void (*probe)(struct vcpu *))
{
	struct vcpu *v = ctx->vcpu;
	struct vcpu_exit e = vcpu_run(v);
	bool vmcall = e.kind == RESULT_EXIT && !e.entry_fail && e.reason == EXIT_REASON_VMCALL;
	if (vmcall)
		vcpu_skip_instruction(v, &e);
	scenario_trace_result(ctx, &e, vmcall);
	if (!vmcall)
		return SCN_DONE;
	probe(v);
	e = vcpu_run(v);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

/* "Use MSR bitmaps" with an all-zero bitmap, then the VM-entry and VM-exit controls a case exercises. */
static bool msr_ctls(struct scenario_ctx *ctx, u64 entry, u64 exit)
{
	return msr_passthrough(ctx) && scenario_set_ctl(ctx, VM_ENTRY_CONTROLS, entry) &&
	       scenario_set_ctl(ctx, VM_EXIT_CONTROLS, exit);
}

/* The body of a case whose host reports what the exit saved and loaded through probe_<name>. */
#define TWO_EXITS_BODY(name)                                                                             \
	static enum scenario_status body_##name(struct scenario_ctx *ctx)                                \
	{                                                                                                \
		return two_exits(ctx, probe_##name);                                                     \
	}

#define TWO_EXITS(id, first, second)                                                                     \
	"VMCALL at=insn len=3 next=resume " first "; VMCALL at=resume len=3 end " second

/* The guest: prep, then (in the guest asm) VMCALL at insn, VMCALL at resume. */
#define CAPS_GUEST(id, prep)                                                                             \
	void guest_##id(void);                                                                           \
	asm(".text\n.global guest_" #id "\nguest_" #id ":\n" prep "\n" GUEST_LABEL(id, insn) "vmcall\n"   \
	    GUEST_LABEL(id, resume) "vmcall\njmp label__" #id "__resume\n")

/* Guest: RDMSR ecx=MSR into RDI (bits 31:0) and RSI (63:32), then WRMSR EDX:EAX = NEW. */
#define READ_THEN_WRITE(msr, new_lo, new_hi)                                                             \
	"mov $" STR(msr) ", %ecx\nrdmsr\nmov %rax, %rdi\nmov %rdx, %rsi\n"                               \
	"mov $" STR(new_lo) ", %eax\nmov $" STR(new_hi) ", %edx\nwrmsr\n"

/* ---- IA32_PAT: "load IA32_PAT" (entry), "save IA32_PAT" and "load IA32_PAT" (exit) ---- */
#define PAT_G_LO 0x00070106 /* guest field at entry: entries 06 01 07 00 ... */
#define PAT_G_HI 0x00070506 /* ... 06 05 07 00 */
#define PAT_G2_LO 0x00010506 /* the guest's WRMSR: 06 05 01 00 ... */
#define PAT_G2_HI 0x00000604 /* ... 04 06 00 00 */
#define PAT_G2 0x0000060400010506
#define PAT_H 0x0007040600070406 /* host field: the power-on value */

CAPS_GUEST(caps_pat, READ_THEN_WRITE(MSR_IA32_PAT, PAT_G2_LO, PAT_G2_HI));

static bool setup_pat(struct scenario_ctx *ctx)
{
	if (!msr_ctls(ctx, VM_ENTRY_LOAD_PAT, VM_EXIT_SAVE_PAT | VM_EXIT_LOAD_PAT))
		return false;
	vmcs_write(GUEST_IA32_PAT, (u64)PAT_G_HI << 32 | PAT_G_LO);
	vmcs_write(HOST_IA32_PAT, PAT_H);
	return true;
}

static void probe_pat(struct vcpu *v)
{
	v->regs.rdi = vmcs_read(GUEST_IA32_PAT); /* saved by the exit */
	v->regs.rsi = host_msr(MSR_IA32_PAT); /* loaded by the exit */
}

TWO_EXITS_BODY(pat)

SCENARIO(caps_pat, .guest = guest_caps_pat, .setup = setup_pat, .body = body_pat,
	 .expect = TWO_EXITS(caps_pat, "rdi=" STR(PAT_G_LO) " rsi=" STR(PAT_G_HI),
			     "rdi=" STR(PAT_G2) " rsi=" STR(PAT_H)),
	 .cite = "SDM \"Loading Guest Control Registers, Debug Registers, and MSRs\" (load IA32_PAT); "
		 "\"Saving Control Registers, Debug Registers, and MSRs\" (save IA32_PAT); \"Loading Host Control "
		 "Registers, Debug Registers, MSRs\" (load IA32_PAT)");

/* ---- IA32_EFER: "load IA32_EFER" (entry), "save IA32_EFER" and "load IA32_EFER" (exit) ----
 * The host runs with EFER = LME|LMA (500H, core/boot/boot.S); SCE (bit 0) marks each step. */
#define EFER_G 0x501 /* guest field at entry: SCE|LME|LMA (IA-32e mode guest: LMA = LME = 1) */
#define EFER_G2 0x500 /* the guest's WRMSR clears SCE */
#define EFER_H 0x501 /* host field: LMA = LME = "host address-space size" (1) */

CAPS_GUEST(caps_efer, READ_THEN_WRITE(MSR_IA32_EFER, EFER_G2, 0));

static bool setup_efer(struct scenario_ctx *ctx)
{
	if (!msr_ctls(ctx, VM_ENTRY_LOAD_EFER, VM_EXIT_SAVE_EFER | VM_EXIT_LOAD_EFER))
		return false;
	vmcs_write(GUEST_IA32_EFER, EFER_G);
	vmcs_write(HOST_IA32_EFER, EFER_H);
	return true;
}

static void probe_efer(struct vcpu *v)
{
	v->regs.rdi = vmcs_read(GUEST_IA32_EFER);
	v->regs.rsi = host_msr(MSR_IA32_EFER);
}

TWO_EXITS_BODY(efer)

SCENARIO(caps_efer, .guest = guest_caps_efer, .setup = setup_efer, .body = body_efer,
	 .expect = TWO_EXITS(caps_efer, "rdi=" STR(EFER_G) " rsi=0", "rdi=" STR(EFER_G2) " rsi=" STR(EFER_H)),
	 .cite = "SDM \"Loading Guest Control Registers, Debug Registers, and MSRs\" (load IA32_EFER); "
		 "\"Saving Control Registers, Debug Registers, and MSRs\" (save IA32_EFER); \"Loading Host Control "
		 "Registers, Debug Registers, MSRs\" (load IA32_EFER)");

/* ---- DR7: "load debug controls" (entry), "save debug controls" (exit) ----
 * L0/G0 and L1/G1 stay clear (no breakpoint is armed); LE and GE (bits 8, 9) mark the value. */
#define DR7_G 0x700 /* guest field at entry: LE|GE|bit 10 */
#define DR7_G2 0x500 /* the guest's MOV to DR7: LE|bit 10 */
#define DR7_HOST 0x400 /* "DR7 is set to 400H" on every VM exit */

CAPS_GUEST(caps_debug, "mov %dr7, %rdi\nmov $" STR(DR7_G2) ", %rax\nmov %rax, %dr7\n");
CAPS_GUEST(caps_debug_nosave, "mov %dr7, %rdi\nmov $" STR(DR7_G2) ", %rax\nmov %rax, %dr7\n");

static bool setup_debug(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_DEBUG_CONTROLS) ||
	    !scenario_set_ctl(ctx, VM_EXIT_CONTROLS, VM_EXIT_SAVE_DEBUG_CONTROLS))
		return false;
	vmcs_write(GUEST_DR7, DR7_G);
	return true;
}

/* "save debug controls" 0: needs its allowed 0-setting (IA32_VMX_TRUE_EXIT_CTLS bit 2 clear). */
static bool setup_debug_nosave(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_DEBUG_CONTROLS))
		return false;
	if (ctx->vcpu->exit_ctl & VM_EXIT_SAVE_DEBUG_CONTROLS) {
		ctx->skip_reason = "save_debug_controls_must_be_1";
		return false;
	}
	vmcs_write(GUEST_DR7, DR7_G);
	return true;
}

static void probe_debug(struct vcpu *v)
{
	v->regs.rdi = vmcs_read(GUEST_DR7);
	v->regs.rdx = host_dr7();
}

TWO_EXITS_BODY(debug)

SCENARIO(caps_debug, .guest = guest_caps_debug, .setup = setup_debug, .body = body_debug,
	 .expect = TWO_EXITS(caps_debug, "rdi=" STR(DR7_G) " rax=" STR(DR7_G2),
			     "rdi=" STR(DR7_G2) " rdx=" STR(DR7_HOST)),
	 .cite = "SDM \"Loading Guest Control Registers, Debug Registers, and MSRs\" (load debug controls: DR7); "
		 "\"Saving Control Registers, Debug Registers, and MSRs\" (save debug controls); \"Loading Host "
		 "Control Registers, Debug Registers, MSRs\" (DR7 is set to 400H)");
SCENARIO(caps_debug_nosave, .guest = guest_caps_debug_nosave, .setup = setup_debug_nosave, .body = body_debug,
	 .expect = TWO_EXITS(caps_debug_nosave, "rdi=" STR(DR7_G) " rax=" STR(DR7_G2),
			     "rdi=" STR(DR7_G) " rdx=" STR(DR7_HOST)),
	 .cite = "SDM \"Saving Control Registers, Debug Registers, and MSRs\" (DR7 is saved only if the save "
		 "debug controls VM-exit control is 1: the field keeps the entry's value); \"Loading Host Control "
		 "Registers, Debug Registers, MSRs\" (DR7 is set to 400H)");

/* ---- "save VMX-preemption timer value" ----
 * The guest halts (HLT with RFLAGS.IF = 0: nothing but the timer ends it, and no register
 * changes while it waits) and the timer counts down from 2 in the HLT state; the exit it
 * causes saves the value it reached, 0 (the field held 2).  The host then stops the timer,
 * reports the field in RDI, makes the guest active again and moves it to its VMCALL. */
#define PREEMPT_START 2

void guest_caps_preempt_save(void);
asm(".text\n.global guest_caps_preempt_save\nguest_caps_preempt_save:\n" GUEST_LABEL(caps_preempt_save, insn)
    "hlt\n" GUEST_LABEL(caps_preempt_save, halted) "vmcall\n" GUEST_LABEL(caps_preempt_save, resume) "vmcall\n"
    "jmp label__caps_preempt_save__resume\n");
extern char label__caps_preempt_save__resume[];

static bool setup_preempt_save(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_PREEMPTION_TIMER) ||
	    !scenario_set_ctl(ctx, VM_EXIT_CONTROLS, VM_EXIT_SAVE_PREEMPTION_TIMER))
		return false;
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, PREEMPT_START);
	return true;
}

static enum scenario_status body_preempt_save(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	struct vcpu_exit e = vcpu_run(v);
	bool timer = e.kind == RESULT_EXIT && !e.entry_fail && e.reason == EXIT_REASON_PREEMPTION_TIMER;
	scenario_trace_result(ctx, &e, timer);
	if (!timer)
		return SCN_DONE;
	v->regs.rdi = vmcs_read(VMX_PREEMPTION_TIMER_VALUE);
	v->pin &= ~PIN_BASED_PREEMPTION_TIMER;
	v->exit_ctl &= ~VM_EXIT_SAVE_PREEMPTION_TIMER;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, v->pin);
	vmcs_write(VM_EXIT_CONTROLS, v->exit_ctl);
	vmcs_write(GUEST_ACTIVITY_STATE, 0); /* active */
	vmcs_write(GUEST_RIP, (u64)label__caps_preempt_save__resume);
	e = vcpu_run(v);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

SCENARIO(caps_preempt_save, .guest = guest_caps_preempt_save, .setup = setup_preempt_save,
	 .body = body_preempt_save,
	 .expect = "PREEMPTION_TIMER at=halted next=resume; VMCALL at=resume len=3 end rdi=0",
	 .cite = "SDM \"VMX-Preemption Timer\" (the timer counts down in the active and HLT states; a VM exit "
		 "when it reaches zero); \"Saving RIP, RSP, RFLAGS, and SSP\" (an exit from the HLT state: RIP after the "
		 "HLT); \"Saving Non-Register State\" (save VMX-preemption timer value)");

/* ---- IA32_PERF_GLOBAL_CTRL: "load IA32_PERF_GLOBAL_CTRL" (entry and exit) ----
 * Bits 0 and 1 enable general-purpose counters 0 and 1: not reserved where CPUID.0AH reports
 * version 2 or later with at least two counters (else the scenario skips). */
#define PERF_G 0x3
#define PERF_H 0x1

CAPS_GUEST(caps_perf_global, "mov $" STR(MSR_IA32_PERF_GLOBAL_CTRL) ", %ecx\nrdmsr\nmov %rax, %rdi\n"
	   "mov %rdx, %rsi\n");

/* SDM "IA32_PERF_GLOBAL_CTRL" exists from architectural performance monitoring version 2
 * (CPUID.0AH:EAX[7:0]); its bits 0 and 1 need two general-purpose counters (EAX[15:8]). */
static bool perf_two_counters(struct scenario_ctx *ctx)
{
	u32 a = 0, b, c, d, max;
	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0xa)
		cpuid(0xa, 0, &a, &b, &c, &d);
	scenario_setup("cpuid0a_eax=%#x", a);
	if ((a & 0xff) < 2 || ((a >> 8) & 0xff) < 2) {
		ctx->skip_reason = "cpuid_0a_no_two_counters";
		return false;
	}
	return true;
}

static bool setup_perf_global(struct scenario_ctx *ctx)
{
	if (!perf_two_counters(ctx) || !msr_ctls(ctx, VM_ENTRY_LOAD_PERF_GLOBAL_CTRL, VM_EXIT_LOAD_PERF_GLOBAL_CTRL))
		return false;
	vmcs_write(GUEST_IA32_PERF_GLOBAL_CTRL, PERF_G);
	vmcs_write(HOST_IA32_PERF_GLOBAL_CTRL, PERF_H);
	return true;
}

static void probe_perf_global(struct vcpu *v)
{
	v->regs.rdi = host_msr(MSR_IA32_PERF_GLOBAL_CTRL);
}

TWO_EXITS_BODY(perf_global)

SCENARIO(caps_perf_global, .guest = guest_caps_perf_global, .setup = setup_perf_global, .body = body_perf_global,
	 .expect = TWO_EXITS(caps_perf_global, "rdi=" STR(PERF_G) " rsi=0", "rdi=" STR(PERF_H)),
	 .cite = "SDM \"Loading Guest Control Registers, Debug Registers, and MSRs\" and \"Loading Host Control "
		 "Registers, Debug Registers, MSRs\" (load IA32_PERF_GLOBAL_CTRL)");

/* ---- IA32_PERF_GLOBAL_CTRL: "save IA32_PERF_GLOBAL_CTRL" (exit) ----
 * SDM "Definitions of VM-Exit Controls", bit 30: "This control determines whether the
 * IA32_PERF_GLOBAL_CTRL MSR is saved on VM exit"; "Saving MSRs"/"Saving Control Registers, Debug
 * Registers, and MSRs": "If the "save IA32_PERF_GLOBAL_CTRL" VM-exit control is 1, the
 * IA32_PERF_GLOBAL_CTRL MSR is saved into the corresponding field in the guest-state area."  The
 * field holds PERF_G (3) at entry ("load IA32_PERF_GLOBAL_CTRL" at entry is not used); the guest
 * writes PERF_G2 (2, counter 1 only) through the all-zero MSR bitmap and executes VMCALL; the
 * host reports the field (RDI); the image puts the host's MSR back after the scenario (core/main.c). */
#define PERF_G2 0x2

CAPS_GUEST(caps_perf_global_save, "mov $" STR(MSR_IA32_PERF_GLOBAL_CTRL) ", %ecx\nmov $" STR(PERF_G2) ", %eax\n"
	   "xor %edx, %edx\nwrmsr\n");

static bool setup_perf_global_save(struct scenario_ctx *ctx)
{
	if (!perf_two_counters(ctx) || !msr_ctls(ctx, 0, VM_EXIT_SAVE_PERF_GLOBAL_CTRL))
		return false;
	vmcs_write(GUEST_IA32_PERF_GLOBAL_CTRL, PERF_G);
	return true;
}

static void probe_perf_global_save(struct vcpu *v)
{
	v->regs.rdi = vmcs_read(GUEST_IA32_PERF_GLOBAL_CTRL);
}

TWO_EXITS_BODY(perf_global_save)

SCENARIO(caps_perf_global_save, .guest = guest_caps_perf_global_save, .setup = setup_perf_global_save,
	 .body = body_perf_global_save,
	 .expect = TWO_EXITS(caps_perf_global_save, "", "rdi=" STR(PERF_G2)),
	 .cite = "SDM \"Definitions of VM-Exit Controls\" (bit 30, save IA32_PERF_GLOBAL_CTRL); \"Saving Control "
		 "Registers, Debug Registers, and MSRs\"; \"IA32_PERF_GLOBAL_CTRL\" (architectural performance "
		 "monitoring version 2: bit 1 enables general-purpose counter 1)");

/* ---- the MSR areas: VM-entry MSR-load, VM-exit MSR-store, VM-exit MSR-load ----
 * IA32_KERNEL_GS_BASE (not FS/GS base, which the entry checks exclude): canonical values. */
#define KGS_G_LO 0x56789000
#define KGS_G_HI 0x00001234
#define KGS_G2_LO 0x0fedc000
#define KGS_G2_HI 0x00004321
#define KGS_G2 0x000043210fedc000
#define KGS_H 0x00005555aaaa0000

static struct model_msr_entry caps_entry_load[1] ALIGNED(16), caps_exit_store[1] ALIGNED(16),
	caps_exit_load[1] ALIGNED(16);

CAPS_GUEST(caps_msr_areas, READ_THEN_WRITE(MSR_IA32_KERNEL_GS_BASE, KGS_G2_LO, KGS_G2_HI));

static bool setup_msr_areas(struct scenario_ctx *ctx)
{
	if (!msr_passthrough(ctx))
		return false;
	caps_entry_load[0] = (struct model_msr_entry){ .index = MSR_IA32_KERNEL_GS_BASE,
						       .value = (u64)KGS_G_HI << 32 | KGS_G_LO };
	caps_exit_store[0] = (struct model_msr_entry){ .index = MSR_IA32_KERNEL_GS_BASE, .value = 0 };
	caps_exit_load[0] = (struct model_msr_entry){ .index = MSR_IA32_KERNEL_GS_BASE, .value = KGS_H };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (u64)caps_entry_load);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, (u64)caps_exit_store);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 1);
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, (u64)caps_exit_load);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 1);
	return true;
}

static void probe_msr_areas(struct vcpu *v)
{
	v->regs.rdi = caps_exit_store[0].value; /* stored by the exit */
	v->regs.rsi = host_msr(MSR_IA32_KERNEL_GS_BASE); /* loaded by the exit */
}

TWO_EXITS_BODY(msr_areas)

SCENARIO(caps_msr_areas, .guest = guest_caps_msr_areas, .setup = setup_msr_areas, .body = body_msr_areas,
	 .expect = TWO_EXITS(caps_msr_areas, "rdi=" STR(KGS_G_LO) " rsi=" STR(KGS_G_HI),
			     "rdi=" STR(KGS_G2) " rsi=" STR(KGS_H)),
	 .cite = "SDM \"VM-Entry Controls for MSRs\", \"Loading MSRs\" (VM entry); \"VM-Exit Controls for MSRs\", "
		 "\"Saving MSRs\", \"Loading MSRs\" (VM exit)");

/* ---- IA32_BNDCFGS: "load IA32_BNDCFGS" (entry), "clear IA32_BNDCFGS" (exit) ----
 * Base 0000123456789000H (canonical), BNDPRESERVE (bit 1); bits 11:2 reserved. */
#define BND_G_LO 0x56789002
#define BND_G_HI 0x00001234

CAPS_GUEST(caps_bndcfgs, "mov $" STR(MSR_IA32_BNDCFGS) ", %ecx\nrdmsr\nmov %rax, %rdi\nmov %rdx, %rsi\n");

static bool setup_bndcfgs(struct scenario_ctx *ctx)
{
	if (!msr_ctls(ctx, VM_ENTRY_LOAD_BNDCFGS, VM_EXIT_CLEAR_BNDCFGS))
		return false;
	vmcs_write(GUEST_BNDCFGS, (u64)BND_G_HI << 32 | BND_G_LO);
	return true;
}

static void probe_bndcfgs(struct vcpu *v)
{
	v->regs.rdi = host_msr(MSR_IA32_BNDCFGS);
}

TWO_EXITS_BODY(bndcfgs)

SCENARIO(caps_bndcfgs, .guest = guest_caps_bndcfgs, .setup = setup_bndcfgs, .body = body_bndcfgs,
	 .expect = TWO_EXITS(caps_bndcfgs, "rdi=" STR(BND_G_LO) " rsi=" STR(BND_G_HI), "rdi=0"),
	 .cite = "SDM \"Loading Guest Control Registers, Debug Registers, and MSRs\" (load IA32_BNDCFGS); "
		 "\"Loading Host Control Registers, Debug Registers, MSRs\" (clear IA32_BNDCFGS)");

/* ---- IA32_PKRS: "load PKRS" (entry and exit); bits 63:32 reserved ---- */
#define PKRS_G 0x55555554
#define PKRS_H 0x0000000c

CAPS_GUEST(caps_pkrs, "mov $" STR(MSR_IA32_PKRS) ", %ecx\nrdmsr\nmov %rax, %rdi\nmov %rdx, %rsi\n");

static bool setup_pkrs(struct scenario_ctx *ctx)
{
	if (!msr_ctls(ctx, VM_ENTRY_LOAD_PKRS, VM_EXIT_LOAD_PKRS))
		return false;
	vmcs_write(GUEST_IA32_PKRS, PKRS_G);
	vmcs_write(HOST_IA32_PKRS, PKRS_H);
	return true;
}

static void probe_pkrs(struct vcpu *v)
{
	v->regs.rdi = host_msr(MSR_IA32_PKRS);
}

TWO_EXITS_BODY(pkrs)

SCENARIO(caps_pkrs, .guest = guest_caps_pkrs, .setup = setup_pkrs, .body = body_pkrs,
	 .expect = TWO_EXITS(caps_pkrs, "rdi=" STR(PKRS_G) " rsi=0", "rdi=" STR(PKRS_H)),
	 .cite = "SDM \"Loading Guest Control Registers, Debug Registers, and MSRs\" and \"Loading Host Control "
		 "Registers, Debug Registers, MSRs\" (load PKRS)");
