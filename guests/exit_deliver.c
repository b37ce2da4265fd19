/*
 * exit_dlv_* - VM exits during event delivery caused by the guest's own
 * stack: the frame the processor pushes for an event meets an EPT violation
 * (48), an EPT misconfiguration (49) or the APIC-access page (44).  The
 * host records the exit (IDT-vectoring information and error code, the
 * qualification, the guest-physical and guest-linear address of the stack
 * slot, the VM-exit instruction length where the SDM defines it), then
 * does what a VMM must: it gives the page back and re-injects the event the
 * IDT-vectoring fields describe (for software events with the VM-exit
 * instruction length as the VM-entry instruction length).  The guest's
 * handler then runs, once, and reports what the processor pushed.
 *
 * The guest's IDT (dlv_idt, one page) sends every vector to stub v of
 * dlv_stubs, a CALL into dlv_common, which recovers v and reports:
 *   hcall   VMCALL with rax = pushed RIP, rdi = vector, rsi = pushed error code
 *           (DLV_NOERR when the frame has none: frame size = r8 (the guest RSP
 *           before the event) - RSP, 40 bytes without an error code, 48 with
 *           one: SDM "64-Bit Mode Stack Frame"), rdx = pushed CS, rcx = pushed
 *           RFLAGS (the RFLAGS the exit saved: re-injection pushes the RFLAGS
 *           loaded from the guest-state area, RF not modified);
 *   hstate  VMCALL with rax = how many times the handler ran, rdi = CR2 (rcx
 *           cleared: the pushed RFLAGS shows in the hcall record only);
 * then it replaces the pushed RIP with r9 when r9 is not 0 (a fault: go on
 * after the faulting instruction) and executes IRETQ.
 *
 * The guest stack: two pages, dlv_stack (the low one, the one the host takes
 * away) and the page above it; the guest RSP before the event is 32 bytes
 * above the boundary P.  A frame without an error code (SS, RSP, RFLAGS,
 * CS, RIP: 40 bytes, RSP 16-byte aligned) then has exactly one slot, the
 * RIP at P - 8 (label slot), in the low page: whatever order the processor
 * writes the frame in, the access that faults is that slot's.  A frame with
 * an error code (48 bytes) has two slots there, P - 16 (error code, label
 * slot16) and P - 8: the SDM does not say which the processor writes first,
 * so only the other address bits are compared (bit 3 masked).
 *
 * The first entry runs a warm-up (it reads the IDT page, writes both stack
 * pages, reads the GDT's code descriptor, VMCALL): under nested VMX the L0
 * builds its own EPT entries lazily, and no page the delivery touches should
 * be met for the first time by it.  Then the host sets RIP, RSP, RFLAGS,
 * the event to inject (if any) and takes the page away (arm).
 *
 * Every scenario builds its own IDT, EPT (ept_enable() rebuilds the tables)
 * and VMCS; nothing is left behind.
 */
#include "lib.h"
#include "scenario.h"
#include "desc.h"
#include "ept.h"
#include "lapic.h"

#define V_BP 3
#define V_GP 13
#define V_PF 14
#define V_EXT 32 /* an external-interrupt vector (32..255) */
#define V_SWINT 128
_Static_assert(V_BP == INFO_INTR_INFO_VECTOR_BP && V_GP == INFO_INTR_INFO_VECTOR_GP && V_PF == INFO_INTR_INFO_VECTOR_PF,
	       "vectors as in exit_info.def");

#define DLV_NOERR 0xffffffffffffffff /* rsi when the frame holds no error code */
#define DLV_CR2 0x2c2c2c2c3000 /* CR2 before the entry (canonical) */
#define PF_LINEAR 0x40003000 /* not present in the private guest paging (ept_guest_paging: gpt[3] = 0) */
#define NONCANON 0x8000000000000000 /* bit 63 set, bits 62:47 clear: not canonical for N = 48 or 57 */
/* Guest RFLAGS: bit 1, CF, ZF, OF; with IF (an injected external interrupt needs it);
 * the same with RF, as the frame of a fault carries it. */
#define RFL 0x843
#define RFL_IF 0xa43
#define RFL_RF 0x10843
_Static_assert(RFL == (BIT(1) | X86_RFLAGS_CF | X86_RFLAGS_ZF | BIT(11)) && RFL_IF == (RFL | BIT(9)) &&
		       RFL_RF == (RFL | BIT(16)),
	       "guest RFLAGS");
