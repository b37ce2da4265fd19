/*
 * exit_msr_* - MSR_READ (31) / MSR_WRITE (32) with "use MSR bitmaps": the
 * 4-KiB bitmap holds read-low (MSRs 0-1FFFH, bytes 0-1023), read-high
 * (C0000000H-C0001FFFH, 1024-2047), write-low (2048-3071), write-high
 * (3072-4095).  RDMSR/WRMSR exits iff the MSR's bit in its bitmap is 1, or
 * ECX is outside both ranges (SDM "Instructions That Cause VM Exits
 * Conditionally", RDMSR/WRMSR; "MSR-Bitmap Address").
 *
 * "set" scenarios: only the tested bit is 1.  "clear" scenarios: every bit
 * is 1 except the tested one, and the instruction runs in the guest:
 *   IA32_SYSENTER_CS (174H, low): guest value 0x1234 from the VMCS guest
 *     field (RDMSR returns it); the host's value is reloaded from
 *     HOST_IA32_SYSENTER_CS on every exit.
 *   IA32_FS_BASE (C0000100H, high): guest FS base 0x12345000 (RDMSR returns
 *     it); the host's FS base is reloaded from HOST_FS_BASE on every exit.
 * So nothing the guest writes outlives the scenario.
 */
#include "lib.h"
#include "scenario.h"



#define MSR_CITE(sections) \
	"SDM Vol. 3 \"Instructions That Cause VM Exits Conditionally\" (RDMSR, WRMSR: the MSR bitmaps); " \
	"\"MSR-Bitmap Address\"; field \"VM-Exit Instruction Length\"; RDMSR = 0F 32, WRMSR = 0F 30" sections

#define GUEST_SYSENTER_CS_VALUE 0x1234
#define GUEST_FS_BASE_VALUE 0x12345000

static u8 msr_bitmap[4096] ALIGNED(4096);

enum { RD_LOW = 0, RD_HIGH = 1024, WR_LOW = 2048, WR_HIGH = 3072 };

static bool setup_bitmap(struct scenario_ctx *ctx, u8 fill, int part, u32 msr, bool bit)
{
	memset(msr_bitmap, fill, sizeof(msr_bitmap));
	if (part >= 0) {
		u32 n = msr & 0x1fff;
		u8 *byte = &msr_bitmap[part + n / 8];
		if (bit)
			*byte |= (u8)(1u << (n % 8));
		else
			*byte &= (u8)~(1u << (n % 8));
	}
	if (!vcpu_set_ctl(ctx->vcpu, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_MSR_BITMAPS)) {
		ctx->skip_reason = "control_not_allowed";
		return false;
	}
	vmcs_write(MSR_BITMAP, (u64)msr_bitmap);
	vmcs_write(GUEST_SYSENTER_CS, GUEST_SYSENTER_CS_VALUE);
	vmcs_write(GUEST_FS_BASE, GUEST_FS_BASE_VALUE);
	return true;
}

#define RDMSR_PREP(msr) "mov $" STR(msr) ", %ecx"
#define WRMSR_PREP(msr, v) "mov $" STR(msr) ", %ecx; mov $" STR(v) ", %eax; xor %edx, %edx"

/* fill: the whole bitmap's bytes; then the MSR's bit in part is set to bit. */
#define MSR_CASE(id, fill, part, msr, bit, prep, insn)                                      \
	EXIT_GUEST(id, prep, insn);                                                               \
	static bool setup_##id(struct scenario_ctx *ctx)                                     \
	{                                                                                    \
		return setup_bitmap(ctx, fill, part, msr, bit);                              \
	}

MSR_CASE(exit_msr_rd_low_set, 0x00, RD_LOW, MSR_IA32_SYSENTER_CS, true, RDMSR_PREP(MSR_IA32_SYSENTER_CS), "rdmsr")
MSR_CASE(exit_msr_rd_low_clear, 0xff, RD_LOW, MSR_IA32_SYSENTER_CS, false, RDMSR_PREP(MSR_IA32_SYSENTER_CS), "rdmsr")
MSR_CASE(exit_msr_rd_high_set, 0x00, RD_HIGH, MSR_IA32_FS_BASE, true, RDMSR_PREP(MSR_IA32_FS_BASE), "rdmsr")
MSR_CASE(exit_msr_rd_high_clear, 0xff, RD_HIGH, MSR_IA32_FS_BASE, false, RDMSR_PREP(MSR_IA32_FS_BASE), "rdmsr")
MSR_CASE(exit_msr_wr_low_set, 0x00, WR_LOW, MSR_IA32_SYSENTER_CS, true, WRMSR_PREP(MSR_IA32_SYSENTER_CS, 0x10), "wrmsr")
MSR_CASE(exit_msr_wr_low_clear, 0xff, WR_LOW, MSR_IA32_SYSENTER_CS, false, WRMSR_PREP(MSR_IA32_SYSENTER_CS, 0x10), "wrmsr")
MSR_CASE(exit_msr_wr_high_set, 0x00, WR_HIGH, MSR_IA32_FS_BASE, true, WRMSR_PREP(MSR_IA32_FS_BASE, 0x2000), "wrmsr")
MSR_CASE(exit_msr_wr_high_clear, 0xff, WR_HIGH, MSR_IA32_FS_BASE, false, WRMSR_PREP(MSR_IA32_FS_BASE, 0x2000), "wrmsr")
/* ECX outside both ranges (40000000H): exits with every bitmap bit 0. */
MSR_CASE(exit_msr_rd_out_of_range, 0x00, -1, 0, false, RDMSR_PREP(0x40000000), "rdmsr")
MSR_CASE(exit_msr_wr_out_of_range, 0x00, -1, 0, false, WRMSR_PREP(0xc0002000, 0), "wrmsr")

