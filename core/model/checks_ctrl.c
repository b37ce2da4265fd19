/*
 * SDM "Checks on VMX Controls": "Checks on VM-Execution Control Fields",
 * "Checks on VM-Exit Control Fields", "Checks on VM-Entry Control Fields".
 * One REQUIRE per row of core/include/entry_checks_ctrl.def.
 */
#include "model.h"

void model_checks_ctrl(struct model *m)
{
	/* "The CR3-target count must not be greater than 4." (IA32_VMX_MISC bits 24:16
	 * report the number supported; the SDM's fixed bound is 4.) */
	REQUIRE(m, CTRL_CR3_TARGET_COUNT, F(m, CR3_TARGET_COUNT) <= 4);
}