/* The offset of the RIP slot (P - 8) in the low stack page. */
#define SLOT_OFFSET 0xff8
/* A 48-byte frame: the faulting slot is P - 16 or P - 8 (bit 3). */
#define SLOT16_MASK 0xfffffffffffffff7

#define DLV_ALL(X)                                                                                     \
	X(exit_dlv_ept_bp) X(exit_dlv_ept_swint) X(exit_dlv_ept_gp) X(exit_dlv_ept_pf) X(exit_dlv_ept_extint) \
	X(exit_dlv_mis_bp) X(exit_dlv_mis_extint) X(exit_dlv_apic_bp) X(exit_dlv_apic_gp)
#define WARM_LABEL(id) GUEST_LABEL(id, warm)
#define HCALL_LABEL(id) GUEST_LABEL(id, hcall)
#define HSTATE_LABEL(id) GUEST_LABEL(id, hstate)
#define SLOT_LABEL(id) GUEST_LABEL(id, slot)
#define SLOT16_LABEL(id) GUEST_LABEL(id, slot16)

/* The IDT page, the stack (low page with the slot labels, high page). */
asm(".pushsection .bss.dlv_pages,\"aw\",@nobits\n.balign 4096\n.global dlv_idt\ndlv_idt:\n.skip 4096\n"
    ".global dlv_stack\ndlv_stack:\n.skip 4096 - 16\n" DLV_ALL(SLOT16_LABEL) ".skip 8\n" DLV_ALL(SLOT_LABEL)
    ".skip 8\n.skip 4096\n"
    ".popsection\n");
extern u64 dlv_idt[512];
extern u8 dlv_stack[8192];
#define DLV_P ((u64)dlv_stack + 4096)
#define DLV_RSP (DLV_P + 32)

/* How many times the handler ran (the host zeroes it in the setup). */
u64 dlv_count;

asm(GUEST_GATE_STUBS(dlv_stubs, dlv_common)
    "incq dlv_count(%rip)\n"
    "mov (%rsp), %rax\n"
    "mov 8(%rsp), %rdx\n"
    "mov 16(%rsp), %rcx\n"
    ".global dlv_hcall\ndlv_hcall:\n" DLV_ALL(HCALL_LABEL) "vmcall\n"
    "mov dlv_count(%rip), %rax\n"
    "mov %cr2, %rdi\n"
    "xor %ecx, %ecx\n"
    ".global dlv_hstate\ndlv_hstate:\n" DLV_ALL(HSTATE_LABEL) "vmcall\n"
    "test %r9, %r9\n"
    "jz 3f\n"
    "mov %r9, (%rsp)\n"
    "3: iretq\n"
    ".balign 16\n.global dlv_warm\ndlv_warm:\n"
    "mov dlv_idt(%rip), %rax\n"
    "mov %rax, -8(%r8)\n"
    "mov %rax, -40(%r8)\n"
    "mov %rax, -48(%r8)\n"
    "sgdt -32(%r8)\n"
    "mov -30(%r8), %rax\n"
    "mov " STR(GDT_CODE64) "(%rax), %rax\n"
    ".global dlv_warm_call\ndlv_warm_call:\n" DLV_ALL(WARM_LABEL) "vmcall\n"
    "jmp dlv_warm\n");
extern u8 dlv_stubs[], dlv_hcall[], dlv_hstate[], dlv_warm[], dlv_warm_call[];

static void dlv_set_gate(unsigned v, u64 handler)
{
	idt_gate64(dlv_idt, v, handler, true);
}

/* The page an APIC-access scenario names before and after the delivery (never touched). */
static u8 dlv_apic_idle[4096] ALIGNED(4096);

/* What the host does after the warm-up (arm), which exit it answers with the
 * re-injection (reason), and how it gives the page back (fix). */
enum dlv_kind { DLV_EPT_RO, DLV_EPT_NP, DLV_EPT_MIS, DLV_APIC };
static struct {
	enum dlv_kind kind;
	u32 reason;
	u64 info, err, len, rflags, r9;
	u64 saved_pte;
} dlv;

