/*
 * exit_ev_* - exits caused by events rather than by one instruction:
 * interrupt window (7), NMI window (8), VMX-preemption timer (52), monitor
 * trap flag (37), TPR below threshold (43), triple fault (2), and exceptions
 * through the exception bitmap and the #PF error-code mask/match (0).
 *
 * One body for all (event_body): it steps over instruction exits by the
 * VM-exit instruction length, steps over software exceptions (#BP, INT1) by
 * it too (the field is defined for them), and after an event exit disarms
 * the control that caused it (clears the control, or the TPR threshold) and
 * resumes the guest where it stopped; the VMCALL ends the scenario.  So
 * `next=LABEL` observes where the guest went on.  Anything else ends it.
 *
 * State: the VMCS is the scenario's own; the guest IDT and the virtual-APIC
 * pages are static here and rewritten by each setup.  RFLAGS.IF set for an
 * interrupt window is cleared before the guest is resumed (no host interrupt
 * can reach the guest: "external-interrupt exiting" is 1 there too).
 */
#include "lib.h"
#include "scenario.h"
#include "desc.h"



#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define GUEST_INTR_BLOCKING_NMI BIT(3)
#define APIC_TPR 0x80

static void clear_ctl(u64 *slot, u32 field, u64 bits)
{
	*slot &= ~bits;
	vmcs_write(field, *slot);
}

/* After an event exit: remove its cause so the guest can go on. */
static bool disarm(struct vcpu *v, u32 reason)
{
	switch (reason) {
	case EXIT_REASON_INTERRUPT_WINDOW:
		clear_ctl(&v->proc, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INTR_WINDOW_EXITING);
		vmcs_write(GUEST_RFLAGS, vmcs_read(GUEST_RFLAGS) & ~RFLAGS_IF);
		return true;
	case EXIT_REASON_NMI_WINDOW:
		clear_ctl(&v->proc, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_NMI_WINDOW_EXITING);
		return true;
	case EXIT_REASON_PREEMPTION_TIMER:
		clear_ctl(&v->pin, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_PREEMPTION_TIMER);
		return true;
	case EXIT_REASON_MONITOR_TRAP_FLAG:
		clear_ctl(&v->proc, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_MONITOR_TRAP_FLAG);
		return true;
	case EXIT_REASON_TPR_BELOW_THRESHOLD:
		vmcs_write(TPR_THRESHOLD, 0);
		return true;
	}
	return false;
}

#define EVENT_MAX_EXITS 16

static enum scenario_status event_body(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	for (;;) {
		struct vcpu_exit e = vcpu_run(v);
		bool resume = false;
		if (e.kind == RESULT_EXIT && !e.entry_fail && e.reason != EXIT_REASON_VMCALL &&
		    v->exits < EVENT_MAX_EXITS) {
			if (exit_len_defined(&e)) {
				vcpu_skip_instruction(v, &e);
				resume = true;
			} else {
				resume = disarm(v, e.reason);
			}
		}
		scenario_trace_result(ctx, &e, resume);
		if (!resume)
			return v->exits >= EVENT_MAX_EXITS ? SCN_ABORT : SCN_DONE;
	}
}

#define EVENT_SCENARIO(id, ...) SCENARIO(id, .guest = guest_##id, .body = event_body, __VA_ARGS__)
/* An exit before the guest's first instruction (a VMCALL at label insn),
 * then, disarmed and resumed, the VMCALL itself. */
#define AT_ENTRY(reason) #reason " at=insn next=insn; VMCALL at=insn len=3 end"
/* A trap-like exit after the instruction at insn, at resume. */
#define AFTER_INSN(reason) #reason " at=resume next=resume; VMCALL at=resume len=3 end"

/* ---- interrupt window ------------------------------------------------------------------ */

/* RFLAGS.IF = 1, no blocking: exit before the first instruction. */
EXIT_GUEST(exit_ev_intr_window, "", "vmcall");
/* IF = 0 at entry; STI sets it but blocks interrupts for one instruction
 * (the NOP at insn): the window opens at the VMCALL after it. */
