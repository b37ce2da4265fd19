/*
 * exit_inj_* - event injection at VM entry, seen from inside the guest, and
 * the IDT-vectoring information of exits that happen while an event (injected
 * or the guest's own) is being delivered.
 *
 * The guest gets its own IDT (inj_idt, one 4-KiB page, 256 64-bit interrupt
 * gates) whose gate v points at stub v of inj_stubs: a CALL into the common
 * handler, which recovers v from the return address and records what the
 * processor delivered, then exits twice:
 *   hcall   VMCALL with  rax = pushed RIP, rdi = vector, rsi = pushed error
 *           code (INJ_NOERR when the frame has none: the frame size is the
 *           guest RSP before the event, in r8, minus RSP; the guest RSP is
 *           16-byte aligned, so 40 bytes without an error code, 48 with one:
 *           SDM "64-Bit Mode Stack Frame"), rdx = pushed CS, rcx = pushed RFLAGS;
 *   hstate  VMCALL with  rdi = CR2 as the guest reads it (the host loads
 *           INJ_CR2 before the first entry), rax = the interruptibility state
 *           the platform saved at the hcall exit (the host copies the VMCS field
 *           into the guest's RAX when it resumes after hcall: a report channel,
 *           the value is the platform's);
 * then IRETQ.  The event's pushed RIP decides where the guest goes on: label
 * insn (the entry RIP) for external interrupts, NMIs and hardware exceptions,
 * label resume (insn + the VM-entry instruction length written, equal to the
 * assembler's insn..resume) for software interrupts and (privileged) software
 * exceptions; a VMCALL waits at both.
 *
 * Expected values come from the setup: the vector and error code written into
 * the VM-entry fields, the guest RFLAGS written (distinctive flags; RF = 1 in
 * some), the selector GDT_CODE64, the labels.  SDM Vol. 3 "Event Injection",
 * "Vectored-Event Injection" ("Details of Vectored-Event Injection": the RFLAGS
 * pushed is the one loaded from the guest-state area and "The value pushed for
 * the RF flag is not modified based on the type of event being delivered"; the
 * RIP pushed is the current guest RIP for external interrupt, NMI, hardware
 * exception and "incremented by the VM-entry instruction length" for software
 * interrupt, privileged software exception, software exception).
 */
#include "lib.h"
#include "scenario.h"
#include "desc.h"
#include "ept.h"

/* Exception and interrupt vectors used here, as numbers for the .expect words
 * (the table, exit_info.def, has their names). */
#define V_DB 1
#define V_NMI 2
#define V_BP 3
#define V_OF 4
#define V_UD 6
#define V_NP 11
#define V_GP 13
#define V_PF 14
#define V_AC 17
#define V_EXT 32 /* an external-interrupt vector (32..255) */
#define V_SWINT 128
_Static_assert(V_DB == INFO_INTR_INFO_VECTOR_DB && V_NMI == INFO_INTR_INFO_VECTOR_NMI &&
		       V_BP == INFO_INTR_INFO_VECTOR_BP && V_OF == INFO_INTR_INFO_VECTOR_OF &&
		       V_UD == INFO_INTR_INFO_VECTOR_UD && V_NP == INFO_INTR_INFO_VECTOR_NP &&
		       V_GP == INFO_INTR_INFO_VECTOR_GP && V_PF == INFO_INTR_INFO_VECTOR_PF &&
		       V_AC == INFO_INTR_INFO_VECTOR_AC,
	       "vectors as in exit_info.def");

/* Error code of a fault that names an IDT gate (SDM "Error Code"): bit 0 EXT
 * (the fault happened while delivering an event external to the program:
 * not set for INT n and injected software interrupts), bit 1 IDT, 15:3 the
 * vector. */
#define ERRC_EXT 1
#define ERRC_IDT 2
#define ERR_GATE_SWINT 0x402 /* vector 128, IDT, not EXT */
#define ERR_GATE_AC 0x8b /* vector 17, IDT, EXT */
#define ERR_GATE_UD 0x33 /* vector 6, IDT, EXT */
_Static_assert(ERR_GATE_SWINT == ((V_SWINT << 3) | ERRC_IDT), "gate error code");
_Static_assert(ERR_GATE_AC == ((V_AC << 3) | ERRC_IDT | ERRC_EXT), "gate error code");
_Static_assert(ERR_GATE_UD == ((V_UD << 3) | ERRC_IDT | ERRC_EXT), "gate error code");

#define INJ_ERR 0x1234 /* the error code injected (bits 31:15 of the field must be 0) */
#define INJ_NOERR 0xffffffffffffffff /* rsi when the frame holds no error code */
#define INJ_CR2 0x2c2c2c2c2000 /* CR2 before the entry (canonical) */
/* Guest RFLAGS: bit 1, CF, ZF, OF; with IF; with RF. */
#define RFL 0x843
#define RFL_IF 0xa43
#define RFL_RF 0x10843
_Static_assert(RFL == (BIT(1) | X86_RFLAGS_CF | X86_RFLAGS_ZF | BIT(11)) && RFL_IF == (RFL | BIT(9)) &&
		       RFL_RF == (RFL | BIT(16)),
	       "guest RFLAGS");
