/*
 * vmcall_loop - the RVM tutorial's guest: RAX=0, RDI=2, RSI=3, RDX=3, RCX=3,
 * then loop { VMCALL; RAX += 1 } in 64-bit mode on the host's CR3.
 * Expect: COUNT exits (parameter "count", default 10), each basic reason
 * VMCALL (18), length 3, at the labelled VMCALL (label__vmcall_loop__insn),
 * RAX = exit index (0, 1, 2, ...: the guest resumed after the VMCALL and
 * ran the ADD once), RDI/RSI/RDX/RCX unchanged.
 */
#include "scenario.h"

void guest_vmcall_loop(void);
asm(".text\n"
    ".global guest_vmcall_loop\n"
    "guest_vmcall_loop:\n"
    "    mov $0, %rax\n"
    "    mov $2, %rdi\n"
    "    mov $3, %rsi\n"
    "    mov $3, %rdx\n"
    "    mov $3, %rcx\n"
    GUEST_LABEL(vmcall_loop, insn)
    "    vmcall\n"
    GUEST_LABEL(vmcall_loop, resume)
    "    add $1, %rax\n"
    "    jmp label__vmcall_loop__insn\n");

static enum scenario_status body(struct scenario_ctx *ctx)
{
	u64 count = scenario_param(ctx, "count");
	struct vcpu *v = ctx->vcpu;

	for (u64 i = 0; i < count; i++) {
		struct vcpu_exit e = vcpu_run(v);
		if (e.kind != RESULT_EXIT || e.entry_fail || e.reason != EXIT_REASON_VMCALL) {
			scenario_trace_result(ctx, &e, false);
			return SCN_ABORT;
		}
		/* Step over VMCALL by the VM-exit instruction length. */
		bool last = i + 1 == count;
		if (!last)
			vcpu_skip_instruction(v, &e);
		scenario_trace_result(ctx, &e, !last);
	}
	return SCN_DONE;
}

/* count VMCALL exits at label insn; RAX = the exit's index shows the guest
 * resumed after each one; RDI..RCX are the guest's constants. */
SCENARIO(vmcall_loop, .guest = guest_vmcall_loop, .body = body, .requires = REQ_NONE,
	 .params = "count=10",
	 .expect = "VMCALL at=insn len=3 rax=# rdi=2 rsi=3 rdx=3 rcx=3 repeat=count end",
	 .cite = "RVM tutorial guest; SDM \"VMCALL\" (exit reason 18), VMCALL = 0F 01 C1");
