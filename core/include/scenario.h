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

struct scenario;
struct scenario_ctx {
	struct vcpu *vcpu;
	const char *name; /* scenario id */
	const char *skip_reason; /* set by setup/body when they skip */
	const char *params; /* the scenario's declared parameters */
	const struct scenario *scenario; /* the descriptor being run */
	bool no_dump; /* scenario_trace_result(): no VMCS dump after a failure */
};

/* Scenario parameter from the command line: "<id>.<key>=N", else "<key>=N",
 * else the default declared in the scenario's .params. */
u64 scenario_param(const struct scenario_ctx *ctx, const char *key);

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
	u8 sweep; /* SWEEP_*: an entry-check sweep case (core/sweep.c) */
	/* CPUs it runs on (0 = 1).  More than one: the body starts the APs (core/smp.c,
	 * scenario_smp_run); the harness boots such scenarios with that many CPUs, on Bochs
	 * in a boot of their own (the single-CPU catalog keeps count=1). */
	u8 cpus;
	/* It needs a boot of its own where the platform's runner boots scenarios separately
	 * (Bochs): it leaves the processor in a state software cannot undo there (e.g. the host's
	 * x2APIC mode, guests/exit_x2apic.c).  Elsewhere it runs in the catalog's boot. */
	bool alone;
	/* Parameters it reads with scenario_param(), "key=default[,key=default]"
	 * (NULL: none); the harness rejects any other key. */
	const char *params;
	/* What the SDM says the scenario must produce, declared beside it (NULL:
	 * none, or the entry-check table's outcome for .check).  One event per
	 * ';'-separated item, judged by harness/spec.py; names come from the
	 * tables (exit_reasons.def, vm_errors.def, exit_info.def), addresses
	 * from the guest's assembler labels.  Grammar: README "Declaring a
	 * scenario"; `make image` rejects a malformed one. */
	const char *expect;
	const char *cite; /* the SDM sections (titles) the expectation comes from */
};

/* harness/elfinfo.py reads these descriptors out of the ELF. */
_Static_assert(sizeof(struct scenario) == 72, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, expect) == 56, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, params) == 48, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, requires) == 32, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, hidden) == 40, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, no_vmx) == 41, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, sweep) == 42, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, cpus) == 43, "harness/elfinfo.py SCENARIO_STRUCT");
_Static_assert(offsetof(struct scenario, alone) == 44, "harness/elfinfo.py SCENARIO_STRUCT");

/*
 * Entry-check sweep cases (core/sweep.c): the golden VMCS (what vcpu_init()
 * builds) plus one change, made by the case's setup.  SWEEP_VIOLATE: the
 * change violates exactly the case's check; SWEEP_SATISFY: it is the
 * nearest value that satisfies it (and every other check).  The model
 * (core/model) must agree before the entry is tried; where it does not on
 * this platform (a control it lacks, say), the case is skipped, reason
 * "untestable".  The trace has the change (DIFF records), the model's
 * prediction (PREDICT) and what the platform did (EXIT or VMFAIL), no dump.
 */
enum { SWEEP_NONE, SWEEP_VIOLATE, SWEEP_SATISFY, SWEEP_MODEL /* expectation: the model's, no claim */ };
enum scenario_status sweep_body(struct scenario_ctx *ctx);
/* The body of one case on the current VMCS (fuzzing runs many per scenario). */
enum scenario_status sweep_case(struct scenario_ctx *ctx, const char *expect);
void sweep_guest(void);

/* ENTRY_CASE(id, CHECK, VIOLATE|SATISFY, setup[, .params = "k=v"]) */
#define ENTRY_CASE(id, check_id, kind, setup_fn, ...)                                          \
	SCENARIO(id, .guest = sweep_guest, .setup = setup_fn, .body = sweep_body,             \
		 .check = CHECK_##check_id, .sweep = SWEEP_##kind, ##__VA_ARGS__)

/* The golden VMCS dump (GOLDEN records) the sweep's DIFF records are relative to. */
void sweep_trace_golden(u64 guest_stack_top);
extern u64 sweep_stack_top; /* the guest stack of every scenario (and of GOLDEN) */

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
 * the VMCS after an entry failure.  resumed: the host enters the guest again
 * after this exit (having stepped over the exiting instruction). */
void scenario_trace_result(struct scenario_ctx *ctx, const struct vcpu_exit *e, bool resumed);

/* After a VM exit: the saved guest interruptibility and activity state into e (traced as gintr and
 * gact), for scenarios whose expectations read them.  Nothing for a VMfail. */
void scenario_read_gstate(struct vcpu_exit *e);
/* Wake the guest for good (activity state active) and stop the preemption-timer watchdog. */
void scenario_wake_active(struct vcpu *v);
/* The local-APIC interrupt scenarios' loop (exit_extint.c, exit_apic_timer.c): run; the first
 * external-interrupt exit, or the preemption-timer watchdog's exit, before max_exits is traced
 * with the guest state, the guest is woken and resumed with RAX = lapic_observe(vector) (plus
 * LAPIC_OBS_HOST_NMI if the host took an NMI), which its VMCALL shows; the next exit ends it. */
void scenario_one_interrupt_exit(struct scenario_ctx *ctx, u8 vector, u32 max_exits);

/* A SETUP record: a value the scenario chose at run time (from the
 * platform's CPUID or capability MSRs), so the harness can apply the SDM's
 * rule to the exact value, e.g. "field=GUEST_RIP value=0x... la_width=48". */
#define scenario_setup(fmt, ...) trace("SETUP", fmt, ##__VA_ARGS__)

/*
 * Labels the harness reads from the ELF's symbols: the address of a
 * guest's exiting instruction and of the instruction after it, as the
 * assembler encoded them.  In a guest's asm: GUEST_LABEL(exit_cpuid, insn).
 */
#define GUEST_LABEL(scenario, what) \
	".global label__" #scenario "__" #what "\nlabel__" #scenario "__" #what ":\n"

/*
 * Exit scenarios (guests/exit*.c): one guest per scenario in assembly: prep,
 * the exiting instruction at label__<id>__insn, the VMCALL ("done") at
 * label__<id>__resume.  The default body steps over an instruction exit by
 * its length, so the VMCALL exit's RIP is the observed RIP advance.
 */
#define EXIT_GUEST(id, prep, instruction)                            \
	void guest_##id(void);                                       \
	asm(".text\n.global guest_" #id "\nguest_" #id ":\n"        \
	    prep "\n" GUEST_LABEL(id, insn) instruction "\n"        \
	    GUEST_LABEL(id, resume) "vmcall\n"                       \
	    "jmp label__" #id "__resume\n")
/* .expect of such a guest: the instruction exits (length as encoded) and is
 * stepped over; or it does not exit and the VMCALL is the first exit. */
#define STEP_EXIT(reason, more) \
	#reason " at=insn len=insn..resume next=resume " more "; VMCALL at=resume len=3 end"
#define NO_EXIT(more) "VMCALL at=resume len=3 end " more
#define STR_(x) #x
#define STR(x) STR_(x)

/* Set control bits in the scenario's VMCS; false (skip reason
 * "control_not_allowed") where the capability MSRs do not allow them. */
bool scenario_set_ctl(struct scenario_ctx *ctx, u32 field, u64 bits);
#define SETUP_CTL(name, field, bits)                                                    \
	static bool setup_##name(struct scenario_ctx *ctx) { return scenario_set_ctl(ctx, field, bits); }

/* Guest side: VMCALL, the guest's way to say "done". */
static inline void guest_vmcall(void) { asm volatile("vmcall" ::: "memory"); }

#endif
