/*
 * SDM "VM-Entry Failures During or After Loading Guest State" / "Loading
 * MSRs": entries of the VM-entry MSR-load area, in order; the first bad one
 * ends the entry with exit reason 34 and its 1-based index.  The model sees
 * the entries the caller copies into model_input.msr_load.
 *
 * Every condition the failing entry meets is reported (one entry may break
 * several rules); no later entry is looked at.  The "would cause #GP if
 * executed via WRMSR" rule depends on the MSR: the model knows the few
 * MSRs of entry_checks_msr.def and treats every other index as writable.
 */
#include "model.h"


/* Intel 64 IA32_EFER: SCE (0), LME (8), LMA (10), NXE (11). */
#define MM_EFER_DEFINED (BIT(0) | BIT(8) | BIT(10) | BIT(11))

static bool pat_ok(u64 pat)
{
	for (u32 i = 0; i < 8; i++) {
		u64 b = (pat >> (8 * i)) & 0xff;
		if (!(b == 0 || b == 1 || (b >= 4 && b <= 7)))
			return false;
	}
	return true;
}

/* Every rule the entry breaks; true if it breaks any. */
static bool check_entry(struct model *m, const struct model_msr_entry *e, u32 n)
{
	u32 before = m->out->n_violated;
	u32 idx = e->index;
	u64 v = e->value;

	if (e->reserved != 0)
		model_violate(m, CHECK_MSR_LOAD_INDEX_HIGH_BITS, n);
	if (idx == MSR_IA32_FS_BASE || idx == MSR_IA32_GS_BASE)
		model_violate(m, CHECK_MSR_LOAD_FS_BASE, n);
	if ((idx >> 8) == 0x8)
		model_violate(m, CHECK_MSR_LOAD_X2APIC, n);
	if (idx == MSR_IA32_SMM_MONITOR_CTL)
		model_violate(m, CHECK_MSR_LOAD_SMM_MONITOR_CTL, n);
	if (idx == MSR_IA32_SMBASE)
		model_violate(m, CHECK_MSR_LOAD_SMBASE, n);
	if (idx == MSR_IA32_BIOS_UPDT_TRIG || idx == MSR_IA32_BIOS_SIGN_ID)
		model_violate(m, CHECK_MSR_LOAD_UCODE, n);
	if (idx == MSR_IA32_PAT && !pat_ok(v))
		model_violate(m, CHECK_MSR_LOAD_PAT, n);
	if (idx == MSR_IA32_EFER && (v & ~(u64)MM_EFER_DEFINED))
		model_violate(m, CHECK_MSR_LOAD_EFER_RESERVED, n);
	if (idx == MSR_IA32_SYSENTER_ESP && !model_canonical(m, v))
		model_violate(m, CHECK_MSR_LOAD_SYSENTER_ESP_CANONICAL, n);
	if (idx == MSR_IA32_SYSENTER_EIP && !model_canonical(m, v))
		model_violate(m, CHECK_MSR_LOAD_SYSENTER_EIP_CANONICAL, n);
	if (idx == MSR_IA32_LSTAR && !model_canonical(m, v))
		model_violate(m, CHECK_MSR_LOAD_LSTAR_CANONICAL, n);
	if (idx == MSR_IA32_KERNEL_GS_BASE && !model_canonical(m, v))
		model_violate(m, CHECK_MSR_LOAD_KERNEL_GS_BASE_CANONICAL, n);
	return m->out->n_violated != before;
}

void model_checks_msr(struct model *m)
{
	u32 n = (u32)F(m, VM_ENTRY_MSR_LOAD_COUNT);
	if (n > m->in->n_msr_load)
		n = m->in->n_msr_load;
	for (u32 i = 0; i < n; i++)
		if (check_entry(m, &m->in->msr_load[i], i + 1))
			return; /* loading stops at the first failing entry */
}
