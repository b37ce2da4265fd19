/*
 * exit_uwait_* - "enable user wait and pause" (secondary processor-based control, bit 26): TPAUSE
 * and UMWAIT in VMX non-root operation.
 *
 * SDM Vol. 3 "Changes to Instruction Behavior in VMX Non-Root Operation" (TPAUSE, UMWAIT): "If the
 * "enable user wait and pause" VM-execution control is 0, TPAUSE and UMWAIT cause #UD"; with it 1
 * they cause VM exits if the "RDTSC exiting" VM-execution control is 1 ("Instructions That Cause
 * VM Exits Conditionally": "TPAUSE. The TPAUSE instruction causes a VM exit if the "RDTSC exiting"
 * and "enable user wait and pause" VM-execution controls are both 1"; UMWAIT the same), and
 * otherwise execute normally.  Exit reasons 67 (UMWAIT) and 68 (TPAUSE); the instruction length
 * and "VM-Exit Instruction-Information Field as Used for RDRAND, RDSEED, TPAUSE, and UMWAIT"
 * (operand register bits 6:3, operand size 12:11); no qualification (cleared).
 *
 *   exit_uwait_tpause    control 1, RDTSC exiting 1: TPAUSE ECX -> exit 68, register 1 (RCX), 32-bit
 *   exit_uwait_umwait    control 1, RDTSC exiting 1: UMWAIT EDX -> exit 67, register 2 (RDX), 32-bit
 *   exit_uwait_run       control 1, RDTSC exiting 0: TPAUSE with the deadline EDX:EAX = 0 (already
 *                        passed, "The instruction execution wakes up when the time-stamp counter
 *                        reaches or exceeds the implicit EDX:EAX 64-bit input value"): no exit
 *   exit_uwait_ud        control 0, RDTSC exiting 1: TPAUSE -> #UD (exit 0, vector 6)
 * A processor without WAITPKG (CPUID.(EAX=07H,ECX=0):ECX[5]) skips.  The operand register asks for
 * C0.2 (bit 0 = 0); the guest's registers are 0 otherwise.
 */
#include "scenario.h"

#define CPUID7_ECX_WAITPKG BIT(5)

static bool waitpkg(struct scenario_ctx *ctx)
{
	u32 a, b, c = 0, d, max;
	cpuid(0, 0, &max, &b, &c, &d);
	c = 0;
	if (max >= 7)
		cpuid(7, 0, &a, &b, &c, &d);
	if (!(c & CPUID7_ECX_WAITPKG)) {
		ctx->skip_reason = "cpuid_waitpkg_absent";
		return false;
	}
	return true;
}

static bool uwait(struct scenario_ctx *ctx, bool enable, bool rdtsc_exiting)
{
	if (!waitpkg(ctx))
		return false;
	if (enable && !scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_USER_WAIT_PAUSE))
		return false;
	if (!enable && (ctx->vcpu->proc2 & SECONDARY_ENABLE_USER_WAIT_PAUSE)) {
		ctx->skip_reason = "enable_user_wait_pause_must_be_1";
		return false;
	}
	if (rdtsc_exiting && !scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_RDTSC_EXITING))
		return false;
	if (!rdtsc_exiting && (ctx->vcpu->proc & CPU_BASED_RDTSC_EXITING)) {
		ctx->skip_reason = "rdtsc_exiting_must_be_1";
		return false;
	}
	return true;
}
static bool setup_tpause(struct scenario_ctx *ctx) { return uwait(ctx, true, true); }
static bool setup_umwait(struct scenario_ctx *ctx) { return uwait(ctx, true, true); }
static bool setup_run(struct scenario_ctx *ctx) { return uwait(ctx, true, false); }
static bool setup_ud(struct scenario_ctx *ctx) { return uwait(ctx, false, true); }

#define ZERO "xor %eax, %eax\nxor %ecx, %ecx\nxor %edx, %edx"
EXIT_GUEST(exit_uwait_tpause, ZERO, "tpause %ecx");
EXIT_GUEST(exit_uwait_umwait, ZERO, "umwait %edx");
EXIT_GUEST(exit_uwait_run, ZERO, "tpause %ecx");
EXIT_GUEST(exit_uwait_ud, ZERO, "tpause %ecx");

#define UW_CITE                                                                                        \
	"SDM Vol. 3 \"Changes to Instruction Behavior in VMX Non-Root Operation\" (TPAUSE, UMWAIT); "       \
	"\"Instructions That Cause VM Exits Conditionally\" (TPAUSE, UMWAIT: \"RDTSC exiting\" and \"enable " \
	"user wait and pause\" both 1); appendix \"VMX Basic Exit Reasons\" (67 UMWAIT, 68 TPAUSE); "        \
	"\"VM-Exit Instruction-Information Field as Used for RDRAND, RDSEED, TPAUSE, and UMWAIT\""
SCENARIO(exit_uwait_tpause, .guest = guest_exit_uwait_tpause, .setup = setup_tpause,
	 .expect = STEP_EXIT(TPAUSE, "info={DEST=1,OPERAND_SIZE=O32}"),
	 .cite = UW_CITE "; TPAUSE ECX = 66 0F AE F1");
SCENARIO(exit_uwait_umwait, .guest = guest_exit_uwait_umwait, .setup = setup_umwait,
	 .expect = STEP_EXIT(UMWAIT, "info={DEST=2,OPERAND_SIZE=O32}"),
	 .cite = UW_CITE "; UMWAIT EDX = F2 0F AE F2");
SCENARIO(exit_uwait_run, .guest = guest_exit_uwait_run, .setup = setup_run,
	 .expect = NO_EXIT(""),
	 .cite = UW_CITE "; \"RDTSC exiting\" 0: TPAUSE executes; the deadline EDX:EAX = 0 has passed");
SCENARIO(exit_uwait_ud, .guest = guest_exit_uwait_ud, .setup = setup_ud,
	 .expect = "EXCEPTION_NMI at=insn intr={VECTOR=UD,TYPE=HW_EXCEPTION,VALID=1} end",
	 .cite = UW_CITE "; \"enable user wait and pause\" 0: #UD, ahead of \"RDTSC exiting\"");
