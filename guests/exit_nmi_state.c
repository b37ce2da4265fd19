/*
 * exit_ev_nmi_window_stale_blocking - virtual-NMI blocking comes from the
 * VMCS at every VM entry.  SDM "Checks on Guest Non-Register State" /
 * "Loading Guest State" (interruptibility state, bit 3 "blocking by NMI":
 * with "virtual NMIs" 1 it is virtual-NMI blocking) and "NMI-Window
 * Exiting" ("a VM exit occurs at the beginning of any instruction at which
 * ... there is no virtual-NMI blocking").  The guest enters with bit 3 set
 * (no NMI-window exit; its VMCALL exits), the host clears bit 3, turns on
 * NMI-window exiting and resumes: the exit must come before the guest's
 * next instruction.  A platform that keeps the earlier blocking internally
 * runs the next VMCALL instead.
 */
#include "scenario.h"

void guest_exit_ev_nmi_window_stale_blocking(void);
asm(".text\nguest_exit_ev_nmi_window_stale_blocking:\n"
    GUEST_LABEL(exit_ev_nmi_window_stale_blocking, first) "vmcall\n"
    GUEST_LABEL(exit_ev_nmi_window_stale_blocking, second) "vmcall\n"
    "jmp guest_exit_ev_nmi_window_stale_blocking\n");

static bool setup_blocked(struct scenario_ctx *ctx)
{
	if (!vcpu_set_ctl(ctx->vcpu, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS)) {
		ctx->skip_reason = "control_not_allowed";
		return false;
	}
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, BIT(3)); /* virtual-NMI blocking */
	return true;
}

static enum scenario_status body_stale(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	struct vcpu_exit e = vcpu_run(v);
	bool ok = e.kind == RESULT_EXIT && !e.entry_fail && e.reason == EXIT_REASON_VMCALL;
	if (ok) {
		vcpu_skip_instruction(v, &e);
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
		if (!vcpu_set_ctl(v, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_NMI_WINDOW_EXITING))
			ok = false;
	}
	scenario_trace_result(ctx, &e, ok);
	if (!ok)
		return SCN_DONE;
	e = vcpu_run(v);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

SCENARIO(exit_ev_nmi_window_stale_blocking, .guest = guest_exit_ev_nmi_window_stale_blocking,
	 .setup = setup_blocked, .body = body_stale,
	 .expect = "VMCALL at=first len=3 resumed; NMI_WINDOW at=second end",
	 .cite = "SDM \"NMI-Window Exiting\"; \"Loading Guest State\" (interruptibility state bit 3: "
		 "virtual-NMI blocking with \"virtual NMIs\"); \"Checks on Guest Non-Register State\"");
