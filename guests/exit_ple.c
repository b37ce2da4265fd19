/*
 * exit_ple_* - "PAUSE-loop exiting" (secondary processor-based control, bit 10) and its two
 * fields PLE_Gap and PLE_Window.
 *
 * SDM Vol. 3 "Instructions That Cause VM Exits Conditionally", PAUSE at CPL 0 with "PAUSE
 * exiting" 0 and "PAUSE-loop exiting" 1: "The processor determines the amount of time between
 * this execution of PAUSE and the previous execution of PAUSE at CPL 0.  If this amount of time
 * exceeds the value of the VM-execution control field PLE_Gap, the processor considers this
 * execution to be the first execution of PAUSE in a loop.  (It also does so for the first
 * execution of PAUSE at CPL 0 after VM entry.)  Otherwise, the processor determines the amount of
 * time since the most recent execution of PAUSE that was considered to be the first in a loop.
 * If this amount of time exceeds the value of the VM-execution control field PLE_Window, a VM
 * exit occurs.  For purposes of these computations, time is measured based on a counter that
 * runs at the same rate as the timestamp counter (TSC)."  "PAUSE-Loop Exiting" (the fields).
 *
 * The guest (CPL 0) runs a PAUSE loop bounded by a counter in R8 (not a traced register, so the
 * records do not depend on how far it got), then VMCALL: nothing hangs, and a loop that does not
 * exit ends at the VMCALL.  Times are in TSC units; the loops are sized with margins of 4x or
 * more on either side of each boundary, for any TSC rate from one tick per instruction (Bochs:
 * its TSC is its instruction count) to a few hundred per PAUSE (hardware):
 *
 *   exit_ple_window  gap 0x400, window 0x4000; PAUSE; DEC; JNZ (a few ticks between PAUSEs,
 *                    below the gap) 0x100000 times (>= 3M ticks, beyond the window): exit 40 at
 *                    the PAUSE, length 2
 *   exit_ple_short   the same fields, 16 iterations (< 0x1000 ticks even at 200 per PAUSE):
 *                    shorter than the window, no exit
 *   exit_ple_gap     gap 0x40, window 0x400; 0x400 DEC/JNZ iterations (>= 0x800 ticks, beyond
 *                    the gap) between PAUSEs, 64 times (>= 0x20000 ticks, far beyond the window):
 *                    every PAUSE is the first of a loop, no exit
 *
 * Which iteration exits depends on timing: only the exit's reason, RIP (the one PAUSE), length
 * and qualification (0) are declared, which the SDM fixes.  A platform without the control
 * skips (control_not_allowed).  "PAUSE exiting" stays 0 (exit_ctrl_pause covers it).
 */
#include "scenario.h"

#define PLE_GAP_NEAR 0x400
#define PLE_WINDOW_NEAR 0x4000
#define PLE_GAP_FAR 0x40
#define PLE_WINDOW_FAR 0x400

static bool ple(struct scenario_ctx *ctx, u32 gap, u32 window)
{
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_PAUSE_LOOP_EXITING))
		return false;
	if (ctx->vcpu->proc & CPU_BASED_PAUSE_EXITING) {
		ctx->skip_reason = "pause_exiting_must_be_1";
		return false;
	}
	vmcs_write(PLE_GAP, gap);
	vmcs_write(PLE_WINDOW, window);
	scenario_setup("ple_gap=%#x ple_window=%#x", gap, window);
	return true;
}
static bool setup_window(struct scenario_ctx *ctx) { return ple(ctx, PLE_GAP_NEAR, PLE_WINDOW_NEAR); }
static bool setup_short(struct scenario_ctx *ctx) { return ple(ctx, PLE_GAP_NEAR, PLE_WINDOW_NEAR); }
static bool setup_gap(struct scenario_ctx *ctx) { return ple(ctx, PLE_GAP_FAR, PLE_WINDOW_FAR); }

/* One entry, its exit traced, not resumed (the default body would step over the PAUSE and
 * re-enter the loop: how often it exits again before the counter ends is timing). */
static enum scenario_status body_once(struct scenario_ctx *ctx)
{
	struct vcpu_exit e = vcpu_run(ctx->vcpu);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

/* PAUSE at insn, the loop's DEC at after; the VMCALL after the loop at resume. */
#define PLE_GUEST(id, count, between)                                                           \
	void guest_##id(void);                                                                  \
	asm(".text\n.global guest_" #id "\nguest_" #id ":\nmov $" STR(count) ", %r8d\n"        \
	    "1:\n" GUEST_LABEL(id, insn) "pause\n" GUEST_LABEL(id, after) between               \
	    "dec %r8d\njnz 1b\n" GUEST_LABEL(id, resume) "vmcall\njmp label__" #id "__resume\n")
PLE_GUEST(exit_ple_window, 0x100000, "");
PLE_GUEST(exit_ple_short, 16, "");
PLE_GUEST(exit_ple_gap, 64, "mov $0x400, %r9d\n2: dec %r9d\njnz 2b\n");

#define PLE_CITE                                                                                  \
	"SDM Vol. 3 \"Instructions That Cause VM Exits Conditionally\" (PAUSE, CPL = 0, \"PAUSE "  \
	"exiting\" 0 and \"PAUSE-loop exiting\" 1); \"PAUSE-Loop Exiting\" (PLE_Gap, PLE_Window, "   \
	"in TSC units); appendix \"VMX Basic Exit Reasons\" (40 PAUSE); field \"VM-Exit Instruction " \
	"Length\"; PAUSE = F3 90"
SCENARIO(exit_ple_window, .guest = guest_exit_ple_window, .setup = setup_window, .body = body_once,
	 .expect = "PAUSE_INSTRUCTION at=insn len=insn..after=2 end",
	 .cite = PLE_CITE "; PLE_Gap 400H, PLE_Window 4000H: PAUSEs a few ticks apart (not the first of a "
		 "loop after the first) for more than 4000H ticks: a VM exit at a PAUSE");
SCENARIO(exit_ple_short, .guest = guest_exit_ple_short, .setup = setup_short, .body = body_once,
	 .expect = "VMCALL at=resume len=3 end",
	 .cite = PLE_CITE "; PLE_Gap 400H, PLE_Window 4000H: a loop of 16 PAUSEs ends before the window "
		 "is exceeded: no exit");
SCENARIO(exit_ple_gap, .guest = guest_exit_ple_gap, .setup = setup_gap, .body = body_once,
	 .expect = "VMCALL at=resume len=3 end",
	 .cite = PLE_CITE "; PLE_Gap 40H, PLE_Window 400H: PAUSEs more than PLE_Gap apart are each \"the "
		 "first execution of PAUSE in a loop\": no exit however long the loop runs");
