/*
 * exit_desc_* - descriptor-table exits.  SDM "Instructions That Cause VM
 * Exits Conditionally": with the secondary control "descriptor-table exiting"
 * set, LGDT, LIDT, SGDT and SIDT exit with reason GDTR_IDTR (46) and LLDT,
 * LTR, SLDT and STR with LDTR_TR (47).  The exit happens instead of the
 * instruction (the host steps over it).  The operands are harmless even where
 * a platform wrongly executed the instruction: LGDT/LIDT read copies of the
 * guest's own GDTR/IDTR image, LLDT loads the null selector, LTR names the
 * (busy) TSS the guest already has (#GP, an exception exit), the stores go to
 * xi_desc_buf.
 *
 *   exit_desc_sgdt_a32    SGDT 0x10(%eax)                  address size 32
 *   exit_desc_sidt_fs     SIDT %fs:0x8(%rbx,%rcx,8)        FS, index RCX*8
 *   exit_desc_lgdt        LGDT (%rsi)                      qual 0
 *   exit_desc_lidt_ss     LIDT -0x20(%rbp)                 SS, disp8 < 0
 *   exit_desc_sldt_reg    SLDT r13d                        REG1 13
 *   exit_desc_sldt_mem    SLDT 0x7ff0(%r11)                disp32 > 0
 *   exit_desc_str_reg     STR ax (66H)                     REG1 0
 *   exit_desc_str_mem     STR 0x6(%rdi)                    base RDI
 *   exit_desc_lldt_reg    LLDT cx                          REG1 1
 *   exit_desc_lldt_mem    LLDT 2(%rdx,%rax,2)              index RAX*2
 *   exit_desc_ltr_reg     LTR r10w                         REG1 10
 *   exit_desc_ltr_mem     LTR 0x1000(,%r9,4)               no base
 * Instruction information: IDENTITY in 29:28; the GDTR/IDTR layout's operand
 * size (bit 11) is "Undefined for VM exits from 64-bit mode" (this guest is
 * 64-bit), so it is left out.
 */
#include "exit_insn.h"
#include "lib.h"
#include "desc.h"

/*
 * 0x000 GDTR image (limit, base) of the guest     0x040 IDTR image
 * 0x100 SGDT/SIDT/SLDT/STR targets                  0x200 LLDT word (0: null)
 * 0x300 LTR word (the guest's TR selector)
 */
u8 xi_desc_buf[4096] ALIGNED(4096);

static bool setup_desc(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_DESC_TABLE_EXITING))
		return false;
	memset(xi_desc_buf, 0, sizeof(xi_desc_buf));
	struct desc_ptr g = { (u16)vmcs_read(GUEST_GDTR_LIMIT), vmcs_read(GUEST_GDTR_BASE) };
	struct desc_ptr i = { (u16)vmcs_read(GUEST_IDTR_LIMIT), vmcs_read(GUEST_IDTR_BASE) };
	memcpy(xi_desc_buf + 0x000, &g, sizeof(g));
	memcpy(xi_desc_buf + 0x040, &i, sizeof(i));
	*(u16 *)(xi_desc_buf + 0x300) = (u16)vmcs_read(GUEST_TR_SELECTOR);
	return true;
}

#define BUF "xi_desc_buf"

EXIT_GUEST(exit_desc_sgdt_a32, "lea " BUF "+0x100(%rip), %rax", "sgdt 0x10(%eax)");
EXIT_GUEST(exit_desc_sidt_fs, "lea " BUF "+0x100(%rip), %rbx; mov $2, %ecx", "sidt %fs:0x8(%rbx,%rcx,8)");
EXIT_GUEST(exit_desc_lgdt, "lea " BUF "(%rip), %rsi", "lgdt (%rsi)");
EXIT_GUEST(exit_desc_lidt_ss, "lea " BUF "+0x60(%rip), %rbp", "lidt -0x20(%rbp)");
EXIT_GUEST(exit_desc_sldt_reg, "", "sldt %r13d");
EXIT_GUEST(exit_desc_sldt_mem, "lea " BUF "+0x100-0x7ff0(%rip), %r11", "sldt 0x7ff0(%r11)");
EXIT_GUEST(exit_desc_str_reg, "", "str %ax");
EXIT_GUEST(exit_desc_str_mem, "lea " BUF "+0x100(%rip), %rdi", "str 0x6(%rdi)");
EXIT_GUEST(exit_desc_lldt_reg, "xor %ecx, %ecx", "lldt %cx");
EXIT_GUEST(exit_desc_lldt_mem, "lea " BUF "+0x1f0(%rip), %rdx; mov $7, %eax", "lldt 2(%rdx,%rax,2)");
EXIT_GUEST(exit_desc_ltr_reg, "mov $" STR(GDT_TSS) ", %r10d", "ltr %r10w");
EXIT_GUEST(exit_desc_ltr_mem, "lea " BUF "+0x300-0x1000(%rip), %r9; shr $2, %r9", "ltr 0x1000(,%r9,4)");

