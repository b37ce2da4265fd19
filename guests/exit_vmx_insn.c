/*
 * exit_vmx_* - the guest executes a VMX instruction.  SDM "Instructions That
 * Cause VM Exits Unconditionally": in VMX non-root operation INVEPT, INVVPID,
 * VMCLEAR, VMLAUNCH, VMPTRLD, VMPTRST, VMRESUME, VMXOFF and VMXON exit;
 * "Instructions That Cause VM Exits Conditionally": VMREAD and VMWRITE exit
 * when the "VMCS shadowing" control is 0 (it is never set here).  The guest
 * is 64-bit at CPL 0 with CR4.VMXE = 1, so none of the #UD conditions that
 * precede "ELSIF in VMX non-root operation THEN VM exit" in each instruction's
 * pseudocode applies.
 *
 * The memory forms differ in displacement (none, disp8, disp32, negative,
 * RIP-relative), base, index, scale, segment (DS, SS by RSP/RBP, FS, GS) and
 * address size (64, 32 by prefix 67H), so the exit qualification (the
 * displacement, sign-extended; RIP-relative: the address) and every defined
 * bit of the instruction-information field are checked.  Operands point into
 * xi_vmx_scratch (all ones: an invalid physical address) so that a platform
 * that wrongly executed the instruction would touch only that page.
 *
 *   exit_vmx_vmclear_disp8     VMCLEAR 0x10(%rax)                 DS, base RAX, qual 0x10
 *   exit_vmx_vmclear_sib_ss    VMCLEAR 0x7f(%rbp,%r9,8)           SS (RBP base), index R9*8
 *   exit_vmx_vmptrld_sib       VMPTRLD (%rax,%rbx,4)              no displacement: qual 0
 *   exit_vmx_vmptrld_fs        VMPTRLD %fs:-0x100(%r12,%r13,8)    FS, disp32 < 0: sign-extended
 *   exit_vmx_vmptrld_rsp       VMPTRLD -0x10(%rsp)                SS (RSP base), disp8 < 0
 *   exit_vmx_vmptrld_rip       VMPTRLD data(%rip)                 qual = address of data
 *   exit_vmx_vmptrst_gs        VMPTRST %gs:0x18                   GS, no base, no index
 *   exit_vmx_vmxon_a32         VMXON 0x20(%eax)                   address size 32
 *   exit_vmx_vmxon_r13         VMXON (%r13)                       base R13 (disp8 0 encoded)
 *   exit_vmx_vmlaunch, exit_vmx_vmresume, exit_vmx_vmxoff   no operand: qual 0
 *   exit_vmx_vmread_reg        VMREAD r14, r9 (Intel order)       REG1 14, REG2 9
 *   exit_vmx_vmread_mem        VMREAD [rcx+rsi*2+0x30], rdx       REG2 2
 *   exit_vmx_vmwrite_reg       VMWRITE rdi, rsi                   REG1 6, REG2 7
 *   exit_vmx_vmwrite_mem       VMWRITE r10, [r8+0x12345]          disp32 > 0, base R8
 *   exit_vmx_invept            INVEPT rcx, [rax+0x40]             REG2 1
 *   exit_vmx_invvpid           INVVPID r15, [rdx+r11*1]           REG2 15, scale 1
 * INVEPT and INVVPID #UD where the processor lacks them (SDM "INVEPT",
 * "INVVPID" exceptions: IA32_VMX_PROCBASED_CTLS2 bit 33 / 37, IA32_VMX_EPT_VPID_CAP
 * bit 20 / 32): those two skip there ("insn_not_supported").
 */
#include "exit_insn.h"
#include "lib.h"
#include "model.h" /* VMX_MSR_IDX_* (vmx_caps.msr_value order) */

/* Operand target: all ones, so a VMCS pointer read from it is invalid. */
u8 xi_vmx_scratch[4096] ALIGNED(4096);

static bool setup_scratch(struct scenario_ctx *ctx)
{
	(void)ctx;
	memset(xi_vmx_scratch, 0xff, sizeof(xi_vmx_scratch));
	return true;
}

/* VMPTRST %gs:0x18: the guest's GS base is the scratch page (this VMCS only). */
static bool setup_gs_base(struct scenario_ctx *ctx)
{
	setup_scratch(ctx);
	vmcs_write(GUEST_GS_BASE, (u64)xi_vmx_scratch);
	return true;
}

