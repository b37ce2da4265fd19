/*
 * The VM-entry model's frame: the check table, the order of the SDM's
 * phases, and the helpers the checks share.  The checks themselves are in
 * checks_ctrl.c, checks_host.c, checks_guest.c and checks_msr.c.
 *
 * SDM "VM Entries": VMLAUNCH/VMRESUME first make the instruction's own
 * checks (no current VMCS: VMfailInvalid; VMLAUNCH on a launched VMCS:
 * VMfailValid 4; VMRESUME on a clear one: VMfailValid 5; events blocked by
 * MOV SS: VMfailValid 26), then "Checks on VMX Controls and Host-State
 * Area" (VMfailValid 7 or 8; "these checks may be performed in any order"),
 * then "Checks on the Guest-State Area" (VM-entry failure, exit reason 33),
 * then "Loading MSRs" (exit reason 34).  The first failing phase decides the
 * outcome; every violated check is still reported, so a sweep case can prove
 * it violates exactly one.
 */
#include "model.h"

const struct entry_check_info entry_check_table[] = {
#define ENTRY_CHECK(name, group, qual, text, bochs) { #name, 0, CHECK_GROUP_##group, qual, text },
#include "entry_checks.def"
#undef ENTRY_CHECK
};

static const u8 group_area[] = {
#define ENTRY_CHECK_GROUP(name, area, section) CHECK_AREA_##area,
#include "entry_check_groups.def"
#undef ENTRY_CHECK_GROUP
};

enum entry_check_area entry_check_area(enum entry_check check)
{
	return (enum entry_check_area)group_area[entry_check_table[check - 1].group];
}

/* The number of checks this build knows (the harness compares it with tables.json). */
u32 model_n_checks(void)
{
	return (u32)ARRAY_SIZE(entry_check_table);
}

const char *model_outcome_name(u32 outcome)
{
	static const char *const names[] = { "vmsucceed", "vmfail_invalid", "vmfail_valid",
					     "exit_invalid_state", "exit_msr_load" };
	return outcome < ARRAY_SIZE(names) ? names[outcome] : "unknown";
}

void model_violate(struct model *m, enum entry_check check, u32 detail)
{
	struct model_result *o = m->out;
	if (check == m->in->ignore_check)
		return;
	if (o->n_violated < MODEL_MAX_VIOLATIONS)
		o->violated[o->n_violated] = (u16)check;
	o->n_violated++;
	enum entry_check_area area = entry_check_area(check);
	m->area_hits[area]++;
	if (area == CHECK_AREA_GUEST && !m->have_guest_qual) {
		m->have_guest_qual = true;
		m->first_guest_qual = entry_check_table[check - 1].qual;
	}
	if (area == CHECK_AREA_MSR && !m->have_msr_index) {
		m->have_msr_index = true;
		m->first_msr_index = detail;
	}
}

/* SDM appendix "VMX Capability Reporting Facility": bit 55 of IA32_VMX_BASIC
 * says the TRUE_* MSRs report the allowed settings of the default1 bits. */
u64 model_ctl_cap(const struct model *m, u32 field)
{
	bool true_ctls = MSR(m, IA32_VMX_BASIC) & BIT(55);
	switch (field) {
	case PIN_BASED_VM_EXEC_CONTROL:
		return true_ctls ? MSR(m, IA32_VMX_TRUE_PINBASED_CTLS) : MSR(m, IA32_VMX_PINBASED_CTLS);
	case CPU_BASED_VM_EXEC_CONTROL:
		return true_ctls ? MSR(m, IA32_VMX_TRUE_PROCBASED_CTLS) : MSR(m, IA32_VMX_PROCBASED_CTLS);
	case SECONDARY_VM_EXEC_CONTROL:
		return MSR(m, IA32_VMX_PROCBASED_CTLS2);
	case VM_EXIT_CONTROLS:
		return true_ctls ? MSR(m, IA32_VMX_TRUE_EXIT_CTLS) : MSR(m, IA32_VMX_EXIT_CTLS);
	case VM_ENTRY_CONTROLS:
		return true_ctls ? MSR(m, IA32_VMX_TRUE_ENTRY_CTLS) : MSR(m, IA32_VMX_ENTRY_CTLS);
	}
	return 0;
}

bool model_ctl_ok(u64 cap, u32 value)
{
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);
	return (value & must1) == must1 && (value & ~may1) == 0;
}

bool model_pin(const struct model *m, u32 bit) { return F(m, PIN_BASED_VM_EXEC_CONTROL) & BIT(bit); }
bool model_proc(const struct model *m, u32 bit) { return F(m, CPU_BASED_VM_EXEC_CONTROL) & BIT(bit); }
bool model_exit_ctl(const struct model *m, u32 bit) { return F(m, VM_EXIT_CONTROLS) & BIT(bit); }
bool model_entry_ctl(const struct model *m, u32 bit) { return F(m, VM_ENTRY_CONTROLS) & BIT(bit); }