/* Interruptibility state (SDM table "Format of Interruptibility State"): bit 3 blocking by NMI. */
#define BLOCKING_NMI 8

/* Every scenario here (the shared code's labels warm, hcall and hstate). */
#define INJ_ALL(X)                                                                                   \
	X(exit_inj_extint) X(exit_inj_nmi) X(exit_inj_nmi_blocked) X(exit_inj_nmi_vnmi)               \
	X(exit_inj_hw_ud) X(exit_inj_hw_gp_rf) X(exit_inj_hw_pf) X(exit_inj_swint)                    \
	X(exit_inj_int1) X(exit_inj_sw_bp) X(exit_inj_sw_of) X(exit_inj_mtf) X(exit_inj_nmi_iret_fault) \
	X(exit_inj_ud_iret_fault) X(exit_inj_vec_int_limit) X(exit_inj_vec_int_np)                    \
	X(exit_inj_vec_swint_np) X(exit_inj_vec_hw_np) X(exit_inj_vec_df) X(exit_inj_vec_serial)      \
	X(exit_inj_vec_ept_idt) X(exit_inj_vec_ept_reinject)
#define WARM_LABEL(id) GUEST_LABEL(id, warm)
#define HCALL_LABEL(id) GUEST_LABEL(id, hcall)
#define HSTATE_LABEL(id) GUEST_LABEL(id, hstate)

/* The guest IDT: one page (EPT can take it away), labels for the EPT case. */
asm(".pushsection .bss.inj_idt,\"aw\",@nobits\n.balign 4096\n.global inj_idt\ninj_idt:\n"
    ".skip " STR(V_EXT) " * 16\n" GUEST_LABEL(exit_inj_vec_ept_idt, gate) GUEST_LABEL(exit_inj_vec_ept_reinject, gate) ".skip 4096 - " STR(V_EXT) " * 16\n"
    ".popsection\n");
extern u64 inj_idt[512];

/* Gate stubs (16 bytes apart: CALL rel32 is 5 bytes), the common handler, and
 * the handler whose IRETQ faults (CS 0 in the frame: #GP(0)). */
asm(GUEST_GATE_STUBS(inj_stubs, inj_common)
    "mov (%rsp), %rax\n"
    "mov 8(%rsp), %rdx\n"
    "mov 16(%rsp), %rcx\n"
    ".global inj_hcall\ninj_hcall:\n" INJ_ALL(HCALL_LABEL) "vmcall\n"
    "mov %cr2, %rdi\n"
    ".global inj_hstate\ninj_hstate:\n" INJ_ALL(HSTATE_LABEL) "vmcall\n"
    "iretq\n"
    /* Warm-up: read the IDT page, write the stack page, read the code
     * descriptor the gates name in the GDT, VMCALL. */
    ".balign 16\n.global inj_warm\ninj_warm:\n"
    "mov inj_idt(%rip), %rax\n"
    "mov %rax, -8(%r8)\n"
    "sgdt -16(%r8)\n"
    "mov -14(%r8), %rax\n"
    "mov " STR(GDT_CODE64) "(%rax), %rax\n"
    ".global inj_warm_call\ninj_warm_call:\n" INJ_ALL(WARM_LABEL) "vmcall\n"
    "jmp inj_warm\n"
    ".balign 16\n.global inj_iret_fault\ninj_iret_fault:\n"
    "movq $0, 8(%rsp)\n"
    GUEST_LABEL(exit_inj_nmi_iret_fault, iret) GUEST_LABEL(exit_inj_ud_iret_fault, iret) "iretq\n");
extern u8 inj_stubs[], inj_hcall[], inj_hstate[], inj_warm[], inj_warm_call[];
extern void inj_iret_fault(void);

static u8 inj_stack[4096] ALIGNED(4096);
#define INJ_STACK_TOP ((u64)inj_stack + sizeof(inj_stack))

static void set_gate(unsigned v, u64 handler, bool present)
{
	idt_gate64(inj_idt, v, handler, present);
}

/* What the host writes after the warm-up exit: the event, the guest RFLAGS,
 * and a hook (EPT permission changes). */
static struct {
	u64 info, err, len, rflags;
	bool (*arm)(struct vcpu *v);
	bool reinject; /* re-inject the event of an EPT-violation exit during delivery (as a VMM does) */
} inj;

/* The IDT (every gate present, to its stub), the guest stack and CR2, and
 * what to arm.  The first entry runs the warm-up (inj_warm: it reads the IDT
 * page, writes the stack page and reads the GDT's code descriptor, then
 * VMCALL), so no page the event's
 * delivery touches is met for the first time by it: under nested VMX the L0
 * builds its own EPT entries lazily, and a first touch during delivery would
 * be an exit to L0 that the L2 guest does not see. */
