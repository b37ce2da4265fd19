/*
 * SDM "Checks on Guest Segment Registers" and "Checks on Guest
 * Descriptor-Table Registers".  One REQUIRE per row of
 * core/include/entry_checks_guest_seg.def.
 */
#include "model.h"

void model_checks_guest_seg(struct model *m)
{
	(void)m;
}
