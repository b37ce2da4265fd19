/*
 * Entry-check sweeps: each case is a scenario (ENTRY_CASE in scenario.h)
 * whose setup changed the golden VMCS.  sweep_body() reads the VMCS back,
 * traces what differs from the golden one, asks the model (core/model) what
 * the entry must do, and -- if the model agrees that the case violates
 * exactly its check (or, for a SATISFY case, nothing) -- tries the entry
 * once and traces the result without a VMCS dump.
 *
 * Records (README "Trace format"):
 *   GOLDEN field=<name> enc=<enc> value=<v> [absent=1]   once per boot, before the first scenario
 *                                             (absent: VMREAD refuses the field; value 0)
 *   CASE expect=violate|satisfy
 *   DIFF field=<name> enc=<enc> value=<v>     each field that differs from GOLDEN
 *   MSRLOAD n=<i> index=<msr> value=<v>       VM-entry MSR-load entries the model read
 *                                             (index: the entry's whole first 8 bytes)
 *   PREDICT outcome=<o> err=<e> qual=<q> violated=<ID,ID|none> n=<count>
 *   then EXIT or VMFAIL as for every scenario.
 */
#include "lib.h"
#include "trace.h"
#include "scenario.h"
#include "model.h"

_Static_assert(VMX_NMSRS <= ARRAY_SIZE(vmx_caps.msr_value), "vmx_msrs.def");

static struct model_input golden, now;

static void snapshot(struct model_input *in)
{
	_Static_assert(sizeof(in->vmcs) / sizeof(in->vmcs[0]) == VMCS_NFIELDS, "vmcs_fields.def");
	vmcs_read_table(in->vmcs); /* 0 where VMREAD refuses the field */
	for (u32 i = 0; i < VMX_NMSRS; i++)
		in->msr[i] = vmx_caps.msr_value[i];
	in->pa_width = vmx_caps.pa_width;
	in->la_width = vmx_caps.la_width;
	in->n_msr_load = 0;
}

/* The golden VMCS: exactly what vcpu_init() builds for every scenario.  Read once per boot, before
 * the first scenario: the sweep's DIFF records and every VMCS dump are relative to it. */
u64 sweep_stack_top;
static bool golden_present[VMCS_NFIELDS];

void sweep_trace_golden(u64 guest_stack_top)
{
	static struct vcpu v;
	sweep_stack_top = guest_stack_top;
	vcpu_init(&v, sweep_guest, guest_stack_top);
	snapshot(&golden); /* 0 where refused, as the model reads it */
	for (u32 i = 0; i < VMCS_NFIELDS; i++) {
		u64 val;
		golden_present[i] = vmcs_read_table_field(i, &val);
		trace("GOLDEN", "field=%s enc=%#x value=%#lx%s", vmcs_field_table[i].name, vmcs_field_table[i].enc,
		      golden.vmcs[i], golden_present[i] ? "" : " absent=1");
	}
	trace("GOLDENEND", "fields=%u", VMCS_NFIELDS);
	vcpu_set_dump_base(golden.vmcs, golden_present);
}

void sweep_guest(void)
{
	for (;;)
		guest_vmcall();
}

/* One case on the current VMCS: DIFF, MSRLOAD, PREDICT, then (if gate allows) the entry. */
enum scenario_status sweep_case(struct scenario_ctx *ctx, const char *expect)
{
	const struct scenario *s = ctx->scenario;
	struct vcpu *v = ctx->vcpu;
	struct model_result r;

	snapshot(&now);
	now.flags = MODEL_CURRENT_VMCS | (v->launched ? MODEL_VMRESUME | MODEL_LAUNCHED : 0);
	u64 n = now.vmcs[VMCS_IDX_VM_ENTRY_MSR_LOAD_COUNT];
	const struct model_msr_entry *area =
		(const struct model_msr_entry *)now.vmcs[VMCS_IDX_VM_ENTRY_MSR_LOAD_ADDR];
	for (u64 i = 0; i < n && i < MODEL_MAX_MSR_LOAD && area; i++)
		now.msr_load[now.n_msr_load++] = area[i];

	trace("CASE", "expect=%s", expect);
	for (u32 i = 0; i < VMCS_NFIELDS; i++)
		if (now.vmcs[i] != golden.vmcs[i])
			trace("DIFF", "field=%s enc=%#x value=%#lx", vmcs_field_table[i].name, vmcs_field_table[i].enc, now.vmcs[i]);
	for (u32 i = 0; i < now.n_msr_load; i++)
		trace("MSRLOAD", "n=%u index=%#lx value=%#lx", i + 1,
		      (u64)now.msr_load[i].reserved << 32 | now.msr_load[i].index, now.msr_load[i].value);

	model_predict(&now, &r);
	char ids[512];
	size_t len = 0;
	ids[0] = '\0';
	for (u32 i = 0; i < r.n_violated && i < MODEL_MAX_VIOLATIONS; i++)
		len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%s", i ? "," : "",
					entry_check_table[r.violated[i] - 1].name);
	trace("PREDICT", "outcome=%s err=%u qual=%u violated=%s n=%u", model_outcome_name(r.outcome), r.error,
	      r.qual, r.n_violated ? ids : "none", r.n_violated);

	bool agrees = s->sweep == SWEEP_VIOLATE   ? r.n_violated == 1 && r.violated[0] == s->check
		      : s->sweep == SWEEP_SATISFY ? r.n_violated == 0
						  : true; /* SWEEP_MODEL: whatever the model says */
	if (!agrees) {
		ctx->skip_reason = "untestable";
		return SCN_SKIP;
	}
	struct vcpu_exit e = vcpu_run(v);
	ctx->no_dump = true;
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

enum scenario_status sweep_body(struct scenario_ctx *ctx)
{
	u8 k = ctx->scenario->sweep;
	return sweep_case(ctx, k == SWEEP_VIOLATE ? "violate" : k == SWEEP_SATISFY ? "satisfy" : "model");
}