static void dlv_arm(void)
{
	u64 *pte;
	switch (dlv.kind) {
	case DLV_EPT_RO:
	case DLV_EPT_NP:
	case DLV_EPT_MIS:
		pte = ept_pte((u64)dlv_stack);
		dlv.saved_pte = *pte;
		*pte &= ~(u64)EPT_RWX;
		if (dlv.kind == DLV_EPT_RO)
			*pte |= EPT_R | EPT_X;
		else if (dlv.kind == DLV_EPT_MIS)
			*pte |= EPT_W; /* write without read: an EPT misconfiguration */
		ept_invept(ept_eptp(false));
		break;
	case DLV_APIC:
		vmcs_write(APIC_ACCESS_ADDR, (u64)dlv_stack);
		break;
	}
}

static void dlv_fix(void)
{
	if (dlv.kind == DLV_APIC) {
		vmcs_write(APIC_ACCESS_ADDR, (u64)dlv_apic_idle);
		return;
	}
	*ept_pte((u64)dlv_stack) = dlv.saved_pte;
	ept_invept(ept_eptp(false));
}

/* The IDT (every gate present, to its stub), the stack, CR2, the event to
 * inject after the warm-up (type NO_EVENT: none) and the exception bitmap
 * (every vector but the one the guest raises itself, so anything else shows
 * as exit 0). */
#define NO_EVENT ~0u
static bool dlv_setup(struct scenario_ctx *ctx, enum dlv_kind kind, u32 type, u32 vector, u32 len, u64 rflags,
		      u32 own_vector, u64 r9)
{
	struct vcpu *v = ctx->vcpu;
	if (kind == DLV_APIC) {
		memset(dlv_apic_idle, 0, sizeof(dlv_apic_idle));
		if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_VIRTUALIZE_APIC_ACCESSES))
			return false;
		vmcs_write(APIC_ACCESS_ADDR, (u64)dlv_apic_idle);
	} else if (!ept_enable(ctx, false)) {
		return false;
	}
	if (type == INFO_INTR_INFO_TYPE_EXTERNAL_INTERRUPT &&
	    !scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_EXITING))
		return false;
	for (unsigned i = 0; i < 256; i++)
		dlv_set_gate(i, (u64)dlv_stubs + 16 * i);
	vmcs_write(GUEST_IDTR_BASE, (u64)dlv_idt);
	vmcs_write(GUEST_IDTR_LIMIT, 4095);
	vmcs_write(GUEST_RSP, DLV_RSP);
	vmcs_write(GUEST_RIP, (u64)dlv_warm);
	vmcs_write(EXCEPTION_BITMAP, own_vector < 32 ? 0xffffffff & ~(u32)BIT(own_vector) : 0xffffffff);
	v->regs.r8 = DLV_RSP;
	v->regs.r9 = 0;
	v->regs.cr2 = DLV_CR2;
	dlv_count = 0;
	dlv.kind = kind;
	dlv.reason = kind == DLV_APIC ? EXIT_REASON_APIC_ACCESS
				      : kind == DLV_EPT_MIS ? EXIT_REASON_EPT_MISCONFIG : EXIT_REASON_EPT_VIOLATION;
	dlv.info = type == NO_EVENT ? 0 : INFO_SET(INTR_INFO, VALID, 1) | INFO_SET(INTR_INFO, TYPE, type) |
						   INFO_SET(INTR_INFO, VECTOR, vector);
	dlv.err = 0;
	dlv.len = len;
	dlv.rflags = rflags;
	dlv.r9 = r9;
	return true;
}

/* Warm-up, then the scenario's guest with the page taken away; after the
 * delivery exit: the page back, the event re-injected from the IDT-vectoring
 * fields (bit 12 cleared: it is undefined there and reserved at entry); after
 * the handler's two VMCALLs: on.  Stop at anything else. */