static bool inj_setup(struct scenario_ctx *ctx, u32 type, u32 vector, bool err, u32 len, u64 rflags)
{
	struct vcpu *v = ctx->vcpu;
	for (unsigned i = 0; i < 256; i++)
		set_gate(i, (u64)inj_stubs + 16 * i, true);
	vmcs_write(GUEST_IDTR_BASE, (u64)inj_idt);
	vmcs_write(GUEST_IDTR_LIMIT, 4095);
	vmcs_write(GUEST_RSP, INJ_STACK_TOP);
	vmcs_write(GUEST_RIP, (u64)inj_warm);
	v->regs.r8 = INJ_STACK_TOP;
	v->regs.cr2 = INJ_CR2;
	inj.rflags = rflags;
	inj.arm = NULL;
	inj.reinject = false;
	inj.info = type == ~0u ? 0 : INFO_SET(INTR_INFO, VALID, 1) | INFO_SET(INTR_INFO, TYPE, type) |
					      INFO_SET(INTR_INFO, VECTOR, vector) |
					      INFO_SET(INTR_INFO, ERROR_VALID, err ? 1 : 0);
	inj.err = err ? INJ_ERR : 0;
	inj.len = len;
	return true;
}
#define NO_EVENT ~0u

/* Run.  After the warm-up VMCALL: RIP = the scenario's guest (label insn),
 * RSP = the stack top, the RFLAGS and the event armed.  Resume after the
 * handler's two VMCALLs (after hcall, RAX = the saved interruptibility state)
 * and after an MTF exit; where the scenario asks, after an EPT violation
 * during delivery: give the page back and re-inject the event from the
 * IDT-vectoring fields.  Stop at anything else. */
#define INJ_MAX_EXITS 8
static enum scenario_status inj_body(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	for (;;) {
		struct vcpu_exit e = vcpu_run(v);
		bool ok = e.kind == RESULT_EXIT && !e.entry_fail && v->exits < INJ_MAX_EXITS;
		bool vmcall = ok && e.reason == EXIT_REASON_VMCALL;
		bool warm = vmcall && e.rip == (u64)inj_warm_call;
		bool hcall = vmcall && e.rip == (u64)inj_hcall;
		bool hstate = vmcall && e.rip == (u64)inj_hstate;
		bool mtf = ok && e.reason == EXIT_REASON_MONITOR_TRAP_FLAG;
		bool reinject = ok && inj.reinject && e.reason == EXIT_REASON_EPT_VIOLATION && (e.idt_info & BIT(31));
		bool resume = warm || hcall || hstate || mtf || reinject;
		scenario_trace_result(ctx, &e, resume);
		if (!resume)
			return v->exits >= INJ_MAX_EXITS ? SCN_ABORT : SCN_DONE;
		if (warm) {
			vmcs_write(GUEST_RIP, (u64)ctx->scenario->guest);
			vmcs_write(GUEST_RSP, INJ_STACK_TOP);
			vmcs_write(GUEST_RFLAGS, inj.rflags);
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD, inj.info);
			vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, inj.err);
			vmcs_write(VM_ENTRY_INSTRUCTION_LEN, inj.len);
			if (inj.arm && !inj.arm(v))
				return SCN_ABORT;
		}
		if (hcall)
			v->regs.rax = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
		if (hcall || hstate)
			vcpu_skip_instruction(v, &e);
		if (reinject) {
			*ept_pte((u64)inj_idt) |= EPT_RWX;
			ept_invept(ept_eptp(false));
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD, e.idt_info & ~(u64)BIT(INFO_INTR_INFO_NMI_UNBLOCKING_LO));
			vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, e.idt_err);
			vmcs_write(VM_ENTRY_INSTRUCTION_LEN, e.len);
		}
	}
}
#define INJ_SCENARIO(id, ...) SCENARIO(id, .guest = guest_##id, .body = inj_body, __VA_ARGS__)

/* The warm-up exit, the handler's record, its state report, and where the IRETQ lands. */
#define WARM "VMCALL at=warm len=3 resumed; "
#define HANDLER(rip, vec, err, rfl)                                                                  \
	"VMCALL at=hcall len=3 next=hstate rax=" rip " rdi=" STR(vec) " rsi=" err " rdx=" STR(GDT_CODE64) \
	" rcx=" STR(rfl)
#define STATE(intr, back) "VMCALL at=hstate len=3 next=" back " rax=" STR(intr) " rdi=" STR(INJ_CR2)
#define DELIVERED(rip, vec, err, rfl, intr, back) \
	WARM HANDLER(rip, vec, err, rfl) "; " STATE(intr, back) "; VMCALL at=" back " len=3 end"
#define HW_DELIVERED(vec, err, rfl, intr) DELIVERED("@insn", vec, err, rfl, intr, "insn")
#define SW_DELIVERED(vec, rfl) DELIVERED("@resume", vec, STR(INJ_NOERR), rfl, 0, "resume")

