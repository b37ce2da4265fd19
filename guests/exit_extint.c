/*
 * exit_extint_*, exit_nmi_* - real external interrupts and NMIs from the
 * host's local APIC (core/lapic.c), crossed with the guest's RFLAGS.IF,
 * interruptibility state and activity state; each event exit (not the
 * final VMCALL) traces the interruptibility and activity state it saved
 * (gintr= gact=).
 *
 * External interrupts: the host (RFLAGS.IF = 0 throughout) sends itself a
 * fixed IPI, vector XVEC, checks that it is pending in IRR, and enters the
 * guest with "external-interrupt exiting" 1.  After the exit the host
 * observes the APIC and hands the observation to the guest in RAX, which the
 * guest's VMCALL then shows (rax=):
 *   bit 0  IRR[XVEC] set after the exit (still pending)
 *   bit 1  ISR[XVEC] set after the exit (acknowledged, in service; the host EOIs)
 *   bit 2  the host then took it through its own IDT (RFLAGS.IF = 1 briefly)
 *   bit 3  the host took an NMI (it was not blocked)
 * so "acknowledge interrupt on exit" 1 gives rax=2 and 0 gives rax=5.
 *
 * NMIs: "self" is a shorthand for fixed interrupts only (SDM "Interrupt
 * Command Register (ICR)"), so the guest sends the NMI to its own APIC ID
 * (physical destination) by writing the ICR (R8 = APIC MMIO, R9/R10 = ICR
 * high/low, set by the host) and spins, bounded, before its VMCALL.  When a
 * self-IPI arrives is not architectural: the first NMI exit's RIP is at=impl
 * (timing).  A second NMI is sent by the host right after an NMI exit, when
 * the SDM says host NMIs are blocked ("Architectural State Before a VM Exit":
 * "An NMI causes subsequent NMIs to be blocked, but only after the VM exit
 * completes"), so it is pending at the next VM entry: a deterministic NMI at
 * the guest's first instruction: in HLT (exit_nmi_hlt), in shutdown
 * (exit_nmi_shutdown), or with blocking by STI / MOV SS at a NOP before the
 * VMCALL (exit_nmi_sti, exit_nmi_movss: implementation-specific, at=impl).
 * That entry loads bit 3 = 0 while the host's NMIs are still blocked (no
 * IRET since the exit): whether the NMI is then taken is not determined by
 * the SDM (occurs=impl; see the declarations).  exit_nmi_iret_open/_blocked
 * execute a host IRET first, then enter with bit 3 = 0 / 1: determined.
 *
 * Clean-up (every scenario, whatever happened): lapic_close() EOIs or takes
 * anything of XVEC left, executes an IRET (NMI blocking), restores SVR, TPR,
 * the host IDT gates and unmaps the APIC.  Nothing waits unbounded: the
 * guest's spin ends in VMCALL, the host's loops are counted, and a guest put
 * in HLT or shutdown has the VMX-preemption timer armed as a watchdog (where
 * a scenario needs one and the platform lacks the control, it is skipped).
 *
 * Not testable here: blocking by SMI (interruptibility bit 2) needs SMM;
 * outside it VM entry fails (entry check GUEST_INTR_SMI, in the sweep).  The
 * wait-for-SIPI state blocks external interrupts, NMIs, INIT and SMIs and the
 * VMX-preemption timer does not cause a VM exit in it (SDM "VMX-Preemption
 * Timer"): only a SIPI from another processor would end it, so a guest put
 * there could not be woken by one CPU and the scenario would hang.
 */
#include "lib.h"
#include "scenario.h"
#include "lapic.h"