#define CITE_DESC(insn, table)                                                              \
	XI_CITE_BASE "; \"Instructions That Cause VM Exits Conditionally\" (descriptor-table "    \
	"exiting); " insn "; \"Format of the VM-Exit Instruction-Information Field as Used for " \
	table "\""
#define CITE_GI(insn) CITE_DESC(insn, "LIDT, LGDT, SIDT, or SGDT")
#define CITE_LT(insn) CITE_DESC(insn, "LLDT, LTR, SLDT, and STR")

#define GI(id) "~OPERAND_SIZE,IDENTITY=" #id ","
#define LT_MEM(id) "MEM_REG=MEM,~REG1,IDENTITY=" #id ","
#define LT_REG(id, r) XI_REGFORM ",IDENTITY=" #id ",REG1=" #r

#define DESC(id, ...) \
	SCENARIO(id, .guest = guest_##id, .setup = setup_desc, .requires = REQ_SECONDARY, __VA_ARGS__)

DESC(exit_desc_sgdt_a32,
     .expect = STEP_EXIT(GDTR_IDTR, "qual=0x10 info={" GI(SGDT) XI_MEM(A32, DS, XI_BASE(0), XI_NOINDEX) "}"),
     .cite = CITE_GI("SGDT m = 0F 01 /0; address-size prefix 67H (bits 63:32 of the qualification "
		     "undefined; the displacement is positive)"));
DESC(exit_desc_sidt_fs,
     .expect = STEP_EXIT(GDTR_IDTR, "qual=0x8 info={" GI(SIDT) XI_MEM(A64, FS, XI_BASE(3), XI_INDEX(1, 3)) "}"),
     .cite = CITE_GI("SIDT m = 0F 01 /1; FS override 64H"));
DESC(exit_desc_lgdt,
     .expect = STEP_EXIT(GDTR_IDTR, "qual=0 info={" GI(LGDT) XI_MEM(A64, DS, XI_BASE(6), XI_NOINDEX) "}"),
     .cite = CITE_GI("LGDT m16&64 = 0F 01 /2"));
DESC(exit_desc_lidt_ss,
     .expect = STEP_EXIT(GDTR_IDTR, "qual=0xffffffffffffffe0 info={" GI(LIDT) XI_MEM(A64, SS, XI_BASE(5), XI_NOINDEX) "}"),
     .cite = CITE_GI("LIDT m16&64 = 0F 01 /3; default segment SS for base RBP; disp8 -0x20 sign-extended"));
DESC(exit_desc_sldt_reg, .expect = STEP_EXIT(LDTR_TR, "qual=0 info={" LT_REG(SLDT, 13) "}"),
     .cite = CITE_LT("SLDT r32 = 0F 00 /0 (REX.B)"));
DESC(exit_desc_sldt_mem,
     .expect = STEP_EXIT(LDTR_TR, "qual=0x7ff0 info={" LT_MEM(SLDT) XI_MEM(A64, DS, XI_BASE(11), XI_NOINDEX) "}"),
     .cite = CITE_LT("SLDT m16 = 0F 00 /0; base R11, disp32"));
DESC(exit_desc_str_reg, .expect = STEP_EXIT(LDTR_TR, "qual=0 info={" LT_REG(STR, 0) "}"),
     .cite = CITE_LT("STR r16 = 66 0F 00 /1"));
DESC(exit_desc_str_mem,
     .expect = STEP_EXIT(LDTR_TR, "qual=6 info={" LT_MEM(STR) XI_MEM(A64, DS, XI_BASE(7), XI_NOINDEX) "}"),
     .cite = CITE_LT("STR m16 = 0F 00 /1"));
DESC(exit_desc_lldt_reg, .expect = STEP_EXIT(LDTR_TR, "qual=0 info={" LT_REG(LLDT, 1) "}"),
     .cite = CITE_LT("LLDT r16 = 0F 00 /2"));
DESC(exit_desc_lldt_mem,
     .expect = STEP_EXIT(LDTR_TR, "qual=2 info={" LT_MEM(LLDT) XI_MEM(A64, DS, XI_BASE(2), XI_INDEX(0, 1)) "}"),
     .cite = CITE_LT("LLDT m16 = 0F 00 /2"));
DESC(exit_desc_ltr_reg, .expect = STEP_EXIT(LDTR_TR, "qual=0 info={" LT_REG(LTR, 10) "}"),
     .cite = CITE_LT("LTR r16 = 0F 00 /3 (REX.B)"));
DESC(exit_desc_ltr_mem,
     .expect = STEP_EXIT(LDTR_TR, "qual=0x1000 info={" LT_MEM(LTR) XI_MEM(A64, DS, XI_NOBASE, XI_INDEX(9, 2)) "}"),
     .cite = CITE_LT("LTR m16 = 0F 00 /3; SIB with no base (disp32) and index R9*4"));