EXIT_GUEST(exit_ev_intr_window_sti, "sti", "nop");
static bool setup_intr_window(struct scenario_ctx *ctx, u64 rflags)
{
	if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_EXITING) ||
	    !scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INTR_WINDOW_EXITING))
		return false;
	vmcs_write(GUEST_RFLAGS, rflags);
	return true;
}
static bool setup_intr_window_if(struct scenario_ctx *ctx) { return setup_intr_window(ctx, 0x2 | RFLAGS_IF); }
static bool setup_intr_window_sti(struct scenario_ctx *ctx) { return setup_intr_window(ctx, 0x2); }
#define WINDOW_CITE                                                                              \
	"SDM Vol. 3 \"Other Causes of VM Exits\" (interrupt-window exiting: a VM exit at the beginning " \
	"of any instruction at which RFLAGS.IF = 1 and there is no blocking of interrupts); \"VM Entries\" " \
	"\"Interrupt-Window Exiting and Virtual-Interrupt Delivery\"; \"Interruptibility State\" (blocking by STI)"
EVENT_SCENARIO(exit_ev_intr_window, .setup = setup_intr_window_if, .expect = AT_ENTRY(INTERRUPT_WINDOW),
	       .cite = WINDOW_CITE " (IF = 1 at entry: exit before the first instruction)");
EVENT_SCENARIO(exit_ev_intr_window_sti, .setup = setup_intr_window_sti, .expect = AFTER_INSN(INTERRUPT_WINDOW),
	       .cite = WINDOW_CITE " (STI; NOP: the NOP is blocked by STI, the exit is at the instruction after it)");

/* ---- NMI window ------------------------------------------------------------------------ */

/* "NMI exiting" and "virtual NMIs" 1, no virtual-NMI blocking: exit before
 * the first instruction. */
EXIT_GUEST(exit_ev_nmi_window, "", "vmcall");
/* Virtual-NMI blocking at entry (interruptibility bit 3): no window until
 * IRET removes the blocking; the exit is at the IRET's target. */
EXIT_GUEST(exit_ev_nmi_window_iret,
      "mov %rsp, %rax; pushq $" STR(GDT_DATA) "; pushq %rax; pushfq; pushq $" STR(GDT_CODE64) "; "
      "lea label__exit_ev_nmi_window_iret__resume(%rip), %rax; pushq %rax",
      "iretq");
static bool setup_nmi_window(struct scenario_ctx *ctx, u32 blocking)
{
	if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS) ||
	    !scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_NMI_WINDOW_EXITING))
		return false;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, blocking);
	return true;
}
static bool setup_nmi_window_open(struct scenario_ctx *ctx) { return setup_nmi_window(ctx, 0); }
static bool setup_nmi_window_blocked(struct scenario_ctx *ctx)
{
	return setup_nmi_window(ctx, GUEST_INTR_BLOCKING_NMI);
}
#define NMI_WINDOW_CITE                                                                         \
	"SDM Vol. 3 \"Other Causes of VM Exits\" (NMI-window exiting: a VM exit at the beginning of " \
	"any instruction if there is no virtual-NMI blocking); \"NMI-Window Exiting\"; \"Changes to "   \
	"Instruction Behavior in VMX Non-Root Operation\" (IRET removes virtual-NMI blocking)"
EVENT_SCENARIO(exit_ev_nmi_window, .setup = setup_nmi_window_open, .expect = AT_ENTRY(NMI_WINDOW),
	       .cite = NMI_WINDOW_CITE " (no blocking at entry: exit before the first instruction)");
EVENT_SCENARIO(exit_ev_nmi_window_iret, .setup = setup_nmi_window_blocked, .expect = AFTER_INSN(NMI_WINDOW),
	       .cite = NMI_WINDOW_CITE " (blocking by NMI at entry; IRETQ to label resume unblocks: exit there)");

/* ---- VMX-preemption timer -------------------------------------------------------------- */

EXIT_GUEST(exit_ev_preempt_timer, "", "vmcall");
static bool setup_preempt_timer(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_PREEMPTION_TIMER))
		return false;
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 0);
	return true;
}
EVENT_SCENARIO(exit_ev_preempt_timer, .setup = setup_preempt_timer, .expect = AT_ENTRY(PREEMPTION_TIMER),
	       .cite = "SDM Vol. 3 \"VMX-Preemption Timer\" (VM entry with the timer value 0: a VM exit occurs "
		       "before any instruction executes; the exit RIP is the guest's first instruction)");