#define XVEC 0x50 /* the fixed vector sent to self: class 5, above the exceptions */
#define RFLAGS_IF BIT(9)
/* Interruptibility and activity state: exit_info.def's INTERRUPTIBILITY and ACTIVITY layouts. */
#define GINTR_STI INFO_SET(INTERRUPTIBILITY, STI, 1)
#define GINTR_MOV_SS INFO_SET(INTERRUPTIBILITY, MOV_SS, 1)
#define GINTR_NMI INFO_SET(INTERRUPTIBILITY, NMI, 1)
#define ACT_ACTIVE INFO_ACTIVITY_STATE_ACTIVE
#define ACT_HLT INFO_ACTIVITY_STATE_HLT
#define ACT_SHUTDOWN INFO_ACTIVITY_STATE_SHUTDOWN
#define WATCHDOG_TICKS 0x200000 /* VMX-preemption timer: ends HLT / shutdown if nothing else does */
#define GUEST_SPINS 200000 /* the NMI guest's bounded wait for its self-NMI */
#define MAX_EXITS 6

enum xkind { X_EXTINT, X_NMI };
struct xcfg {
	enum xkind kind;
	bool ack; /* "acknowledge interrupt on exit" */
	bool if1; /* guest RFLAGS.IF at entry */
	u32 gintr; /* guest interruptibility state at entry */
	u32 act; /* guest activity state at entry */
	bool vnmi; /* "virtual NMIs" (with "NMI exiting") */
	/* NMI phase 2: after the first NMI exit, pend a second NMI and enter with this
	 * activity state / interruptibility (RIP: label p2, a NOP before the VMCALL, when
	 * blocking by STI or MOV SS is set, else label insn). */
	bool p2;
	u32 p2_act, p2_gintr;
	char *p2_nop, *p2_insn;
	/* Re-entry after a host IRET (exit_nmi_iret_*): after the first NMI exit the host executes
	 * IRET (no NMI blocking remains from any source), then enters the guest again at its
	 * start with interruptibility p2_gintr; the guest sends itself a second NMI. */
	bool reentry;
	void (*start)(void);
};
static struct xcfg cfg;

static bool activity_supported(struct scenario_ctx *ctx, u32 act)
{
	/* SDM appendix "Miscellaneous Data": IA32_VMX_MISC bits 8:6 = HLT, shutdown, wait-for-SIPI. */
	if (act == ACT_ACTIVE || (vmx_caps.misc & VMX_MISC_ACTIVITY_BIT(act)))
		return true;
	ctx->skip_reason = "activity_state_not_supported";
	return false;
}

static bool setup_common(struct scenario_ctx *ctx, const struct xcfg *c)
{
	cfg = *c;
	if (!activity_supported(ctx, c->act))
		return false;
	if (c->kind == X_EXTINT) {
		if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_EXITING))
			return false;
		if (c->ack && !scenario_set_ctl(ctx, VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT))
			return false;
	} else {
		u64 pin = PIN_BASED_NMI_EXITING | (c->vnmi ? PIN_BASED_VIRTUAL_NMIS : 0);
		if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, pin))
			return false;
		if (c->p2 && !activity_supported(ctx, c->p2_act))
			return false;
	}
	/* The watchdog: any scenario whose guest may sit in HLT or shutdown. */
	if (c->act != ACT_ACTIVE || c->p2_act != ACT_ACTIVE) {
		if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_PREEMPTION_TIMER)) {
			ctx->skip_reason = "no_preemption_timer_watchdog";
			return false;
		}
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, WATCHDOG_TICKS);
	}
	vmcs_write(GUEST_RFLAGS, 0x2 | (c->if1 ? RFLAGS_IF : 0));
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, c->gintr);
	vmcs_write(GUEST_ACTIVITY_STATE, c->act);
	return true;
}

static enum scenario_status body_extint(struct scenario_ctx *ctx)
{
	const char *why = NULL;
	if (!lapic_open(&why)) {
		ctx->skip_reason = why;
		return SCN_SKIP;
	}
	enum scenario_status st = SCN_DONE;
	if (!lapic_self_ipi(XVEC) || !lapic_irr(XVEC)) {
		ctx->skip_reason = "self_ipi_not_pending";
		lapic_close(XVEC);
		return SCN_ABORT;
	}
	scenario_one_interrupt_exit(ctx, XVEC, MAX_EXITS);
	lapic_close(XVEC);
	return st;
}

