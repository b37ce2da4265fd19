/*
 * exit_nmiwin_* - NMI-window exiting crossed with a real NMI and with the
 * guest's blocking (issue 10).  "NMI exiting" and "virtual NMIs" 1 in every
 * scenario: SDM "Checks on VMX Controls" ("If the \"virtual NMIs\"
 * VM-execution control is 0, the \"NMI-window exiting\" VM-execution control
 * must be 0"; the violation is the sweep's
 * ec_CTRL_NMI_WINDOW_NEEDS_VIRTUAL_NMIS__no_vnmi).
 *
 * A real NMI pending at a VM entry, deterministically: the guest sends an NMI
 * to its own APIC ID and spins (bounded); its NMI exit (phase 1, at=impl:
 * timing) leaves the host's NMIs blocked (SDM "Architectural State Before a
 * VM Exit": "An NMI causes subsequent NMIs to be blocked, but only after the
 * VM exit completes"), so a second self-NMI the host sends then stays pending
 * until the next VM entry.  The host enters again (phase 2) at label insn (a
 * VMCALL) with "NMI-window exiting" 1 and the interruptibility state the
 * scenario names:
 *   exit_nmiwin_real_open     no virtual-NMI blocking: the NMI window and the
 *                             NMI are both pending before the same instruction;
 *                             the priority ("Other Causes of VM Exits"): the
 *                             NMI-window exit (8) first.  The NMI is then no
 *                             longer blocked (VM entry with virtual NMIs 1
 *                             unblocked NMIs; only an NMI-caused exit blocks
 *                             them again), so the host takes it right after
 *                             the exit (rax bit 3); the host clears the control
 *                             and resumes: the VMCALL
 *   exit_nmiwin_real_blocked  virtual-NMI blocking (bit 3): no window, but the
 *                             real NMI is not blocked: the NMI exit (0) at insn,
 *                             bit 3 still saved; resumed, no window: the VMCALL
 * Without a real NMI, the guest's own blocking (a NOP at insn, the VMCALL at
 * resume):
 *   exit_nmiwin_movss         blocking by MOV SS: no window before the NOP;
 *                             the exit is at resume
 *   exit_nmiwin_sti           blocking by STI (RFLAGS.IF 1): "may also prevent"
 *                             (implementation-specific): at insn or at resume
 * Each event exit traces the interruptibility and activity state it saved.
 * The host's observation in RAX (the VMCALL shows it): bit 3, the host took the
 * second NMI itself (right after phase 1: it was not blocked, the premise
 * failed; or after a later exit, which real_open expects).
 * Clean-up: lapic_close() (an IRET ends host NMI blocking, the gate restored);
 * the catalog's IRET entry ends virtual-NMI blocking.
 */
#include "lib.h"
#include "scenario.h"
#include "lapic.h"

#define RFLAGS_IF BIT(9)
#define GINTR_STI INFO_SET(INTERRUPTIBILITY, STI, 1)
#define GINTR_MOV_SS INFO_SET(INTERRUPTIBILITY, MOV_SS, 1)
#define GINTR_NMI INFO_SET(INTERRUPTIBILITY, NMI, 1)
#define GUEST_SPINS 200000 /* the guest's bounded wait for its self-NMI */
#define MAX_EXITS 6
#define XVEC_NONE 0 /* lapic_close(): no fixed vector used */

struct wcfg {
	bool real; /* phase 1: the guest's self-NMI; phase 2 with a pending real NMI */
	u32 gintr; /* interruptibility at the window's entry */
	char *insn; /* phase 2's RIP */
};
static struct wcfg cfg;

static void set_window(struct vcpu *v, bool on)
{
	if (on)
		v->proc |= CPU_BASED_NMI_WINDOW_EXITING;
	else
		v->proc &= ~CPU_BASED_NMI_WINDOW_EXITING;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, v->proc);
}

static bool setup_common(struct scenario_ctx *ctx, const struct wcfg *c)
{
	cfg = *c;
	if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS))
		return false;
	if (!c->real) {
		if (!scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_NMI_WINDOW_EXITING))
			return false;
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, c->gintr);
		vmcs_write(GUEST_RFLAGS, 0x2 | ((c->gintr & GINTR_STI) ? RFLAGS_IF : 0));
	} else {
		/* Allowed here?  Then off until phase 2 (set_window). */
		if (!scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_NMI_WINDOW_EXITING))
			return false;
		set_window(ctx->vcpu, false);
	}
	return true;
}

