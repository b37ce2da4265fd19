/*
 * ctl_activate_* - the two controls that only switch a further control field on: "activate
 * tertiary controls" (primary processor-based bit 17, field TERTIARY_VM_EXEC_CONTROL, capability
 * IA32_VMX_PROCBASED_CTLS3: a 64-bit allowed 1-setting) and "activate secondary controls"
 * (VM-exit control bit 31, field SECONDARY_VM_EXIT_CONTROL, IA32_VMX_EXIT_CTLS2).
 *
 * SDM "Checks on VMX Controls" ("VM-Execution Control Fields"): "If the "activate tertiary
 * controls" primary processor-based VM-execution control is 1, reserved bits in the tertiary
 * processor-based VM-execution controls must be cleared. ... If the "activate tertiary controls"
 * primary processor-based VM-execution control is 0 (or if the processor does not support the
 * 1-setting of that control), no checks are performed on the tertiary processor-based
 * VM-execution controls.  The logical processor operates as if all the tertiary processor-based
 * VM-execution controls were 0."  ("VM-Exit Control Fields": the same for "activate secondary
 * controls" and the secondary VM-exit controls.)  A failed check: VMfailValid 7.
 *
 * Per control, both sides of the boundary and the plain use:
 *   ctl_activate_tertiary           activate 1, field 0: the entry succeeds (the guest's VMCALL)
 *   ctl_activate_tertiary_reserved  activate 1, field = the lowest bit IA32_VMX_PROCBASED_CTLS3
 *                                   does not allow (reserved): VMfailValid 7
 *   ctl_activate_tertiary_off       activate 0, the same field: not checked, the entry succeeds
 *   ctl_activate_exit2*             the same with the secondary VM-exit controls
 * A platform that does not allow the control skips (control_not_allowed), and one whose
 * capability MSR allows every bit skips the reserved cases (no_reserved_bit).  The bit chosen is
 * in the SETUP record.
 */
#include "scenario.h"
#include "model.h" /* VMX_MSR_IDX_* */

/* The lowest bit the allowed-1 MSR leaves 0, or -1. */
static int reserved_bit(u64 allowed1)
{
	for (int b = 0; b < 64; b++)
		if (!(allowed1 & BIT(b)))
			return b;
	return -1;
}

static bool activate(struct scenario_ctx *ctx, bool tertiary, bool on, bool reserved)
{
	u32 field = tertiary ? TERTIARY_VM_EXEC_CONTROL : SECONDARY_VM_EXIT_CONTROL;
	u32 ctl_field = tertiary ? CPU_BASED_VM_EXEC_CONTROL : VM_EXIT_CONTROLS;
	u64 ctl = tertiary ? CPU_BASED_ACTIVATE_TERTIARY_CONTROLS : VM_EXIT_ACTIVATE_SECONDARY_CONTROLS;
	u64 allowed1 = vmx_caps.msr_value[tertiary ? VMX_MSR_IDX_IA32_VMX_PROCBASED_CTLS3 : VMX_MSR_IDX_IA32_VMX_EXIT_CTLS2];
	/* The control must be allowed even where the case leaves it 0: the field exists only then
	 * (appendix "Field Encoding in VMCS"), and VMWRITE to it must succeed. */
	if (!scenario_set_ctl(ctx, ctl_field, ctl))
		return false;
	u64 value = 0;
	if (reserved) {
		int b = reserved_bit(allowed1);
		if (b < 0) {
			ctx->skip_reason = "no_reserved_bit";
			return false;
		}
		value = BIT(b);
	}
	vmcs_write(field, value);
	if (!on) {
		u64 *slot = tertiary ? &ctx->vcpu->proc : &ctx->vcpu->exit_ctl;
		u64 cap = tertiary ? vmx_caps.proc : vmx_caps.exit;
		if ((u32)cap & ctl) { /* allowed 0-setting: bits 31:0 */
			ctx->skip_reason = "activate_control_must_be_1";
			return false;
		}
		*slot &= ~ctl;
		vmcs_write(ctl_field, *slot);
	}
	scenario_setup("field=%s value=%#lx allowed1=%#lx activate=%u", tertiary ? "TERTIARY_VM_EXEC_CONTROL" :
		       "SECONDARY_VM_EXIT_CONTROL", value, allowed1, on);
	return true;
}
static bool setup_t(struct scenario_ctx *ctx) { return activate(ctx, true, true, false); }
static bool setup_t_res(struct scenario_ctx *ctx) { return activate(ctx, true, true, true); }
static bool setup_t_off(struct scenario_ctx *ctx) { return activate(ctx, true, false, true); }
static bool setup_x(struct scenario_ctx *ctx) { return activate(ctx, false, true, false); }
static bool setup_x_res(struct scenario_ctx *ctx) { return activate(ctx, false, true, true); }
static bool setup_x_off(struct scenario_ctx *ctx) { return activate(ctx, false, false, true); }

