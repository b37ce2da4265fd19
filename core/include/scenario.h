/*
 * Scenarios register themselves with SCENARIO(); the linker collects the
 * descriptors in section .scenarios (sorted by name), so there is no
 * central list.  The symbol scenario__<id> also lets the build list ids.
 */
#ifndef VMXDIFF_SCENARIO_H
#define VMXDIFF_SCENARIO_H

#include "types.h"
#include "vmx.h"
#include "trace.h"

/* What a scenario body reports back to the catalog runner. */
enum scenario_status { SCN_DONE, SCN_SKIP, SCN_ABORT };

struct scenario_ctx {
	struct vcpu *vcpu;
	const char *name; /* scenario id */
	const char *skip_reason; /* set by setup/body when they skip */
};

/* Scenario parameter from the command line: "<id>.<key>=N", else "<key>=N". */
u64 scenario_param(const struct scenario_ctx *ctx, const char *key, u64 dflt);

struct scenario {
	const char *name;
	void (*guest)(void); /* guest code; gets its own stack */
	/* VMCS changes before the first entry; false means "skip" (reason set). */
	bool (*setup)(struct scenario_ctx *ctx);
	/* The whole body; NULL runs the default loop (scenario_default_body). */
	enum scenario_status (*body)(struct scenario_ctx *ctx);
	u32 requires;
	enum entry_check check; /* the one entry check violated, or CHECK_NONE */
	bool hidden; /* not in the default catalog (harness self-tests) */
	bool no_vmx; /* the body runs even where VMX is unavailable */
};

/* harness/elfinfo.py reads these descriptors out of the ELF. */
_Static_assert(sizeof(struct scenario) == 48, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, requires) == 32, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, hidden) == 40, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, no_vmx) == 41, "harness/elfinfo.py SCENARIO_STRUCT");

#define SCENARIO(id, ...)                                                              \
	static const char scenario_name__##id[] = #id;                                      \
	const struct scenario scenario__##id                                                \
		__attribute__((used, section(".scenarios." #id), aligned(8))) = {               \
			.name = scenario_name__##id, __VA_ARGS__ }

/*
 * Default body: run the guest, trace every exit, step over instructions
 * whose exit defines a length, and stop at VMCALL (the guest's "done"),
 * at a VM-entry failure, a VMfail, or any other exit.
 */
enum scenario_status scenario_default_body(struct scenario_ctx *ctx);

/* Trace what one vcpu_run() produced (an EXIT or a VMFAIL record), and dump
 * the VMCS after an entry failure.  next_rip is the RIP of the next entry,
 * or NO_NEXT_RIP when the host does not resume the guest. */
#define NO_NEXT_RIP (~0ULL)
void scenario_trace_result(struct scenario_ctx *ctx, const struct vcpu_exit *e, u64 next_rip);

/* Guest side: VMCALL, the guest's way to say "done". */
static inline void guest_vmcall(void) { asm volatile("vmcall" ::: "memory"); }

#endif
