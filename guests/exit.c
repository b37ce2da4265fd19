/*
 * exit_* - the guest executes one instruction that causes a VM exit, then
 * VMCALL ("done").  The default body steps over each exiting instruction
 * by the VM-exit instruction length; the VMCALL exit's RIP shows where the
 * guest really resumed.  Each SCENARIO() declares its expectation (SDM
 * appendix "VMX Basic Exit Reasons", the "Exit Qualification for ..."
 * tables, field "VM-Exit Instruction Length"): the length is what the
 * assembler encoded (label resume minus label insn), qualifications are
 * spelled in the layouts of core/include/exit_info.def.
 *   exit_cpuid       CPUID (10), len 2
 *   exit_hlt         HLT (12), len 1; needs "HLT exiting"
 *   exit_invd        INVD (13), len 2
 *   exit_invlpg      INVLPG (14), len 3, qual = linear address; "INVLPG exiting"
 *   exit_rdtsc       RDTSC (16), len 2; needs "RDTSC exiting"
 *   exit_cr3_load    CR_ACCESS (28), qual 3 (MOV to CR3 from RAX), len 3
 *   exit_io_out_imm  IO_INSTRUCTION (30), OUT 0x80 imm8: qual 0x800040, len 2
 *   exit_io_in_dx    IO_INSTRUCTION (30), IN from DX=0x80: qual 0x800008, len 1
 *   exit_rdmsr       MSR_READ (31), len 2 (no MSR bitmap: every RDMSR exits)
 *   exit_wrmsr       MSR_WRITE (32), len 2
 *   exit_wbinvd      WBINVD (54), len 2; needs secondary "WBINVD exiting"
 *   exit_ud2         EXCEPTION_NMI (0), intr_info 0x80000306 (#UD, hardware
 *                    exception, valid); the exception bitmap traps it
 */
#include "scenario.h"


/*
 * One guest per scenario, all in assembly so the assembler (not the image)
 * says where each instruction starts and ends: label__<id>__insn is the
 * exiting instruction, label__<id>__resume the VMCALL right after it.  The
 * harness checks the RIP of the first exit against the first and the RIP of
 * the VMCALL exit against the second: the observed RIP advance.
 */

EXIT_GUEST(exit_cpuid, "xor %eax, %eax; xor %ecx, %ecx", "cpuid");
EXIT_GUEST(exit_hlt, "", "hlt");
EXIT_GUEST(exit_invd, "", "invd");
EXIT_GUEST(exit_invlpg, "mov $0x1000, %eax", "invlpg (%rax)");
EXIT_GUEST(exit_rdtsc, "", "rdtsc");
EXIT_GUEST(exit_rdmsr, "mov $" STR(MSR_IA32_SYSENTER_CS) ", %ecx", "rdmsr");
EXIT_GUEST(exit_wrmsr, "mov $" STR(MSR_IA32_SYSENTER_CS) ", %ecx; xor %eax, %eax; xor %edx, %edx", "wrmsr");
EXIT_GUEST(exit_io_out_imm, "xor %eax, %eax", "outb %al, $0x80");
EXIT_GUEST(exit_io_in_dx, "mov $0x80, %edx", "inb %dx, %al");
EXIT_GUEST(exit_wbinvd, "", "wbinvd");
EXIT_GUEST(exit_ud2, "", "ud2");
/* MOV CR3 from RAX, encoded as 0f 22 d8 (3 bytes). */
EXIT_GUEST(exit_cr3_load, "mov %cr3, %rax", "mov %rax, %cr3");

SETUP_CTL(hlt, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_HLT_EXITING)
SETUP_CTL(invlpg, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INVLPG_EXITING)
SETUP_CTL(rdtsc, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_RDTSC_EXITING)
SETUP_CTL(cr3_load, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_CR3_LOAD_EXITING)
SETUP_CTL(io, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_UNCOND_IO_EXITING)
SETUP_CTL(wbinvd, SECONDARY_VM_EXEC_CONTROL, SECONDARY_WBINVD_EXITING)

#define EXIT_CITE(sections) \
	"SDM Vol. 3 appendix \"VMX Basic Exit Reasons\"; field \"VM-Exit Instruction Length\"" sections

