/* Sweep cases for guest segment and descriptor-table checks (entry_checks_guest_seg.def). */
#include "scenario.h"
