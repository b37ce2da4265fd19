/*
 * exit_ve_* - "EPT-violation #VE" (secondary processor-based control, bit 18): convertible EPT
 * violations and the virtualization exception (#VE, vector 20).
 *
 * SDM Vol. 3 "Virtualization Exceptions": "Convertible EPT Violations" -- with the control 1, "If
 * bits 2:0 of an EPT paging-structure entry are all 0, the entry is not present. ... The EPT
 * violation is convertible if and only if bit 63 of the entry is 0" (suppress #VE); "A
 * convertible EPT violation instead causes a virtualization exception if the following all hold:
 * CR0.PE is set; the logical processor is not in the process of delivering an event through the
 * IDT; and the 32 bits at offset 4 in the virtualization-exception information area are all 0."
 * "Virtualization-Exception Information": offset 0 "The 32-bit value that would have been saved
 * into the VMCS as an exit reason had a VM exit occurred instead of the virtualization exception.
 * For EPT violations, this value is 48 (00000030H)"; 4 FFFFFFFFH; 8 the exit qualification, 16
 * the guest-linear address, 24 the guest-physical address that would have been saved; 32 "The
 * current 16-bit value of the EPTP-index VM-execution control".  "Delivery of Virtualization
 * Exceptions": "writes the value FFFFFFFFH to offset 4 ... Thus, once a virtualization exception
 * occurs, another can occur only if software clears this field"; #VE is a fault (vector 20, no
 * error code) and, like any exception, causes a VM exit when bit 20 of the exception bitmap is 1
 * (every scenario's bitmap is all ones: "Exception Bitmap").
 *
 * Every scenario: EPT (identity, ept.h), the control 1, the information area a zeroed page of its
 * own (VE-information address, 4 KiB aligned), EPTP index VE_EPTP_INDEX (3: not 0, the value an
 * implementation that never loads the field would show), and the EPT PTE of one data page not
 * present (bits 2:0 = 0).  The guest reads 8 bytes of it into R8 (label insn), then VMCALL:
 *
 *   exit_ve_convert   suppress #VE 0, word at offset 4 zero: #VE (exit 0, vector 20, at insn);
 *                     the host resumes at insn unchanged: the word is now FFFFFFFFH, so the same
 *                     violation is an ordinary VM exit 48 (the other side of the offset-4 rule);
 *                     the host compares the area with that exit (RAX = dwords 0 and 4 =
 *                     FFFFFFFF_00000030H; RDI, RSI, RDX = area qualification / GLA / GPA XOR the
 *                     exit's, 0; RCX = the EPTP index, 3), makes the page readable and resumes
 *   exit_ve_suppress  suppress #VE 1 (bit 63 of the PTE): exit 48; the area untouched (RAX =
 *                     dwords 0 and 4: the marker 5A5A5A5AH and 0)
 *   exit_ve_busy      suppress #VE 0, the word at offset 4 is 1 (nonzero): exit 48; the area
 *                     untouched (RAX = 1_5A5A5A5AH)
 */
#include "lib.h"
#include "ept.h"

#define VE_EPTP_INDEX 3
/* Dwords 0 and 4 of the area after a #VE, read as one qword: the exit reason an EPT violation
 * would have saved, and FFFFFFFFH (SDM "Virtualization-Exception Information"). */
#define VE_AREA_HEAD 0xffffffff00000030
_Static_assert(VE_AREA_HEAD == (0xffffffffULL << 32 | EXIT_REASON_EPT_VIOLATION), "exit_reasons.def");
#define VE_MARK 0x5a5a5a5a /* dword 0 of the area before an ordinary exit */
#define VE_BUSY 1 /* a nonzero dword 4 */
#define EPT_SUPPRESS_VE BIT(63)

static u8 ve_info_area[4096] ALIGNED(4096);
/* The data page, alone in its 4 KiB (its own EPT PTE). */
asm(".pushsection .bss.ve_page,\"aw\",@nobits\n.balign 4096\n.global ve_page\nve_page:\n.skip 0x2c8\n"
    GUEST_LABEL(exit_ve_convert, target) GUEST_LABEL(exit_ve_suppress, target) GUEST_LABEL(exit_ve_busy, target)
    ".skip 4096 - 0x2c8\n.popsection\n");
extern u8 ve_page[4096];

static bool ve_setup(struct scenario_ctx *ctx, bool suppress, u32 dword0, u32 dword4)
{
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_EPT_VIOLATION_VE) ||
	    !ept_enable(ctx, false))
		return false;
	memset(ve_info_area, 0, sizeof(ve_info_area));
	((u32 *)ve_info_area)[0] = dword0;
	((u32 *)ve_info_area)[1] = dword4;
	vmcs_write(VE_INFORMATION_ADDRESS, (u64)ve_info_area);
	vmcs_write(EPTP_INDEX, VE_EPTP_INDEX);
	u64 *pte = ept_pte((u64)ve_page);
	*pte = (*pte & ~(u64)EPT_RWX) | (suppress ? EPT_SUPPRESS_VE : 0);
	return true;
}
static bool setup_convert(struct scenario_ctx *ctx) { return ve_setup(ctx, false, 0, 0); }
static bool setup_suppress(struct scenario_ctx *ctx) { return ve_setup(ctx, true, VE_MARK, 0); }
static bool setup_busy(struct scenario_ctx *ctx) { return ve_setup(ctx, false, VE_MARK, VE_BUSY); }

