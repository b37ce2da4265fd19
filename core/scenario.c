/* The scenario-side helpers: tracing results and the default body. */
#include "lib.h"
#include "scenario.h"
#include "lapic.h"

/* Cap on exits for the default body, so a runaway guest cannot loop forever. */
#define DEFAULT_MAX_EXITS 64

void scenario_trace_result(struct scenario_ctx *ctx, const struct vcpu_exit *e, bool resumed)
{
	if (e->kind == RESULT_VMFAIL) {
		if (e->fail.kind == VMX_FAIL_VALID)
			trace("VMFAIL", "insn=%s kind=valid err=%u", e->insn, e->fail.error);
		else
			trace("VMFAIL", "insn=%s kind=%s", e->insn, vmx_outcome_name(e->fail.kind));
		if (e->fail.kind == VMX_FAIL_VALID && !ctx->no_dump)
			vcpu_dump_vmcs();
		return;
	}
	/*
	 * No "next RIP" here: where the guest resumes is observed, not
	 * computed -- the harness checks the RIP of the guest's next exit
	 * against the address the assembler gave the following instruction.
	 */
	const struct vcpu_regs *r = &ctx->vcpu->regs;
	/* Optional keys: IDT-vectoring information when valid (bit 31), and the
	 * information fields this exit reason defines (exit_info.def). */
	char extra[160];
	size_t n = 0;
	extra[0] = 0;
	if (e->idt_info & BIT(31))
		n += snprintf(extra + n, sizeof(extra) - n, " idt_info=%#lx idt_err=%#lx", e->idt_info, e->idt_err);
	for (u8 i = 0; i < e->n_extra && n < sizeof(extra); i++)
		n += snprintf(extra + n, sizeof(extra) - n, " %s=%#lx", e->extra[i].key, e->extra[i].value);
	if (e->gstate && n < sizeof(extra))
		n += snprintf(extra + n, sizeof(extra) - n, " gintr=%#lx gact=%#lx", e->gintr, e->gact);
	trace("EXIT",
	      "insn=%s reason=%u name=%s entry_fail=%d qual=%#lx len=%lu rip=%#lx resumed=%d "
	      "intr_info=%#lx intr_err=%#lx rax=%#lx rdi=%#lx rsi=%#lx rdx=%#lx rcx=%#lx%s",
	      e->insn, e->reason, exit_reason_name(e->reason), e->entry_fail ? 1 : 0, e->qual,
	      e->len, e->rip, resumed ? 1 : 0, e->intr_info, e->intr_err, r->rax, r->rdi, r->rsi,
	      r->rdx, r->rcx, extra);
	if (e->entry_fail && !ctx->no_dump)
		vcpu_dump_vmcs();
}

enum scenario_status scenario_default_body(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	for (;;) {
		struct vcpu_exit e = vcpu_run(v);
		bool resume = e.kind == RESULT_EXIT && !e.entry_fail &&
			      e.reason != EXIT_REASON_VMCALL && exit_len_defined(&e) &&
			      v->exits < DEFAULT_MAX_EXITS;
		if (resume)
			vcpu_skip_instruction(v, &e);
		scenario_trace_result(ctx, &e, resume);
		if (!resume)
			return v->exits >= DEFAULT_MAX_EXITS ? SCN_ABORT : SCN_DONE;
	}
}

/* Where a guest function that returns ends up: report "done" forever. */
void guest_fell_off(void)
{
	for (;;)
		guest_vmcall();
}

bool scenario_set_ctl(struct scenario_ctx *ctx, u32 field, u64 bits)
{
	if (vcpu_set_ctl(ctx->vcpu, field, bits))
		return true;
	ctx->skip_reason = "control_not_allowed";
	return false;
}

void scenario_read_gstate(struct vcpu_exit *e)
{
	if (e->kind != RESULT_EXIT)
		return;
	e->gstate = true;
	e->gintr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	e->gact = vmcs_read(GUEST_ACTIVITY_STATE);
}

void scenario_wake_active(struct vcpu *v)
{
	vmcs_write(GUEST_ACTIVITY_STATE, INFO_ACTIVITY_STATE_ACTIVE);
	v->pin &= ~PIN_BASED_PREEMPTION_TIMER;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, v->pin);
}

void scenario_one_interrupt_exit(struct scenario_ctx *ctx, u8 vector, u32 max_exits)
{
	struct vcpu *v = ctx->vcpu;
	bool handled = false;
	for (;;) {
		struct vcpu_exit e = vcpu_run(v);
		bool resume = false;
		u64 obs = 0;
		if (e.kind == RESULT_EXIT && !e.entry_fail && !handled && v->exits < max_exits &&
		    (e.reason == EXIT_REASON_EXTERNAL_INTERRUPT || e.reason == EXIT_REASON_PREEMPTION_TIMER)) {
			scenario_read_gstate(&e);
			obs = lapic_observe(vector) | (lapic_host_nmis() ? LAPIC_OBS_HOST_NMI : 0);
			scenario_wake_active(v);
			handled = resume = true;
		}
		scenario_trace_result(ctx, &e, resume);
		if (!resume)
			return;
		v->regs.rax = obs; /* shown by the guest's VMCALL */
	}
}
