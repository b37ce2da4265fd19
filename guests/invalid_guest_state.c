/*
 * invalid_guest_state_* - each variant breaks exactly one check of the SDM
 * section "Checks on the Guest-State Area" in an otherwise valid VMCS.
 * Expect: VM-entry failure, exit reason INVALID_STATE (33) with bit 31 set,
 * exit qualification as in "VM-Entry Failures During or After Loading
 * Guest State" (0, or 4 for the VMCS link pointer); the check and its text
 * are in core/include/entry_checks.def.
 */
#include "scenario.h"

static void guest(void)
{
	for (;;)
		guest_vmcall();
}

static bool rflags_bit1(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_RFLAGS, 0); /* bit 1 is reserved and must be 1 */
	return true;
}

static bool cr4_vmxe_clear(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) & ~X86_CR4_VMXE);
	return true;
}

static bool cs_ar_s_clear(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_CS_AR_BYTES, vmcs_read(GUEST_CS_AR_BYTES) & ~BIT(4));
	return true;
}

static bool tr_unusable(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_TR_AR_BYTES, vmcs_read(GUEST_TR_AR_BYTES) | BIT(16));
	return true;
}

static bool activity_state_invalid(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_ACTIVITY_STATE, 4); /* only 0-3 are defined */
	return true;
}

static bool rip_noncanonical(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_RIP, 0x0000800000000000ULL);
	return true;
}

static bool link_pointer_misaligned(struct scenario_ctx *ctx)
{
	vmcs_write(VMCS_LINK_POINTER, (u64)ctx->vcpu->vmcs + 0x10);
	return true;
}

SCENARIO(invalid_guest_state_rflags_bit1, .guest = guest, .setup = rflags_bit1,
	 .check = CHECK_GUEST_RFLAGS_BIT1);
SCENARIO(invalid_guest_state_cr4_vmxe, .guest = guest, .setup = cr4_vmxe_clear,
	 .check = CHECK_GUEST_CR4_FIXED);
SCENARIO(invalid_guest_state_cs_ar_s, .guest = guest, .setup = cs_ar_s_clear,
	 .check = CHECK_GUEST_CS_AR_S);
SCENARIO(invalid_guest_state_tr_unusable, .guest = guest, .setup = tr_unusable,
	 .check = CHECK_GUEST_TR_UNUSABLE);
SCENARIO(invalid_guest_state_activity_state, .guest = guest, .setup = activity_state_invalid,
	 .check = CHECK_GUEST_ACTIVITY_STATE);
SCENARIO(invalid_guest_state_rip_noncanonical, .guest = guest, .setup = rip_noncanonical,
	 .check = CHECK_GUEST_RIP_CANONICAL);
SCENARIO(invalid_guest_state_link_pointer, .guest = guest, .setup = link_pointer_misaligned,
	 .check = CHECK_GUEST_VMCS_LINK_POINTER);
