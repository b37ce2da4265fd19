/*
 * SDM "VM-Entry Failures During or After Loading Guest State" / "Loading
 * MSRs": entries of the VM-entry MSR-load area, in order; the first bad one
 * ends the entry with exit reason 34 and its 1-based index.  The model sees
 * the entries the caller copies into model_input.msr_load.
 */
#include "model.h"

#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u

void model_checks_msr(struct model *m)
{
	u32 n = (u32)F(m, VM_ENTRY_MSR_LOAD_COUNT);
	if (n > m->in->n_msr_load)
		n = m->in->n_msr_load;
	for (u32 i = 0; i < n; i++) {
		const struct model_msr_entry *e = &m->in->msr_load[i];
		if (e->index == MSR_FS_BASE || e->index == MSR_GS_BASE) {
			model_violate(m, CHECK_MSR_LOAD_FS_BASE, i + 1);
			return; /* loading stops at the first failing entry */
		}
	}
}
