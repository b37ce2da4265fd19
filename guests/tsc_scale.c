/*
 * tsc_scale_* - "use TSC scaling" (secondary processor-based control, bit 25) and the TSC
 * multiplier field, with "use TSC offsetting" and the TSC offset.
 *
 * SDM Vol. 3 "Changes to Instruction Behavior in VMX Non-Root Operation", RDTSC: "If the "RDTSC
 * exiting" VM-execution control is 0 and the "use TSC offsetting" VM-execution control is 1, the
 * value returned is determined by the setting of the "use TSC scaling" VM-execution control: If
 * the control is 0, RDTSC loads EAX:EDX with the sum of the value of the IA32_TIME_STAMP_COUNTER
 * MSR and the value of the TSC offset.  If the control is 1, RDTSC first computes the product of
 * the value of the IA32_TIME_STAMP_COUNTER MSR and the value of the TSC multiplier.  It then
 * shifts the value of the product right 48 bits and loads EAX:EDX with the sum of that shifted
 * value and the value of the TSC offset."  RDTSCP and RDMSR of IA32_TIME_STAMP_COUNTER (10H): the
 * same ("RDTSCP", "RDMSR" there); "If both controls are 0, RDTSC operates normally" (and the
 * multiplier is not used while "use TSC offsetting" is 0).  "Timestamp-Counter Scaling and
 * Offsetting" ("TSC multiplier": a 64-bit fixed-point value, bits 47:0 the fraction).
 *
 * The guest (no RDTSC exiting; "enable RDTSCP"; RDMSR through an all-zero MSR bitmap) reads
 * RDTSC, RDTSCP, RDMSR 10H into R8, R9, R10 (not traced registers: their values are timing),
 * clears RAX/RCX/RDX and executes VMCALL.  The host read its own TSC (LFENCE; RDTSC) just before
 * the VM entry (t0) and just after the exit (t1); IA32_TIME_STAMP_COUNTER increases
 * monotonically, so each guest read saw a counter T with t0 <= T <= t1, and the formula is
 * monotonic in T: the SDM's value lies in [f(t0), f(t1)], f(T) = ((T * multiplier) >> 48) +
 * offset.  That is the whole tolerance: nothing is fudged.  The host returns, in the guest's
 * RDI at a second VMCALL:
 *   bits 0-2  RDTSC / RDTSCP / RDMSR value in [f(t0), f(t1)] (the SDM's value)
 *   bit 3     RDTSC <= RDTSCP <= RDMSR (executed in that order)
 *   bits 4-6  the value in [t0 + o, t1 + o], o the offset the SDM applies (the offset field
 *             where "use TSC offsetting" is 1, else 0): what the counter gives unscaled
 * With the multiplier 2.0 or 0.5 and t1 - t0 far below t0 (the boot took far longer than one
 * entry), the two ranges are disjoint, so a platform that ignores the multiplier shows 78H
 * instead of 0FH.  Where a value misses the SDM's range, a SETUP record gives t0, t1 and the three
 * values as evidence (only then: they are timing).
 *
 *   tsc_scale_x2      offsetting 1, scaling 1, multiplier 2.0 (2_0000_0000_0000H), offset 2^44
 *   tsc_scale_half    offsetting 1, scaling 1, multiplier 0.5 (8000_0000_0000H), offset 2^44
 *   tsc_scale_nooff   offsetting 0, scaling 1, multiplier 2.0, offset field 2^44: neither the
 *                     multiplier nor the offset applies (the other side of the boundary: 7FH)
 */
#include "lib.h"
#include "scenario.h"

#define TSC_MULT_X2 0x2000000000000ULL
#define TSC_MULT_HALF 0x800000000000ULL
#define TSC_OFFSET_VALUE 0x100000000000ULL

static u8 tsc_msr_bitmap[4096] ALIGNED(4096);
static u64 tsc_mult, tsc_off; /* what the SDM applies in this scenario (1.0 / 0 when not) */

static inline u64 host_tsc(void)
{
	u32 lo, hi;
	asm volatile("lfence\nrdtsc\nlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (u64)hi << 32 | lo;
}

static bool tsc_setup(struct scenario_ctx *ctx, bool offsetting, u64 mult)
{
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_USE_TSC_SCALING) ||
	    !scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_RDTSCP) ||
	    !scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_MSR_BITMAPS))
		return false;
	if (offsetting && !scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_TSC_OFFSETTING))
		return false;
	if (!offsetting && (ctx->vcpu->proc & CPU_BASED_USE_TSC_OFFSETTING)) {
		ctx->skip_reason = "use_tsc_offsetting_must_be_1";
		return false;
	}
	if (ctx->vcpu->proc & CPU_BASED_RDTSC_EXITING) {
		ctx->skip_reason = "rdtsc_exiting_must_be_1";
		return false;
	}
	memset(tsc_msr_bitmap, 0, sizeof(tsc_msr_bitmap));
	vmcs_write(MSR_BITMAP, (u64)tsc_msr_bitmap);
	vmcs_write(TSC_MULTIPLIER, mult);
	vmcs_write(TSC_OFFSET, TSC_OFFSET_VALUE);
	tsc_mult = offsetting ? mult : 1ULL << 48;
	tsc_off = offsetting ? TSC_OFFSET_VALUE : 0;
	return true;
}
static bool setup_x2(struct scenario_ctx *ctx) { return tsc_setup(ctx, true, TSC_MULT_X2); }
static bool setup_half(struct scenario_ctx *ctx) { return tsc_setup(ctx, true, TSC_MULT_HALF); }
static bool setup_nooff(struct scenario_ctx *ctx) { return tsc_setup(ctx, false, TSC_MULT_X2); }