SCENARIO(exit_msr_rd_low_set, .guest = guest_exit_msr_rd_low_set, .setup = setup_exit_msr_rd_low_set,
	 .expect = STEP_EXIT(MSR_READ, "rcx=0x174"),
	 .cite = MSR_CITE(" (read bitmap for low MSRs, bit 174H = 1: exit)"));
SCENARIO(exit_msr_rd_low_clear, .guest = guest_exit_msr_rd_low_clear, .setup = setup_exit_msr_rd_low_clear,
	 .expect = NO_EXIT("rax=0x1234 rdx=0"),
	 .cite = MSR_CITE(" (read bitmap for low MSRs, bit 174H = 0: no exit; RDMSR returns the guest "
			  "IA32_SYSENTER_CS loaded at VM entry, 0x1234)"));
SCENARIO(exit_msr_rd_high_set, .guest = guest_exit_msr_rd_high_set, .setup = setup_exit_msr_rd_high_set,
	 .expect = STEP_EXIT(MSR_READ, "rcx=0xc0000100"),
	 .cite = MSR_CITE(" (read bitmap for high MSRs, bit for C0000100H = 1: exit)"));
SCENARIO(exit_msr_rd_high_clear, .guest = guest_exit_msr_rd_high_clear, .setup = setup_exit_msr_rd_high_clear,
	 .expect = NO_EXIT("rax=0x12345000 rdx=0"),
	 .cite = MSR_CITE(" (read bitmap for high MSRs, bit for C0000100H = 0: no exit; RDMSR returns the "
			  "guest FS base loaded at VM entry, 0x12345000)"));
SCENARIO(exit_msr_wr_low_set, .guest = guest_exit_msr_wr_low_set, .setup = setup_exit_msr_wr_low_set,
	 .expect = STEP_EXIT(MSR_WRITE, "rcx=0x174 rax=0x10"),
	 .cite = MSR_CITE(" (write bitmap for low MSRs, bit 174H = 1: exit)"));
SCENARIO(exit_msr_wr_low_clear, .guest = guest_exit_msr_wr_low_clear, .setup = setup_exit_msr_wr_low_clear,
	 .expect = NO_EXIT(""),
	 .cite = MSR_CITE(" (write bitmap for low MSRs, bit 174H = 0: no exit)"));
SCENARIO(exit_msr_wr_high_set, .guest = guest_exit_msr_wr_high_set, .setup = setup_exit_msr_wr_high_set,
	 .expect = STEP_EXIT(MSR_WRITE, "rcx=0xc0000100 rax=0x2000"),
	 .cite = MSR_CITE(" (write bitmap for high MSRs, bit for C0000100H = 1: exit)"));
SCENARIO(exit_msr_wr_high_clear, .guest = guest_exit_msr_wr_high_clear, .setup = setup_exit_msr_wr_high_clear,
	 .expect = NO_EXIT(""),
	 .cite = MSR_CITE(" (write bitmap for high MSRs, bit for C0000100H = 0: no exit)"));
SCENARIO(exit_msr_rd_out_of_range, .guest = guest_exit_msr_rd_out_of_range,
	 .setup = setup_exit_msr_rd_out_of_range, .expect = STEP_EXIT(MSR_READ, "rcx=0x40000000"),
	 .cite = MSR_CITE(" (ECX in neither 00000000H-00001FFFH nor C0000000H-C0001FFFH: exit, every bit 0)"));
SCENARIO(exit_msr_wr_out_of_range, .guest = guest_exit_msr_wr_out_of_range,
	 .setup = setup_exit_msr_wr_out_of_range, .expect = STEP_EXIT(MSR_WRITE, "rcx=0xc0002000"),
	 .cite = MSR_CITE(" (ECX C0002000H is outside both ranges: exit, every bit 0)"));