#define DLV_MAX_EXITS 8
static enum scenario_status dlv_body(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	for (;;) {
		struct vcpu_exit e = vcpu_run(v);
		bool ok = e.kind == RESULT_EXIT && !e.entry_fail && v->exits < DLV_MAX_EXITS;
		bool vmcall = ok && e.reason == EXIT_REASON_VMCALL;
		bool warm = vmcall && e.rip == (u64)dlv_warm_call;
		bool hcall = vmcall && e.rip == (u64)dlv_hcall;
		bool hstate = vmcall && e.rip == (u64)dlv_hstate;
		bool delivery = ok && e.reason == dlv.reason && INFO_GET(INTR_INFO, VALID, e.idt_info);
		bool resume = warm || hcall || hstate || delivery;
		scenario_trace_result(ctx, &e, resume);
		if (!resume)
			return v->exits >= DLV_MAX_EXITS ? SCN_ABORT : SCN_DONE;
		if (warm) {
			vmcs_write(GUEST_RIP, (u64)ctx->scenario->guest);
			vmcs_write(GUEST_RSP, DLV_RSP);
			vmcs_write(GUEST_RFLAGS, dlv.rflags);
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD, dlv.info);
			vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, dlv.err);
			vmcs_write(VM_ENTRY_INSTRUCTION_LEN, dlv.len);
			v->regs.r9 = dlv.r9;
			dlv_arm();
		}
		if (hcall || hstate)
			vcpu_skip_instruction(v, &e);
		if (delivery) {
			dlv_fix();
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD, e.idt_info & ~(u64)BIT(INFO_INTR_INFO_NMI_UNBLOCKING_LO));
			vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, e.idt_err);
			vmcs_write(VM_ENTRY_INSTRUCTION_LEN, e.len);
		}
	}
}
#define DLV_SCENARIO(id, ...) SCENARIO(id, .guest = guest_##id, .body = dlv_body, __VA_ARGS__)

/* ---- expectations ---- */

#define WARM "VMCALL at=warm len=3 resumed; "
#define IDTV(vec, type, errv) "idt={VECTOR=" vec ",TYPE=" #type ",ERROR_VALID=" #errv ",~NMI_UNBLOCKING,VALID=1}"
/* The handler's record after the re-injection, its state report (count 1, CR2), and where its IRETQ lands. */
#define AFTER(rip, vec, err, rfl, cr2, back)                                                                   \
	"VMCALL at=hcall len=3 next=hstate rax=" rip " rdi=" STR(vec) " rsi=" err " rdx=" STR(GDT_CODE64)        \
	" rcx=" STR(rfl) "; VMCALL at=hstate len=3 next=" back " rax=1 rdi=" cr2 "; VMCALL at=" back " len=3 end"
/* The EPT-violation qualification of the frame's write: a data write, the page's permissions
 * (bits 9-11 need the advanced information capability; bit 12 is undefined when IDT-vectoring
 * is valid). */
#define EPT_WRITE(r, w, x)                                                                                    \
	"qual={READ=0,WRITE=1,FETCH=0,READABLE=" #r ",WRITABLE=" #w ",EXECUTABLE=" #x ",GLA_VALID=1,"         \
	"GLA_TRANSLATION=1,~USER_EXECUTABLE,~USER_MODE_LINEAR,~RW_PAGE_LINEAR,~XD_LINEAR,~NMI_UNBLOCKING}"
#define AT_SLOT "gpa=@slot gla=@slot"
#define AT_SLOT16 "gpa=@slot16/" STR(SLOT16_MASK) " gla=@slot16/" STR(SLOT16_MASK)

#define DLV_CITE                                                                                              \
	"SDM Vol. 3 \"Information for VM Exits That Occur During Event Delivery\" (\"An EPT violation or EPT "     \
	"misconfiguration that occurs during event delivery\", \"Event delivery causes an APIC-access VM exit\": "  \
	"IDT-vectoring information = vector, type and error-code-valid bit of the event being delivered, its "     \
	"error code in the IDT-vectoring error code); \"Information for VM Exits Due to Instruction Execution\" "  \
	"(VM-exit instruction length also \"for VM exits due to faults encountered during delivery of a software " \
	"interrupt, privileged software exception, or software exception\"); \"Saving RIP, RSP, RFLAGS, and "     \
	"SSP\" (RF: \"For APIC-access VM exits and for VM exits caused by EPT violations and EPT "                   \
	"misconfigurations ... If the VM exit stored 1 for bit 31 for IDT-vectoring information field ... the "    \
	"value saved is the value that would have appeared in the saved RFLAGS image had the event been "         \
	"delivered through the IDT\"); \"Instruction-Breakpoint Exception Condition\" (\"For any fault-class "     \
	"exception except a debug exception generated in response to an instruction breakpoint, the value pushed " \
	"for RF is 1\"; otherwise the value RF had: 0 here); \"64-Bit Mode Stack Frame\"; \"Details of "           \
	"Vectored-Event Injection\" (the host's re-injection: RIP pushed incremented by the VM-entry instruction " \
	"length for types 4-6, \"The value pushed for the RF flag is not modified based on the type of event "    \
	"being delivered\"): the handler runs once and sees the saved RFLAGS"