static enum scenario_status body_nmi(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	const char *why = NULL;
	if (!lapic_open(&why)) {
		ctx->skip_reason = why;
		return SCN_SKIP;
	}
	lapic_nmi_gate(true); /* an NMI the host is not blocking is counted, not fatal */
	v->regs.r8 = lapic_mmio();
	v->regs.r9 = lapic_icr_hi_self();
	v->regs.r10 = LAPIC_ICR_ASSERT | LAPIC_ICR_DM_NMI;
	u32 nmi_exits = 0;
	u64 obs = 0;
	for (;;) {
		struct vcpu_exit e = vcpu_run(v);
		bool resume = false;
		if (e.kind == RESULT_EXIT && !e.entry_fail && e.reason == EXIT_REASON_EXCEPTION_NMI &&
		    INFO_GET(INTR_INFO, TYPE, e.intr_info) == INFO_INTR_INFO_TYPE_NMI && v->exits < MAX_EXITS) {
			scenario_read_gstate(&e);
			nmi_exits++;
			resume = true;
			if (cfg.reentry && nmi_exits == 1) {
				u32 before = lapic_host_nmis();
				lapic_nmi_unblock(); /* IRET: ends the blocking the NMI exit left */
				if (lapic_host_nmis() != before)
					obs |= LAPIC_OBS_HOST_NMI;
				vmcs_write(GUEST_INTERRUPTIBILITY_INFO, cfg.p2_gintr);
				vmcs_write(GUEST_RIP, (u64)cfg.start);
			} else if (cfg.p2 && nmi_exits == 1) {
				/* Host NMIs are blocked now: this one stays pending (else the gate counts it). */
				u32 before = lapic_host_nmis();
				lapic_self_nmi();
				for (volatile int i = 0; i < 1000; i++)
					;
				if (lapic_host_nmis() != before) {
					obs |= LAPIC_OBS_HOST_NMI;
				} else {
					/* Phase 2 enters with no blocking by NMI whatever the exit saved
					 * (RFLAGS.IF = 1: blocking by STI requires it). */
					vmcs_write(GUEST_INTERRUPTIBILITY_INFO, cfg.p2_gintr);
					vmcs_write(GUEST_ACTIVITY_STATE, cfg.p2_act);
					vmcs_write(GUEST_RFLAGS, 0x2 | RFLAGS_IF);
					vmcs_write(GUEST_RIP, (u64)(cfg.p2_gintr ? cfg.p2_nop : cfg.p2_insn));
				}
			} else {
				scenario_wake_active(v);
			}
		} else if (e.kind == RESULT_EXIT && !e.entry_fail && e.reason == EXIT_REASON_PREEMPTION_TIMER &&
			   v->exits < MAX_EXITS) {
			scenario_read_gstate(&e);
			scenario_wake_active(v); /* the watchdog: traced, the guest goes on to its VMCALL */
			resume = true;
		} else if (cfg.reentry && e.kind == RESULT_EXIT && !e.entry_fail && e.reason == EXIT_REASON_VMCALL) {
			scenario_read_gstate(&e); /* the re-entry's blocking, as that exit saved it */
		}
		scenario_trace_result(ctx, &e, resume);
		if (!resume)
			break;
		v->regs.rax = obs; /* shown by the guest's VMCALL */
	}
	lapic_close(XVEC);
	return SCN_DONE;
}

/* ---- guests ---------------------------------------------------------------------------- */

/* External interrupts: the exit comes before the VMCALL at insn (or, where
 * STI / MOV-SS blocking may hold it for one instruction, the NOP at insn). */
#define EXTINT_SCENARIO(id, prep_insn, ...)                                                  \
	EXIT_GUEST(id, "", prep_insn);                                                       \
	static bool setup_##id(struct scenario_ctx *ctx)                                      \
	{                                                                                     \
		static const struct xcfg c = { .kind = X_EXTINT, __VA_ARGS__ };               \
		return setup_common(ctx, &c);                                                 \
	}