static bool setup_invept(struct scenario_ctx *ctx)
{
	u64 cap = vmx_caps.msr_value[VMX_MSR_IDX_IA32_VMX_EPT_VPID_CAP];
	if (!vmx_caps.has_proc2 || !((vmx_caps.proc2 >> 32) & SECONDARY_ENABLE_EPT) || !(cap & BIT(20))) {
		ctx->skip_reason = "insn_not_supported";
		return false;
	}
	return setup_scratch(ctx);
}

static bool setup_invvpid(struct scenario_ctx *ctx)
{
	u64 cap = vmx_caps.msr_value[VMX_MSR_IDX_IA32_VMX_EPT_VPID_CAP];
	if (!vmx_caps.has_proc2 || !((vmx_caps.proc2 >> 32) & SECONDARY_ENABLE_VPID) || !(cap & BIT(32))) {
		ctx->skip_reason = "insn_not_supported";
		return false;
	}
	return setup_scratch(ctx);
}

#define SCR "xi_vmx_scratch"

EXIT_GUEST(exit_vmx_vmclear_disp8, "lea " SCR "(%rip), %rax", "vmclear 0x10(%rax)");
EXIT_GUEST(exit_vmx_vmclear_sib_ss, "lea " SCR "(%rip), %rbp; mov $2, %r9", "vmclear 0x7f(%rbp,%r9,8)");
EXIT_GUEST(exit_vmx_vmptrld_sib, "lea " SCR "(%rip), %rax; mov $2, %ebx", "vmptrld (%rax,%rbx,4)");
EXIT_GUEST(exit_vmx_vmptrld_fs, "lea " SCR "+0x100(%rip), %r12; xor %r13d, %r13d",
	 "vmptrld %fs:-0x100(%r12,%r13,8)");
EXIT_GUEST(exit_vmx_vmptrld_rsp, "", "vmptrld -0x10(%rsp)");
EXIT_GUEST(exit_vmx_vmptrld_rip, "", "vmptrld label__exit_vmx_vmptrld_rip__data(%rip)");
EXIT_GUEST(exit_vmx_vmptrst_gs, "", "vmptrst %gs:0x18");
EXIT_GUEST(exit_vmx_vmxon_a32, "lea " SCR "(%rip), %rax", "vmxon 0x20(%eax)");
EXIT_GUEST(exit_vmx_vmxon_r13, "lea " SCR "(%rip), %r13", "vmxon (%r13)");
EXIT_GUEST(exit_vmx_vmlaunch, "", "vmlaunch");
EXIT_GUEST(exit_vmx_vmresume, "", "vmresume");
EXIT_GUEST(exit_vmx_vmxoff, "", "vmxoff");
/* 0x681e: the GUEST_RIP field encoding (any value: the instruction exits).
 * AT&T order: VMREAD field-encoding register (ModRM.reg), destination (ModRM.rm). */
EXIT_GUEST(exit_vmx_vmread_reg, "mov $0x681e, %r9d", "vmread %r9, %r14");
EXIT_GUEST(exit_vmx_vmread_mem, "lea " SCR "(%rip), %rcx; mov $4, %esi; mov $0x681e, %edx",
	 "vmread %rdx, 0x30(%rcx,%rsi,2)");
/* AT&T order: VMWRITE source (ModRM.rm), field-encoding register (ModRM.reg). */
EXIT_GUEST(exit_vmx_vmwrite_reg, "mov $0x681e, %edi; xor %esi, %esi", "vmwrite %rsi, %rdi");
EXIT_GUEST(exit_vmx_vmwrite_mem, "lea " SCR "-0x12345(%rip), %r8; mov $0x681e, %r10d",
	 "vmwrite 0x12345(%r8), %r10");
/* INVEPT/INVVPID type 2 (single-context / all-context per SDM): any valid type. */
EXIT_GUEST(exit_vmx_invept, "lea " SCR "(%rip), %rax; mov $2, %ecx", "invept 0x40(%rax), %rcx");
EXIT_GUEST(exit_vmx_invvpid, "lea " SCR "(%rip), %rdx; mov $8, %r11d; mov $2, %r15d",
	 "invvpid (%rdx,%r11,1), %r15");