#define CITE_V DLV_CITE "; \"EPT Violations\"; table \"Exit Qualification for EPT Violations\"; \"Basic VM-Exit Information\""

/* ---- EPT violations on the stack ---- */

EXIT_GUEST(exit_dlv_ept_bp, "", "int3");
static bool setup_ept_bp(struct scenario_ctx *ctx)
{
	return dlv_setup(ctx, DLV_EPT_RO, NO_EVENT, 0, 0, RFL, V_BP, 0);
}
DLV_SCENARIO(exit_dlv_ept_bp, .setup = setup_ept_bp,
	     .expect = WARM "EPT_VIOLATION at=insn len=insn..resume=1 " EPT_WRITE(1, 0, 1) " " AT_SLOT " "
		       IDTV("BP", SW_EXCEPTION, 0) " next=hcall; " AFTER("@resume", V_BP, STR(DLV_NOERR), RFL,
									STR(DLV_CR2), "resume"),
	     .cite = CITE_V "; INT3 (CC, exception bitmap bit 3 clear) whose frame's RIP slot (P - 8) lies in a page "
			    "EPT maps read/execute: RIP saved = the INT3 (\"If the VM exit is due to a software "
			    "exception (due to an execution of INT3 or INTO), the value saved references the INT3 or "
			    "INTO instruction\"), length 1, RF 0 (a trap-class software exception)");

EXIT_GUEST(exit_dlv_ept_swint, "", "int $" STR(V_SWINT));
static bool setup_ept_swint(struct scenario_ctx *ctx)
{
	return dlv_setup(ctx, DLV_EPT_NP, NO_EVENT, 0, 0, RFL, 32, 0);
}
DLV_SCENARIO(exit_dlv_ept_swint, .setup = setup_ept_swint,
	     .expect = WARM "EPT_VIOLATION at=insn len=insn..resume=2 " EPT_WRITE(0, 0, 0) " " AT_SLOT " "
		       IDTV(STR(V_SWINT), SW_INTERRUPT, 0) " next=hcall; " AFTER("@resume", V_SWINT, STR(DLV_NOERR),
										  RFL, STR(DLV_CR2), "resume"),
	     .cite = CITE_V "; INT 80H (CD 80) whose RIP slot lies in a page whose EPT PTE is not present (bits 2:0 "
			    "= 0): type 4, length 2, RF 0 (\"Software-generated interrupts (RF is pushed as 0 ...)\")");

EXIT_GUEST(exit_dlv_ept_gp, "movabs $" STR(NONCANON) ", %rbx", "mov (%rbx), %rax");
static bool setup_ept_gp(struct scenario_ctx *ctx)
{
	extern u8 label__exit_dlv_ept_gp__resume[];
	return dlv_setup(ctx, DLV_EPT_RO, NO_EVENT, 0, 0, RFL, V_GP, (u64)label__exit_dlv_ept_gp__resume);
}
DLV_SCENARIO(exit_dlv_ept_gp, .setup = setup_ept_gp,
	     .expect = WARM "EPT_VIOLATION at=insn " EPT_WRITE(1, 0, 1) " " AT_SLOT16 " " IDTV("GP", HW_EXCEPTION, 1)
		       " idt_err=0 next=hcall; " AFTER("@insn", V_GP, "0", RFL_RF, STR(DLV_CR2), "resume"),
	     .cite = CITE_V "; MOV RAX, [RBX] with RBX = 8000000000000000H (not canonical): #GP(0) (\"Interrupt 13 "
			    "- General Protection Exception\"), exception bitmap bit 13 clear; its 48-byte frame has two "
			    "slots (P - 16, P - 8) in the read/execute page, the SDM gives no order of the pushes: "
			    "bit 3 of the addresses not compared; hardware exception with error code 0: no instruction "
			    "length; RIP saved = the faulting MOV (the return pointer the #GP would push); RF 1 (a "
			    "fault); the handler's IRETQ goes on at label resume (r9)");

