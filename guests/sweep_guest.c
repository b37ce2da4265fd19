/* Sweep cases for "Checks on the Guest-State Area" (entry_checks_guest.def). */
#include "scenario.h"

static bool rflags_0(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_RFLAGS, 0); /* reserved bit 1 must be 1 */
	return true;
}
ENTRY_CASE(ec_GUEST_RFLAGS_BIT1__clear, GUEST_RFLAGS_BIT1, VIOLATE, rflags_0);

static bool activity_4(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_ACTIVITY_STATE, 4);
	return true;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_STATE__4, GUEST_ACTIVITY_STATE, VIOLATE, activity_4);

static bool link_low_bits(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(VMCS_LINK_POINTER, 0xfffffffffffff000ULL | 1); /* not all ones, bit 0 set */
	return true;
}
ENTRY_CASE(ec_GUEST_VMCS_LINK_POINTER__bit0, GUEST_VMCS_LINK_POINTER, VIOLATE, link_low_bits);
