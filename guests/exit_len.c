/*
 * exit_len_* - the VM-exit instruction length at its bounds.
 *
 * SDM Vol. 3 "Information for VM Exits Due to Instruction Execution", field
 * "VM-exit instruction length": "this field receives the length in bytes (1-15) of
 * the instruction (including any instruction prefixes) whose execution led to the VM
 * exit".  SDM Vol. 3 "Interrupt 13 - General Protection Exception (#GP)": a #GP(0) for
 * "Exceeding the instruction length limit of 15 bytes (this only can occur when
 * redundant prefixes are placed before an instruction)"; "The saved contents of CS and
 * EIP registers point to the instruction that generated the exception" (the first
 * prefix byte) and the error code is 0.
 *
 *   exit_len_hlt_p0 .. p14   HLT (F4, "HLT exiting") behind 0..14 redundant prefixes:
 *                            lengths 1..15, HLT exit, stepped over by the length
 *   exit_len_hlt_p15_gp      15 prefixes: 16 bytes, #GP(0) at the first prefix
 *                            (exception bitmap bit 13 is 1: exit 0, no HLT exit)
 *   exit_len_cpuid_p1, _p13  CPUID (0F A2) behind 1 and 13 prefixes: 3 and 15 bytes
 *   exit_len_cpuid_p14_gp    14 prefixes: 16 bytes, #GP(0)
 *
 * Each length is declared twice over: len=insn..resume=N, the assembler's encoding
 * (label resume - label insn) which must equal N, the literal 1 + prefixes (or 2 +
 * prefixes): `make image` refuses the declaration if the two disagree, and the
 * platform's length is compared with it; next=resume observes the RIP advance.
 *
 * Prefixes (SDM Vol. 2 "Instruction Prefixes"): the six segment overrides 2E 36 3E 26
 * 64 65 ("use with any branch instruction is reserved": HLT and CPUID are not branches
 * and have no memory operand, and in 64-bit mode CS/DS/ES/SS overrides are ignored) and,
 * for HLT, the operand-size prefix 66 (HLT has no operand; its reserved uses are with
 * MMX/SSE instructions and, after 0F, as a mandatory prefix - so CPUID gets none).  Not
 * used: F0 LOCK (#UD on HLT/CPUID), F2/F3 (repeat prefixes with non-string instructions
 * are reserved, and mandatory prefixes after 0F), 67 ("Using this prefix ... when
 * operands for the instruction do not reside in memory is reserved"), REX (only
 * meaningful immediately before the opcode).
 *
 *   exit_len_int3_idt_gp     INT3 (CC), #BP not intercepted, guest IDT limit 0: the
 *                            delivery of the software exception faults: #GP(1AH) exits
 *                            with IDT-vectoring {#BP, software exception}; length 1
 *   exit_len_int03_idt_gp    INT 3 (CD 03): a software interrupt (type 4), never
 *                            intercepted by the exception bitmap; its delivery's #GP(1AH)
 *                            exits with IDT-vectoring {3, software interrupt}; length 2
 *   exit_len_int80_idt_gp    INT 80H (CD 80): #GP(402H), IDT-vectoring {80H, software
 *                            interrupt}; length 2
 * SDM "Information for VM Exits Due to Instruction Execution": the length is used "for
 * VM exits due to faults encountered during delivery of a software interrupt,
 * privileged software exception, or software exception" (exit_info.def
 * EXIT_LEN_EVENT); the body steps over the INT by it (core/scenario.c).
 */
#include "lib.h"
#include "scenario.h"

/* Redundant prefixes, the first N of a fixed mix (one .byte each). */
#define B(x) ".byte " #x "\n"
#define HLT_PFX_0 ""
#define HLT_PFX_1 HLT_PFX_0 B(0x2e)
#define HLT_PFX_2 HLT_PFX_1 B(0x66)
#define HLT_PFX_3 HLT_PFX_2 B(0x36)
#define HLT_PFX_4 HLT_PFX_3 B(0x3e)
#define HLT_PFX_5 HLT_PFX_4 B(0x26)
#define HLT_PFX_6 HLT_PFX_5 B(0x64)
#define HLT_PFX_7 HLT_PFX_6 B(0x65)
#define HLT_PFX_8 HLT_PFX_7 B(0x66)
#define HLT_PFX_9 HLT_PFX_8 B(0x2e)
#define HLT_PFX_10 HLT_PFX_9 B(0x36)
#define HLT_PFX_11 HLT_PFX_10 B(0x3e)
#define HLT_PFX_12 HLT_PFX_11 B(0x26)
#define HLT_PFX_13 HLT_PFX_12 B(0x64)
#define HLT_PFX_14 HLT_PFX_13 B(0x65)
#define HLT_PFX_15 HLT_PFX_14 B(0x66)
#define SEG_PFX_1 B(0x2e)
#define SEG_PFX_13 B(0x2e) B(0x36) B(0x3e) B(0x26) B(0x64) B(0x65) B(0x2e) B(0x36) B(0x3e) B(0x26) B(0x64) B(0x65) B(0x2e)
#define SEG_PFX_14 SEG_PFX_13 B(0x36)