EXIT_GUEST(exit_dlv_ept_pf, "movabs $" STR(PF_LINEAR) ", %rbx", "mov (%rbx), %rax");
static bool setup_ept_pf(struct scenario_ctx *ctx)
{
	extern u8 label__exit_dlv_ept_pf__resume[];
	if (!dlv_setup(ctx, DLV_EPT_RO, NO_EVENT, 0, 0, RFL, V_PF, (u64)label__exit_dlv_ept_pf__resume))
		return false;
	ept_guest_paging();
	return true;
}
DLV_SCENARIO(exit_dlv_ept_pf, .setup = setup_ept_pf,
	     .expect = WARM "EPT_VIOLATION at=insn " EPT_WRITE(1, 0, 1) " " AT_SLOT16 " " IDTV("PF", HW_EXCEPTION, 1)
		       " idt_err=0 next=hcall; " AFTER("@insn", V_PF, "0", RFL_RF, STR(PF_LINEAR), "resume"),
	     .cite = CITE_V "; the guest's own paging (ept_guest_paging: identity for the first GiB, linear "
			    "40003000H not present): MOV RAX, [40003000H] raises #PF with error code 0 (not present, "
			    "read, supervisor) and CR2 = 40003000H (\"Interrupt 14 - Page-Fault Exception\": CR2 is "
			    "loaded when the fault is detected, before delivery), exception bitmap bit 14 clear; the "
			    "frame's write meets the read/execute page (bit 3 not compared as for #GP); RF 1 (a fault); "
			    "after the re-injection the handler reads CR2 = 40003000H (injection does not change CR2)");

EXIT_GUEST(exit_dlv_ept_extint, "", "vmcall");
static bool setup_ept_extint(struct scenario_ctx *ctx)
{
	return dlv_setup(ctx, DLV_EPT_RO, INFO_INTR_INFO_TYPE_EXTERNAL_INTERRUPT, V_EXT, 0, RFL_IF, 32, 0);
}
DLV_SCENARIO(exit_dlv_ept_extint, .setup = setup_ept_extint,
	     .expect = WARM "EPT_VIOLATION at=insn " EPT_WRITE(1, 0, 1) " " AT_SLOT " "
		       IDTV(STR(V_EXT), EXTERNAL_INTERRUPT, 0) " next=hcall; "
		       AFTER("@insn", V_EXT, STR(DLV_NOERR), RFL_IF, STR(DLV_CR2), "insn"),
	     .cite = CITE_V "; an injected external interrupt 32 (guest RFLAGS A43H) whose frame's RIP slot lies in "
			    "the read/execute page: \"VM Exits During Event Injection\" (treated as during event "
			    "delivery), RIP saved = the entry RIP, RF 0 (\"Hardware-generated interrupts arriving "
			    "between instructions\" push the RF the processor had)");

/* ---- EPT misconfiguration on the stack ---- */

EXIT_GUEST(exit_dlv_mis_bp, "", "int3");
static bool setup_mis_bp(struct scenario_ctx *ctx)
{
	return dlv_setup(ctx, DLV_EPT_MIS, NO_EVENT, 0, 0, RFL, V_BP, 0);
}
EXIT_GUEST(exit_dlv_mis_extint, "", "vmcall");
static bool setup_mis_extint(struct scenario_ctx *ctx)
{
	return dlv_setup(ctx, DLV_EPT_MIS, INFO_INTR_INFO_TYPE_EXTERNAL_INTERRUPT, V_EXT, 0, RFL_IF, 32, 0);
}
#define CITE_M DLV_CITE "; \"EPT Misconfigurations\" (an EPT paging-structure entry with bit 0 clear and bit 1 set); \"Basic VM-Exit Information\" (guest-physical address; the exit qualification is cleared)"
DLV_SCENARIO(exit_dlv_mis_bp, .setup = setup_mis_bp,
	     .expect = WARM "EPT_MISCONFIG at=insn len=insn..resume=1 gpa=@slot " IDTV("BP", SW_EXCEPTION, 0)
		       " next=hcall; " AFTER("@resume", V_BP, STR(DLV_NOERR), RFL, STR(DLV_CR2), "resume"),
	     .cite = CITE_M "; INT3 whose RIP slot lies in a page whose EPT PTE has bits 2:0 = 010b: type 6, "
			    "length 1, RF 0");
DLV_SCENARIO(exit_dlv_mis_extint, .setup = setup_mis_extint,
	     .expect = WARM "EPT_MISCONFIG at=insn gpa=@slot " IDTV(STR(V_EXT), EXTERNAL_INTERRUPT, 0) " next=hcall; "
		       AFTER("@insn", V_EXT, STR(DLV_NOERR), RFL_IF, STR(DLV_CR2), "insn"),
	     .cite = CITE_M "; an injected external interrupt 32 (RFLAGS A43H) whose RIP slot lies in that page: "
			    "RIP saved = the entry RIP, RF 0");