/* ---- monitor trap flag ----------------------------------------------------------------- */

EXIT_GUEST(exit_ev_mtf, "", "nop");
static bool setup_mtf(struct scenario_ctx *ctx)
{
	return scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_MONITOR_TRAP_FLAG);
}
EVENT_SCENARIO(exit_ev_mtf, .setup = setup_mtf, .expect = AFTER_INSN(MONITOR_TRAP_FLAG),
	       .cite = "SDM Vol. 3 \"Monitor Trap Flag\" (an MTF VM exit after the first guest instruction "
		       "completes: RIP is the next instruction); timing-sensitive (the exit follows instruction "
		       "boundaries, not time; an emulator that batches instructions may stop later)");

/* ---- TPR below threshold --------------------------------------------------------------- */

static u8 virtual_apic_page[4096] ALIGNED(4096);
static u8 apic_access_page[4096] ALIGNED(4096);

/* At entry: "use TPR shadow" 1, "virtualize APIC accesses" 1 (otherwise a
 * threshold above VTPR[7:4] fails the entry checks), VTPR = 10H, threshold 2. */
EXIT_GUEST(exit_ev_tpr_entry, "", "vmcall");
/* MOV to CR8 with "use TPR shadow" 1 writes VTPR: 20H (class 2) below
 * threshold 3 exits after the MOV; 40H (class 4) does not. */
EXIT_GUEST(exit_ev_tpr_cr8, "mov $2, %eax", "mov %rax, %cr8");
EXIT_GUEST(exit_ev_tpr_cr8_noexit, "mov $4, %eax", "mov %rax, %cr8");
static bool setup_tpr(struct scenario_ctx *ctx, u8 vtpr, u32 threshold, bool apic_access)
{
	memset(virtual_apic_page, 0, sizeof(virtual_apic_page));
	virtual_apic_page[APIC_TPR] = vtpr;
	if (apic_access && !scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_VIRTUALIZE_APIC_ACCESSES))
		return false;
	if (!scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_TPR_SHADOW))
		return false;
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (u64)virtual_apic_page);
	if (apic_access)
		vmcs_write(APIC_ACCESS_ADDR, (u64)apic_access_page);
	vmcs_write(TPR_THRESHOLD, threshold);
	return true;
}
static bool setup_tpr_entry(struct scenario_ctx *ctx) { return setup_tpr(ctx, 0x10, 2, true); }
static bool setup_tpr_cr8(struct scenario_ctx *ctx) { return setup_tpr(ctx, 0x50, 3, false); }
#define TPR_CITE "SDM Vol. 3 \"VM Exits Induced by the TPR Threshold\"; \"TPR Virtualization\""
EVENT_SCENARIO(exit_ev_tpr_entry, .setup = setup_tpr_entry, .expect = AT_ENTRY(TPR_BELOW_THRESHOLD),
	       .cite = TPR_CITE " (VM entry: \"use TPR shadow\" 1, \"virtual-interrupt delivery\" 0, TPR "
		       "threshold 2 > VTPR[7:4] = 1: exit immediately after entry); \"Checks on VMX Controls\" "
		       "(the threshold/VTPR check applies only with \"virtualize APIC accesses\" 0)");
EVENT_SCENARIO(exit_ev_tpr_cr8, .setup = setup_tpr_cr8, .expect = AFTER_INSN(TPR_BELOW_THRESHOLD),
	       .cite = TPR_CITE " (MOV to CR8 writes VTPR = 20H; VTPR[7:4] = 2 < threshold 3: trap-like exit "
		       "after the instruction); MOV CR8,RAX = 44 0F 22 C0");
EVENT_SCENARIO(exit_ev_tpr_cr8_noexit, .setup = setup_tpr_cr8, .expect = "VMCALL at=resume len=3 end",
	       .cite = TPR_CITE " (MOV to CR8 writes VTPR = 40H; 4 >= threshold 3: no exit)");

/* ---- triple fault ---------------------------------------------------------------------- */