/* NMI guests: send an NMI to the own APIC ID, spin (bounded), VMCALL at insn. */
#define NMI_SCENARIO(id, ...)                                                                \
	EXIT_GUEST(id,                                                                       \
		   "movl %r9d, " STR(LAPIC_ICR_HI) "(%r8); movl %r10d, " STR(LAPIC_ICR_LO) "(%r8)\n" \
		   GUEST_LABEL(id, sent) /* the instruction after the ICR write */          \
		   "mov $" STR(GUEST_SPINS) ", %r11d; 1: pause; dec %r11; jnz 1b\n"         \
		   GUEST_LABEL(id, p2) "nop",                                                \
		   "vmcall");                                                                \
	extern char label__##id##__p2[], label__##id##__insn[];                               \
	static bool setup_##id(struct scenario_ctx *ctx)                                      \
	{                                                                                     \
		struct xcfg c = { .kind = X_NMI, .p2_nop = label__##id##__p2,                 \
				  .p2_insn = label__##id##__insn, .start = guest_##id,        \
				  __VA_ARGS__ };                                              \
		return setup_common(ctx, &c);                                                 \
	}

EXTINT_SCENARIO(exit_extint_ack, "vmcall", .ack = true, .if1 = true)
EXTINT_SCENARIO(exit_extint_noack, "vmcall", .ack = false, .if1 = true)
EXTINT_SCENARIO(exit_extint_if0, "vmcall", .ack = true, .if1 = false)
EXTINT_SCENARIO(exit_extint_hlt, "vmcall", .ack = true, .if1 = true, .act = ACT_HLT)
EXTINT_SCENARIO(exit_extint_hlt_if0, "vmcall", .ack = true, .if1 = false, .act = ACT_HLT)
EXTINT_SCENARIO(exit_extint_nmi_blocked, "vmcall", .ack = true, .if1 = true, .gintr = GINTR_NMI)
EXTINT_SCENARIO(exit_extint_sti, "nop", .ack = true, .if1 = true, .gintr = GINTR_STI)
EXTINT_SCENARIO(exit_extint_movss, "nop", .ack = true, .if1 = true, .gintr = GINTR_MOV_SS)
EXTINT_SCENARIO(exit_extint_shutdown, "vmcall", .ack = true, .if1 = true, .act = ACT_SHUTDOWN)
NMI_SCENARIO(exit_nmi_exit)
NMI_SCENARIO(exit_nmi_vnmi, .vnmi = true)
NMI_SCENARIO(exit_nmi_vnmi_blocked, .vnmi = true, .gintr = GINTR_NMI)
NMI_SCENARIO(exit_nmi_hlt, .p2 = true, .p2_act = ACT_HLT)
NMI_SCENARIO(exit_nmi_shutdown, .p2 = true, .p2_act = ACT_SHUTDOWN)
NMI_SCENARIO(exit_nmi_sti, .p2 = true, .p2_gintr = GINTR_STI)
NMI_SCENARIO(exit_nmi_movss, .p2 = true, .p2_gintr = GINTR_MOV_SS)
NMI_SCENARIO(exit_nmi_iret_open, .reentry = true)
NMI_SCENARIO(exit_nmi_iret_blocked, .reentry = true, .p2_gintr = GINTR_NMI)

/* ---- declarations ---------------------------------------------------------------------- */

