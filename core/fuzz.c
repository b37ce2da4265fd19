/*
 * Seeded random VM-entry cases (`make fuzz`, harness/fuzz.py).
 *
 * fuzz (hidden; params seed, n, first): case i (first <= i < first + n)
 * starts from the golden VMCS and changes 1-3 fields, chosen and changed
 * by a PRNG seeded from (seed, i) alone, so any case reproduces by itself.
 * Each case: "FUZZCASE n=i", then the records of sweep_case() (DIFF,
 * MSRLOAD, PREDICT, EXIT/VMFAIL).  Host-state fields, RIP/RSP, the activity
 * and interruptibility states, pending debug exceptions and event injection
 * are never changed: a case whose entry succeeds must come back through a
 * VM exit, not hang or run host code in the guest.
 *
 * fuzz_replay (hidden; params e0..e3 = field encodings, v0..v3 = values,
 * 0 = unused): the golden VMCS with exactly those values -- what the
 * harness's minimiser boots, and what a fuzz repro kit runs.
 */
#include "lib.h"
#include "trace.h"
#include "scenario.h"

static const u32 fuzz_fields[] = {
	PIN_BASED_VM_EXEC_CONTROL, CPU_BASED_VM_EXEC_CONTROL, SECONDARY_VM_EXEC_CONTROL,
	VM_EXIT_CONTROLS, VM_ENTRY_CONTROLS, CR3_TARGET_COUNT, VM_ENTRY_MSR_LOAD_COUNT,
	GUEST_CR0, GUEST_CR3, GUEST_CR4, GUEST_DR7, GUEST_RFLAGS, GUEST_IA32_DEBUGCTL,
	GUEST_CS_SELECTOR, GUEST_CS_AR_BYTES, GUEST_CS_LIMIT, GUEST_CS_BASE,
	GUEST_SS_SELECTOR, GUEST_SS_AR_BYTES, GUEST_DS_AR_BYTES, GUEST_ES_AR_BYTES,
	GUEST_FS_BASE, GUEST_GS_BASE, GUEST_FS_AR_BYTES, GUEST_GS_AR_BYTES,
	GUEST_TR_SELECTOR, GUEST_TR_AR_BYTES, GUEST_TR_LIMIT, GUEST_TR_BASE,
	GUEST_LDTR_SELECTOR, GUEST_LDTR_AR_BYTES, GUEST_GDTR_LIMIT, GUEST_IDTR_LIMIT,
	GUEST_GDTR_BASE, GUEST_IDTR_BASE, GUEST_SYSENTER_ESP, GUEST_SYSENTER_EIP,
	VMCS_LINK_POINTER,
};

static u64 state;

static u64 next(void)
{
	/* xorshift64* (Vigna): enough for choosing fields and bits */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

static void mutate(void)
{
	u64 k = 1 + next() % 3;
	for (u64 j = 0; j < k; j++) {
		u32 f = fuzz_fields[next() % ARRAY_SIZE(fuzz_fields)];
		u64 v;
		if (__vmcs_read(f, &v).kind != VMX_SUCCEED)
			continue;
		u32 width = VMCS_WIDTH(f) == VMCS_WIDTH_16 ? 16 : VMCS_WIDTH(f) == VMCS_WIDTH_32 ? 32 : 64;
		switch (next() % 4) {
		case 0:
		case 1:
			v ^= 1ULL << (next() % width); /* one bit: the most common boundary */
			break;
		case 2:
			v = 0;
			break;
		default:
			v = next();
			break;
		}
		if (width < 64)
			v &= (1ULL << width) - 1;
		__vmcs_write(f, v); /* a value the field cannot hold is the platform's business */
	}
}

static enum scenario_status fuzz_body(struct scenario_ctx *ctx)
{
	u64 seed = scenario_param(ctx, "seed"), n = scenario_param(ctx, "n");
	u64 first = scenario_param(ctx, "first");
	for (u64 i = first; i < first + n; i++) {
		vcpu_init(ctx->vcpu, sweep_guest, sweep_stack_top);
		state = (seed + 1) * 0x9e3779b97f4a7c15ULL ^ (i + 1) * 0xbf58476d1ce4e5b9ULL;
		if (!state)
			state = 1;
		mutate();
		trace("FUZZCASE", "n=%lu", i);
		sweep_case(ctx, "model");
	}
	return SCN_DONE;
}
SCENARIO(fuzz, .guest = sweep_guest, .body = fuzz_body, .hidden = true, .sweep = SWEEP_MODEL,
	 .params = "seed=1,n=50,first=0");

static bool replay_setup(struct scenario_ctx *ctx)
{
	static const char *const e[] = { "e0", "e1", "e2", "e3" }, *const val[] = { "v0", "v1", "v2", "v3" };
	for (u32 i = 0; i < 4; i++) {
		u64 enc = scenario_param(ctx, e[i]);
		if (enc && __vmcs_write((u32)enc, scenario_param(ctx, val[i])).kind != VMX_SUCCEED) {
			ctx->skip_reason = "vmwrite_refused";
			return false;
		}
	}
	return true;
}
SCENARIO(fuzz_replay, .guest = sweep_guest, .setup = replay_setup, .body = sweep_body, .hidden = true,
	 .sweep = SWEEP_MODEL, .params = "e0=0,v0=0,e1=0,v1=0,e2=0,v2=0,e3=0,v3=0");