#define LEN_CITE(sections)                                                                     \
	"SDM Vol. 3 \"Information for VM Exits Due to Instruction Execution\" (VM-exit instruction " \
	"length: \"the length in bytes (1-15) of the instruction (including any instruction "      \
	"prefixes)\"); SDM Vol. 2 \"Instruction Prefixes\"" sections
#define GP_CITE(sections)                                                                      \
	"SDM Vol. 3 \"Interrupt 13 - General Protection Exception (#GP)\" (\"Exceeding the "     \
	"instruction length limit of 15 bytes (this only can occur when redundant prefixes are "   \
	"placed before an instruction)\"; error code 0; saved CS:EIP point to the instruction); "  \
	"\"Exception Bitmap\" (bit 13 is 1: exit 0); \"Information for VM Exits Due to Vectored "   \
	"Events\"; the length of an exit due to a hardware exception is undefined (not compared)" sections
/* #GP(0) at the first prefix byte, no exit for the instruction itself. */
#define GP_AT_INSN "EXCEPTION_NMI at=insn intr={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1} err=0 end"

SETUP_CTL(len_hlt, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_HLT_EXITING)

/* HLT behind N prefixes: length L = 1 + N (written out, not computed). */
#define HLT_LEN(n, l)                                                                                  \
	EXIT_GUEST(exit_len_hlt_p##n, "", HLT_PFX_##n "hlt");                                       \
	SCENARIO(exit_len_hlt_p##n, .guest = guest_exit_len_hlt_p##n, .setup = setup_len_hlt,       \
		 .requires = REQ_HLT_EXITING,                                                        \
		 .expect = "HLT at=insn len=insn..resume=" #l " next=resume; VMCALL at=resume len=3 end", \
		 .cite = LEN_CITE("; " #n " prefixes + HLT (F4) = " #l " bytes"))
HLT_LEN(0, 1);
HLT_LEN(1, 2);
HLT_LEN(2, 3);
HLT_LEN(3, 4);
HLT_LEN(4, 5);
HLT_LEN(5, 6);
HLT_LEN(6, 7);
HLT_LEN(7, 8);
HLT_LEN(8, 9);
HLT_LEN(9, 10);
HLT_LEN(10, 11);
HLT_LEN(11, 12);
HLT_LEN(12, 13);
HLT_LEN(13, 14);
HLT_LEN(14, 15);

/* 15 prefixes + HLT = 16 bytes: #GP(0); the scenario ends at the exit.  The length is
 * undefined for this exit, so no len= can check the encoding: harness/tests/test_exit_len.py
 * checks label resume - label insn = 16 (and 1 + N for every p<N>) in the built catalog. */
EXIT_GUEST(exit_len_hlt_p15_gp, "", HLT_PFX_15 "hlt");
SCENARIO(exit_len_hlt_p15_gp, .guest = guest_exit_len_hlt_p15_gp, .setup = setup_len_hlt,
	 .requires = REQ_HLT_EXITING, .expect = GP_AT_INSN,
	 .cite = GP_CITE("; 15 prefixes + HLT (F4) = 16 bytes: #GP(0), not an HLT exit"));

/* CPUID (0F A2, exits unconditionally) behind 1, 13 and 14 segment overrides. */
EXIT_GUEST(exit_len_cpuid_p1, "xor %eax, %eax; xor %ecx, %ecx", SEG_PFX_1 "cpuid");
EXIT_GUEST(exit_len_cpuid_p13, "xor %eax, %eax; xor %ecx, %ecx", SEG_PFX_13 "cpuid");
EXIT_GUEST(exit_len_cpuid_p14_gp, "xor %eax, %eax; xor %ecx, %ecx", SEG_PFX_14 "cpuid");
SCENARIO(exit_len_cpuid_p1, .guest = guest_exit_len_cpuid_p1,
	 .expect = "CPUID at=insn len=insn..resume=3 next=resume; VMCALL at=resume len=3 end",
	 .cite = LEN_CITE("; 1 prefix + CPUID (0F A2) = 3 bytes"));
SCENARIO(exit_len_cpuid_p13, .guest = guest_exit_len_cpuid_p13,
	 .expect = "CPUID at=insn len=insn..resume=15 next=resume; VMCALL at=resume len=3 end",
	 .cite = LEN_CITE("; 13 prefixes + CPUID (0F A2) = 15 bytes, the longest legal instruction"));
SCENARIO(exit_len_cpuid_p14_gp, .guest = guest_exit_len_cpuid_p14_gp, .expect = GP_AT_INSN,
	 .cite = GP_CITE("; 14 prefixes + CPUID (0F A2) = 16 bytes: #GP(0), not a CPUID exit"));

/* ---- software interrupts and exceptions whose delivery faults --------------------------- */

/* Guest IDT limit 0: no gate is inside the limit, so delivering vector v raises
 * #GP(v * 8 + 2) (IDT bit 1; EXT 0 for INT n, INT3, INTO: SDM "Error Code"), which the
 * exception bitmap (bit 13) intercepts. */
static bool setup_idt_gp(struct scenario_ctx *ctx, u64 clear_bits)
{
	(void)ctx;
	vmcs_write(GUEST_IDTR_LIMIT, 0);
	vmcs_write(EXCEPTION_BITMAP, vmcs_read(EXCEPTION_BITMAP) & ~clear_bits);
	return true;
}
static bool setup_int3_idt_gp(struct scenario_ctx *ctx)
{
	return setup_idt_gp(ctx, BIT(INFO_INTR_INFO_VECTOR_BP));
}
static bool setup_int_idt_gp(struct scenario_ctx *ctx) { return setup_idt_gp(ctx, 0); }

EXIT_GUEST(exit_len_int3_idt_gp, "", "int3");
EXIT_GUEST(exit_len_int03_idt_gp, "", ".byte 0xcd, 0x03");
EXIT_GUEST(exit_len_int80_idt_gp, "", "int $0x80");

/* #GP(err) during delivery of the event `idt` at insn, length l; stepped over. */
#define DELIVERY_GP(l, err, idt)                                                                   \
	"EXCEPTION_NMI at=insn len=insn..resume=" #l " next=resume "                                \
	"intr={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1,~NMI_UNBLOCKING} err=" #err " "     \
	"idt={" idt ",ERROR_VALID=0,VALID=1,~NMI_UNBLOCKING}; VMCALL at=resume len=3 end"
#define DELIVERY_CITE(sections)                                                                    \
	"SDM Vol. 3 \"Information for VM Exits Due to Instruction Execution\" (VM-exit instruction "  \
	"length: used \"for VM exits due to faults encountered during delivery of a software "       \
	"interrupt, privileged software exception, or software exception\"); \"Information for VM "   \
	"Exits That Occur During Event Delivery\" (IDT-vectoring information: the event being "      \
	"delivered; bit 12 undefined); \"Information for VM Exits Due to Vectored Events\" (bit 12 "  \
	"undefined when the IDT-vectoring information is valid); \"Interrupt 13 - General "           \
	"Protection Exception\" and \"Error Code\" (the IDT bit; EXT 0 for INT n/INT3/INTO); "        \
	"\"Exception Bitmap\"" sections
SCENARIO(exit_len_int3_idt_gp, .guest = guest_exit_len_int3_idt_gp, .setup = setup_int3_idt_gp,
	 .expect = DELIVERY_GP(1, 0x1a, "VECTOR=BP,TYPE=SW_EXCEPTION"),
	 .cite = DELIVERY_CITE("; INT3 (CC): #BP, a software exception (type 6), bitmap bit 3 = 0; "
			       "IDT limit 0: #GP(3 * 8 + 2)"));
SCENARIO(exit_len_int03_idt_gp, .guest = guest_exit_len_int03_idt_gp, .setup = setup_int_idt_gp,
	 .expect = DELIVERY_GP(2, 0x1a, "VECTOR=3,TYPE=SW_INTERRUPT"),
	 .cite = DELIVERY_CITE("; INT 3 as CD 03 is a software interrupt (type 4), not #BP: the exception "
			       "bitmap (all ones) does not apply to it (SDM \"Exceptions\" in \"Other Causes of VM "
			       "Exits\" concerns exceptions; \"Exception Bitmap\"); IDT limit 0: #GP(3 * 8 + 2)"));
SCENARIO(exit_len_int80_idt_gp, .guest = guest_exit_len_int80_idt_gp, .setup = setup_int_idt_gp,
	 .expect = DELIVERY_GP(2, 0x402, "VECTOR=0x80,TYPE=SW_INTERRUPT"),
	 .cite = DELIVERY_CITE("; INT 80H (CD 80): a software interrupt (type 4); IDT limit 0: "
			       "#GP(80H * 8 + 2)"));