/* Exception bitmap 0 and a guest IDT of limit 0: #UD cannot be delivered
 * (#GP), nor can that (#DF), nor the double fault: triple fault. */
EXIT_GUEST(exit_ev_triple_fault, "", "ud2");
static bool setup_triple_fault(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(EXCEPTION_BITMAP, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0);
	return true;
}
EVENT_SCENARIO(exit_ev_triple_fault, .setup = setup_triple_fault, .expect = "TRIPLE_FAULT end",
	       .cite = "SDM Vol. 3 \"Other Causes of VM Exits\" (triple fault: a VM exit occurs if the logical "
		       "processor encounters an exception while attempting to call the double-fault handler); "
		       "\"Exception Bitmap\" (0: #UD, #GP, #DF are not intercepted); guest IDTR limit 0.  RIP not "
		       "compared: \"Saving RIP, RSP, and RFLAGS\" saves the return pointer the double fault would "
		       "have pushed, and \"Interrupt 8 - Double Fault Exception\" says the saved CS and EIP are "
		       "undefined");

/* ---- exceptions through the exception bitmap ------------------------------------------ */

#define EXC_CITE(sections)                                                                   \
	"SDM Vol. 3 \"Exceptions\" (VMX non-root operation: an exception whose bit is 1 in the " \
	"exception bitmap causes a VM exit); \"Exception Bitmap\"; \"Information for VM Exits Due to " \
	"Vectored Events\"" sections

EXIT_GUEST(exit_ev_exc_de, "xor %ecx, %ecx; mov $1, %eax; xor %edx, %edx", "div %ecx");
EVENT_SCENARIO(exit_ev_exc_de,
	       .expect = "EXCEPTION_NMI at=insn intr={VECTOR=DE,TYPE=HW_EXCEPTION,ERROR_VALID=0,VALID=1} end",
	       .cite = EXC_CITE("; DIV by 0: #DE, a fault (RIP of the DIV), no error code"));

/* INT1 (ICEBP, F1): a privileged software exception; the VM-exit instruction
 * length is defined (1): the body steps over it. */
EXIT_GUEST(exit_ev_exc_db_int1, "", ".byte 0xf1");
EVENT_SCENARIO(exit_ev_exc_db_int1,
	       .expect = "EXCEPTION_NMI at=insn len=insn..resume=1 next=resume qual=0 "
			 "intr={VECTOR=DB,TYPE=PRIV_SW_EXCEPTION,ERROR_VALID=0,VALID=1}; "
			 "VMCALL at=resume len=3 end",
	       .cite = EXC_CITE(" (INT1: interruption type 5, privileged software exception); field "
				"\"VM-Exit Instruction Length\" (defined for software exceptions: 1, so the guest "
				"resumes at label resume); \"Exit Qualification for Debug Exceptions\" (no DR6 "
				"condition: 0); INT1 = F1"));

/* Single step: POPF sets TF; the #DB trap follows the next instruction (NOP
 * at insn): RIP = resume, qualification BS (bit 14). */
EXIT_GUEST(exit_ev_exc_db_step, "pushfq; orq $" STR(RFLAGS_TF) ", (%rsp); popfq", "nop");
EVENT_SCENARIO(exit_ev_exc_db_step,
	       .expect = "EXCEPTION_NMI at=resume qual=0x4000 "
			 "intr={VECTOR=DB,TYPE=HW_EXCEPTION,ERROR_VALID=0,VALID=1} end",
	       .cite = EXC_CITE("; \"Exit Qualification for Debug Exceptions\" (bit 14 BS: single-step); "
				"single-step #DB is a trap after the instruction following the POPF that set TF"));

/* INT3: a software exception (type 6), length 1: the body steps over it. */
EXIT_GUEST(exit_ev_exc_bp, "", "int3");
EVENT_SCENARIO(exit_ev_exc_bp,
	       .expect = "EXCEPTION_NMI at=insn len=insn..resume=1 next=resume "
			 "intr={VECTOR=BP,TYPE=SW_EXCEPTION,ERROR_VALID=0,VALID=1}; "
			 "VMCALL at=resume len=3 end",
	       .cite = EXC_CITE(" (INT3: interruption type 6, software exception); field \"VM-Exit Instruction "
				"Length\" (defined for software exceptions: 1); INT3 = CC"));