/* The RIP-relative operand: an 8-byte VMCS pointer (all ones), labelled so the
 * harness knows its address. */
asm(".pushsection .data\n.balign 8\n" GUEST_LABEL(exit_vmx_vmptrld_rip, data) ".quad -1\n.popsection\n");

#define VMX_CITE(insn, table)                                                               \
	XI_CITE_BASE "; \"Instructions That Cause VM Exits Unconditionally\"; " insn "; "         \
	"\"Format of the VM-Exit Instruction-Information Field as Used for " table "\""
#define CITE_MEM(insn) VMX_CITE(insn, "VMCLEAR, VMPTRLD, VMPTRST, VMXON, XRSTORS, and XSAVES")
#define CITE_RW(insn)                                                                       \
	XI_CITE_BASE "; \"Instructions That Cause VM Exits Conditionally\" (VMREAD, VMWRITE: "     \
	"\"VMCS shadowing\" is 0); " insn "; \"Format of the VM-Exit Instruction-Information "    \
	"Field as Used for VMREAD and VMWRITE\""
#define CITE_INV(insn) VMX_CITE(insn, "INVEPT, INVPCID, and INVVPID")

SCENARIO(exit_vmx_vmclear_disp8, .guest = guest_exit_vmx_vmclear_disp8, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMCLEAR, "qual=0x10 info={" XI_MEM(A64, DS, XI_BASE(0), XI_NOINDEX) "}"),
	 .cite = CITE_MEM("VMCLEAR m64 = 66 0F C7 /6"));
SCENARIO(exit_vmx_vmclear_sib_ss, .guest = guest_exit_vmx_vmclear_sib_ss, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMCLEAR, "qual=0x7f info={" XI_MEM(A64, SS, XI_BASE(5), XI_INDEX(9, 3)) "}"),
	 .cite = CITE_MEM("VMCLEAR m64 = 66 0F C7 /6; default segment SS for base RBP"));
SCENARIO(exit_vmx_vmptrld_sib, .guest = guest_exit_vmx_vmptrld_sib, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMPTRLD, "qual=0 info={" XI_MEM(A64, DS, XI_BASE(0), XI_INDEX(3, 2)) "}"),
	 .cite = CITE_MEM("VMPTRLD m64 = 0F C7 /6"));
SCENARIO(exit_vmx_vmptrld_fs, .guest = guest_exit_vmx_vmptrld_fs, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMPTRLD, "qual=0xffffffffffffff00 info={" XI_MEM(A64, FS, XI_BASE(12), XI_INDEX(13, 3)) "}"),
	 .cite = CITE_MEM("VMPTRLD m64 = 0F C7 /6; FS override 64H; disp32 -0x100 sign-extended"));
SCENARIO(exit_vmx_vmptrld_rsp, .guest = guest_exit_vmx_vmptrld_rsp, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMPTRLD, "qual=0xfffffffffffffff0 info={" XI_MEM(A64, SS, XI_BASE(4), XI_NOINDEX) "}"),
	 .cite = CITE_MEM("VMPTRLD m64 = 0F C7 /6; default segment SS for base RSP; disp8 -0x10 sign-extended"));
/* RIP-relative: no base register among RAX..R15, so bit 27 (base invalid) is the only
 * encoding the table allows, and BaseReg is then undefined. */
SCENARIO(exit_vmx_vmptrld_rip, .guest = guest_exit_vmx_vmptrld_rip, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMPTRLD, "qual=@data info={" XI_MEM(A64, DS, XI_NOBASE, XI_NOINDEX) "}"),
	 .cite = CITE_MEM("VMPTRLD m64 = 0F C7 /6, RIP-relative (ModRM mod=00 rm=101): qualification = "
			  "displacement + RIP of the next instruction"));
SCENARIO(exit_vmx_vmptrst_gs, .guest = guest_exit_vmx_vmptrst_gs, .setup = setup_gs_base,
	 .expect = STEP_EXIT(VMPTRST, "qual=0x18 info={" XI_MEM(A64, GS, XI_NOBASE, XI_NOINDEX) "}"),
	 .cite = CITE_MEM("VMPTRST m64 = 0F C7 /7; GS override 65H; SIB with no base and no index: disp32"));
/* Address size 32: bits 63:32 of the qualification are undefined (SDM: "bits of this field
 * beyond the instruction's address size are undefined"); the displacement is positive so
 * its sign extension is 0 there. */