#define INJ_CITE                                                                                           \
	"SDM Vol. 3 \"Event Injection\" (\"If the valid bit in the VM-entry interruption-information field is " \
	"1, VM entry causes an event to be delivered\"); \"Vectored-Event Injection\" (delivered through the "   \
	"guest IDT \"exactly as if it had been generated normally\"; RFLAGS pushed as loaded from the "          \
	"guest-state area, RF not modified; RIP pushed: the current guest RIP for types 0, 2, 3, incremented by " \
	"the VM-entry instruction length for types 4, 5, 6; the error code from the VM-entry exception "         \
	"error-code field when bit 11 is 1; only a nested exception consults the exception bitmap); \"64-Bit "  \
	"Mode Stack Frame\"; CR2 is not among what injection changes (CR2 is loaded when a page fault is "      \
	"detected: \"Interrupt 14 - Page-Fault Exception\"); \"Interruptibility State\""

/* ---- every interruption type, delivered ---------------------------------------------- */

EXIT_GUEST(exit_inj_extint, "", "vmcall");
static bool setup_extint(struct scenario_ctx *ctx)
{
	/* IF = 1: SDM "Checks on Guest RIP, RFLAGS, and SSP" requires it for an injected
	 * external interrupt.  External-interrupt exiting 1: a real interrupt would exit. */
	return scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_EXITING) &&
	       inj_setup(ctx, INFO_INTR_INFO_TYPE_EXTERNAL_INTERRUPT, V_EXT, false, 0, RFL_IF);
}
INJ_SCENARIO(exit_inj_extint, .setup = setup_extint, .expect = HW_DELIVERED(V_EXT, STR(INJ_NOERR), RFL_IF, 0),
	     .cite = INJ_CITE " (type 0, vector 32, RFLAGS.IF = 1 as \"Checks on Guest RIP, RFLAGS, and SSP\" "
			      "requires; the pushed RFLAGS keeps IF = 1)");

EXIT_GUEST(exit_inj_nmi, "", "vmcall");
EXIT_GUEST(exit_inj_nmi_blocked, "", "vmcall");
static bool setup_nmi(struct scenario_ctx *ctx)
{
	return inj_setup(ctx, INFO_INTR_INFO_TYPE_NMI, V_NMI, false, 0, RFL);
}
static bool arm_nmi_blocked(struct vcpu *v)
{
	(void)v;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, BLOCKING_NMI);
	return true;
}
static bool setup_nmi_blocked(struct scenario_ctx *ctx)
{
	setup_nmi(ctx);
	inj.arm = arm_nmi_blocked;
	return true;
}
#define NMI_CITE                                                                                        \
	INJ_CITE " (type 2, vector 2; delivering an NMI blocks NMIs until the next IRET: \"Interruptibility " \
		 "State\" bit 3 blocking by NMI, saved at the next VM exit: \"Saving Non-Register State\")"
INJ_SCENARIO(exit_inj_nmi, .setup = setup_nmi, .expect = HW_DELIVERED(V_NMI, STR(INJ_NOERR), RFL, BLOCKING_NMI),
	     .cite = NMI_CITE);
INJ_SCENARIO(exit_inj_nmi_blocked, .setup = setup_nmi_blocked,
	     .expect = HW_DELIVERED(V_NMI, STR(INJ_NOERR), RFL, BLOCKING_NMI),
	     .cite = NMI_CITE "; blocking by NMI already 1 at entry with \"virtual NMIs\" 0: \"Checks on Guest "
			      "Non-Register State\" forbid bit 3 with an injected NMI only when \"virtual NMIs\" is 1, "
			      "and injection is not subject to the blocking (\"Event Injection\" above)");

/* "NMI exiting", "virtual NMIs" and "NMI-window exiting" 1: the injected NMI
 * sets virtual-NMI blocking, so no NMI-window exit until the handler's IRETQ;
 * then one at the IRETQ's target. */
EXIT_GUEST(exit_inj_nmi_vnmi, "", "vmcall");
static bool arm_nmi_window(struct vcpu *v)
{
	return vcpu_set_ctl(v, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_NMI_WINDOW_EXITING);
}
static bool setup_nmi_vnmi(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS) ||
	    !((vmx_caps.proc >> 32) & CPU_BASED_NMI_WINDOW_EXITING)) {
		ctx->skip_reason = "control_not_allowed";
		return false;
	}
	setup_nmi(ctx);
	inj.arm = arm_nmi_window;
	return true;
}
INJ_SCENARIO(exit_inj_nmi_vnmi, .setup = setup_nmi_vnmi,
	     .expect = WARM HANDLER("@insn", V_NMI, STR(INJ_NOERR), RFL) "; " STATE(BLOCKING_NMI, "insn")
		       "; NMI_WINDOW at=insn end",
	     .cite = INJ_CITE " (type 2 with \"virtual NMIs\" 1: \"Virtual NMIs\": delivery of a virtual NMI sets "
			      "virtual-NMI blocking, bit 3 of the interruptibility state; \"NMI-Window Exiting\": a VM "
			      "exit at the beginning of any instruction with no virtual-NMI blocking, so none in the "
			      "handler; IRET removes the blocking: the exit is at the IRETQ's target)");