/* ---- the stack on the APIC-access page ---- */

EXIT_GUEST(exit_dlv_apic_bp, "", "int3");
static bool setup_apic_bp(struct scenario_ctx *ctx)
{
	return dlv_setup(ctx, DLV_APIC, NO_EVENT, 0, 0, RFL, V_BP, 0);
}
EXIT_GUEST(exit_dlv_apic_gp, "movabs $" STR(NONCANON) ", %rbx", "mov (%rbx), %rax");
static bool setup_apic_gp(struct scenario_ctx *ctx)
{
	extern u8 label__exit_dlv_apic_gp__resume[];
	return dlv_setup(ctx, DLV_APIC, NO_EVENT, 0, 0, RFL, V_GP, (u64)label__exit_dlv_apic_gp__resume);
}
/* #GP's frame: offset FF0H or FF8H (bit 3 not compared), type 3, not asynchronous. */
#define APIC_GP_QUAL 0x3ff0
#define APIC_GP_MASK 0x1fff7
_Static_assert(APIC_GP_QUAL == (INFO_SET(APIC_ACCESS, OFFSET, SLOT_OFFSET & ~8) |
				INFO_SET(APIC_ACCESS, ACCESS_TYPE, INFO_APIC_ACCESS_ACCESS_TYPE_LINEAR_EVENT_DELIVERY)),
	       "APIC-access qualification");
#define CITE_A                                                                                               \
	DLV_CITE "; \"APIC-Access VM Exits\" (\"virtualize APIC accesses\" 1, \"use TPR shadow\" 0: any linear " \
		 "access to the APIC-access page causes an APIC-access VM exit); table \"Exit Qualification for "  \
		 "APIC-Access VM Exits from Linear Accesses and Guest-Physical Accesses\" (type 3: linear access "  \
		 "during event delivery; bits 11:0 the page offset of the access); no EPT: the APIC-access address " \
		 "is the physical address of the stack's low page, which the host names only after the warm-up and " \
		 "moves away again before the re-injection"
DLV_SCENARIO(exit_dlv_apic_bp, .setup = setup_apic_bp,
	     .expect = WARM "APIC_ACCESS at=insn len=insn..resume=1 qual={OFFSET=" STR(SLOT_OFFSET)
		       ",ACCESS_TYPE=LINEAR_EVENT_DELIVERY,ASYNC=0} " IDTV("BP", SW_EXCEPTION, 0) " next=hcall; "
		       AFTER("@resume", V_BP, STR(DLV_NOERR), RFL, STR(DLV_CR2), "resume"),
	     .cite = CITE_A "; INT3: its frame's only slot in that page is the RIP at offset FF8H; type 6, length 1, "
			    "RF 0");
DLV_SCENARIO(exit_dlv_apic_gp, .setup = setup_apic_gp,
	     .expect = WARM "APIC_ACCESS at=insn qual=" STR(APIC_GP_QUAL) "/" STR(APIC_GP_MASK) " " IDTV("GP", HW_EXCEPTION, 1)
		       " idt_err=0 next=hcall; " AFTER("@insn", V_GP, "0", RFL_RF, STR(DLV_CR2), "resume"),
	     .cite = CITE_A "; #GP(0) from MOV RAX, [8000000000000000H]: the 48-byte frame has two slots in that "
			    "page (offsets FF0H, FF8H; bit 3 of the offset not compared), RF 1 (a fault)");

/* ---- blocking by NMI loaded by one VM entry, not by the next ------------------------------- */

/*
 * exit_nmiblock_stale / exit_nmiblock_iret: "virtual NMIs" 0, "NMI exiting" 0.
 * The first entry loads interruptibility state 8 (blocking by NMI); the
 * guest's VMCALL exits (no IRET in between: the blocking is still in effect,
 * saved 8).  The host writes interruptibility state 0 and resumes (_iret:
 * after executing an IRET itself, which ends any NMI blocking); the guest's
 * next VMCALL exits and the host reads the interruptibility state that exit
 * saved.  Without the IRET the SDM does not determine it: the entry's rule
 * is one-sided ("NMIs are blocked if bit 3 ... is 1"), and the blocking the
 * first entry loaded lasts "until IRET is executed"; Bochs 2.7 keeps it
 * (saves 8), Bochs 3.0 and KVM end it (save 0): bit 3 is not compared.
 */
