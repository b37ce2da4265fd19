/*
 * exit_apictimer_* - the host's local APIC timer as the source of a real
 * external interrupt (issue 10): one-shot, vector TVEC, divide by 16
 * (core/lapic.c lapic_timer_oneshot), "external-interrupt exiting" 1.
 *
 * Three ways the interrupt meets the guest:
 *   expired  the host arms the timer with initial count 1 and waits (bounded)
 *            until TVEC is pending in IRR, then enters: the exit is
 *            deterministic, before the guest's first instruction (label insn).
 *   run      armed with a small count just before the entry; the guest spins
 *            (bounded) then executes its VMCALL at insn: the exit comes at
 *            whatever instruction the timer expires on (at=impl, timing).
 *   hlt      armed with a count large enough for the guest to reach its HLT
 *            (label insn) first: the exit comes in the HLT state, RIP after
 *            the HLT (label resume), activity state HLT saved.
 * crossed with RFLAGS.IF (SDM "Event Blocking": with external-interrupt
 * exiting 1, RFLAGS.IF does not block) and "acknowledge interrupt on exit".
 *
 * After the exit the host observes the APIC as guests/exit_extint.c does and
 * hands it to the guest in RAX, which its VMCALL shows (rax=): bit 0 IRR[TVEC]
 * set, bit 1 ISR[TVEC] set (the host EOIs), bit 2 the host then took it
 * through its own IDT, bit 3 the host took an NMI.  So ack 1 gives 2, ack 0 5.
 *
 * Nothing waits unbounded: the expiry wait and the guest's spin are counted,
 * and a guest in HLT has the VMX-preemption timer armed as a watchdog, its
 * value derived from the timer count and IA32_VMX_MISC's rate (skipped where
 * the platform lacks the control).  Clean-up: lapic_close() stops the timer,
 * writes back the LVT timer register, the divide configuration and the
 * initial count, then EOIs / takes what is left of TVEC, restores SVR and TPR
 * and unmaps the APIC: every scenario starts from the boot's APIC state.
 */
#include "lib.h"
#include "scenario.h"
#include "lapic.h"

#define TVEC 0x58 /* the timer's vector: class 5, above the exceptions */
#define RFLAGS_IF BIT(9)
#define TIMER_DIVIDE LAPIC_TIMER_DIVIDE_16
#define TIMER_TICKS_PER_COUNT 16
#define COUNT_EXPIRED 1
#define COUNT_RUN 0x1000 /* fires during the guest's spin (or before the entry: timing) */
#define COUNT_HLT 0x40000 /* after the guest reached its HLT, on every platform measured */
#define EXPIRE_SPINS 1000000 /* bounded wait for the expired timer's IRR bit */
#define GUEST_SPINS 2000000
#define MAX_EXITS 4

enum tmode { T_EXPIRED, T_RUN, T_HLT };
struct tcfg {
	enum tmode mode;
	bool ack, if1;
};
static struct tcfg cfg;

static bool setup_common(struct scenario_ctx *ctx, const struct tcfg *c)
{
	cfg = *c;
	if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_EXITING))
		return false;
	if (c->ack && !scenario_set_ctl(ctx, VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT))
		return false;
	if (c->mode == T_HLT) {
		if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_PREEMPTION_TIMER)) {
			ctx->skip_reason = "no_preemption_timer_watchdog";
			return false;
		}
		/* 8x the APIC timer's ticks, in units of the preemption timer (TSC >> rate). */
		u64 rate = INFO_GET(VMX_MISC, PREEMPT_RATE, vmx_caps.misc);
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE,
			   ((u64)COUNT_HLT * TIMER_TICKS_PER_COUNT * 8) >> rate);
	}
	vmcs_write(GUEST_RFLAGS, 0x2 | (c->if1 ? RFLAGS_IF : 0));
	return true;
}

static enum scenario_status body_timer(struct scenario_ctx *ctx)
{
	const char *why = NULL;
	if (!lapic_open(&why)) {
		ctx->skip_reason = why;
		return SCN_SKIP;
	}
	if (cfg.mode == T_EXPIRED) {
		lapic_timer_oneshot(TVEC, TIMER_DIVIDE, COUNT_EXPIRED);
		u32 i = 0;
		while (i < EXPIRE_SPINS && !lapic_irr(TVEC))
			i++;
		if (!lapic_irr(TVEC)) {
			ctx->skip_reason = "timer_not_pending";
			lapic_close(TVEC);
			return SCN_ABORT;
		}
	} else {
		lapic_timer_oneshot(TVEC, TIMER_DIVIDE, cfg.mode == T_RUN ? COUNT_RUN : COUNT_HLT);
	}
	scenario_one_interrupt_exit(ctx, TVEC, MAX_EXITS);
	lapic_close(TVEC);
	return SCN_DONE;
}

/* ---- guests ---------------------------------------------------------------------------- */

#define SPIN "mov $" STR(GUEST_SPINS) ", %r11d; 1: pause; dec %r11; jnz 1b"
#define TIMER_SCENARIO(id, prep, insn, ...)                                                   \
	EXIT_GUEST(id, prep, insn);                                                           \
	static bool setup_##id(struct scenario_ctx *ctx)                                      \
	{                                                                                     \
		static const struct tcfg c = { __VA_ARGS__ };                                 \
		return setup_common(ctx, &c);                                                 \
	}