#define XINTR "intr={VECTOR=" STR(XVEC) ",TYPE=EXTERNAL_INTERRUPT,VALID=1}"
/* "acknowledge interrupt on exit" 0: only the valid bit is defined (cleared). */
#define XINTR_NOACK "intr=0/0x80000000"
#define NMI_INTR "intr={VECTOR=NMI,TYPE=NMI,~NMI_UNBLOCKING,VALID=1}"
#define VNMI_INTR "intr={VECTOR=NMI,TYPE=NMI,NMI_UNBLOCKING=0,VALID=1}"
#define XSCN(id, ...) SCENARIO(id, .guest = guest_##id, .setup = setup_##id, .body = body_extint, __VA_ARGS__)
#define NSCN(id, ...) SCENARIO(id, .guest = guest_##id, .setup = setup_##id, .body = body_nmi, __VA_ARGS__)
/* The exit before the guest's first instruction, then its VMCALL with the host's APIC observation. */
#define X_AT_ENTRY(intr, gintr, gact, rax) \
	"EXTERNAL_INTERRUPT at=insn next=insn " intr " gintr=" gintr " gact=" gact "; VMCALL at=insn len=3 rax=" rax " end"

#define PIN_CITE                                                                                   \
	"SDM Vol. 3 \"Pin-Based VM-Execution Controls\" (external-interrupt exiting: external interrupts " \
	"cause VM exits); \"Other Causes of VM Exits\" (external interrupts); \"Architectural State Before a " \
	"VM Exit\" (an external interrupt does not acknowledge the interrupt controller and remains pending "  \
	"unless \"acknowledge interrupt on exit\" is 1, then it is acknowledged and no longer pending); "     \
	"\"Information for VM Exits Due to Vectored Events\" (vector, type 0, valid; with the control 0 the " \
	"field is marked invalid and the rest is undefined); \"Saving Non-Register State\" (interruptibility " \
	"and activity state saved as they were before the VM exit); APIC \"IRR, ISR and TMR\""
#define ENTRY_CITE "; \"Interruptibility State\" (VM entry: events blocked by STI / MOV SS iff bit 0 / 1)"

XSCN(exit_extint_ack, .expect = X_AT_ENTRY(XINTR, "0", "ACTIVE", "2"),
     .cite = PIN_CITE " (ack 1, IF 1, active: exit before the first instruction; ISR set, IRR clear: rax=2)");
XSCN(exit_extint_noack, .expect = X_AT_ENTRY(XINTR_NOACK, "0", "ACTIVE", "5"),
     .cite = PIN_CITE " (ack 0: interruption information invalid; the interrupt still in IRR, not in ISR, "
		      "and the host takes it through its IDT: rax=1|4)");
XSCN(exit_extint_if0, .expect = X_AT_ENTRY(XINTR, "0", "ACTIVE", "2"),
     .cite = PIN_CITE "; \"Event Blocking\" (\"If the external-interrupt exiting VM-execution control is 1, "
		      "RFLAGS.IF does not control the blocking of external interrupts. In this case, an external "
		      "interrupt that is not blocked for other reasons causes a VM exit (even if RFLAGS.IF = 0)\")");
#define HLT_CITE                                                                                        \
	"; \"Architectural State Before a VM Exit\" (inactive state: \"If an unblocked event causes a VM exit " \
	"directly, a return to the active state occurs only after the VM exit completes\"); \"Saving "          \
	"Non-Register State\" (\"The activity-state field is saved with the logical processor's activity state " \
	"before the VM exit\": HLT); \"Activity State\" (the HLT state blocks only SIPIs); RIP is the guest's "   \
	"(the instruction at insn)"
XSCN(exit_extint_hlt, .expect = X_AT_ENTRY(XINTR, "0", "HLT", "2"),
     .cite = PIN_CITE HLT_CITE " (IF 1)");
XSCN(exit_extint_hlt_if0, .expect = X_AT_ENTRY(XINTR, "0", "HLT", "2"),
     .cite = PIN_CITE HLT_CITE "; \"Event Blocking\" (RFLAGS.IF = 0 does not block it with external-interrupt "
			       "exiting 1)");
XSCN(exit_extint_nmi_blocked, .expect = X_AT_ENTRY(XINTR, "{NMI=1}", "ACTIVE", "2"),
     .cite = PIN_CITE ENTRY_CITE " (blocking by NMI, \"virtual NMIs\" 0: NMIs blocked, not external interrupts; "
			 "saved bit 3 still 1)");
