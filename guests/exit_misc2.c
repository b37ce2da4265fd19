/*
 * exit_m2_* - the remaining exit reasons: VMFUNC (59), XSAVES (63), XRSTORS
 * (64) and page-modification log full (62).
 *
 *   exit_m2_vmfunc_disabled   "enable VM functions" 1, VM-function controls 0,
 *                             EAX = 0: VM function 0 not enabled -> VMFUNC exit
 *   exit_m2_vmfunc_eax64      EAX = 64: #UD (VMFUNC exceptions: "If EAX >= 64"),
 *                             not a VM exit; the exception bitmap traps it
 *   exit_m2_vmfunc_index      EPTP switching enabled, ECX = 512 -> VMFUNC exit
 *   exit_m2_vmfunc_bad_eptp   EPTP switching, ECX = 1: list entry 1 is 0 (not a
 *                             valid EPTP) -> VMFUNC exit
 *   exit_m2_vmfunc_switch     EPTP switching, ECX = 0: entry 0 is the current
 *                             EPTP -> no exit
 *   exit_m2_xsaves / _xrstors "enable XSAVES/XRSTORS" 1, IA32_XSS and the
 *                             XSS-exiting bitmap hold the lowest supervisor
 *                             state component the processor supports, EDX:EAX
 *                             requests it -> XSAVES / XRSTORS exit; qualification
 *                             the displacement, instruction information as for
 *                             VMCLEAR.  Skipped where CPUID.(EAX=0DH,ECX=1)
 *                             enumerates no IA32_XSS component.
 *   exit_m2_xsaves_noxss      XSS-exiting bitmap all ones but IA32_XSS = 0: no exit
 *   exit_m2_pml_full          EPT A/D + PML, PML index 0; the guest writes two
 *                             pages whose EPT dirty flags are clear: the first is
 *                             logged (index 0 -> FFFFH), the second -> PML full
 *   exit_m2_pml_full_read     the same with a read of a third (already dirty)
 *                             page between the two writes: a read logs nothing,
 *                             so the exit is still at the second write
 */
#include "exit_insn.h"
#include "ept.h"
#include "lib.h"
#include "model.h"


/* ---- VMFUNC (SDM "VM Functions", "EPTP Switching", "VMFUNC") ---- */

static u64 m2_eptp_list[512] ALIGNED(4096);

static bool setup_vmfunc(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_VMFUNC))
		return false;
	vmcs_write(VM_FUNCTION_CONTROL, 0);
	return true;
}

static bool setup_eptp_switching(struct scenario_ctx *ctx)
{
	if (!(vmx_caps.msr_value[VMX_MSR_IDX_IA32_VMX_VMFUNC] & BIT(0))) {
		ctx->skip_reason = "control_not_allowed";
		return false;
	}
	if (!setup_vmfunc(ctx) || !ept_enable(ctx, false))
		return false;
	memset(m2_eptp_list, 0, sizeof(m2_eptp_list));
	m2_eptp_list[0] = ept_eptp(false);
	vmcs_write(EPTP_LIST_ADDRESS, (u64)m2_eptp_list);
	vmcs_write(VM_FUNCTION_CONTROL, BIT(0));
	return true;
}

EXIT_GUEST(exit_m2_vmfunc_disabled, "xor %eax, %eax; xor %ecx, %ecx", "vmfunc");
EXIT_GUEST(exit_m2_vmfunc_eax64, "mov $64, %eax; xor %ecx, %ecx", "vmfunc");
EXIT_GUEST(exit_m2_vmfunc_index, "xor %eax, %eax; mov $512, %ecx", "vmfunc");
EXIT_GUEST(exit_m2_vmfunc_bad_eptp, "xor %eax, %eax; mov $1, %ecx", "vmfunc");
EXIT_GUEST(exit_m2_vmfunc_switch, "xor %eax, %eax; xor %ecx, %ecx", "vmfunc");

#define CITE_VMFUNC                                                                         \
	"SDM Vol. 3 \"VM Functions\" (\"If EAX is greater than 63 ... #UD; if the VM-function "   \
	"control bit EAX is 0, a VM exit\"); \"EPTP Switching\" (ECX >= 512 or an invalid EPTP "  \
	"in the list: VM exit); appendix \"VMX Basic Exit Reasons\"; field \"VM-Exit Instruction " \
	"Length\"; VMFUNC = NP 0F 01 D4"

SCENARIO(exit_m2_vmfunc_disabled, .guest = guest_exit_m2_vmfunc_disabled, .setup = setup_vmfunc,
	 .expect = STEP_EXIT(VMFUNC, ""), .cite = CITE_VMFUNC);