TIMER_SCENARIO(exit_apictimer_ack, "", "vmcall", .mode = T_EXPIRED, .ack = true, .if1 = true)
TIMER_SCENARIO(exit_apictimer_noack, "", "vmcall", .mode = T_EXPIRED, .ack = false, .if1 = true)
TIMER_SCENARIO(exit_apictimer_if0, "", "vmcall", .mode = T_EXPIRED, .ack = true, .if1 = false)
TIMER_SCENARIO(exit_apictimer_run, SPIN, "vmcall", .mode = T_RUN, .ack = true, .if1 = true)
TIMER_SCENARIO(exit_apictimer_run_noack, SPIN, "vmcall", .mode = T_RUN, .ack = false, .if1 = true)
TIMER_SCENARIO(exit_apictimer_run_if0, SPIN, "vmcall", .mode = T_RUN, .ack = true, .if1 = false)
TIMER_SCENARIO(exit_apictimer_hlt, "", "hlt", .mode = T_HLT, .ack = true, .if1 = true)
TIMER_SCENARIO(exit_apictimer_hlt_if0, "", "hlt", .mode = T_HLT, .ack = true, .if1 = false)

/* ---- declarations ---------------------------------------------------------------------- */

#define TINTR "intr={VECTOR=" STR(TVEC) ",TYPE=EXTERNAL_INTERRUPT,VALID=1}"
/* "acknowledge interrupt on exit" 0: only the valid bit is defined (cleared). */
#define TINTR_NOACK "intr=0/0x80000000"
#define TSCN(id, ...) SCENARIO(id, .guest = guest_##id, .setup = setup_##id, .body = body_timer, __VA_ARGS__)
#define T_AT_ENTRY(intr, rax) \
	"EXTERNAL_INTERRUPT at=insn next=insn " intr " gintr=0 gact=ACTIVE; VMCALL at=insn len=3 rax=" rax " end"
#define T_IN_RUN(intr, rax) \
	"EXTERNAL_INTERRUPT at=impl " intr " gintr=0 gact=ACTIVE resumed; VMCALL at=insn len=3 rax=" rax " end"
#define T_IN_HLT(intr, rax) \
	"EXTERNAL_INTERRUPT at=resume next=resume " intr " gintr=0 gact=HLT; VMCALL at=resume len=3 rax=" rax " end"

#define TIMER_CITE                                                                                        \
	"SDM Vol. 3 \"APIC Timer\" (one-shot mode: the timer interrupt is generated when the current count "    \
	"reaches 0; LVT timer register vector; divide configuration 0011b: divide by 16); \"Pin-Based "          \
	"VM-Execution Controls\" (external-interrupt exiting: external interrupts cause VM exits); \"Other "     \
	"Causes of VM Exits\" (external interrupts); \"Architectural State Before a VM Exit\" (not acknowledged "  \
	"and still pending unless \"acknowledge interrupt on exit\" is 1, then acknowledged, no longer pending); " \
	"\"Information for VM Exits Due to Vectored Events\" (vector, type 0, valid; with the control 0 the "     \
	"field is marked invalid and the rest is undefined); \"Saving Non-Register State\"; APIC \"IRR, ISR and " \
	"TMR\""
#define IF0_CITE                                                                                          \
	"; \"Event Blocking\" (\"If the external-interrupt exiting VM-execution control is 1, RFLAGS.IF does "   \
	"not control the blocking of external interrupts. In this case, an external interrupt that is not "      \
	"blocked for other reasons causes a VM exit (even if RFLAGS.IF = 0)\")"
#define RUN_CITE                                                                                          \
	" (timer armed with count 1000H just before the entry: when it expires is timing, at=impl; the guest "  \
	"then goes on spinning to its VMCALL)"
#define HLT_CITE                                                                                          \
	"; \"Saving RIP, RSP, RFLAGS, and SSP\" (RIP of the next instruction: the HLT completed); \"Saving "        \
	"Non-Register State\" (\"The activity-state field is saved with the logical processor's activity state "  \
	"before the VM exit\": HLT); \"Architectural State Before a VM Exit\" (\"If an unblocked event causes a " \
	"VM exit directly, a return to the active state occurs only after the VM exit completes\"); the "       \
	"VMX-preemption timer (8x the APIC timer's ticks, IA32_VMX_MISC rate) is only a watchdog"

TSCN(exit_apictimer_ack, .expect = T_AT_ENTRY(TINTR, "2"),
     .cite = TIMER_CITE " (expired before the entry, IRR set: exit before the first instruction, ack 1: ISR set, "
			"IRR clear: rax=2)");
TSCN(exit_apictimer_noack, .expect = T_AT_ENTRY(TINTR_NOACK, "5"),
     .cite = TIMER_CITE " (ack 0: interruption information invalid; the interrupt still in IRR, not in ISR, the "
			"host takes it through its IDT: rax=1|4)");
TSCN(exit_apictimer_if0, .expect = T_AT_ENTRY(TINTR, "2"), .cite = TIMER_CITE IF0_CITE " (expired before the entry)");
TSCN(exit_apictimer_run, .expect = T_IN_RUN(TINTR, "2"), .cite = TIMER_CITE RUN_CITE);
TSCN(exit_apictimer_run_noack, .expect = T_IN_RUN(TINTR_NOACK, "5"), .cite = TIMER_CITE RUN_CITE " (ack 0)");
TSCN(exit_apictimer_run_if0, .expect = T_IN_RUN(TINTR, "2"), .cite = TIMER_CITE IF0_CITE RUN_CITE);
TSCN(exit_apictimer_hlt, .expect = T_IN_HLT(TINTR, "2"), .cite = TIMER_CITE HLT_CITE " (IF 1)");
TSCN(exit_apictimer_hlt_if0, .expect = T_IN_HLT(TINTR, "2"), .cite = TIMER_CITE IF0_CITE HLT_CITE);