#define IMPL_CITE                                                                                  \
	"; \"Event Blocking\" (\"If the external-interrupt exiting VM-execution control is 1, external " \
	"interrupts may or may not be blocked by STI or by MOV SS (behavior is implementation-specific)\"): " \
	"the exit is at insn with the blocking bit still saved, or after the NOP at resume with none: RIP "  \
	"and saved interruptibility are impl; the VMCALL follows at resume either way"
XSCN(exit_extint_sti,
     .expect = "EXTERNAL_INTERRUPT at=impl " XINTR " gintr=impl gact=ACTIVE resumed; VMCALL at=resume len=3 rax=2 end",
     .cite = PIN_CITE ENTRY_CITE IMPL_CITE " (blocking by STI, IF 1)");
XSCN(exit_extint_movss,
     .expect = "EXTERNAL_INTERRUPT at=impl " XINTR " gintr=impl gact=ACTIVE resumed; VMCALL at=resume len=3 rax=2 end",
     .cite = PIN_CITE ENTRY_CITE IMPL_CITE " (blocking by MOV SS, IF 1)");
XSCN(exit_extint_shutdown,
     .expect = "PREEMPTION_TIMER at=insn next=insn gintr=0 gact=SHUTDOWN; VMCALL at=insn len=3 rax=5 end",
     .cite = "SDM Vol. 3 \"Activity State\" (VM entry: \"The shutdown state blocks external interrupts and SIPIs. "
	     "External interrupts that arrive while a logical processor is in the shutdown state and in VMX "
	     "non-root operation do not cause VM exits even if the external-interrupt exiting VM-execution "
	     "control is 1\"); \"VMX-Preemption Timer\" (it operates in the shutdown state; counting down to 0 "
	     "outside wait-for-SIPI causes a VM exit); \"Saving Non-Register State\" (activity state saved: "
	     "shutdown); the interrupt stays in IRR and the host takes it: rax=1|4.  Needs IA32_VMX_MISC bit 7");

#define NMI_CITE                                                                                         \
	"SDM Vol. 3 \"Pin-Based VM-Execution Controls\" (NMI exiting: NMIs cause VM exits); \"Information for " \
	"VM Exits Due to Vectored Events\" (vector 2, type 2; bit 12 undefined with NMI exiting 1 and virtual "  \
	"NMIs 0, else 0 unless an IRET fault); \"Saving Non-Register State\" (interruptibility before the exit: " \
	"no blocking; bit 3 is virtual-NMI blocking with virtual NMIs 1); APIC \"Interrupt Command Register "    \
	"(ICR)\" (delivery mode NMI to the own APIC ID).  Timing: when the guest's self-NMI arrives is not "     \
	"architectural (at=impl); the guest then resumes its spin and reaches its VMCALL"
NSCN(exit_nmi_exit,
     .expect = "EXCEPTION_NMI at=impl " NMI_INTR " gintr=0 gact=ACTIVE resumed; VMCALL at=insn len=3 rax=0 end",
     .cite = NMI_CITE);
NSCN(exit_nmi_vnmi,
     .expect = "EXCEPTION_NMI at=impl " VNMI_INTR " gintr=0 gact=ACTIVE resumed; VMCALL at=insn len=3 rax=0 end",
     .cite = NMI_CITE " (virtual NMIs 1, no virtual-NMI blocking)");
NSCN(exit_nmi_vnmi_blocked,
     .expect = "EXCEPTION_NMI at=impl " VNMI_INTR " gintr={NMI=1} gact=ACTIVE resumed; VMCALL at=insn len=3 rax=0 end",
     .cite = NMI_CITE "; \"Interruptibility State\" (VM entry, virtual NMIs 1: bit 3 \"does not affect the blocking "
		      "of NMIs after VM entry. NMIs are not blocked in VMX non-root operation\"; it is virtual-NMI "
		      "blocking, saved as 1)");