/* The SDM's value for counter t: ((t * multiplier) >> 48) + offset (128-bit product). */
static u64 tsc_sdm(u64 t)
{
	return (u64)(((unsigned __int128)t * tsc_mult) >> 48) + tsc_off;
}

static enum scenario_status body_tsc(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	u64 t0 = host_tsc();
	struct vcpu_exit e = vcpu_run(v);
	u64 t1 = host_tsc();
	bool vmcall = e.kind == RESULT_EXIT && !e.entry_fail && e.reason == EXIT_REASON_VMCALL;
	if (vmcall)
		vcpu_skip_instruction(v, &e);
	scenario_trace_result(ctx, &e, vmcall);
	if (!vmcall)
		return SCN_DONE;
	const u64 g[3] = { v->regs.r8, v->regs.r9, v->regs.r10 };
	u64 flags = 0;
	for (int i = 0; i < 3; i++) {
		if (g[i] >= tsc_sdm(t0) && g[i] <= tsc_sdm(t1))
			flags |= BIT(i);
		if (g[i] >= t0 + tsc_off && g[i] <= t1 + tsc_off)
			flags |= BIT(4 + i);
	}
	if (g[0] <= g[1] && g[1] <= g[2])
		flags |= BIT(3);
	/* The evidence only when a value misses the SDM's range: the values are timing, and a
	 * scenario's records must not depend on where in the catalog it runs. */
	if ((flags & 0xf) != 0xf)
		scenario_setup("tsc_t0=%#lx tsc_t1=%#lx rdtsc=%#lx rdtscp=%#lx rdmsr=%#lx multiplier=%#lx offset=%#lx "
			       "flags=%#lx", t0, t1, g[0], g[1], g[2], tsc_mult, tsc_off, flags);
	v->regs.rdi = flags;
	e = vcpu_run(v);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

#define TSC_GUEST(id)                                                                               \
	void guest_##id(void);                                                                      \
	asm(".text\n.global guest_" #id "\nguest_" #id ":\n"                                        \
	    "rdtsc\nshl $32, %rdx\nor %rdx, %rax\nmov %rax, %r8\n"                                  \
	    "rdtscp\nshl $32, %rdx\nor %rdx, %rax\nmov %rax, %r9\n"                                 \
	    "mov $" STR(MSR_IA32_TIME_STAMP_COUNTER) ", %ecx\nrdmsr\nshl $32, %rdx\nor %rdx, %rax\n" \
	    "mov %rax, %r10\nxor %eax, %eax\nxor %ecx, %ecx\nxor %edx, %edx\n"                       \
	    GUEST_LABEL(id, insn) "vmcall\n" GUEST_LABEL(id, resume) "vmcall\n"                      \
	    "jmp label__" #id "__resume\n")
TSC_GUEST(tsc_scale_x2);
TSC_GUEST(tsc_scale_half);
TSC_GUEST(tsc_scale_nooff);

#define TSC_EXPECT(flags) "VMCALL at=insn len=3 next=resume; VMCALL at=resume len=3 end rdi=" flags
#define TSC_CITE                                                                                     \
	"SDM Vol. 3 \"Changes to Instruction Behavior in VMX Non-Root Operation\" (RDTSC, RDTSCP, RDMSR " \
	"of IA32_TIME_STAMP_COUNTER: \"use TSC offsetting\" and \"use TSC scaling\"); \"Timestamp-Counter " \
	"Scaling and Offsetting\"; Vol. 3 \"Time-Stamp Counter\" (the counter increases monotonically); "  \
	"RDI bits: 0-2 each value in [f(t0), f(t1)], 3 in program order, 4-6 in [t0 + o, t1 + o]"
SCENARIO(tsc_scale_x2, .guest = guest_tsc_scale_x2, .setup = setup_x2, .body = body_tsc,
	 .expect = TSC_EXPECT("0xf"),
	 .cite = TSC_CITE "; multiplier 2.0, offset 2^44: f(T) = 2T + 2^44");
SCENARIO(tsc_scale_half, .guest = guest_tsc_scale_half, .setup = setup_half, .body = body_tsc,
	 .expect = TSC_EXPECT("0xf"),
	 .cite = TSC_CITE "; multiplier 0.5, offset 2^44: f(T) = floor(T / 2) + 2^44");
SCENARIO(tsc_scale_nooff, .guest = guest_tsc_scale_nooff, .setup = setup_nooff, .body = body_tsc,
	 .expect = TSC_EXPECT("0x7f"),
	 .cite = TSC_CITE "; \"use TSC offsetting\" 0: \"RDTSC operates normally\" whatever \"use TSC "
		 "scaling\" and the multiplier (2.0) and offset fields hold: f(T) = T");
