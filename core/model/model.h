/*
 * An executable model of the SDM chapter "VM Entries": given a VMCS (every
 * field), the capability MSRs and the CPUID facts the checks need, predict
 * what VMLAUNCH/VMRESUME does and name every entry check the VMCS violates.
 *
 * Built twice from the same source: into the image (it prints the model's
 * prediction before each sweep case) and into build/libvmxmodel.so for the
 * harness (`python3 -m harness explain`, unit tests).  No dependencies: it
 * includes only types.h, vmx.h and the .def tables.
 *
 * Every check is one row of core/include/entry_checks*.def (id, area, group,
 * qualification, the SDM condition, Bochs's log words) and one REQUIRE() in
 * core/model/checks_*.c.
 */
#ifndef VMXDIFF_MODEL_H
#define VMXDIFF_MODEL_H

#include "types.h"
#include "vmx.h"

/* Index of every VMCS field in vmcs_fields.def order (the input array). */
enum vmcs_index {
#define VMCS_FIELD(name, enc, ...) VMCS_IDX_##name,
#include "vmcs_fields.def"
#undef VMCS_FIELD
	VMCS_NFIELDS
};

/* Index of every capability MSR in vmx_msrs.def order. */
enum vmx_msr_index {
#define VMX_MSR(name, idx) VMX_MSR_IDX_##name,
#include "vmx_msrs.def"
#undef VMX_MSR
	VMX_NMSRS
};

#define MODEL_MAX_MSR_LOAD 16
#define MODEL_MAX_VIOLATIONS 64

struct model_msr_entry {
	u32 index, reserved;
	u64 value;
};

struct model_input {
	u64 vmcs[VMCS_NFIELDS]; /* 0 where the platform has no such field */
	u64 msr[VMX_NMSRS]; /* 0 where the MSR is absent */
	u32 pa_width; /* CPUID.80000008H:EAX[7:0], MAXPHYADDR */
	u32 la_width; /* CPUID.80000008H:EAX[15:8], linear-address width */
	u32 flags; /* MODEL_* below */
	u32 n_msr_load; /* entries of the VM-entry MSR-load area given below */
	u32 ignore_check; /* an enum entry_check the model pretends not to know (tests of the
			   * harness's mismatch handling); 0 = none */
	struct model_msr_entry msr_load[MODEL_MAX_MSR_LOAD];
};

#define MODEL_CURRENT_VMCS BIT(0) /* a current VMCS exists */
#define MODEL_VMRESUME BIT(1) /* VMRESUME (else VMLAUNCH) */
#define MODEL_LAUNCHED BIT(2) /* launch state of the current VMCS is "launched" */
#define MODEL_BLOCKED_BY_MOV_SS BIT(3) /* events blocked by MOV SS */

enum model_outcome {
	MODEL_VMSUCCEED, /* the entry succeeds (the guest runs) */
	MODEL_VMFAIL_INVALID,
	MODEL_VMFAIL_VALID, /* error in model_result.error */
	MODEL_EXIT_INVALID_STATE, /* VM-entry failure, exit reason 33, qualification */
	MODEL_EXIT_MSR_LOAD, /* VM-entry failure, exit reason 34, qualification = entry index */
};

struct model_result {
	u32 outcome; /* enum model_outcome */
	u32 error; /* VM-instruction error for MODEL_VMFAIL_VALID */
	u32 qual; /* exit qualification for the two VM-entry failures */
	u32 n_violated; /* every violated check, in table order (may exceed the array) */
	u16 violated[MODEL_MAX_VIOLATIONS]; /* enum entry_check values */
};

void model_predict(const struct model_input *in, struct model_result *out);
const char *model_outcome_name(u32 outcome);
u32 model_n_checks(void);

/* Flat entry point for ctypes (harness/vmxmodel.py): the same, without structs. */
void model_predict_flat(const u64 *vmcs, u32 n_vmcs, const u64 *msr, u32 n_msr, u32 pa_width,
			u32 la_width, u32 flags, const u64 *msr_load, u32 n_msr_load, u32 ignore_check,
			u32 *out, u32 n_out);

/* The check helpers the checks_*.c files share. */
struct model {
	const struct model_input *in;
	struct model_result *out;
	u32 area_hits[4]; /* violations per entry_check_area */
	u32 first_guest_qual, first_msr_index;
	bool have_guest_qual, have_msr_index;
};

void model_violate(struct model *m, enum entry_check check, u32 detail);
/* REQUIRE(check, condition): the SDM condition; a false condition violates check. */
#define REQUIRE(m, check, cond)                                  \
	do {                                                     \
		if (!(cond))                                     \
			model_violate((m), CHECK_##check, 0);     \
	} while (0)

#define F(m, name) ((m)->in->vmcs[VMCS_IDX_##name])
#define MSR(m, name) ((m)->in->msr[VMX_MSR_IDX_##name])

/* Capability helpers (SDM appendix "VMX Capability Reporting Facility"). */
u64 model_ctl_cap(const struct model *m, u32 control_field); /* allowed-0 low, allowed-1 high */
bool model_ctl_ok(u64 cap, u32 value); /* every must-be-1 bit set, no must-be-0 bit set */
bool model_pin(const struct model *m, u32 bit);
bool model_proc(const struct model *m, u32 bit);
bool model_proc2(const struct model *m, u32 bit); /* 0 unless "activate secondary controls" */
bool model_exit_ctl(const struct model *m, u32 bit);
bool model_entry_ctl(const struct model *m, u32 bit);
/* An address whose bits beyond the physical-address width are 0. */
bool model_pa_ok(const struct model *m, u64 addr);
/* Canonical: bits 63:N-1 identical, N = the linear-address width. */
bool model_canonical(const struct model *m, u64 addr);
/* "bits 63:N must be identical" (guest RIP): one bit fewer than canonical. */
bool model_bits_63_n_identical(const struct model *m, u64 value);
enum entry_check_area entry_check_area(enum entry_check check);

void model_checks_ctrl(struct model *m);
void model_checks_host(struct model *m);
void model_checks_guest(struct model *m);
void model_checks_msr(struct model *m);
void model_checks_guest_seg(struct model *m);

#endif