#define ACT_GUEST(id) EXIT_GUEST(id, "", "")
ACT_GUEST(ctl_activate_tertiary);
ACT_GUEST(ctl_activate_tertiary_reserved);
ACT_GUEST(ctl_activate_tertiary_off);
ACT_GUEST(ctl_activate_exit2);
ACT_GUEST(ctl_activate_exit2_reserved);
ACT_GUEST(ctl_activate_exit2_off);

#define ENTERS "VMCALL at=resume len=3 end"
#define FAILS "VMFAIL_VALID(ENTRY_INVALID_CONTROL_FIELD) insn=VMLAUNCH"
#define CITE_T                                                                                      \
	"SDM \"Checks on VMX Controls\" (\"VM-Execution Control Fields\": \"If the \"activate tertiary "  \
	"controls\" primary processor-based VM-execution control is 1, reserved bits in the tertiary "     \
	"processor-based VM-execution controls must be cleared ... If ... is 0 ..., no checks are "        \
	"performed on the tertiary processor-based VM-execution controls\"); appendix \"Tertiary "        \
	"Processor-Based VM-Execution Controls\" (IA32_VMX_PROCBASED_CTLS3); \"VM Entries\" (VMfailValid 7)"
#define CITE_X                                                                                      \
	"SDM \"Checks on VMX Controls\" (\"VM-Exit Control Fields\": \"If the \"activate secondary "      \
	"controls\" VM-exit control is 1, reserved bits in the secondary VM-exit controls must be cleared " \
	"... If ... is 0 ..., no checks are performed on the secondary VM-exit controls\"); appendix "     \
	"\"Secondary VM-Exit Controls\" (IA32_VMX_EXIT_CTLS2); \"VM Entries\" (VMfailValid 7)"
SCENARIO(ctl_activate_tertiary, .guest = guest_ctl_activate_tertiary, .setup = setup_t, .expect = ENTERS,
	 .cite = CITE_T "; activate 1, tertiary controls 0");
SCENARIO(ctl_activate_tertiary_reserved, .guest = guest_ctl_activate_tertiary_reserved, .setup = setup_t_res,
	 .check = CHECK_CTRL_PROC3_RESERVED, .expect = FAILS, .cite = CITE_T "; activate 1, a reserved tertiary bit set");
SCENARIO(ctl_activate_tertiary_off, .guest = guest_ctl_activate_tertiary_off, .setup = setup_t_off,
	 .expect = ENTERS, .cite = CITE_T "; activate 0, the same reserved bit in the field: not checked");
SCENARIO(ctl_activate_exit2, .guest = guest_ctl_activate_exit2, .setup = setup_x, .expect = ENTERS,
	 .cite = CITE_X "; activate 1, secondary VM-exit controls 0");
SCENARIO(ctl_activate_exit2_reserved, .guest = guest_ctl_activate_exit2_reserved, .setup = setup_x_res,
	 .check = CHECK_CTRL_EXIT2_RESERVED, .expect = FAILS, .cite = CITE_X "; activate 1, a reserved secondary VM-exit bit set");
SCENARIO(ctl_activate_exit2_off, .guest = guest_ctl_activate_exit2_off, .setup = setup_x_off,
	 .expect = ENTERS, .cite = CITE_X "; activate 0, the same reserved bit in the field: not checked");