EXIT_GUEST(exit_inj_hw_ud, "", "vmcall");
static bool setup_hw_ud(struct scenario_ctx *ctx)
{
	return inj_setup(ctx, INFO_INTR_INFO_TYPE_HW_EXCEPTION, V_UD, false, 0, RFL);
}
INJ_SCENARIO(exit_inj_hw_ud, .setup = setup_hw_ud, .expect = HW_DELIVERED(V_UD, STR(INJ_NOERR), RFL, 0),
	     .cite = INJ_CITE " (type 3, #UD, no error code; exception bitmap all ones, not consulted for the "
			      "injected event; RF = 0 pushed as 0 although #UD is a fault)");

EXIT_GUEST(exit_inj_hw_gp_rf, "", "vmcall");
static bool setup_hw_gp_rf(struct scenario_ctx *ctx)
{
	return inj_setup(ctx, INFO_INTR_INFO_TYPE_HW_EXCEPTION, V_GP, true, 0, RFL_RF);
}
INJ_SCENARIO(exit_inj_hw_gp_rf, .setup = setup_hw_gp_rf, .expect = HW_DELIVERED(V_GP, STR(INJ_ERR), RFL_RF, 0),
	     .cite = INJ_CITE " (type 3, #GP, error code 1234H from the VM-entry exception error-code field; "
			      "guest RFLAGS.RF = 1 pushed as 1)");

EXIT_GUEST(exit_inj_hw_pf, "", "vmcall");
static bool setup_hw_pf(struct scenario_ctx *ctx)
{
	return inj_setup(ctx, INFO_INTR_INFO_TYPE_HW_EXCEPTION, V_PF, true, 0, RFL);
}
INJ_SCENARIO(exit_inj_hw_pf, .setup = setup_hw_pf, .expect = HW_DELIVERED(V_PF, STR(INJ_ERR), RFL, 0),
	     .cite = INJ_CITE " (type 3, #PF with error code 1234H: the handler reads CR2 = the value before "
			      "the entry, 2C2C2C2C2000H)");

/* Setup of a software event injected with a VM-entry instruction length = label resume - label
 * insn (what the assembler encoded for the instruction the injection stands for). */