SCENARIO(exit_vmx_vmxon_a32, .guest = guest_exit_vmx_vmxon_a32, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMXON, "qual=0x20 info={" XI_MEM(A32, DS, XI_BASE(0), XI_NOINDEX) "}"),
	 .cite = CITE_MEM("VMXON m64 = F3 0F C7 /6; address-size prefix 67H"));
SCENARIO(exit_vmx_vmxon_r13, .guest = guest_exit_vmx_vmxon_r13, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMXON, "qual=0 info={" XI_MEM(A64, DS, XI_BASE(13), XI_NOINDEX) "}"),
	 .cite = CITE_MEM("VMXON m64 = F3 0F C7 /6; base R13 (encoded with disp8 = 0)"));
SCENARIO(exit_vmx_vmlaunch, .guest = guest_exit_vmx_vmlaunch, .expect = STEP_EXIT(VMLAUNCH, ""),
	 .cite = XI_CITE_BASE "; \"Instructions That Cause VM Exits Unconditionally\"; VMLAUNCH = 0F 01 C2");
SCENARIO(exit_vmx_vmresume, .guest = guest_exit_vmx_vmresume, .expect = STEP_EXIT(VMRESUME, ""),
	 .cite = XI_CITE_BASE "; \"Instructions That Cause VM Exits Unconditionally\"; VMRESUME = 0F 01 C3");
SCENARIO(exit_vmx_vmxoff, .guest = guest_exit_vmx_vmxoff, .expect = STEP_EXIT(VMXOFF, ""),
	 .cite = XI_CITE_BASE "; \"Instructions That Cause VM Exits Unconditionally\"; VMXOFF = 0F 01 C4");
SCENARIO(exit_vmx_vmread_reg, .guest = guest_exit_vmx_vmread_reg,
	 .expect = STEP_EXIT(VMREAD, "qual=0 info={" XI_REGFORM ",REG1=14,REG2=9}"),
	 .cite = CITE_RW("VMREAD r64, r64 = 0F 78 /r (REX.R, REX.B)"));
SCENARIO(exit_vmx_vmread_mem, .guest = guest_exit_vmx_vmread_mem, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMREAD, "qual=0x30 info={MEM_REG=MEM,~REG1,REG2=2," XI_MEM(A64, DS, XI_BASE(1), XI_INDEX(6, 1)) "}"),
	 .cite = CITE_RW("VMREAD m64, r64 = 0F 78 /r"));
SCENARIO(exit_vmx_vmwrite_reg, .guest = guest_exit_vmx_vmwrite_reg,
	 .expect = STEP_EXIT(VMWRITE, "qual=0 info={" XI_REGFORM ",REG1=6,REG2=7}"),
	 .cite = CITE_RW("VMWRITE r64, r64 = 0F 79 /r"));
SCENARIO(exit_vmx_vmwrite_mem, .guest = guest_exit_vmx_vmwrite_mem, .setup = setup_scratch,
	 .expect = STEP_EXIT(VMWRITE, "qual=0x12345 info={MEM_REG=MEM,~REG1,REG2=10," XI_MEM(A64, DS, XI_BASE(8), XI_NOINDEX) "}"),
	 .cite = CITE_RW("VMWRITE r64, m64 = 0F 79 /r (REX.R, REX.B), disp32"));
SCENARIO(exit_vmx_invept, .guest = guest_exit_vmx_invept, .setup = setup_invept,
	 .expect = STEP_EXIT(INVEPT, "qual=0x40 info={REG2=1," XI_MEM(A64, DS, XI_BASE(0), XI_NOINDEX) "}"),
	 .cite = CITE_INV("INVEPT r64, m128 = 66 0F 38 80 /r; \"INVEPT\" exceptions (#UD without EPT/INVEPT)"));
SCENARIO(exit_vmx_invvpid, .guest = guest_exit_vmx_invvpid, .setup = setup_invvpid,
	 .expect = STEP_EXIT(INVVPID, "qual=0 info={REG2=15," XI_MEM(A64, DS, XI_BASE(2), XI_INDEX(11, 0)) "}"),
	 .cite = CITE_INV("INVVPID r64, m128 = 66 0F 38 81 /r; \"INVVPID\" exceptions (#UD without VPID/INVVPID)"));
