/*
 * SDM "Checks on the Host-State Area": "Checks on Host Control Registers,
 * MSRs, and SSP", "Checks on Host Segment and Descriptor-Table Registers",
 * "Checks Related to Address-Space Size".  One REQUIRE per row of
 * core/include/entry_checks_host.def.
 */
#include "model.h"

void model_checks_host(struct model *m)
{
	REQUIRE(m, HOST_CS_SELECTOR_ZERO, F(m, HOST_CS_SELECTOR) != 0);
}
