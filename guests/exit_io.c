/*
 * exit_io_* - IO_INSTRUCTION (30) exits: every form of IN/OUT/INS/OUTS
 * ("unconditional I/O exiting"), and the I/O bitmaps ("use I/O bitmaps":
 * bitmap A covers ports 0000H-7FFFH, bitmap B 8000H-FFFFH; a port whose bit
 * is 1 exits, one whose bit is 0 does not; an access exits if any port it
 * touches has its bit set, and one that wraps from FFFFH to 0000H always
 * exits).  Qualifications in the IO layout of core/include/exit_info.def
 * (SDM "Exit Qualification for I/O Instructions").
 *
 * Ports: 80H (the POST/diagnostic port) and unassigned ports (8080H, 7FFFH,
 * FFFFH); a non-exiting access only reads them.  String forms exit before
 * any memory access (RDI/RSI point at a guest buffer anyway).  The bitmaps
 * are rewritten by each scenario's setup; the VMCS is the scenario's own.
 */
#include "lib.h"
#include "scenario.h"


#define IO_STEP(more) STEP_EXIT(IO_INSTRUCTION, more)
#define IO_CITE(sections) \
	"SDM Vol. 3 \"Instructions That Cause VM Exits Conditionally\" (IN, INS/INSB/INSW/INSD, OUT, " \
	"OUTS/OUTSB/OUTSW/OUTSD); \"Exit Qualification for I/O Instructions\"; field \"VM-Exit Instruction " \
	"Length\"" sections
#define BITMAP_CITE(sections) IO_CITE("; \"I/O-Bitmap Addresses\"" sections)

static u8 io_bitmap_a[4096] ALIGNED(4096);
static u8 io_bitmap_b[4096] ALIGNED(4096);
static u8 io_buffer[16] ALIGNED(16) __attribute__((used));

static bool setup_uncond(struct scenario_ctx *ctx)
{
	if (vcpu_set_ctl(ctx->vcpu, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_UNCOND_IO_EXITING))
		return true;
	ctx->skip_reason = "control_not_allowed";
	return false;
}

/* I/O bitmaps filled with `fill` (0x00 or 0xff), then port's bit set to `bit`. */
static bool setup_bitmaps(struct scenario_ctx *ctx, u8 fill, int port, bool bit)
{
	memset(io_bitmap_a, fill, sizeof(io_bitmap_a));
	memset(io_bitmap_b, fill, sizeof(io_bitmap_b));
	if (port >= 0) {
		u8 *map = port & 0x8000 ? io_bitmap_b : io_bitmap_a;
		u32 off = (u32)port & 0x7fff;
		if (bit)
			map[off / 8] |= (u8)(1u << (off % 8));
		else
			map[off / 8] &= (u8)~(1u << (off % 8));
	}
	if (!vcpu_set_ctl(ctx->vcpu, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_IO_BITMAPS)) {
		ctx->skip_reason = "control_not_allowed";
		return false;
	}
	vmcs_write(IO_BITMAP_A, (u64)io_bitmap_a);
	vmcs_write(IO_BITMAP_B, (u64)io_bitmap_b);
	return true;
}

/* ---- unconditional I/O exiting: the forms ---------------------------------------------- */

EXIT_GUEST(exit_io_in_imm8, "", "inb $0x80, %al");
EXIT_GUEST(exit_io_out_imm16, "xor %eax, %eax", "outw %ax, $0x80");
EXIT_GUEST(exit_io_out_imm32, "xor %eax, %eax", "outl %eax, $0x80");
EXIT_GUEST(exit_io_in_dx16, "mov $0x80, %edx", "inw %dx, %ax");
EXIT_GUEST(exit_io_out_dx32, "mov $0x80, %edx; xor %eax, %eax", "outl %eax, %dx");
EXIT_GUEST(exit_io_insb, "mov $0x80, %edx; lea io_buffer(%rip), %rdi", "insb %dx, (%rdi)");
EXIT_GUEST(exit_io_outsw, "mov $0x80, %edx; lea io_buffer(%rip), %rsi", "outsw (%rsi), %dx");
EXIT_GUEST(exit_io_rep_insl, "mov $0x80, %edx; lea io_buffer(%rip), %rdi; mov $2, %ecx", "rep insl %dx, (%rdi)");
EXIT_GUEST(exit_io_rep_outsb, "mov $0x80, %edx; lea io_buffer(%rip), %rsi; mov $2, %ecx", "rep outsb (%rsi), %dx");