#define NMIBLOCK_GUEST(id)                                                        \
	void guest_##id(void);                                                    \
	asm(".text\nguest_" #id ":\n" GUEST_LABEL(id, first) "vmcall\n"           \
	    GUEST_LABEL(id, second) "vmcall\n"                                    \
	    "jmp guest_" #id "\n")
NMIBLOCK_GUEST(exit_nmiblock_stale);
NMIBLOCK_GUEST(exit_nmiblock_iret);

static bool setup_nmiblock_stale(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INFO_SET(INTERRUPTIBILITY, NMI, 1));
	return true;
}

static enum scenario_status nmiblock_body(struct scenario_ctx *ctx, bool iret)
{
	struct vcpu *v = ctx->vcpu;
	struct vcpu_exit e = vcpu_run(v);
	scenario_read_gstate(&e);
	bool ok = e.kind == RESULT_EXIT && !e.entry_fail && e.reason == EXIT_REASON_VMCALL;
	scenario_trace_result(ctx, &e, ok);
	if (!ok)
		return SCN_DONE;
	vcpu_skip_instruction(v, &e);
	if (iret)
		lapic_nmi_unblock(); /* host IRET (no APIC needed): ends blocking by NMI */
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	e = vcpu_run(v);
	scenario_read_gstate(&e);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

static enum scenario_status body_nmiblock_stale(struct scenario_ctx *ctx)
{
	return nmiblock_body(ctx, false);
}

static enum scenario_status body_nmiblock_iret(struct scenario_ctx *ctx)
{
	return nmiblock_body(ctx, true);
}

#define NMIBLOCK_CITE                                                                                      \
	"SDM Vol. 3 \"Special Features of VM Entry\" / \"Interruptibility State\": \"The blocking of "          \
	"non-maskable interrupts (NMIs) is determined as follows: If the \"virtual NMIs\" VM-execution "        \
	"control is 0, NMIs are blocked if bit 3 (blocking by NMI) in the interruptibility-state field is 1. "  \
	"If the \"NMI exiting\" VM-execution control is 0, such blocking remains in effect until IRET is "     \
	"executed\" (first entry: bit 3 = 1, no IRET before the VMCALL: blocked); \"Saving Non-Register "      \
	"State\" (\"The interruptibility-state field is saved to reflect the logical processor's "             \
	"interruptibility before the VM exit\": 8 at the first exit); the second entry loads bit 3 = 0"
SCENARIO(exit_nmiblock_stale, .guest = guest_exit_nmiblock_stale, .setup = setup_nmiblock_stale,
	 .body = body_nmiblock_stale,
	 .expect = "VMCALL at=first len=3 resumed gintr={NMI=1} gact=ACTIVE; "
		   "VMCALL at=second len=3 end gintr={~NMI} gact=ACTIVE",
	 .cite = NMIBLOCK_CITE " with no IRET since the first: the rule is one-sided (\"blocked if\", where the "
		 "same list loads blocking by STI and by MOV SS \"if and only if\" their bits are 1; the table "
		 "\"Format of Interruptibility State\": \"Clearing this bit does not imply that NMIs are not "
		 "(temporarily) blocked for other reasons\"), and the first entry's blocking lasts \"until IRET is "
		 "executed\": whether it survives the second entry is not determined, so the second exit's bit 3 "
		 "is not compared (Bochs 2.7 saves 1, Bochs 3.0 and KVM 0); the other bits must be 0");
SCENARIO(exit_nmiblock_iret, .guest = guest_exit_nmiblock_iret, .setup = setup_nmiblock_stale,
	 .body = body_nmiblock_iret,
	 .expect = "VMCALL at=first len=3 resumed gintr={NMI=1} gact=ACTIVE; "
		   "VMCALL at=second len=3 end gintr=0 gact=ACTIVE",
	 .cite = NMIBLOCK_CITE " after the host executed IRET (\"Handling Multiple NMIs\": NMIs are blocked "
		 "\"until the next execution of the IRET instruction\"; the first entry's blocking \"remains in "
		 "effect until IRET is executed\"): no NMI blocking remains from any source (no NMI delivered, no "
		 "SMM, no MOV SS), so the second exit saves 0");