SCENARIO(exit_m2_vmfunc_eax64, .guest = guest_exit_m2_vmfunc_eax64, .setup = setup_vmfunc,
	 .expect = "EXCEPTION_NMI at=insn intr={VECTOR=UD,TYPE=HW_EXCEPTION,VALID=1} end",
	 .cite = CITE_VMFUNC "; \"VMFUNC\" exceptions: #UD \"If EAX >= 64\"");
SCENARIO(exit_m2_vmfunc_index, .guest = guest_exit_m2_vmfunc_index, .setup = setup_eptp_switching,
	 .expect = STEP_EXIT(VMFUNC, ""), .cite = CITE_VMFUNC);
SCENARIO(exit_m2_vmfunc_bad_eptp, .guest = guest_exit_m2_vmfunc_bad_eptp, .setup = setup_eptp_switching,
	 .expect = STEP_EXIT(VMFUNC, ""),
	 .cite = CITE_VMFUNC "; the EPTP-list entry 1 is 0: memory type UC with page-walk length 1, "
		 "not a valid EPTP (\"Checks on VM-Execution Control Fields\" EPTP rules)");
SCENARIO(exit_m2_vmfunc_switch, .guest = guest_exit_m2_vmfunc_switch, .setup = setup_eptp_switching,
	 .expect = "VMCALL at=resume len=3 end",
	 .cite = CITE_VMFUNC "; entry 0 is the current EPTP: the switch succeeds");

/* ---- XSAVES / XRSTORS (SDM "Instructions That Cause VM Exits Conditionally") ---- */

static u8 m2_xsave_area[8192] ALIGNED(64);
u8 *m2_xsave_ptr = m2_xsave_area;
static u64 m2_saved_xss;

static bool setup_xss(struct scenario_ctx *ctx)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & BIT(26))) {
		ctx->skip_reason = "insn_not_supported";
		return false;
	}
	cpuid(0xd, 1, &a, &b, &c, &d);
	u64 xss_mask = (u64)d << 32 | c;
	if (!(a & BIT(3))) {
		ctx->skip_reason = "insn_not_supported";
		return false;
	}
	if (!xss_mask) {
		ctx->skip_reason = "xss_component_not_supported";
		return false;
	}
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_XSAVES))
		return false;
	u64 comp = xss_mask & -xss_mask; /* the lowest supported supervisor component */
	memset(m2_xsave_area, 0, sizeof(m2_xsave_area));
	m2_saved_xss = rdmsr(MSR_IA32_XSS);
	wrmsr(MSR_IA32_XSS, comp);
	vmcs_write(XSS_EXIT_BITMAP, comp);
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) | X86_CR4_OSXSAVE);
	ctx->vcpu->regs.rax = (u32)comp;
	ctx->vcpu->regs.rdx = comp >> 32;
	scenario_setup("field=XSS_EXIT_BITMAP value=%#lx ia32_xss=%#lx xss_supported=%#lx", comp, comp, xss_mask);
	return true;
}

/* IA32_XSS 0 (this scenario writes it, the body puts the old value back), bitmap all
 * ones, EDX:EAX all ones: the logical-AND is 0, so XSAVES executes (x87 state of XCR0
 * into the 64-byte-aligned area) and the guest reaches its VMCALL. */
static bool setup_xss_zero(struct scenario_ctx *ctx)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & BIT(26))) {
		ctx->skip_reason = "insn_not_supported";
		return false;
	}
	cpuid(0xd, 1, &a, &b, &c, &d);
	if (!(a & BIT(3))) {
		ctx->skip_reason = "insn_not_supported";
		return false;
	}
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_XSAVES))
		return false;
	memset(m2_xsave_area, 0, sizeof(m2_xsave_area));
	m2_saved_xss = rdmsr(MSR_IA32_XSS);
	wrmsr(MSR_IA32_XSS, 0);
	vmcs_write(XSS_EXIT_BITMAP, ~0ULL);
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) | X86_CR4_OSXSAVE);
	ctx->vcpu->regs.rax = 0xffffffff;
	ctx->vcpu->regs.rdx = 0xffffffff;
	return true;
}

/* The default body, then IA32_XSS back to what it was. */
static enum scenario_status body_xss(struct scenario_ctx *ctx)
{
	enum scenario_status st = scenario_default_body(ctx);
	wrmsr(MSR_IA32_XSS, m2_saved_xss);
	return st;
}

/* EDX:EAX come from the setup (the saved guest registers). */
EXIT_GUEST(exit_m2_xsaves, "mov m2_xsave_ptr(%rip), %rbx", "xsaves 0x40(%rbx)");
EXIT_GUEST(exit_m2_xsaves_noxss, "mov m2_xsave_ptr(%rip), %rbx", "xsaves 0x40(%rbx)");
EXIT_GUEST(exit_m2_xrstors, "mov m2_xsave_ptr(%rip), %rbx", "xrstors 0x40(%rbx)");