SCENARIO(exit_io_in_imm8, .guest = guest_exit_io_in_imm8, .setup = setup_uncond,
	 .expect = IO_STEP("qual={SIZE=BYTE,DIRECTION=IN,OPERAND=IMM,PORT=0x80}"),
	 .cite = IO_CITE("; IN AL,imm8 = E4 ib"));
SCENARIO(exit_io_out_imm16, .guest = guest_exit_io_out_imm16, .setup = setup_uncond,
	 .expect = IO_STEP("qual={SIZE=WORD,DIRECTION=OUT,OPERAND=IMM,PORT=0x80}"),
	 .cite = IO_CITE(" (size of access 1 = 2-byte); OUT imm8,AX = 66 E7 ib"));
SCENARIO(exit_io_out_imm32, .guest = guest_exit_io_out_imm32, .setup = setup_uncond,
	 .expect = IO_STEP("qual={SIZE=DWORD,DIRECTION=OUT,OPERAND=IMM,PORT=0x80}"),
	 .cite = IO_CITE(" (size of access 3 = 4-byte); OUT imm8,EAX = E7 ib"));
SCENARIO(exit_io_in_dx16, .guest = guest_exit_io_in_dx16, .setup = setup_uncond,
	 .expect = IO_STEP("qual={SIZE=WORD,DIRECTION=IN,OPERAND=DX,PORT=0x80}"),
	 .cite = IO_CITE("; IN AX,DX = 66 ED"));
SCENARIO(exit_io_out_dx32, .guest = guest_exit_io_out_dx32, .setup = setup_uncond,
	 .expect = IO_STEP("qual={SIZE=DWORD,DIRECTION=OUT,OPERAND=DX,PORT=0x80}"),
	 .cite = IO_CITE("; OUT DX,EAX = EF"));
SCENARIO(exit_io_insb, .guest = guest_exit_io_insb, .setup = setup_uncond,
	 .expect = IO_STEP("qual={SIZE=BYTE,DIRECTION=IN,STRING=1,REP=0,OPERAND=DX,PORT=0x80}"),
	 .cite = IO_CITE(" (string instruction 1, REP prefixed 0); INSB = 6C"));
SCENARIO(exit_io_outsw, .guest = guest_exit_io_outsw, .setup = setup_uncond,
	 .expect = IO_STEP("qual={SIZE=WORD,DIRECTION=OUT,STRING=1,REP=0,OPERAND=DX,PORT=0x80}"),
	 .cite = IO_CITE(" (string instruction 1); OUTSW = 66 6F"));
SCENARIO(exit_io_rep_insl, .guest = guest_exit_io_rep_insl, .setup = setup_uncond,
	 .expect = IO_STEP("qual={SIZE=DWORD,DIRECTION=IN,STRING=1,REP=1,OPERAND=DX,PORT=0x80}"),
	 .cite = IO_CITE(" (string 1, REP prefixed 1; RCX = 2); REP INSD = F3 6D"));
SCENARIO(exit_io_rep_outsb, .guest = guest_exit_io_rep_outsb, .setup = setup_uncond,
	 .expect = IO_STEP("qual={SIZE=BYTE,DIRECTION=OUT,STRING=1,REP=1,OPERAND=DX,PORT=0x80}"),
	 .cite = IO_CITE(" (string 1, REP prefixed 1; RCX = 2); REP OUTSB = F3 6E"));

/* ---- I/O bitmaps ------------------------------------------------------------------------ */

/* Bitmap A: only port 80H's bit set -> IN AL,80H exits. */
EXIT_GUEST(exit_io_bitmap_a_set, "", "inb $0x80, %al");
static bool setup_a_set(struct scenario_ctx *ctx) { return setup_bitmaps(ctx, 0x00, 0x80, true); }
SCENARIO(exit_io_bitmap_a_set, .guest = guest_exit_io_bitmap_a_set, .setup = setup_a_set,
	 .expect = IO_STEP("qual={SIZE=BYTE,DIRECTION=IN,OPERAND=IMM,PORT=0x80}"),
	 .cite = BITMAP_CITE(" (bitmap A, port 80H's bit 1: exit)"));