#define SW_INJ_SETUP(name, type, vector)                                                                 \
	static bool setup_##name(struct scenario_ctx *ctx)                                               \
	{                                                                                                \
		extern u8 label__exit_inj_##name##__insn[], label__exit_inj_##name##__resume[];          \
		return inj_setup(ctx, INFO_INTR_INFO_TYPE_##type, vector, false,                         \
				 label__exit_inj_##name##__resume - label__exit_inj_##name##__insn, RFL); \
	}

EXIT_GUEST(exit_inj_swint, "", "int $" STR(V_SWINT));
SW_INJ_SETUP(swint, SW_INTERRUPT, V_SWINT)
INJ_SCENARIO(exit_inj_swint, .setup = setup_swint, .expect = SW_DELIVERED(V_SWINT, RFL),
	     .cite = INJ_CITE " (type 4, vector 128, VM-entry instruction length 2 = INT 80H (CD 80) at label "
			      "insn: RIP pushed = label resume)");

EXIT_GUEST(exit_inj_int1, "", ".byte 0xf1");
SW_INJ_SETUP(int1, PRIV_SW_EXCEPTION, V_DB)
INJ_SCENARIO(exit_inj_int1, .setup = setup_int1, .expect = SW_DELIVERED(V_DB, RFL),
	     .cite = INJ_CITE " (type 5, vector 1 (INT1 = F1), VM-entry instruction length 1: RIP pushed = label "
			      "resume)");

/* #BP with VM-entry instruction length 3 (INT3 and two NOPs): the length
 * written, not the instruction's own, decides the pushed RIP. */
EXIT_GUEST(exit_inj_sw_bp, "", "int3; nop; nop");
SW_INJ_SETUP(sw_bp, SW_EXCEPTION, V_BP)
INJ_SCENARIO(exit_inj_sw_bp, .setup = setup_sw_bp, .expect = SW_DELIVERED(V_BP, RFL),
	     .cite = INJ_CITE " (type 6, #BP, VM-entry instruction length 3 (CC 90 90): RIP pushed = label insn "
			      "+ 3 = label resume, not insn + 1)");

EXIT_GUEST(exit_inj_sw_of, "", ".byte 0xce");
SW_INJ_SETUP(sw_of, SW_EXCEPTION, V_OF)
INJ_SCENARIO(exit_inj_sw_of, .setup = setup_sw_of, .expect = SW_DELIVERED(V_OF, RFL),
	     .cite = INJ_CITE " (type 6, #OF, VM-entry instruction length 1 (INTO = CE, never executed: the "
			      "injection stands for it): RIP pushed = label resume)");

/* Type 7, vector 0: a pending MTF VM exit, with the "monitor trap flag"
 * control 0; only where the processor supports its 1-setting. */
EXIT_GUEST(exit_inj_mtf, "", "vmcall");
static bool setup_mtf(struct scenario_ctx *ctx)
{
	if (!((vmx_caps.proc >> 32) & CPU_BASED_MONITOR_TRAP_FLAG)) {
		ctx->skip_reason = "control_not_allowed";
		return false;
	}
	return inj_setup(ctx, INFO_INTR_INFO_TYPE_OTHER_EVENT, 0, false, 0, RFL);
}
INJ_SCENARIO(exit_inj_mtf, .setup = setup_mtf,
	     .expect = WARM "MONITOR_TRAP_FLAG at=insn next=insn; VMCALL at=insn len=3 end",
	     .cite = "SDM Vol. 3 \"Injection of Pending MTF VM Exits\" (type 7, vector 0: \"an MTF VM exit is "
		     "pending on the instruction boundary following VM entry ... even if the \"monitor trap flag\" "
		     "VM-execution control is 0\"); \"Checks on VM-Entry Control Fields\" (type 7 only where the "
		     "1-setting of \"monitor trap flag\" is supported, vector 0); \"Monitor Trap Flag\"");

/* ---- bit 12 "NMI unblocking due to IRET" ----------------------------------------------- */

/* The handler's IRETQ faults (#GP(0): null CS in the frame).  After an
 * injected NMI (blocking by NMI in effect) bit 12 is 1; after an injected
 * #UD (no NMI blocking) it is 0. */
EXIT_GUEST(exit_inj_nmi_iret_fault, "", "vmcall");
EXIT_GUEST(exit_inj_ud_iret_fault, "", "vmcall");
static bool setup_iret_fault(struct scenario_ctx *ctx, u32 type, u32 vector)
{
	inj_setup(ctx, type, vector, false, 0, RFL);
	set_gate(vector, (u64)inj_iret_fault, true);
	return true;
}
static bool setup_nmi_iret_fault(struct scenario_ctx *ctx)
{
	return setup_iret_fault(ctx, INFO_INTR_INFO_TYPE_NMI, V_NMI);
}
static bool setup_ud_iret_fault(struct scenario_ctx *ctx)
{
	return setup_iret_fault(ctx, INFO_INTR_INFO_TYPE_HW_EXCEPTION, V_UD);
}
#define IRET_GP(unblock) \
	WARM "EXCEPTION_NMI at=iret intr={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,NMI_UNBLOCKING=" #unblock ",VALID=1} err=0 end"
#define IRET_CITE                                                                                          \
	"SDM Vol. 3 \"Information for VM Exits Due to Vectored Events\" (bit 12: with \"virtual NMIs\" 0, \"the " \
	"VM exit is due to a fault on the IRET instruction, and blocking by NMI was in effect before execution "  \
	"of IRET\": 1; otherwise 0; undefined only with \"NMI exiting\" 1 and \"virtual NMIs\" 0, IDT-vectoring " \
	"valid, or #DF); IRET with a null CS selector: #GP(0)"
INJ_SCENARIO(exit_inj_nmi_iret_fault, .setup = setup_nmi_iret_fault, .expect = IRET_GP(1),
	     .cite = IRET_CITE " (injected NMI: blocking by NMI in effect)");
INJ_SCENARIO(exit_inj_ud_iret_fault, .setup = setup_ud_iret_fault, .expect = IRET_GP(0),
	     .cite = IRET_CITE " (injected #UD: no blocking by NMI)");

/* ---- exits during event delivery: IDT-vectoring information ----------------------------- */

#define VEC_CITE                                                                                          \
	"SDM Vol. 3 \"Information for VM Exits That Occur During Event Delivery\" (a fault during event "      \
	"delivery that causes a VM exit through the exception bitmap: IDT-vectoring information = the event "  \
	"being delivered, bit 12 undefined; IDT-vectoring error code when its bit 11 is 1; bit 12 of the "     \
	"VM-exit interruption information undefined when IDT-vectoring is valid); \"Information for VM Exits " \
	"Due to Instruction Execution\" (the VM-exit instruction length is also used for VM exits during the " \
	"delivery of a software interrupt or software exception); \"Error Code\" (EXT, IDT, index)"
#define NESTED(vec, err) "intr={VECTOR=" #vec ",TYPE=HW_EXCEPTION,ERROR_VALID=1,~NMI_UNBLOCKING,VALID=1} err=" STR(err)
#define IDTV(vec, type, errv) "idt={VECTOR=" vec ",TYPE=" #type ",ERROR_VALID=" #errv ",~NMI_UNBLOCKING,VALID=1}"

/* The guest's own INT 80H: the gate beyond the IDT limit (#GP), or not present (#NP). */
EXIT_GUEST(exit_inj_vec_int_limit, "", "int $" STR(V_SWINT));
EXIT_GUEST(exit_inj_vec_int_np, "", "int $" STR(V_SWINT));
static bool setup_int_limit(struct scenario_ctx *ctx)
{
	inj_setup(ctx, NO_EVENT, 0, false, 0, RFL);
	vmcs_write(GUEST_IDTR_LIMIT, V_SWINT * 16 - 1);
	return true;
}
static bool setup_int_np(struct scenario_ctx *ctx)
{
	inj_setup(ctx, NO_EVENT, 0, false, 0, RFL);
	set_gate(V_SWINT, (u64)inj_stubs + 16 * V_SWINT, false);
	return true;
}
INJ_SCENARIO(exit_inj_vec_int_limit, .setup = setup_int_limit,
	     .expect = WARM "EXCEPTION_NMI at=insn len=insn..resume " NESTED(GP, ERR_GATE_SWINT) " "
		       IDTV(STR(V_SWINT), SW_INTERRUPT, 0) " end",
	     .cite = VEC_CITE "; INT 80H (CD 80) with the IDT limit at 7FFH: #GP((80H << 3) | IDT), EXT 0 for INT n "
			      "(\"Interrupt 13 - General Protection Exception\": a vector beyond the IDT limit)");
INJ_SCENARIO(exit_inj_vec_int_np, .setup = setup_int_np,
	     .expect = WARM "EXCEPTION_NMI at=insn len=insn..resume " NESTED(NP, ERR_GATE_SWINT) " "
		       IDTV(STR(V_SWINT), SW_INTERRUPT, 0) " end",
	     .cite = VEC_CITE "; INT 80H with gate 80H not present: #NP((80H << 3) | IDT) (\"Interrupt 11 - "
			      "Segment Not Present\")");

/* An injected software interrupt whose gate is not present: the saved RIP is
 * the entry RIP and the VM-exit instruction length is the VM-entry one (3
 * here, not the 2 of INT 80H). */
EXIT_GUEST(exit_inj_vec_swint_np, "", "int $" STR(V_SWINT) "; nop");
static bool setup_swint_np(struct scenario_ctx *ctx)
{
	extern u8 label__exit_inj_vec_swint_np__insn[], label__exit_inj_vec_swint_np__resume[];
	inj_setup(ctx, INFO_INTR_INFO_TYPE_SW_INTERRUPT, V_SWINT, false,
		  label__exit_inj_vec_swint_np__resume - label__exit_inj_vec_swint_np__insn, RFL);
	set_gate(V_SWINT, (u64)inj_stubs + 16 * V_SWINT, false);
	return true;
}
INJ_SCENARIO(exit_inj_vec_swint_np, .setup = setup_swint_np,
	     .expect = WARM "EXCEPTION_NMI at=insn len=insn..resume " NESTED(NP, ERR_GATE_SWINT) " "
		       IDTV(STR(V_SWINT), SW_INTERRUPT, 0) " end",
	     .cite = VEC_CITE "; \"VM Exits During Event Injection\" (the fault during injection is treated as "
			      "if it occurred during event delivery in VMX non-root operation); \"Details of "
			      "Vectored-Event Injection\" (\"If the encountered exception does cause a VM exit that "
			      "saves RIP, the saved RIP is current guest RIP\"); injected type 4 vector 128 with "
			      "VM-entry instruction length 3: the exit's instruction length is that of the event");

/* An injected #AC with error code 1234H whose gate is not present:
 * #NP((17 << 3) | IDT | EXT); IDT-vectoring error code 1234H. */
EXIT_GUEST(exit_inj_vec_hw_np, "", "vmcall");
static bool setup_hw_np(struct scenario_ctx *ctx)
{
	inj_setup(ctx, INFO_INTR_INFO_TYPE_HW_EXCEPTION, V_AC, true, 0, RFL);
	set_gate(V_AC, (u64)inj_stubs + 16 * V_AC, false);
	return true;
}
INJ_SCENARIO(exit_inj_vec_hw_np, .setup = setup_hw_np,
	     .expect = WARM "EXCEPTION_NMI at=insn " NESTED(NP, ERR_GATE_AC) " " IDTV("AC", HW_EXCEPTION, 1)
		       " idt_err=" STR(INJ_ERR) " end",
	     .cite = VEC_CITE "; injected #AC (type 3, error code 1234H) through a not-present gate: #NP with EXT "
			      "1 (delivery of an event external to the program)");

/* Double faults: an injected #GP (contributory) whose gate is not present
 * raises #NP (contributory): #DF, the only vector the exception bitmap
 * intercepts; the exit is caused by the #DF directly, so IDT-vectoring is
 * not valid.  The benign side: an injected #UD with the same fault: the #NP
 * is delivered normally (to gate 11), with the entry RIP pushed. */
EXIT_GUEST(exit_inj_vec_df, "", "vmcall");
EXIT_GUEST(exit_inj_vec_serial, "", "vmcall");
static bool setup_nested(struct scenario_ctx *ctx, u32 vector, bool err, u64 rflags)
{
	inj_setup(ctx, INFO_INTR_INFO_TYPE_HW_EXCEPTION, vector, err, 0, rflags);
	set_gate(vector, (u64)inj_stubs + 16 * vector, false);
	vmcs_write(EXCEPTION_BITMAP, BIT(INFO_INTR_INFO_VECTOR_DF));
	return true;
}
static bool setup_vec_df(struct scenario_ctx *ctx) { return setup_nested(ctx, V_GP, true, RFL); }
static bool setup_vec_serial(struct scenario_ctx *ctx) { return setup_nested(ctx, V_UD, false, RFL_RF); }
#define DF_CITE                                                                                         \
	"SDM Vol. 3 \"Interrupt 8 - Double Fault Exception (#DF)\" (table \"Conditions for Generating a "    \
	"Double Fault\": contributory then contributory: #DF; benign then contributory: handled serially; "  \
	"#DF error code 0); \"Exception Bitmap\" (only bit 8 set)"
INJ_SCENARIO(exit_inj_vec_df, .setup = setup_vec_df,
	     .expect = WARM "EXCEPTION_NMI at=insn intr={VECTOR=DF,TYPE=HW_EXCEPTION,ERROR_VALID=1,~NMI_UNBLOCKING,VALID=1} "
		       "err=0 idt=0 end",
	     .cite = DF_CITE "; \"Information for VM Exits That Occur During Event Delivery\": \"A VM exit is not "
			     "considered to occur during event delivery\" when \"The original event results in a "
			     "double-fault exception that causes the VM exit directly\" (IDT-vectoring not valid); "
			     "bit 12 of the interruption information undefined for #DF; injected #GP (error code "
			     "1234H) through a not-present gate");
INJ_SCENARIO(exit_inj_vec_serial, .setup = setup_vec_serial,
	     .expect = HW_DELIVERED(V_NP, STR(ERR_GATE_UD), RFL_RF, 0),
	     .cite = DF_CITE "; \"Details of Vectored-Event Injection\": \"If VM entry encounters an exception while "
			     "injecting an event and that exception does not cause a VM exit, the current guest RIP "
			     "is pushed\"; injected #UD through a not-present gate: #NP((6 << 3) | IDT | EXT) "
			     "delivered to gate 11; RF = 1 at entry, so the pushed RF is 1 under either rule)");

/* An EPT violation while an injected external interrupt reads its gate: the
 * guest IDT's page is taken away in EPT after the warm-up.  _reinject: the
 * host then gives it back and re-injects the event the IDT-vectoring fields
 * describe (what a VMM does): the guest RFLAGS saved at the EPT exit is the
 * RFLAGS image the event would have pushed (RF as loaded: 0), so the handler
 * sees the RFLAGS first written. */
EXIT_GUEST(exit_inj_vec_ept_idt, "", "vmcall");
EXIT_GUEST(exit_inj_vec_ept_reinject, "", "vmcall");
static bool arm_ept_idt(struct vcpu *v)
{
	(void)v;
	*ept_pte((u64)inj_idt) &= ~(u64)EPT_RWX;
	ept_invept(ept_eptp(false));
	return true;
}
static bool setup_vec_ept(struct scenario_ctx *ctx, bool reinject)
{
	if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_EXITING) || !ept_enable(ctx, false))
		return false;
	inj_setup(ctx, INFO_INTR_INFO_TYPE_EXTERNAL_INTERRUPT, V_EXT, false, 0, RFL_IF);
	inj.arm = arm_ept_idt;
	inj.reinject = reinject;
	return true;
}
static bool setup_vec_ept_idt(struct scenario_ctx *ctx) { return setup_vec_ept(ctx, false); }
static bool setup_vec_ept_reinject(struct scenario_ctx *ctx) { return setup_vec_ept(ctx, true); }
#define EPT_IDT_EXIT(where)                                                                                  \
	"EPT_VIOLATION at=insn qual={READ=1,WRITE=0,FETCH=0,READABLE=0,WRITABLE=0,EXECUTABLE=0,GLA_VALID=1,"    \
	"GLA_TRANSLATION=1,~USER_EXECUTABLE,~USER_MODE_LINEAR,~RW_PAGE_LINEAR,~XD_LINEAR,~NMI_UNBLOCKING} "      \
	"gpa=@gate gla=@gate " IDTV(STR(V_EXT), EXTERNAL_INTERRUPT, 0) " " where