#define CITE_XSS(insn)                                                                      \
	XI_CITE_BASE "; \"Instructions That Cause VM Exits Conditionally\" (XRSTORS, XSAVES: "     \
	"\"enable XSAVES/XRSTORS\" 1 and a bit set in the logical-AND of EDX:EAX, IA32_XSS and "   \
	"the XSS-exiting bitmap); \"Format of the VM-Exit Instruction-Information Field as Used "  \
	"for VMCLEAR, VMPTRLD, VMPTRST, VMXON, XRSTORS, and XSAVES\"; " insn

SCENARIO(exit_m2_xsaves, .guest = guest_exit_m2_xsaves, .setup = setup_xss, .body = body_xss,
	 .expect = STEP_EXIT(XSAVES, "qual=0x40 info={" XI_MEM(A64, DS, XI_BASE(3), XI_NOINDEX) "}"),
	 .cite = CITE_XSS("XSAVES m = NP 0F C7 /5 (with REX.W: XSAVES64; disp8 0x40)"));
SCENARIO(exit_m2_xrstors, .guest = guest_exit_m2_xrstors, .setup = setup_xss, .body = body_xss,
	 .expect = STEP_EXIT(XRSTORS, "qual=0x40 info={" XI_MEM(A64, DS, XI_BASE(3), XI_NOINDEX) "}"),
	 .cite = CITE_XSS("XRSTORS m = NP 0F C7 /3 (disp8 0x40)"));

SCENARIO(exit_m2_xsaves_noxss, .guest = guest_exit_m2_xsaves_noxss, .setup = setup_xss_zero, .body = body_xss,
	 .expect = "VMCALL at=resume len=3 end",
	 .cite = CITE_XSS("IA32_XSS = 0: the logical-AND is 0 whatever the bitmap, so no VM exit; "
			  "XSAVES alignment: 64 bytes"));

/* ---- page-modification log full (SDM "Page-Modification Logging") ---- */

static u64 m2_pml_log[512] ALIGNED(4096);
u8 m2_pml_pages[3][4096] ALIGNED(4096);

static bool setup_pml(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_PML))
		return false;
	if (!ept_enable(ctx, true))
		return false;
	memset(m2_pml_log, 0, sizeof(m2_pml_log));
	vmcs_write(PML_ADDRESS, (u64)m2_pml_log);
	vmcs_write(GUEST_PML_INDEX, 0);
	/* Pages 0 and 1: EPT dirty flag clear (a write sets it and is logged);
	 * every other leaf has it set already (ept_enable). */
	*ept_pte((u64)m2_pml_pages[0]) &= ~EPT_D;
	*ept_pte((u64)m2_pml_pages[1]) &= ~EPT_D;
	return true;
}

/* The default body, then the log's first entry (what the first write logged). */
static enum scenario_status body_pml(struct scenario_ctx *ctx)
{
	enum scenario_status st = scenario_default_body(ctx);
	scenario_setup("field=PML_LOG0 value=%#lx page0=%#lx pml_index=%#lx", m2_pml_log[0],
		       (u64)m2_pml_pages[0], vmcs_read(GUEST_PML_INDEX));
	return st;
}

EXIT_GUEST(exit_m2_pml_full, "movl $1, m2_pml_pages(%rip)", "movl $1, m2_pml_pages+4096(%rip)");
EXIT_GUEST(exit_m2_pml_full_read,
	 "movl $1, m2_pml_pages(%rip)\n" GUEST_LABEL(exit_m2_pml_full_read, read) "mov m2_pml_pages+8192(%rip), %eax",
	 "movl $1, m2_pml_pages+4096(%rip)");

#define CITE_PML                                                                            \
	"SDM Vol. 3 \"Page-Modification Logging\" (logging happens when the processor sets an "   \
	"EPT dirty flag that was 0; before it, \"if the PML index is not in the range 0-511, "    \
	"there is a page-modification log-full event and a VM exit occurs\"); \"Exit "            \
	"Qualification for VM Exits\" (page-modification log-full: only bit 12 defined, NMI "     \
	"unblocking due to IRET: 0 here)"

SCENARIO(exit_m2_pml_full, .guest = guest_exit_m2_pml_full, .setup = setup_pml, .body = body_pml,
	 .expect = "PML_FULL at=insn qual=0/0x1000 end",
	 .cite = CITE_PML "; the first write logs at index 0 (index becomes FFFFH), the second write "
		 "would set a dirty flag");
SCENARIO(exit_m2_pml_full_read, .guest = guest_exit_m2_pml_full_read, .setup = setup_pml, .body = body_pml,
	 .expect = "PML_FULL at=insn qual=0/0x1000 end",
	 .cite = CITE_PML "; the read in between sets no dirty flag (page 2's is set): no log-full "
		 "event until the second write");