/* SDM "Checks on VM-Execution Control Fields": "If the 'activate secondary
 * controls' primary processor-based VM-execution control is 0 ... the
 * logical processor operates as if all the secondary ... controls were 0." */
bool model_proc2(const struct model *m, u32 bit)
{
	return model_proc(m, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS_BIT) &&
	       (F(m, SECONDARY_VM_EXEC_CONTROL) & BIT(bit));
}

bool model_pa_ok(const struct model *m, u64 addr)
{
	u32 w = m->in->pa_width;
	return w >= 64 || (addr >> w) == 0;
}

bool model_canonical(const struct model *m, u64 addr)
{
	u32 n = m->in->la_width;
	if (n == 0 || n >= 64)
		return true;
	u64 high = addr >> (n - 1); /* bits 63:N-1 all 0 or all 1 */
	return high == 0 || high == (~0ULL >> (n - 1));
}

bool model_bits_63_n_identical(const struct model *m, u64 value)
{
	u32 n = m->in->la_width;
	if (n == 0 || n >= 64)
		return true;
	u64 high = value >> n; /* bits 63:N all 0 or all 1 */
	return high == 0 || high == (~0ULL >> n);
}

void model_predict(const struct model_input *in, struct model_result *out)
{
	struct model m = { .in = in, .out = out };
	*out = (struct model_result){ 0 };

	if (!(in->flags & MODEL_CURRENT_VMCS)) {
		out->outcome = MODEL_VMFAIL_INVALID;
		return;
	}
	if (!(in->flags & MODEL_VMRESUME) && (in->flags & MODEL_LAUNCHED)) {
		out->outcome = MODEL_VMFAIL_VALID;
		out->error = VMXERR_VMLAUNCH_NONCLEAR_VMCS;
		return;
	}
	if ((in->flags & MODEL_VMRESUME) && !(in->flags & MODEL_LAUNCHED)) {
		out->outcome = MODEL_VMFAIL_VALID;
		out->error = VMXERR_VMRESUME_NONLAUNCHED_VMCS;
		return;
	}
	if (in->flags & MODEL_BLOCKED_BY_MOV_SS) {
		out->outcome = MODEL_VMFAIL_VALID;
		out->error = VMXERR_ENTRY_EVENTS_BLOCKED_MOV_SS;
		return;
	}

	model_checks_ctrl(&m);
	model_checks_host(&m);
	model_checks_guest(&m);
	model_checks_guest_seg(&m);
	model_checks_msr(&m);

	if (m.area_hits[CHECK_AREA_CTRL]) {
		out->outcome = MODEL_VMFAIL_VALID;
		out->error = VMXERR_ENTRY_INVALID_CONTROL_FIELD;
	} else if (m.area_hits[CHECK_AREA_HOST]) {
		out->outcome = MODEL_VMFAIL_VALID;
		out->error = VMXERR_ENTRY_INVALID_HOST_STATE;
	} else if (m.area_hits[CHECK_AREA_GUEST]) {
		out->outcome = MODEL_EXIT_INVALID_STATE;
		out->qual = m.first_guest_qual;
	} else if (m.area_hits[CHECK_AREA_MSR]) {
		out->outcome = MODEL_EXIT_MSR_LOAD;
		out->qual = m.first_msr_index;
	} else {
		out->outcome = MODEL_VMSUCCEED;
	}
}

void model_predict_flat(const u64 *vmcs, u32 n_vmcs, const u64 *msr, u32 n_msr, u32 pa_width,
			u32 la_width, u32 flags, const u64 *msr_load, u32 n_msr_load, u32 ignore_check,
			u32 *out, u32 n_out)
{
	static struct model_input in;
	struct model_result r;
	for (u32 i = 0; i < VMCS_NFIELDS; i++)
		in.vmcs[i] = i < n_vmcs ? vmcs[i] : 0;
	for (u32 i = 0; i < VMX_NMSRS; i++)
		in.msr[i] = i < n_msr ? msr[i] : 0;
	in.pa_width = pa_width;
	in.la_width = la_width;
	in.flags = flags;
	in.ignore_check = ignore_check;
	in.n_msr_load = n_msr_load < MODEL_MAX_MSR_LOAD ? n_msr_load : MODEL_MAX_MSR_LOAD;
	for (u32 i = 0; i < in.n_msr_load; i++) {
		in.msr_load[i].index = (u32)msr_load[2 * i];
		in.msr_load[i].reserved = (u32)(msr_load[2 * i] >> 32);
		in.msr_load[i].value = msr_load[2 * i + 1];
	}
	model_predict(&in, &r);
	/* out: outcome, error, qual, n_violated, then the violated ids */
	u32 head[4] = { r.outcome, r.error, r.qual, r.n_violated };
	for (u32 i = 0; i < n_out; i++)
		out[i] = i < 4 ? head[i] : (i - 4 < MODEL_MAX_VIOLATIONS && i - 4 < r.n_violated ? r.violated[i - 4] : 0);
}