SCENARIO(exit_cpuid, .guest = guest_exit_cpuid, .expect = STEP_EXIT(CPUID, ""),
	 .cite = EXIT_CITE("; CPUID = 0F A2"));
SCENARIO(exit_hlt, .guest = guest_exit_hlt, .setup = setup_hlt, .requires = REQ_HLT_EXITING,
	 .expect = STEP_EXIT(HLT, ""), .cite = EXIT_CITE("; HLT = F4"));
SCENARIO(exit_invd, .guest = guest_exit_invd, .expect = STEP_EXIT(INVD, ""),
	 .cite = EXIT_CITE("; INVD = 0F 08"));
/* INVLPG: the qualification is the linear-address operand (RAX = 0x1000). */
SCENARIO(exit_invlpg, .guest = guest_exit_invlpg, .setup = setup_invlpg,
	 .expect = STEP_EXIT(INVLPG, "qual=0x1000"),
	 .cite = EXIT_CITE("; \"Exit Qualification for INVLPG\" (the linear address); INVLPG m = 0F 01 /7"));
SCENARIO(exit_rdtsc, .guest = guest_exit_rdtsc, .setup = setup_rdtsc, .requires = REQ_RDTSC_EXITING,
	 .expect = STEP_EXIT(RDTSC, ""), .cite = EXIT_CITE("; RDTSC = 0F 31"));
SCENARIO(exit_cr3_load, .guest = guest_exit_cr3_load, .setup = setup_cr3_load,
	 .requires = REQ_CR3_LOAD_EXITING,
	 .expect = STEP_EXIT(CR_ACCESS, "qual={CR=3,ACCESS_TYPE=MOV_TO_CR,GPR=0}"),
	 .cite = EXIT_CITE("; \"Exit Qualification for Control-Register Accesses\"; MOV CR3,RAX = 0F 22 D8"));
SCENARIO(exit_io_out_imm, .guest = guest_exit_io_out_imm, .setup = setup_io, .requires = REQ_IO_EXITING,
	 .expect = STEP_EXIT(IO_INSTRUCTION, "qual={SIZE=BYTE,DIRECTION=OUT,OPERAND=IMM,PORT=0x80}"),
	 .cite = EXIT_CITE("; \"Exit Qualification for I/O Instructions\"; OUT imm8,AL = E6 ib"));
SCENARIO(exit_io_in_dx, .guest = guest_exit_io_in_dx, .setup = setup_io, .requires = REQ_IO_EXITING,
	 .expect = STEP_EXIT(IO_INSTRUCTION, "qual={SIZE=BYTE,DIRECTION=IN,OPERAND=DX,PORT=0x80}"),
	 .cite = EXIT_CITE("; \"Exit Qualification for I/O Instructions\"; IN AL,DX = EC"));
/* No MSR bitmap: every RDMSR/WRMSR exits. */
SCENARIO(exit_rdmsr, .guest = guest_exit_rdmsr, .expect = STEP_EXIT(MSR_READ, ""),
	 .cite = EXIT_CITE("; \"RDMSR\" (MSR bitmaps not used: every RDMSR exits); RDMSR = 0F 32"));
SCENARIO(exit_wrmsr, .guest = guest_exit_wrmsr, .expect = STEP_EXIT(MSR_WRITE, ""),
	 .cite = EXIT_CITE("; WRMSR = 0F 30"));
SCENARIO(exit_wbinvd, .guest = guest_exit_wbinvd, .setup = setup_wbinvd, .requires = REQ_SECONDARY,
	 .expect = STEP_EXIT(WBINVD, ""), .cite = EXIT_CITE("; WBINVD = 0F 09"));
/* #UD with exception-bitmap bit 6 set: not resumed; no length for a fault. */
SCENARIO(exit_ud2, .guest = guest_exit_ud2,
	 .expect = "EXCEPTION_NMI at=insn intr={VECTOR=UD,TYPE=HW_EXCEPTION,VALID=1} end",
	 .cite = "SDM \"VM-Exit Information Fields\" (VM-exit interruption information); UD2 = 0F 0B");
