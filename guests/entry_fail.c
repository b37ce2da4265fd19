/*
 * entry_fail_* - VMLAUNCH/VMRESUME that fail (SDM "VM Entries": "Basic
 * VM-Entry Checks", "Checks on VMX Controls and Host-State Area",
 * "Loading MSRs").
 * Expect:
 *   entry_fail_ctrl            VMfailValid 7 (CR3-target count 5)
 *   entry_fail_host            VMfailValid 8 (host CS selector 0)
 *   entry_fail_launch_nonclear VMCALL exit, then VMLAUNCH: VMfailValid 4
 *   entry_fail_resume_nonlaunched  VMRESUME on a clear VMCS: VMfailValid 5
 *   entry_fail_no_current_vmcs VMLAUNCH after VMCLEAR of the current VMCS:
 *                              VMfailInvalid
 *   entry_fail_msr_load        exit MSR_LOAD_FAIL (34) with bit 31 set,
 *                              qualification 2 (the second entry failed)
 */
#include "scenario.h"

static void guest(void)
{
	for (;;)
		guest_vmcall();
}

static bool cr3_target_count(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(CR3_TARGET_COUNT, 5); /* at most 4 */
	return true;
}

static bool host_cs_zero(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(HOST_CS_SELECTOR, 0);
	return true;
}

static enum scenario_status launch_nonclear(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	struct vcpu_exit e = vcpu_run(v);
	scenario_trace_result(ctx, &e, false);
	if (e.kind != RESULT_EXIT || e.entry_fail)
		return SCN_ABORT;
	/* The VMCS is now launched; VMLAUNCH again instead of VMRESUME. */
	v->launched = 0;
	e = vcpu_run(v);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

static enum scenario_status resume_nonlaunched(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	v->launched = 1; /* VMRESUME on a VMCS that VMCLEAR left "clear" */
	struct vcpu_exit e = vcpu_run(v);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

static enum scenario_status no_current_vmcs(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	/* VMCLEAR of the current VMCS makes the current-VMCS pointer invalid. */
	vmx_clear((u64)v->vmcs);
	struct vcpu_exit e = vcpu_run(v);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

struct msr_entry {
	u32 index, reserved;
	u64 value;
};
static struct msr_entry msr_load_area[2] ALIGNED(16);

static bool msr_load_fs_base(struct scenario_ctx *ctx)
{
	(void)ctx;
	/* Entry 1 is loadable; entry 2 names IA32_FS_BASE, which SDM "Loading
	 * MSRs" forbids in the VM-entry MSR-load area. */
	msr_load_area[0] = (struct msr_entry){ .index = MSR_IA32_SYSENTER_CS, .value = 0 };
	msr_load_area[1] = (struct msr_entry){ .index = MSR_IA32_FS_BASE, .value = 0 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (u64)msr_load_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 2);
	return true;
}

SCENARIO(entry_fail_ctrl, .guest = guest, .setup = cr3_target_count,
	 .check = CHECK_CTRL_CR3_TARGET_COUNT);
SCENARIO(entry_fail_host, .guest = guest, .setup = host_cs_zero,
	 .check = CHECK_HOST_CS_SELECTOR_ZERO);
SCENARIO(entry_fail_launch_nonclear, .guest = guest, .body = launch_nonclear,
	 .expect = "VMCALL len=3 end; VMFAIL_VALID(VMLAUNCH_NONCLEAR_VMCS) insn=VMLAUNCH",
	 .cite = "SDM \"VMLAUNCH/VMRESUME\" operation; \"VM Instruction Error Numbers\"");
SCENARIO(entry_fail_resume_nonlaunched, .guest = guest, .body = resume_nonlaunched,
	 .expect = "VMFAIL_VALID(VMRESUME_NONLAUNCHED_VMCS) insn=VMRESUME",
	 .cite = "SDM \"VMLAUNCH/VMRESUME\" operation; \"VM Instruction Error Numbers\"");
SCENARIO(entry_fail_no_current_vmcs, .guest = guest, .body = no_current_vmcs,
	 .expect = "VMFAIL_INVALID insn=VMLAUNCH",
	 .cite = "SDM \"VMCLEAR\" (clearing the current VMCS invalidates the current-VMCS pointer); "
		 "\"VMLAUNCH/VMRESUME\": VMfailInvalid if the current-VMCS pointer is not valid");
SCENARIO(entry_fail_msr_load, .guest = guest, .setup = msr_load_fs_base,
	 .check = CHECK_MSR_LOAD_FS_BASE);