/*
 * Phase 2 of exit_nmi_hlt / _shutdown / _sti / _movss is NOT determined by the SDM: the host's NMIs are
 * blocked (the NMI-caused exit) and no IRET runs before the entry that loads bit 3 = 0.  "Interruptibility
 * State" says only "NMIs are blocked if bit 3 ... is 1" (not "if and only if", as for STI and MOV SS), and
 * the table "Format of Interruptibility State" adds "Clearing this bit does not imply that NMIs are not
 * (temporarily) blocked for other reasons".  So the pending NMI may exit at once or stay blocked
 * (Bochs 2.7 keeps it blocked; Bochs 3.0 and KVM take it): that exit is occurs=impl, and so is the
 * watchdog's exit that ends HLT / shutdown when the NMI stays blocked (which then saves bit 3 = 1: the
 * NMI was pending and not taken).  The determined side is exit_nmi_iret_open / _blocked below.
 */
#define P2_CITE                                                                                         \
	"; \"Architectural State Before a VM Exit\" (\"An NMI causes subsequent NMIs to be blocked, but only " \
	"after the VM exit completes\": the host's second self-NMI stays pending until the next entry); "       \
	"\"Interruptibility State\" (VM entry, virtual NMIs 0: \"NMIs are blocked if bit 3 (blocking by NMI) "  \
	"in the interruptibility-state field is 1\" -- \"if\", not \"if and only if\" as for STI and MOV SS; "   \
	"\"Format of Interruptibility State\": \"Clearing this bit does not imply that NMIs are not "           \
	"(temporarily) blocked for other reasons\"): with host NMIs still blocked by the NMI exit and no IRET " \
	"since, an entry with bit 3 = 0 leaves it to the implementation whether the pending NMI is taken: its " \
	"exit is occurs=impl (see exit_nmi_iret_open / exit_nmi_iret_blocked for the determined case)"
#define P2_WATCHDOG(act)                                                                                 \
	"PREEMPTION_TIMER at=insn next=insn gintr={NMI=1} gact=" act " occurs=impl; "
NSCN(exit_nmi_hlt,
     .expect = "EXCEPTION_NMI at=impl " NMI_INTR " gintr=0 gact=ACTIVE resumed; "
	       "EXCEPTION_NMI at=insn next=insn " NMI_INTR " gintr=0 gact=HLT occurs=impl; " P2_WATCHDOG("HLT")
	       "VMCALL at=insn len=3 rax=0 end",
     .cite = NMI_CITE P2_CITE "; entry in HLT at insn: if the pending NMI is taken it exits at once, activity "
		      "state saved HLT (\"If an unblocked event causes a VM exit directly, a return to the active "
		      "state occurs only after the VM exit completes\"); if not, the VMX-preemption timer watchdog "
		      "ends the HLT and saves blocking by NMI");
NSCN(exit_nmi_shutdown,
     .expect = "EXCEPTION_NMI at=impl " NMI_INTR " gintr=0 gact=ACTIVE resumed; "
	       "EXCEPTION_NMI at=insn next=insn " NMI_INTR " gintr=0 gact=SHUTDOWN occurs=impl; " P2_WATCHDOG("SHUTDOWN")
	       "VMCALL at=insn len=3 rax=0 end",
     .cite = NMI_CITE P2_CITE "; \"Activity State\" (VM entry: the shutdown state blocks external interrupts "
		      "and SIPIs only, so a taken NMI exits); \"Saving Non-Register State\" (activity state before the "
		      "exit: shutdown).  Needs IA32_VMX_MISC bit 7");
#define NMI_IMPL_CITE                                                                                   \
	"; \"Event Blocking\" (\"If the NMI exiting VM-execution control is 1, non-maskable interrupts (NMIs) " \
	"may or may not be blocked by STI or by MOV SS (behavior is implementation-specific)\"): phase 2 "     \
	"enters at label p2 (a NOP before the VMCALL) with the blocking bit set; a taken NMI exits at p2 with " \
	"the bit still saved or at insn with none (impl); the VMCALL at insn follows either way"
