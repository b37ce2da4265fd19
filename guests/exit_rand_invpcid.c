/*
 * INVPCID, RDRAND and RDSEED exits (SDM "Instructions That Cause VM Exits
 * Conditionally"):
 *   INVPCID  "causes a VM exit if the "INVLPG exiting" and "enable INVPCID"
 *            VM-execution controls are both 1" (reason 58, information laid
 *            out as for INVEPT/INVVPID);
 *   RDRAND   exits if "RDRAND exiting" is 1 (57); RDSEED if "RDSEED exiting"
 *            is 1 (61): destination register in 6:3, operand size in 12:11.
 *
 *   exit_invpcid          INVPCID rdx, [rax+0x8]              REG2 2, disp8
 *   exit_invpcid_sib_gs   INVPCID r9, gs:[rsi+r14*4+0x200]    REG2 9, GS, disp32
 *   exit_rdrand16/32/64   RDRAND ax / r11d / rcx
 *   exit_rdseed16/32/64   RDSEED si / edx / r15
 * The qualification of RDRAND/RDSEED exits is not defined: 0.
 */
#include "exit_insn.h"
#include "lib.h"

/* INVPCID descriptors (PCID 0, address 0); type 2 needs none. */
u8 xi_invpcid_buf[4096] ALIGNED(4096);

static bool setup_invpcid(struct scenario_ctx *ctx)
{
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_INVPCID) ||
	    !scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INVLPG_EXITING))
		return false;
	memset(xi_invpcid_buf, 0, sizeof(xi_invpcid_buf));
	return true;
}

/* INVPCID through GS: the guest's GS base is the descriptor page (this VMCS only). */
static bool setup_invpcid_gs(struct scenario_ctx *ctx)
{
	if (!setup_invpcid(ctx))
		return false;
	vmcs_write(GUEST_GS_BASE, (u64)xi_invpcid_buf);
	return true;
}

static bool setup_rdrand(struct scenario_ctx *ctx)
{
	return scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_RDRAND_EXITING);
}

static bool setup_rdseed(struct scenario_ctx *ctx)
{
	return scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_RDSEED_EXITING);
}

/* Type 2: all-context invalidation, including global translations (valid whatever CR4.PCIDE). */
EXIT_GUEST(exit_invpcid, "lea xi_invpcid_buf(%rip), %rax; mov $2, %edx", "invpcid 0x8(%rax), %rdx");
EXIT_GUEST(exit_invpcid_sib_gs, "mov $0x10, %esi; mov $4, %r14d; mov $2, %r9d",
	 "invpcid %gs:0x200(%rsi,%r14,4), %r9");
EXIT_GUEST(exit_rdrand16, "", "rdrand %ax");
EXIT_GUEST(exit_rdrand32, "", "rdrand %r11d");
EXIT_GUEST(exit_rdrand64, "", "rdrand %rcx");
EXIT_GUEST(exit_rdseed16, "", "rdseed %si");
EXIT_GUEST(exit_rdseed32, "", "rdseed %edx");
EXIT_GUEST(exit_rdseed64, "", "rdseed %r15");

#define CITE_INVPCID(insn)                                                                   \
	XI_CITE_BASE "; \"Instructions That Cause VM Exits Conditionally\" (INVPCID: \"INVLPG "    \
	"exiting\" and \"enable INVPCID\" both 1); " insn "; \"Format of the VM-Exit "            \
	"Instruction-Information Field as Used for INVEPT, INVPCID, and INVVPID\""
#define CITE_RAND(insn, ctl)                                                                 \
	"SDM Vol. 3 appendix \"VMX Basic Exit Reasons\"; field \"VM-Exit Instruction Length\"; "   \
	"\"Instructions That Cause VM Exits Conditionally\" (" ctl "); " insn "; \"Format of the " \
	"VM-Exit Instruction-Information Field as Used for RDRAND, RDSEED, TPAUSE, and UMWAIT\""

SCENARIO(exit_invpcid, .guest = guest_exit_invpcid, .setup = setup_invpcid, .requires = REQ_SECONDARY,
	 .expect = STEP_EXIT(INVPCID, "qual=0x8 info={REG2=2," XI_MEM(A64, DS, XI_BASE(0), XI_NOINDEX) "}"),
	 .cite = CITE_INVPCID("INVPCID r64, m128 = 66 0F 38 82 /r"));
SCENARIO(exit_invpcid_sib_gs, .guest = guest_exit_invpcid_sib_gs, .setup = setup_invpcid_gs,
	 .requires = REQ_SECONDARY,
	 .expect = STEP_EXIT(INVPCID, "qual=0x200 info={REG2=9," XI_MEM(A64, GS, XI_BASE(6), XI_INDEX(14, 2)) "}"),
	 .cite = CITE_INVPCID("INVPCID r64, m128 = 66 0F 38 82 /r; GS override 65H; REX.R, REX.X"));

#define RAND(id, reason, setup_fn, dest, size, insn, ctl)                                    \
	SCENARIO(id, .guest = guest_##id, .setup = setup_fn, .requires = REQ_SECONDARY,         \
		 .expect = STEP_EXIT(reason, "info={DEST=" #dest ",OPERAND_SIZE=" #size "}"),      \
		 .cite = CITE_RAND(insn, ctl))

RAND(exit_rdrand16, RDRAND, setup_rdrand, 0, O16, "RDRAND r16 = 66 0F C7 /6", "\"RDRAND exiting\"");
RAND(exit_rdrand32, RDRAND, setup_rdrand, 11, O32, "RDRAND r32 = 0F C7 /6 (REX.B)", "\"RDRAND exiting\"");
RAND(exit_rdrand64, RDRAND, setup_rdrand, 1, O64, "RDRAND r64 = REX.W 0F C7 /6", "\"RDRAND exiting\"");
RAND(exit_rdseed16, RDSEED, setup_rdseed, 6, O16, "RDSEED r16 = 66 0F C7 /7", "\"RDSEED exiting\"");
RAND(exit_rdseed32, RDSEED, setup_rdseed, 2, O32, "RDSEED r32 = 0F C7 /7", "\"RDSEED exiting\"");
RAND(exit_rdseed64, RDSEED, setup_rdseed, 15, O64, "RDSEED r64 = REX.W 0F C7 /7 (REX.B)", "\"RDSEED exiting\"");
