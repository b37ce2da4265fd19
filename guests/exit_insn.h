/*
 * Shared by the instruction-information exit scenarios (exit_vmx_insn.c,
 * exit_desc.c, exit_rand_invpcid.c): the guest macro, the expectation of
 * one stepped-over instruction exit, and the memory-operand sub-fields of
 * the VM-exit instruction-information field spelled in exit_info.def's
 * layouts (SDM Vol. 3, "VM-Exit Instruction-Information Field").
 */
#ifndef VMXDIFF_GUESTS_EXIT_INSN_H
#define VMXDIFF_GUESTS_EXIT_INSN_H

#include "scenario.h"

#define XI_STR_(x) #x
#define XI_STR(x) XI_STR_(x)

/*
 * One guest per scenario, in assembly: prep, then the exiting instruction at
 * label__<id>__insn, then the VMCALL ("done") at label__<id>__resume.  The
 * default body steps over the instruction by the VM-exit instruction length,
 * so the VMCALL exit's RIP is the observed RIP advance.
 */
#define XI_GUEST(id, prep, instruction)                                \
	void guest_##id(void);                                         \
	asm(".text\n.global guest_" #id "\nguest_" #id ":\n"          \
	    prep "\n" GUEST_LABEL(id, insn) instruction "\n"          \
	    GUEST_LABEL(id, resume) "vmcall\n"                         \
	    "jmp label__" #id "__resume\n")

/* An instruction exit at label insn, length as encoded, resumed at label
 * resume, where the guest's VMCALL ends the scenario. */
#define XI_STEP(reason, more) \
	#reason " at=insn len=insn..resume next=resume " more "; VMCALL at=resume len=3 end"

#define XI_CITE_BASE                                                                        \
	"SDM Vol. 3 appendix \"VMX Basic Exit Reasons\"; field \"VM-Exit Instruction Length\"; " \
	"\"Exit Qualification for VM Exits\" (INVEPT, INVPCID, INVVPID, LGDT, ... VMXON: the "    \
	"displacement field, sign-extended; RIP-relative: displacement plus the RIP of the "     \
	"next instruction; no displacement or a register operand: 0)"

/*
 * Memory-operand sub-fields (SDM tables "Format of the VM-Exit
 * Instruction-Information Field as Used for ..."): scaling 1:0 and index
 * 21:18 are undefined when bit 22 (index invalid) is set, base 26:23 when
 * bit 27 (base invalid) is set.
 */
#define XI_BASE(r) "BASE=" #r ",BASE_INVALID=0"
#define XI_NOBASE "~BASE,BASE_INVALID=1"
#define XI_INDEX(r, s) "INDEX=" #r ",INDEX_INVALID=0,SCALING=" #s
#define XI_NOINDEX "~INDEX,~SCALING,INDEX_INVALID=1"
/* A memory operand: address size, segment, base, index. */
#define XI_MEM(asz, seg, base, index) "ADDR_SIZE=" #asz ",SEGMENT=" #seg "," base "," index
/* A register operand (bit 10 set) of VMREAD/VMWRITE or LLDT/LTR/SLDT/STR: every
 * memory sub-field is "Undefined for register instructions (bit 10 is set)". */
#define XI_REGFORM "MEM_REG=REG,~SCALING,~ADDR_SIZE,~SEGMENT,~INDEX,~INDEX_INVALID,~BASE,~BASE_INVALID"

/* Set control bits; skip ("control_not_allowed") where the capability MSRs
 * do not allow them (vcpu_set_ctl checks allowed-0/allowed-1). */
static inline bool xi_set_ctl(struct scenario_ctx *ctx, u32 field, u64 bits)
{
	if (vcpu_set_ctl(ctx->vcpu, field, bits))
		return true;
	ctx->skip_reason = "control_not_allowed";
	return false;
}

#endif