NSCN(exit_nmi_sti,
     .expect = "EXCEPTION_NMI at=impl " NMI_INTR " gintr=0 gact=ACTIVE resumed; "
	       "EXCEPTION_NMI at=impl " NMI_INTR " gintr=impl gact=ACTIVE resumed occurs=impl; "
	       "VMCALL at=insn len=3 rax=0 end",
     .cite = NMI_CITE P2_CITE NMI_IMPL_CITE " (blocking by STI, IF 1)");
NSCN(exit_nmi_movss,
     .expect = "EXCEPTION_NMI at=impl " NMI_INTR " gintr=0 gact=ACTIVE resumed; "
	       "EXCEPTION_NMI at=impl " NMI_INTR " gintr=impl gact=ACTIVE resumed occurs=impl; "
	       "VMCALL at=insn len=3 rax=0 end",
     .cite = NMI_CITE P2_CITE NMI_IMPL_CITE " (blocking by MOV SS)");
/*
 * The determined side: after the first NMI exit the host executes IRET (lapic_nmi_unblock), so no
 * NMI blocking remains from any source, and enters the guest again at its start (it sends itself a
 * second NMI).  Bit 3 = 0: nothing blocks NMIs, the second NMI must exit; bit 3 = 1 with "NMI exiting"
 * 1: "such blocking remains in effect as long as the logical processor is in VMX non-root operation",
 * so it must not, and the guest's VMCALL exit saves blocking by NMI.  (The HLT / shutdown / STI / MOV SS
 * states of phase 2 above cannot be crossed with this: a self-NMI pended while the host's NMIs are
 * unblocked is taken by the host at once, and the guest cannot send one from HLT or shutdown, nor at
 * the instruction boundary its own STI / MOV SS blocks.)
 */
#define IRET_CITE                                                                                       \
	"; \"Architectural State Before a VM Exit\" (\"An NMI causes subsequent NMIs to be blocked, but only " \
	"after the VM exit completes\"); \"Handling Multiple NMIs\" (\"the processor blocks delivery of "   \
	"subsequent NMIs until the next execution of the IRET instruction\"); the host executes IRET before the re-entry " \
	"(rax bit 3 would show an NMI the host took: none is pending); \"Interruptibility State\" (VM entry, "  \
	"virtual NMIs 0: \"NMIs are blocked if bit 3 (blocking by NMI) in the interruptibility-state field is " \
	"1 ... If the 'NMI exiting' control is 1, such blocking remains in effect as long as the logical "     \
	"processor is in VMX non-root operation\")"
NSCN(exit_nmi_iret_open,
     .expect = "EXCEPTION_NMI at=impl " NMI_INTR " gintr=0 gact=ACTIVE resumed; "
	       "EXCEPTION_NMI at=impl " NMI_INTR " gintr=0 gact=ACTIVE resumed; "
	       "VMCALL at=insn len=3 rax=0 gintr=impl gact=ACTIVE end",
     .cite = NMI_CITE IRET_CITE ": re-entry with bit 3 = 0 and no blocking left, so the guest's second "
		      "self-NMI exits (saved interruptibility 0).  The final VMCALL follows that NMI exit with no "
		      "IRET, so its saved bit 3 is the undetermined case of exit_nmi_hlt (gintr=impl)");
NSCN(exit_nmi_iret_blocked,
     .expect = "EXCEPTION_NMI at=impl " NMI_INTR " gintr=0 gact=ACTIVE resumed; "
	       "VMCALL at=insn len=3 rax=0 gintr={NMI=1} gact=ACTIVE end",
     .cite = NMI_CITE IRET_CITE ": re-entry with bit 3 = 1, so the guest's second self-NMI stays blocked in "
		      "VMX non-root operation (no NMI exit) and its VMCALL exit saves blocking by NMI (\"saved to "
		      "reflect the logical processor's interruptibility before the VM exit\").  The host takes the "
		      "pending NMI at its clean-up IRET");
