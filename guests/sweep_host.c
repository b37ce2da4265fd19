/* Sweep cases for "Checks on the Host-State Area" (entry_checks_host.def). */
#include "scenario.h"
#include "desc.h"

static bool host_cs_0(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(HOST_CS_SELECTOR, 0);
	return true;
}
ENTRY_CASE(ec_HOST_CS_SELECTOR_ZERO__0, HOST_CS_SELECTOR_ZERO, VIOLATE, host_cs_0);