/* INTO is invalid in 64-bit mode: #UD (there is no #OF from INTO here). */
EXIT_GUEST(exit_ev_exc_into, "", ".byte 0xce");
EVENT_SCENARIO(exit_ev_exc_into,
	       .expect = "EXCEPTION_NMI at=insn intr={VECTOR=UD,TYPE=HW_EXCEPTION,ERROR_VALID=0,VALID=1} end",
	       .cite = EXC_CITE("; SDM Vol. 2 INTO: \"Invalid\" in 64-bit mode, #UD; INTO = CE"));

/* #GP with an error code: loading DS with a selector beyond the GDT limit:
 * #GP(selector) = FFF8H. */
EXIT_GUEST(exit_ev_exc_gp_sel, "mov $0xfff8, %eax", "mov %eax, %ds");
EVENT_SCENARIO(exit_ev_exc_gp_sel,
	       .expect = "EXCEPTION_NMI at=insn intr={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1} "
			 "err=0xfff8 end",
	       .cite = EXC_CITE("; field \"VM-Exit Interruption Error Code\"; SDM Vol. 2 MOV Sreg: #GP(selector) "
				"if the selector index is outside the descriptor table limit"));
/* #GP(0): a load from a non-canonical address. */
EXIT_GUEST(exit_ev_exc_gp_noncanon, "movabs $0x8000000000000000, %rax", "mov (%rax), %rax");
EVENT_SCENARIO(exit_ev_exc_gp_noncanon,
	       .expect = "EXCEPTION_NMI at=insn intr={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1} "
			 "err=0 end",
	       .cite = EXC_CITE("; SDM Vol. 3 \"Interrupt 13 - General Protection Exception\" (non-canonical "
				"linear address: #GP(0))"));

/* #NM: an x87 instruction with CR0.TS = 1 (the guest's CR0 only; the host's
 * CR0 is reloaded on exit). */
EXIT_GUEST(exit_ev_exc_nm, "", "fnop");
static bool setup_nm(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_CR0, vmcs_read(GUEST_CR0) | BIT(3));
	vmcs_write(CR0_READ_SHADOW, vmcs_read(GUEST_CR0));
	return true;
}
EVENT_SCENARIO(exit_ev_exc_nm, .setup = setup_nm,
	       .expect = "EXCEPTION_NMI at=insn intr={VECTOR=NM,TYPE=HW_EXCEPTION,ERROR_VALID=0,VALID=1} end",
	       .cite = EXC_CITE("; SDM Vol. 3 \"Interrupt 7 - Device Not Available Exception (#NM)\" (CR0.TS = 1 "
				"and an x87 instruction); FNOP = D9 D0"));

/* #SS(0): a push through a non-canonical RSP (the guest's own RSP; the
 * scenario ends at the exit). */
EXIT_GUEST(exit_ev_exc_ss, "movabs $0x8000000000000000, %rsp", "push %rax");
EVENT_SCENARIO(exit_ev_exc_ss,
	       .expect = "EXCEPTION_NMI at=insn intr={VECTOR=SS,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1} err=0 end",
	       .cite = EXC_CITE("; SDM Vol. 3 \"Interrupt 12 - Stack Fault Exception (#SS)\" (a non-canonical "
				"stack address: #SS(0))"));

/*
 * #PF: 40000000H is not mapped (boot.S maps the first GiB only): a read is
 * PFEC 0, a write PFEC 2 (W/R).  Exit qualification = the faulting linear
 * address (what CR2 would get).  The #PF error-code mask/match decide:
 * bitmap bit 14 = 1: exit iff (PFEC & mask) == match; bit 14 = 0: exit iff
 * they differ.  A #PF that does not exit goes through the guest IDT to a
 * handler whose VMCALL is labelled "handler".
 */