/* Bitmap A: every bit set except port 80H's -> IN AL,80H does not exit.  What port 80H returns
 * is the device model's (Bochs 0, QEMU 0xff), not VMX: AL is cleared before the VMCALL. */
EXIT_GUEST(exit_io_bitmap_a_clear, "", "inb $0x80, %al\nxor %eax, %eax");
static bool setup_a_clear(struct scenario_ctx *ctx) { return setup_bitmaps(ctx, 0xff, 0x80, false); }
SCENARIO(exit_io_bitmap_a_clear, .guest = guest_exit_io_bitmap_a_clear, .setup = setup_a_clear,
	 .expect = NO_EXIT(""),
	 .cite = BITMAP_CITE(" (bitmap A, port 80H's bit 0, every other bit 1: no exit)"));

/* Bitmap B: port 8080H's bit set -> exit; every bit but 8080H's set -> no exit. */
EXIT_GUEST(exit_io_bitmap_b_set, "mov $0x8080, %edx", "inb %dx, %al");
EXIT_GUEST(exit_io_bitmap_b_clear, "mov $0x8080, %edx", "inb %dx, %al");
static bool setup_b_set(struct scenario_ctx *ctx) { return setup_bitmaps(ctx, 0x00, 0x8080, true); }
static bool setup_b_clear(struct scenario_ctx *ctx) { return setup_bitmaps(ctx, 0xff, 0x8080, false); }
SCENARIO(exit_io_bitmap_b_set, .guest = guest_exit_io_bitmap_b_set, .setup = setup_b_set,
	 .expect = IO_STEP("qual={SIZE=BYTE,DIRECTION=IN,OPERAND=DX,PORT=0x8080}"),
	 .cite = BITMAP_CITE(" (bitmap B holds ports 8000H-FFFFH; port 8080H's bit 1: exit)"));
SCENARIO(exit_io_bitmap_b_clear, .guest = guest_exit_io_bitmap_b_clear, .setup = setup_b_clear,
	 .expect = NO_EXIT(""),
	 .cite = BITMAP_CITE(" (bitmap B, port 8080H's bit 0, every other bit 1: no exit)"));

/* A 2-byte IN at 7FFFH touches 7FFFH (bitmap A, bit 0) and 8000H (bitmap B,
 * bit 1): "any bit ... corresponding to a port it accesses is 1" -> exit. */
EXIT_GUEST(exit_io_bitmap_span, "mov $0x7fff, %edx", "inw %dx, %ax");
static bool setup_span(struct scenario_ctx *ctx) { return setup_bitmaps(ctx, 0x00, 0x8000, true); }
SCENARIO(exit_io_bitmap_span, .guest = guest_exit_io_bitmap_span, .setup = setup_span,
	 .expect = IO_STEP("qual={SIZE=WORD,DIRECTION=IN,OPERAND=DX,PORT=0x7fff}"),
	 .cite = BITMAP_CITE(" (an access exits if the bit of any port it accesses is 1: IN AX,DX at 7FFFH "
			     "reads 7FFFH (bit 0) and 8000H (bit 1))"));

/* A 2-byte IN at FFFFH wraps to 0000H: exits with every bitmap bit 0. */
EXIT_GUEST(exit_io_bitmap_wrap, "mov $0xffff, %edx", "inw %dx, %ax");
static bool setup_wrap(struct scenario_ctx *ctx) { return setup_bitmaps(ctx, 0x00, -1, false); }
SCENARIO(exit_io_bitmap_wrap, .guest = guest_exit_io_bitmap_wrap, .setup = setup_wrap,
	 .expect = IO_STEP("qual={SIZE=WORD,DIRECTION=IN,OPERAND=DX,PORT=0xffff}"),
	 .cite = BITMAP_CITE(" (an I/O operation that wraps around the 16-bit I/O-port space, accessing ports "
			     "FFFFH and 0000H, causes a VM exit; every bit 0)"));