static enum scenario_status body_window(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	const char *why = NULL;
	if (cfg.real) {
		if (!lapic_open(&why)) {
			ctx->skip_reason = why;
			return SCN_SKIP;
		}
		lapic_nmi_gate(true); /* an NMI the host is not blocking is counted, not fatal */
		v->regs.r8 = lapic_mmio();
		v->regs.r9 = lapic_icr_hi_self();
		v->regs.r10 = LAPIC_ICR_ASSERT | LAPIC_ICR_DM_NMI;
	}
	u32 nmi_exits = 0, host_nmis = 0;
	bool phase2 = false;
	u64 obs = 0;
	for (;;) {
		struct vcpu_exit e = vcpu_run(v);
		bool resume = false;
		bool ok = e.kind == RESULT_EXIT && !e.entry_fail && v->exits < MAX_EXITS;
		if (ok && e.reason == EXIT_REASON_EXCEPTION_NMI &&
		    INFO_GET(INTR_INFO, TYPE, e.intr_info) == INFO_INTR_INFO_TYPE_NMI) {
			e.gstate = true;
			e.gintr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
			e.gact = vmcs_read(GUEST_ACTIVITY_STATE);
			resume = true;
			if (++nmi_exits == 1 && cfg.real) {
				/* Host NMIs are blocked now: this one stays pending (else the gate counts it). */
				u32 before = lapic_host_nmis();
				lapic_self_nmi();
				for (volatile int i = 0; i < 1000; i++)
					;
				host_nmis = lapic_host_nmis();
				if (host_nmis != before) {
					obs |= LAPIC_OBS_HOST_NMI;
				} else {
					phase2 = true;
					vmcs_write(GUEST_INTERRUPTIBILITY_INFO, cfg.gintr);
					vmcs_write(GUEST_RIP, (u64)cfg.insn);
					set_window(v, true);
				}
			}
		} else if (ok && e.reason == EXIT_REASON_NMI_WINDOW) {
			e.gstate = true;
			e.gintr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
			e.gact = vmcs_read(GUEST_ACTIVITY_STATE);
			set_window(v, false);
			resume = true;
		}
		/* From phase 2 on the second NMI is the guest's: the host taking it is a divergence. */
		if (phase2 && lapic_host_nmis() != host_nmis)
			obs |= LAPIC_OBS_HOST_NMI;
		scenario_trace_result(ctx, &e, resume);
		if (!resume)
			break;
		v->regs.rax = obs; /* shown by the guest's VMCALL */
	}
	if (cfg.real)
		lapic_close(XVEC_NONE);
	return SCN_DONE;
}

/* ---- guests ---------------------------------------------------------------------------- */

