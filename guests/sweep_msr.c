/* Sweep cases for VM-entry MSR loading (entry_checks_msr.def). */
#include "scenario.h"

static struct {
	u32 index, reserved;
	u64 value;
} msr_area[4] ALIGNED(16);

static bool fs_base_second(struct scenario_ctx *ctx)
{
	(void)ctx;
	msr_area[0].index = 0x174; /* IA32_SYSENTER_CS: loadable */
	msr_area[0].value = 0;
	msr_area[1].index = 0xc0000100; /* IA32_FS_BASE: not loadable this way */
	msr_area[1].value = 0;
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (u64)msr_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 2);
	return true;
}
ENTRY_CASE(ec_MSR_LOAD_FS_BASE__entry2, MSR_LOAD_FS_BASE, VIOLATE, fs_base_second);
