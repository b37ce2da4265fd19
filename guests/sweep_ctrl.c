/*
 * Sweep cases for "Checks on VMX Controls" (entry_checks_ctrl.def): each
 * case changes the golden VMCS in one place; VIOLATE cases break exactly
 * their check, SATISFY cases sit on the other side of the same boundary.
 */
#include "scenario.h"

static bool cr3_targets_5(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(CR3_TARGET_COUNT, 5); /* "must not be greater than 4" */
	return true;
}
ENTRY_CASE(ec_CTRL_CR3_TARGET_COUNT__5, CTRL_CR3_TARGET_COUNT, VIOLATE, cr3_targets_5);

static bool cr3_targets_4(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(CR3_TARGET_COUNT, 4); /* the largest allowed value */
	return true;
}
ENTRY_CASE(ec_CTRL_CR3_TARGET_COUNT__4, CTRL_CR3_TARGET_COUNT, SATISFY, cr3_targets_4);