/* Real NMI: send an NMI to the own APIC ID, spin (bounded), VMCALL at insn. */
#define REAL_SCENARIO(id, gintr_)                                                             \
	EXIT_GUEST(id,                                                                       \
		   "movl %r9d, " STR(LAPIC_ICR_HI) "(%r8); movl %r10d, " STR(LAPIC_ICR_LO) "(%r8); " \
		   "mov $" STR(GUEST_SPINS) ", %r11d; 1: pause; dec %r11; jnz 1b",          \
		   "vmcall");                                                                \
	extern char label__##id##__insn[];                                                    \
	static bool setup_##id(struct scenario_ctx *ctx)                                      \
	{                                                                                     \
		struct wcfg c = { .real = true, .gintr = gintr_, .insn = label__##id##__insn }; \
		return setup_common(ctx, &c);                                                 \
	}
/* The guest's own blocking: NOP at insn, VMCALL at resume. */
#define BLOCK_SCENARIO(id, gintr_)                                                            \
	EXIT_GUEST(id, "", "nop");                                                            \
	static bool setup_##id(struct scenario_ctx *ctx)                                      \
	{                                                                                     \
		struct wcfg c = { .gintr = gintr_ };                                          \
		return setup_common(ctx, &c);                                                 \
	}

REAL_SCENARIO(exit_nmiwin_real_open, 0)
REAL_SCENARIO(exit_nmiwin_real_blocked, GINTR_NMI)
BLOCK_SCENARIO(exit_nmiwin_movss, GINTR_MOV_SS)
BLOCK_SCENARIO(exit_nmiwin_sti, GINTR_STI)

/* ---- declarations ---------------------------------------------------------------------- */

#define VNMI_INTR "intr={VECTOR=NMI,TYPE=NMI,NMI_UNBLOCKING=0,VALID=1}"
#define WSCN(id, ...) SCENARIO(id, .guest = guest_##id, .setup = setup_##id, .body = body_window, __VA_ARGS__)
#define PHASE1 "EXCEPTION_NMI at=impl " VNMI_INTR " gintr=0 gact=ACTIVE resumed; "
#define WINDOW_TEXT                                                                                      \
	"SDM Vol. 3 \"Other Causes of VM Exits\" (NMI-window exiting: \"If the \\\"NMI-window exiting\\\" "     \
	"VM-execution control is 1, a VM exit occurs before execution of any instruction if there is no "       \
	"virtual-NMI blocking and there is no blocking of events by MOV SS (see Table 24-3). (A logical "       \
	"processor may also prevent such a VM exit if there is blocking of events by STI.)\"); \"NMI-Window "    \
	"Exiting\" (VM entry: such a VM exit occurs immediately after VM entry if those conditions hold)"
#define REAL_TEXT                                                                                        \
	"; \"Pin-Based VM-Execution Controls\" (NMI exiting, virtual NMIs); APIC \"Interrupt Command Register " \
	"(ICR)\" (NMI to the own APIC ID); \"Architectural State Before a VM Exit\" (\"An NMI causes "           \
	"subsequent NMIs to be blocked, but only after the VM exit completes\": the host's second self-NMI is "  \
	"pending at the next entry); \"Information for VM Exits Due to Vectored Events\" (vector 2, type 2, bit " \
	"12 0: not an IRET fault); \"Interruptibility State\" (VM entry, virtual NMIs 1: bit 3 \"does not "       \
	"affect the blocking of NMIs after VM entry. NMIs are not blocked in VMX non-root operation\"; it "      \
	"determines virtual-NMI blocking).  Phase 1 (the guest's own self-NMI) is timing: at=impl"

WSCN(exit_nmiwin_real_open,
     .expect = PHASE1 "NMI_WINDOW at=insn next=insn gintr=0 gact=ACTIVE; VMCALL at=insn len=3 rax=8 end",
     .cite = WINDOW_TEXT "; priority, same section: \"VM exits caused by the VMX-preemption timer and higher "
			 "priority events take priority over VM exits caused by this control. VM exits caused by "
			 "this control take priority over non-maskable interrupts (NMIs) and lower priority "
			 "events\"" REAL_TEXT "; \"Updating Non-Register State\" (VM exits: only a VM exit caused directly by an "
			 "NMI causes blocking by NMI, other VM exits leave it as it was; it was none in non-root "
			 "operation).  Phase 2: no virtual-NMI blocking, a real NMI pending: exit 8 at insn; the "
			 "NMI, unblocked, goes to the host's NMI handler after the exit (rax=8); the control "
			 "cleared: the VMCALL");
WSCN(exit_nmiwin_real_blocked,
     .expect = PHASE1 "EXCEPTION_NMI at=insn next=insn " VNMI_INTR " gintr={NMI=1} gact=ACTIVE; "
	       "VMCALL at=insn len=3 rax=0 end",
     .cite = WINDOW_TEXT REAL_TEXT " (phase 2 with virtual-NMI blocking: no NMI-window exit; the real NMI "
			 "exits; \"Saving Non-Register State\": bit 3 saved as virtual-NMI blocking, still 1; "
			 "resumed, the window stays closed: the VMCALL)");
WSCN(exit_nmiwin_movss, .expect = "NMI_WINDOW at=resume next=resume gintr=0 gact=ACTIVE; VMCALL at=resume len=3 end",
     .cite = WINDOW_TEXT "; \"Interruptibility State\" (VM entry: \"Events are blocked by MOV SS if and only if "
			 "bit 1 in the interruptibility-state field is 1\", cleared after one instruction): no "
			 "exit before the NOP at insn, the exit before the VMCALL at resume, nothing blocked then");
WSCN(exit_nmiwin_sti,
     .expect = "NMI_WINDOW at=impl gintr=impl gact=ACTIVE resumed; VMCALL at=resume len=3 end",
     .cite = WINDOW_TEXT "; \"Interruptibility State\" (VM entry: \"Events are blocked by STI if and only if bit 0 "
			 "in the interruptibility-state field is 1\"; RFLAGS.IF 1): the exit at insn with blocking "
			 "by STI saved, or at resume with none: both allowed (at=impl, gintr=impl)");