#define UNMAPPED "0x40000000"
#define PF_GUEST(id, access)                                                           \
	void guest_##id(void);                                                         \
	asm(".text\n.global guest_" #id "\nguest_" #id ":\n"                          \
	    "mov $" UNMAPPED ", %eax\n" GUEST_LABEL(id, insn) access "\n"                \
	    GUEST_LABEL(id, resume) "vmcall\n"                                           \
	    "jmp label__" #id "__resume\n"                                              \
	    ".balign 16\n" GUEST_LABEL(id, handler) "vmcall\n"                           \
	    "jmp label__" #id "__handler\n")
PF_GUEST(exit_ev_exc_pf_read, "mov (%rax), %rdx");
PF_GUEST(exit_ev_exc_pf_match, "movq $0, (%rax)");
PF_GUEST(exit_ev_exc_pf_nomatch, "mov (%rax), %rdx");
PF_GUEST(exit_ev_exc_pf_inv_exit, "movq $0, (%rax)");
PF_GUEST(exit_ev_exc_pf_inv_noexit, "mov (%rax), %rdx");

/* The guest IDT: vectors 0-14, only #PF present (a 64-bit interrupt gate). */
static u64 guest_idt[2 * (INFO_INTR_INFO_VECTOR_PF + 1)] ALIGNED(16);

static bool setup_pf(struct scenario_ctx *ctx, bool bit14, u32 mask, u32 match, void (*handler)(void))
{
	(void)ctx;
	u64 h = (u64)handler;
	memset(guest_idt, 0, sizeof(guest_idt));
	idt_gate64(guest_idt, INFO_INTR_INFO_VECTOR_PF, h, true);
	vmcs_write(GUEST_IDTR_BASE, (u64)guest_idt);
	vmcs_write(GUEST_IDTR_LIMIT, sizeof(guest_idt) - 1);
	u64 bitmap = vmcs_read(EXCEPTION_BITMAP);
	vmcs_write(EXCEPTION_BITMAP, bit14 ? bitmap | BIT(INFO_INTR_INFO_VECTOR_PF) : bitmap & ~BIT(INFO_INTR_INFO_VECTOR_PF));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, mask);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, match);
	return true;
}
#define PF_SETUP(id, bit14, mask, match)                                                   \
	extern void label__##id##__handler(void);                                          \
	static bool setup_##id(struct scenario_ctx *ctx)                                   \
	{                                                                                  \
		return setup_pf(ctx, bit14, mask, match, label__##id##__handler);          \
	}
PF_SETUP(exit_ev_exc_pf_read, true, 0, 0)
PF_SETUP(exit_ev_exc_pf_match, true, 2, 2)
PF_SETUP(exit_ev_exc_pf_nomatch, true, 2, 2)
PF_SETUP(exit_ev_exc_pf_inv_exit, false, 2, 0)
PF_SETUP(exit_ev_exc_pf_inv_noexit, false, 0, 0)

#define PF_EXIT(err) \
	"EXCEPTION_NMI at=insn qual=" UNMAPPED " intr={VECTOR=PF,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1} err=" \
	#err " end"
#define PF_CITE(sections) \
	EXC_CITE("; \"Exit Qualification for VM Exits\" (#PF: the linear address that caused the page fault); " \
		 "\"Exception Bitmap\" (page-fault error-code mask and match)" sections)
#define PF_DELIVERED "VMCALL at=handler len=3 end"
EVENT_SCENARIO(exit_ev_exc_pf_read, .setup = setup_exit_ev_exc_pf_read, .expect = PF_EXIT(0),
	       .cite = PF_CITE(" (bit 14 = 1, mask 0 = match 0: exit; PFEC 0: not present, read, supervisor)"));
EVENT_SCENARIO(exit_ev_exc_pf_match, .setup = setup_exit_ev_exc_pf_match, .expect = PF_EXIT(2),
	       .cite = PF_CITE(" (bit 14 = 1, PFEC 2 & mask 2 = match 2: exit)"));
EVENT_SCENARIO(exit_ev_exc_pf_nomatch, .setup = setup_exit_ev_exc_pf_nomatch, .expect = PF_DELIVERED,
	       .cite = PF_CITE(" (bit 14 = 1, PFEC 0 & mask 2 = 0 != match 2: no exit; the #PF is delivered "
			       "through the guest IDT to the handler)"));
EVENT_SCENARIO(exit_ev_exc_pf_inv_exit, .setup = setup_exit_ev_exc_pf_inv_exit, .expect = PF_EXIT(2),
	       .cite = PF_CITE(" (bit 14 = 0, PFEC 2 & mask 2 = 2 != match 0: exit)"));
EVENT_SCENARIO(exit_ev_exc_pf_inv_noexit, .setup = setup_exit_ev_exc_pf_inv_noexit, .expect = PF_DELIVERED,
	       .cite = PF_CITE(" (bit 14 = 0, PFEC 0 & mask 0 = match 0: no exit; delivered to the guest handler)"));

/*
 * #AC: alignment checking needs CPL 3, CR0.AM = 1 and RFLAGS.AC = 1.  The
 * guest runs at CPL 3 (CS/SS DPL 3 in the VMCS; the guest never reloads a
 * segment, so the GDT is not consulted) on its own page tables: the first
 * GiB identity-mapped with 2-MiB user pages (U/S = 1), static here.  A
 * 4-byte load from RSP+1 is misaligned: #AC(0).  With CR0.AM = 0 the same
 * load runs and the guest's VMCALL (which exits at any CPL) ends it.
 */
static u64 ac_pml4[512] ALIGNED(4096);
static u64 ac_pdpt[512] ALIGNED(4096);
static u64 ac_pd[512] ALIGNED(4096);
#define RFLAGS_AC BIT(18)
#define PTE_P_RW_US 0x7ULL
#define PDE_PS BIT(7)

EXIT_GUEST(exit_ev_exc_ac, "", "mov 1(%rsp), %eax");
EXIT_GUEST(exit_ev_exc_ac_off, "", "mov 1(%rsp), %eax");
static bool setup_user_guest(bool am)
{
	for (u64 i = 0; i < 512; i++)
		ac_pd[i] = (i << 21) | PDE_PS | PTE_P_RW_US;
	memset(ac_pdpt, 0, sizeof(ac_pdpt));
	memset(ac_pml4, 0, sizeof(ac_pml4));
	ac_pdpt[0] = (u64)ac_pd | PTE_P_RW_US;
	ac_pml4[0] = (u64)ac_pdpt | PTE_P_RW_US;
	vmcs_write(GUEST_CR3, (u64)ac_pml4);
	u64 cr0 = vmcs_read(GUEST_CR0);
	vmcs_write(GUEST_CR0, am ? cr0 | X86_CR0_AM : cr0 & ~X86_CR0_AM);
	vmcs_write(CR0_READ_SHADOW, vmcs_read(GUEST_CR0));
	vmcs_write(GUEST_RFLAGS, 0x2 | RFLAGS_AC);
	/* CPL 3: CS and SS with RPL 3 and DPL 3 (64-bit code, writable data). */
	vmcs_write(GUEST_CS_SELECTOR, 0x18 | 3);
	vmcs_write(GUEST_CS_AR_BYTES, 0xa0fb);
	vmcs_write(GUEST_SS_SELECTOR, GDT_DATA | 3);
	vmcs_write(GUEST_SS_AR_BYTES, 0xc0f3);
	return true;
}
static bool setup_ac(struct scenario_ctx *ctx) { (void)ctx; return setup_user_guest(true); }
static bool setup_ac_off(struct scenario_ctx *ctx) { (void)ctx; return setup_user_guest(false); }
EVENT_SCENARIO(exit_ev_exc_ac, .setup = setup_ac,
	       .expect = "EXCEPTION_NMI at=insn intr={VECTOR=AC,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1} err=0 end",
	       .cite = EXC_CITE("; SDM Vol. 3 \"Interrupt 17 - Alignment Check Exception (#AC)\" (CR0.AM = 1, "
				"RFLAGS.AC = 1, CPL 3, unaligned 4-byte operand; error code 0)"));
EVENT_SCENARIO(exit_ev_exc_ac_off, .setup = setup_ac_off, .expect = "VMCALL at=resume len=3 end",
	       .cite = EXC_CITE("; \"Interrupt 17 - Alignment Check Exception (#AC)\" (CR0.AM = 0: no alignment "
				"check, no #AC); \"Instructions That Cause VM Exits Unconditionally\" (VMCALL, at CPL 3)"));