#define EPT_IDT_CITE                                                                                       \
	"SDM Vol. 3 \"EPT Violations\"; table \"Exit Qualification for EPT Violations\" (bit 12 undefined when "  \
	"the exit sets IDT-vectoring valid; bits 9-11 need the advanced information capability, left out); "   \
	"\"Information for VM Exits That Occur During Event Delivery\" (\"An EPT violation ... that occurs "     \
	"during event delivery\"); injected external interrupt 32: the read of its 16-byte gate at IDT base + " \
	"200H, whose EPT PTE is not present"
INJ_SCENARIO(exit_inj_vec_ept_idt, .setup = setup_vec_ept_idt, .expect = WARM EPT_IDT_EXIT("end"),
	     .cite = EPT_IDT_CITE);
INJ_SCENARIO(exit_inj_vec_ept_reinject, .setup = setup_vec_ept_reinject,
	     .expect = WARM EPT_IDT_EXIT("next=hcall; ") HANDLER("@insn", V_EXT, STR(INJ_NOERR), RFL_IF) "; "
		       STATE(0, "insn") "; VMCALL at=insn len=3 end",
	     .cite = EPT_IDT_CITE "; \"Saving RIP, RSP, RFLAGS, and SSP\" (RF for an EPT violation that sets "
			      "IDT-vectoring valid: \"the value that would have appeared in the saved RFLAGS image had "
			      "the event been delivered through the IDT\", and \"Details of Vectored-Event Injection\": "
			      "the RF pushed for an injected event is not modified: 0 here); the host re-injects the "
			      "event from the IDT-vectoring fields after restoring the page: the handler sees RFLAGS "
			      "A43H");