static bool is_exit(const struct vcpu_exit *e, u32 reason)
{
	return e->kind == RESULT_EXIT && !e->entry_fail && e->reason == reason;
}

/* Make the page readable again (and flush EPT-derived translations), then resume: the read
 * completes and the guest's VMCALL is the last exit. */
static enum scenario_status finish(struct scenario_ctx *ctx)
{
	u64 *pte = ept_pte((u64)ve_page);
	*pte |= EPT_RWX;
	ept_invept(ept_eptp(false));
	struct vcpu_exit e = vcpu_run(ctx->vcpu);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

static u64 area_dwords01(void)
{
	return (u64)((u32 *)ve_info_area)[1] << 32 | ((u32 *)ve_info_area)[0];
}

static enum scenario_status body_convert(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	struct vcpu_exit e = vcpu_run(v);
	bool ve = is_exit(&e, EXIT_REASON_EXCEPTION_NMI) && INFO_GET(INTR_INFO, VECTOR, e.intr_info) == INFO_INTR_INFO_VECTOR_VE;
	scenario_trace_result(ctx, &e, ve);
	if (!ve)
		return SCN_DONE;
	u64 dw01 = area_dwords01();
	u64 qual = *(u64 *)(ve_info_area + 8), gla = *(u64 *)(ve_info_area + 16);
	u64 gpa = *(u64 *)(ve_info_area + 24), index = *(u16 *)(ve_info_area + 32);
	e = vcpu_run(v); /* the same read again: dword 4 is no longer 0 */
	bool viol = is_exit(&e, EXIT_REASON_EPT_VIOLATION);
	scenario_trace_result(ctx, &e, viol);
	if (!viol)
		return SCN_DONE;
	scenario_setup("ve_dwords01=%#lx ve_qual=%#lx ve_gla=%#lx ve_gpa=%#lx ve_eptp_index=%#lx", dw01, qual, gla,
		       gpa, index);
	v->regs.rax = dw01;
	v->regs.rdi = qual ^ e.qual;
	v->regs.rsi = gla ^ vmcs_read(GUEST_LINEAR_ADDRESS);
	v->regs.rdx = gpa ^ vmcs_read(GUEST_PHYSICAL_ADDRESS);
	v->regs.rcx = index;
	return finish(ctx);
}

static enum scenario_status body_plain(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	struct vcpu_exit e = vcpu_run(v);
	bool viol = is_exit(&e, EXIT_REASON_EPT_VIOLATION);
	scenario_trace_result(ctx, &e, viol);
	if (!viol)
		return SCN_DONE;
	v->regs.rax = area_dwords01();
	return finish(ctx);
}

#define VE_GUEST(id) EXIT_GUEST(id, "", "mov label__" #id "__target(%rip), %r8")
VE_GUEST(exit_ve_convert);
VE_GUEST(exit_ve_suppress);
VE_GUEST(exit_ve_busy);

#define VE_VIOLATION(next) \
	"EPT_VIOLATION at=insn qual={" ACC(1, 0, 0) "," PERM(0, 0, 0) "," FINAL "} gpa=@target gla=@target " next
#define VE_CITE                                                                                        \
	"SDM Vol. 3 \"Virtualization Exceptions\" (\"Convertible EPT Violations\", "                      \
	"\"Virtualization-Exception Information\", \"Delivery of Virtualization Exceptions\"); \"EPT "     \
	"Violations\"; table \"Exit Qualification for EPT Violations\"; \"Exception Bitmap\"; the EPT PTE " \
	"of the page is not present (bits 2:0 = 0)"
SCENARIO(exit_ve_convert, .guest = guest_exit_ve_convert, .setup = setup_convert, .body = body_convert,
	 .expect = "EXCEPTION_NMI at=insn intr={VECTOR=VE,TYPE=HW_EXCEPTION,ERROR_VALID=0,VALID=1} next=insn; "
		   VE_VIOLATION("next=resume") "; VMCALL at=resume len=3 end rax=" STR(VE_AREA_HEAD) " rdi=0 rsi=0 "
		   "rdx=0 rcx=" STR(VE_EPTP_INDEX),
	 .cite = VE_CITE "; suppress #VE (bit 63) 0, dword 4 of the area 0: a virtualization exception (a fault, "
		 "vector 20, exception-bitmap bit 20 set: exit 0 at the read); then dword 4 is FFFFFFFFH and the same "
		 "violation is an ordinary exit 48; the area holds exit reason 48, FFFFFFFFH, the qualification, GLA "
		 "and GPA that exit saves, and EPTP index 3");
SCENARIO(exit_ve_suppress, .guest = guest_exit_ve_suppress, .setup = setup_suppress, .body = body_plain,
	 .expect = VE_VIOLATION("next=resume") "; VMCALL at=resume len=3 end rax=" STR(VE_MARK),
	 .cite = VE_CITE "; suppress #VE (bit 63 of the EPT PTE) 1: not convertible, an ordinary exit 48; the "
		 "area is not written");
SCENARIO(exit_ve_busy, .guest = guest_exit_ve_busy, .setup = setup_busy, .body = body_plain,
	 .expect = VE_VIOLATION("next=resume") "; VMCALL at=resume len=3 end rax=0x15a5a5a5a",
	 .cite = VE_CITE "; suppress #VE 0 but dword 4 of the area is 1 (not all 0): an ordinary exit 48; the "
		 "area is not written");
