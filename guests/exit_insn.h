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


#endif
