/*
 * Sweep cases for "Checks on VMX Controls" (entry_checks_ctrl.def): each
 * case changes the golden VMCS in one place; VIOLATE cases break exactly
 * their check, SATISFY cases sit on the other side of the same boundary.
 *
 * The golden VMCS enables no optional control, so a case that tests a rule
 * of a control enables it and satisfies every other rule it brings.  Memory
 * the fields point at is the 4 KiB-aligned static buffers below (identity
 * mapped, physical = virtual).  Cases that need a control the platform lacks
 * skip, reason "missing_<control>".
 */
#include "lib.h"
#include "scenario.h"
#include "model.h"

static u8 io_a[4096] ALIGNED(4096), io_b[4096] ALIGNED(4096), msr_bitmap[4096] ALIGNED(4096);
static u8 vapic[4096] ALIGNED(4096), apic_access[4096] ALIGNED(4096), pi_desc[4096] ALIGNED(4096);
static u8 pml_page[4096] ALIGNED(4096), eptp_list[4096] ALIGNED(4096);
static u8 vmread_bitmap[4096] ALIGNED(4096), vmwrite_bitmap[4096] ALIGNED(4096);
static u64 ept_pml4[512] ALIGNED(4096), ept_pdpt[512] ALIGNED(4096), ept_pd[512] ALIGNED(4096);

struct msr_entry {
	u32 index, reserved;
	u64 value;
};
static struct msr_entry exit_store_area[4] ALIGNED(4096), exit_load_area[4] ALIGNED(4096);
static struct msr_entry entry_load_area[4] ALIGNED(4096);
/* An area whose entry at byte offset 1 is readable as a valid entry, for
 * the misaligned VM-entry MSR-load address (the model reads it). */
static u8 entry_load_odd[64] ALIGNED(4096);


static u64 top_bit(void) { return 1ULL << vmx_caps.pa_width; } /* first bit beyond MAXPHYADDR */
static u64 below_top(void) { return 1ULL << (vmx_caps.pa_width - 1); } /* highest bit within */
static u64 msr_cap(u32 idx) { return vmx_caps.msr_value[idx]; }
static bool may1(u64 cap, u64 bits) { return ((cap >> 32) & bits) == bits; }

/* Raw read-modify-write of a control field (no capability adjustment). */
static void ctl_set(u32 field, u64 bits) { vmcs_write(field, vmcs_read(field) | bits); }
static void ctl_clear(u32 field, u64 bits) { vmcs_write(field, vmcs_read(field) & ~bits); }

static bool skip(struct scenario_ctx *ctx, const char *why)
{
	ctx->skip_reason = why;
	return false;
}

static bool pin(struct scenario_ctx *ctx, u64 bits, const char *why)
{
	if (!may1(vmx_caps.pin, bits))
		return skip(ctx, why);
	ctl_set(PIN_BASED_VM_EXEC_CONTROL, bits);
	return true;
}

static bool proc(struct scenario_ctx *ctx, u64 bits, const char *why)
{
	if (!may1(vmx_caps.proc, bits))
		return skip(ctx, why);
	ctl_set(CPU_BASED_VM_EXEC_CONTROL, bits);
	return true;
}

/* Secondary controls: "activate secondary controls" too. */
static bool proc2(struct scenario_ctx *ctx, u64 bits, const char *why)
{
	if (!vmx_caps.has_proc2 || !may1(vmx_caps.proc, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		return skip(ctx, "missing_secondary_controls");
	if (!may1(vmx_caps.proc2, bits))
		return skip(ctx, why);
	ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	ctl_set(SECONDARY_VM_EXEC_CONTROL, bits);
	return true;
}

static bool exit_ctl(struct scenario_ctx *ctx, u64 bits, const char *why)
{
	if (!may1(vmx_caps.exit, bits))
		return skip(ctx, why);
	ctl_set(VM_EXIT_CONTROLS, bits);
	return true;
}

static bool entry_ctl(struct scenario_ctx *ctx, u64 bits, const char *why)
{
	if (!may1(vmx_caps.entry, bits))
		return skip(ctx, why);
	ctl_set(VM_ENTRY_CONTROLS, bits);
	return true;
}

/* ---- Reserved bits of the five control fields: one case per bit ---- */

static u64 good_eptp(void);
static u64 ept_cap(void);
#define EPT_CAP_WALK4 BIT(6)
#define EPT_CAP_WALK5 BIT(7)
#define EPT_CAP_UC BIT(8)
#define EPT_CAP_WB BIT(14)
#define EPT_CAP_2M BIT(16)
#define EPT_CAP_AD BIT(21)

/*
 * A must-be-0 bit that names a control brings that control's own rules
 * (the model applies them to the bit as written): satisfy them where the
 * platform allows, so the case still breaks only the reserved-bit rule.
 * False: the platform cannot satisfy them (it lacks the companion control
 * or field), so no single-fault case exists for this bit.
 */
static bool reserved_companions(u32 field, u32 b)
{
	u64 cap = ept_cap();
	switch (field) {
	case PIN_BASED_VM_EXEC_CONTROL:
		if (b == PIN_BASED_VIRTUAL_NMIS_BIT) {
			if (!may1(vmx_caps.pin, PIN_BASED_NMI_EXITING))
				return false;
			ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_NMI_EXITING);
		}
		if (b == PIN_BASED_POSTED_INTR_BIT)
			return false; /* needs VID and ack-interrupt-on-exit: a platform without posted interrupts lacks them */
		return true;
	case CPU_BASED_VM_EXEC_CONTROL:
		if (b == CPU_BASED_NMI_WINDOW_EXITING_BIT) {
			if (!may1(vmx_caps.pin, PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS))
				return false;
			ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS);
			vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 8);
		}
		return true;
	case SECONDARY_VM_EXEC_CONTROL:
		if (b == SECONDARY_ENABLE_EPT_BIT || b == SECONDARY_UNRESTRICTED_GUEST_BIT || b == SECONDARY_ENABLE_PML_BIT ||
		    b == SECONDARY_MODE_BASED_EPT_EXEC_BIT || b == SECONDARY_SUBPAGE_WRITE_PERM_BIT) {
			if (!(cap & EPT_CAP_WALK4) || !(cap & (EPT_CAP_WB | EPT_CAP_UC)))
				return false;
			if (b != SECONDARY_ENABLE_EPT_BIT && !may1(vmx_caps.proc2, SECONDARY_ENABLE_EPT))
				return false;
			if (__vmcs_write(EPT_POINTER, good_eptp()).kind != VMX_SUCCEED)
				return false;
			ctl_set(SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_EPT);
		}
		if (b == SECONDARY_VIRTUALIZE_X2APIC_MODE_BIT || b == SECONDARY_APIC_REGISTER_VIRT_BIT ||
		    b == SECONDARY_VIRTUAL_INTR_DELIVERY_BIT) {
			if (!may1(vmx_caps.proc, CPU_BASED_USE_TPR_SHADOW))
				return false;
			ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_TPR_SHADOW);
		}
		if (b == SECONDARY_VIRTUAL_INTR_DELIVERY_BIT) {
			if (!may1(vmx_caps.pin, PIN_BASED_EXT_INTR_EXITING))
				return false;
			ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_EXITING);
		}
		if (b == SECONDARY_PT_USES_GUEST_PA_BIT) { /* EPT, load and clear IA32_RTIT_CTL */
			if (!(cap & EPT_CAP_WALK4) || !(cap & (EPT_CAP_WB | EPT_CAP_UC)) ||
			    !may1(vmx_caps.proc2, SECONDARY_ENABLE_EPT) || !may1(vmx_caps.entry, VM_ENTRY_LOAD_RTIT_CTL) ||
			    !may1(vmx_caps.exit, VM_EXIT_CLEAR_RTIT_CTL))
				return false;
			vmcs_write(EPT_POINTER, good_eptp());
			ctl_set(SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_EPT);
			ctl_set(VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_RTIT_CTL);
			ctl_set(VM_EXIT_CONTROLS, VM_EXIT_CLEAR_RTIT_CTL);
		}
		if (b == SECONDARY_ENABLE_VPID_BIT && __vmcs_write(VIRTUAL_PROCESSOR_ID, 1).kind != VMX_SUCCEED)
			return false; /* no VPID field where VPIDs are not supported */
		return true;
	case VM_EXIT_CONTROLS:
		if (b == VM_EXIT_SAVE_PREEMPTION_TIMER_BIT) {
			if (!may1(vmx_caps.pin, PIN_BASED_PREEMPTION_TIMER))
				return false;
			ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_PREEMPTION_TIMER);
		}
		/* "load IA32_EFER": the host EFER field must match the 64-bit host */
		if (b == VM_EXIT_LOAD_EFER_BIT && __vmcs_write(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER)).kind != VMX_SUCCEED)
			return false;
		return true;
	case VM_ENTRY_CONTROLS:
		if (b == VM_ENTRY_LOAD_EFER_BIT && __vmcs_write(GUEST_IA32_EFER, rdmsr(MSR_IA32_EFER)).kind != VMX_SUCCEED)
			return false;
		/* outside SMM these two are rules of their own (CTRL_ENTRY_SMM, ..._DUAL_MONITOR) */
		return b != VM_ENTRY_SMM_BIT && b != VM_ENTRY_DEACT_DUAL_MONITOR_BIT;
	}
	return true;
}

/* Clear a must-be-1 bit or set a must-be-0 bit of `field` (the bit from the
 * case's parameter); a bit the capability MSR leaves flexible is skipped. */
static bool reserved_bit(struct scenario_ctx *ctx, u32 field, u64 cap)
{
	u32 b = (u32)scenario_param(ctx, "bit");
	u32 must1 = (u32)cap, allowed1 = (u32)(cap >> 32);
	u64 v = vmcs_read(field);
	if (b > 31)
		return skip(ctx, "bad_bit");
	if (must1 & BIT(b))
		v &= ~BIT(b);
	else if (!(allowed1 & BIT(b)))
		v |= BIT(b);
	else
		return skip(ctx, "flexible_bit");
	vmcs_write(field, v);
	if ((v & BIT(b)) && !reserved_companions(field, b))
		return skip(ctx, "reserved_control_rules");
	return true;
}

static bool pin_reserved(struct scenario_ctx *ctx) { return reserved_bit(ctx, PIN_BASED_VM_EXEC_CONTROL, vmx_caps.pin); }
static bool proc_reserved(struct scenario_ctx *ctx) { return reserved_bit(ctx, CPU_BASED_VM_EXEC_CONTROL, vmx_caps.proc); }
static bool exit_reserved(struct scenario_ctx *ctx) { return reserved_bit(ctx, VM_EXIT_CONTROLS, vmx_caps.exit); }
static bool entry_reserved(struct scenario_ctx *ctx) { return reserved_bit(ctx, VM_ENTRY_CONTROLS, vmx_caps.entry); }
static bool proc2_reserved(struct scenario_ctx *ctx)
{
	/* Checked only if "activate secondary controls" is 1. */
	if (!proc2(ctx, 0, "missing_secondary_controls"))
		return false;
	return reserved_bit(ctx, SECONDARY_VM_EXEC_CONTROL, vmx_caps.proc2);
}

#define RESERVED_CASE(ID, fn, n) ENTRY_CASE(ec_##ID##__bit##n, ID, VIOLATE, fn, .params = "bit=" #n)
#define RESERVED_CASES_8(ID, fn, a, b, c, d, e, f, g, h)                                          \
	RESERVED_CASE(ID, fn, a); RESERVED_CASE(ID, fn, b); RESERVED_CASE(ID, fn, c);            \
	RESERVED_CASE(ID, fn, d); RESERVED_CASE(ID, fn, e); RESERVED_CASE(ID, fn, f);            \
	RESERVED_CASE(ID, fn, g); RESERVED_CASE(ID, fn, h)
#define RESERVED_CASES(ID, fn)                                                                  \
	RESERVED_CASES_8(ID, fn, 0, 1, 2, 3, 4, 5, 6, 7);                                         \
	RESERVED_CASES_8(ID, fn, 8, 9, 10, 11, 12, 13, 14, 15);                                   \
	RESERVED_CASES_8(ID, fn, 16, 17, 18, 19, 20, 21, 22, 23);                                 \
	RESERVED_CASES_8(ID, fn, 24, 25, 26, 27, 28, 29, 30, 31)

RESERVED_CASES(CTRL_PIN_RESERVED, pin_reserved);
RESERVED_CASES(CTRL_PROC_RESERVED, proc_reserved);
RESERVED_CASES(CTRL_PROC2_RESERVED, proc2_reserved);
RESERVED_CASES(CTRL_EXIT_RESERVED, exit_reserved);
RESERVED_CASES(CTRL_ENTRY_RESERVED, entry_reserved);

/* SATISFY: a flexible bit set (the allowed-1 side of the same MSR). */
static bool pin_flexible(struct scenario_ctx *ctx)
{
	return pin(ctx, PIN_BASED_EXT_INTR_EXITING, "missing_ext_intr_exiting");
}
ENTRY_CASE(ec_CTRL_PIN_RESERVED__flexible_set, CTRL_PIN_RESERVED, SATISFY, pin_flexible);
static bool proc_flexible(struct scenario_ctx *ctx)
{
	return proc(ctx, CPU_BASED_USE_TSC_OFFSETTING, "missing_tsc_offsetting");
}
ENTRY_CASE(ec_CTRL_PROC_RESERVED__flexible_set, CTRL_PROC_RESERVED, SATISFY, proc_flexible);
static bool proc2_flexible(struct scenario_ctx *ctx)
{
	/* a control without rules of its own: descriptor-table exiting, WBINVD
	 * exiting or enable RDTSCP, whichever the platform has */
	static const u64 harmless[] = { SECONDARY_DESC_TABLE_EXITING, SECONDARY_WBINVD_EXITING,
					SECONDARY_ENABLE_RDTSCP };
	for (u32 i = 0; i < ARRAY_SIZE(harmless); i++)
		if (vmx_caps.has_proc2 && may1(vmx_caps.proc2, harmless[i]))
			return proc2(ctx, harmless[i], "missing_secondary_controls");
	return skip(ctx, "missing_flexible_secondary_control");
}
ENTRY_CASE(ec_CTRL_PROC2_RESERVED__flexible_set, CTRL_PROC2_RESERVED, SATISFY, proc2_flexible);
/* "use TSC scaling" (flexible) with TSC multiplier 0: the SDM lists no
 * VM-entry check on the multiplier, so the entry succeeds (the guest
 * never reads the TSC). */
static bool proc2_tsc_scaling_0(struct scenario_ctx *ctx)
{
	if (!proc2(ctx, SECONDARY_USE_TSC_SCALING, "missing_use_tsc_scaling"))
		return false;
	vmcs_write(TSC_MULTIPLIER, 0);
	return true;
}
ENTRY_CASE(ec_CTRL_PROC2_RESERVED__tsc_scaling_multiplier0, CTRL_PROC2_RESERVED, SATISFY, proc2_tsc_scaling_0);
static bool exit_flexible(struct scenario_ctx *ctx)
{
	return exit_ctl(ctx, VM_EXIT_SAVE_DEBUG_CONTROLS, "missing_save_debug_controls");
}
ENTRY_CASE(ec_CTRL_EXIT_RESERVED__flexible_set, CTRL_EXIT_RESERVED, SATISFY, exit_flexible);
static bool entry_flexible(struct scenario_ctx *ctx)
{
	return entry_ctl(ctx, VM_ENTRY_LOAD_DEBUG_CONTROLS, "missing_load_debug_controls");
}
ENTRY_CASE(ec_CTRL_ENTRY_RESERVED__flexible_set, CTRL_ENTRY_RESERVED, SATISFY, entry_flexible);

/* ---- CR3-target count ---- */

static bool cr3_targets_5(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(CR3_TARGET_COUNT, 5); /* "must not be greater than 4" */
	return true;
}
ENTRY_CASE(ec_CTRL_CR3_TARGET_COUNT__5, CTRL_CR3_TARGET_COUNT, VIOLATE, cr3_targets_5);

static bool cr3_targets_4(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(CR3_TARGET_COUNT, 4); /* the largest allowed value */
	return true;
}
ENTRY_CASE(ec_CTRL_CR3_TARGET_COUNT__4, CTRL_CR3_TARGET_COUNT, SATISFY, cr3_targets_4);

/* ---- I/O and MSR bitmaps ---- */

static bool io_bitmaps(struct scenario_ctx *ctx, u64 a, u64 b)
{
	if (!proc(ctx, CPU_BASED_USE_IO_BITMAPS, "missing_use_io_bitmaps"))
		return false;
	vmcs_write(IO_BITMAP_A, a);
	vmcs_write(IO_BITMAP_B, b);
	return true;
}
static bool io_a_bit0(struct scenario_ctx *c) { return io_bitmaps(c, (u64)io_a | 1, (u64)io_b); }
static bool io_a_page(struct scenario_ctx *c) { return io_bitmaps(c, (u64)io_a, (u64)io_b); }
static bool io_a_high(struct scenario_ctx *c) { return io_bitmaps(c, (u64)io_a | top_bit(), (u64)io_b); }
static bool io_a_top(struct scenario_ctx *c) { return io_bitmaps(c, (u64)io_a | below_top(), (u64)io_b); }
static bool io_b_bit0(struct scenario_ctx *c) { return io_bitmaps(c, (u64)io_a, (u64)io_b | 1); }
static bool io_b_page(struct scenario_ctx *c) { return io_bitmaps(c, (u64)io_a, (u64)io_b); }
static bool io_b_high(struct scenario_ctx *c) { return io_bitmaps(c, (u64)io_a, (u64)io_b | top_bit()); }
static bool io_b_top(struct scenario_ctx *c) { return io_bitmaps(c, (u64)io_a, (u64)io_b | below_top()); }
ENTRY_CASE(ec_CTRL_IO_BITMAP_A_ALIGN__bit0, CTRL_IO_BITMAP_A_ALIGN, VIOLATE, io_a_bit0);
ENTRY_CASE(ec_CTRL_IO_BITMAP_A_ALIGN__page, CTRL_IO_BITMAP_A_ALIGN, SATISFY, io_a_page);
ENTRY_CASE(ec_CTRL_IO_BITMAP_A_WIDTH__maxphyaddr, CTRL_IO_BITMAP_A_WIDTH, VIOLATE, io_a_high);
ENTRY_CASE(ec_CTRL_IO_BITMAP_A_WIDTH__maxphyaddr_minus1, CTRL_IO_BITMAP_A_WIDTH, SATISFY, io_a_top);
ENTRY_CASE(ec_CTRL_IO_BITMAP_B_ALIGN__bit0, CTRL_IO_BITMAP_B_ALIGN, VIOLATE, io_b_bit0);
ENTRY_CASE(ec_CTRL_IO_BITMAP_B_ALIGN__page, CTRL_IO_BITMAP_B_ALIGN, SATISFY, io_b_page);
ENTRY_CASE(ec_CTRL_IO_BITMAP_B_WIDTH__maxphyaddr, CTRL_IO_BITMAP_B_WIDTH, VIOLATE, io_b_high);
ENTRY_CASE(ec_CTRL_IO_BITMAP_B_WIDTH__maxphyaddr_minus1, CTRL_IO_BITMAP_B_WIDTH, SATISFY, io_b_top);

static bool msr_bitmaps(struct scenario_ctx *ctx, u64 a)
{
	if (!proc(ctx, CPU_BASED_USE_MSR_BITMAPS, "missing_use_msr_bitmaps"))
		return false;
	vmcs_write(MSR_BITMAP, a);
	return true;
}
static bool msr_bm_bit0(struct scenario_ctx *c) { return msr_bitmaps(c, (u64)msr_bitmap | 1); }
static bool msr_bm_page(struct scenario_ctx *c) { return msr_bitmaps(c, (u64)msr_bitmap); }
static bool msr_bm_high(struct scenario_ctx *c) { return msr_bitmaps(c, (u64)msr_bitmap | top_bit()); }
static bool msr_bm_top(struct scenario_ctx *c) { return msr_bitmaps(c, (u64)msr_bitmap | below_top()); }
ENTRY_CASE(ec_CTRL_MSR_BITMAP_ALIGN__bit0, CTRL_MSR_BITMAP_ALIGN, VIOLATE, msr_bm_bit0);
ENTRY_CASE(ec_CTRL_MSR_BITMAP_ALIGN__page, CTRL_MSR_BITMAP_ALIGN, SATISFY, msr_bm_page);
ENTRY_CASE(ec_CTRL_MSR_BITMAP_WIDTH__maxphyaddr, CTRL_MSR_BITMAP_WIDTH, VIOLATE, msr_bm_high);
ENTRY_CASE(ec_CTRL_MSR_BITMAP_WIDTH__maxphyaddr_minus1, CTRL_MSR_BITMAP_WIDTH, SATISFY, msr_bm_top);

/* ---- TPR shadow, virtual-APIC page, TPR threshold ---- */

/* "use TPR shadow" with the virtual-APIC page at `addr`; VTPR bits 7:4 = 0xf
 * and TPR threshold 0 so no TPR-below-threshold exit follows the entry. */
static bool tpr_shadow(struct scenario_ctx *ctx, u64 addr)
{
	if (!proc(ctx, CPU_BASED_USE_TPR_SHADOW, "missing_tpr_shadow"))
		return false;
	memset(vapic, 0, sizeof(vapic));
	vapic[0x80] = 0xf0; /* VTPR */
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, addr);
	vmcs_write(TPR_THRESHOLD, 0);
	return true;
}
static bool vapic_bit0(struct scenario_ctx *c) { return tpr_shadow(c, (u64)vapic | 1); }
static bool vapic_page(struct scenario_ctx *c) { return tpr_shadow(c, (u64)vapic); }
static bool vapic_high(struct scenario_ctx *c) { return tpr_shadow(c, (u64)vapic | top_bit()); }
ENTRY_CASE(ec_CTRL_VIRTUAL_APIC_ALIGN__bit0, CTRL_VIRTUAL_APIC_ALIGN, VIOLATE, vapic_bit0);
ENTRY_CASE(ec_CTRL_VIRTUAL_APIC_ALIGN__page, CTRL_VIRTUAL_APIC_ALIGN, SATISFY, vapic_page);
ENTRY_CASE(ec_CTRL_VIRTUAL_APIC_WIDTH__maxphyaddr, CTRL_VIRTUAL_APIC_WIDTH, VIOLATE, vapic_high);
ENTRY_CASE(ec_CTRL_VIRTUAL_APIC_WIDTH__page, CTRL_VIRTUAL_APIC_WIDTH, SATISFY, vapic_page);

static bool tpr_threshold(struct scenario_ctx *ctx, u32 value)
{
	if (!tpr_shadow(ctx, (u64)vapic))
		return false;
	vmcs_write(TPR_THRESHOLD, value);
	return true;
}
static bool tpr_threshold_10(struct scenario_ctx *c) { return tpr_threshold(c, 0x10); }
static bool tpr_threshold_f(struct scenario_ctx *c) { return tpr_threshold(c, 0xf); } /* <= VTPR[7:4] = 0xf */
ENTRY_CASE(ec_CTRL_TPR_THRESHOLD_HIGH__0x10, CTRL_TPR_THRESHOLD_HIGH, VIOLATE, tpr_threshold_10);
ENTRY_CASE(ec_CTRL_TPR_THRESHOLD_HIGH__0xf, CTRL_TPR_THRESHOLD_HIGH, SATISFY, tpr_threshold_f);

/* ---- NMI exiting, virtual NMIs, NMI-window exiting ---- */

static bool vnmi_alone(struct scenario_ctx *c) { return pin(c, PIN_BASED_VIRTUAL_NMIS, "missing_virtual_nmis"); }
static bool vnmi_with_nmi_exiting(struct scenario_ctx *c)
{
	return pin(c, PIN_BASED_VIRTUAL_NMIS | PIN_BASED_NMI_EXITING, "missing_virtual_nmis");
}
ENTRY_CASE(ec_CTRL_VIRTUAL_NMIS_NEED_NMI_EXITING__no_nmi_exiting, CTRL_VIRTUAL_NMIS_NEED_NMI_EXITING, VIOLATE, vnmi_alone);
ENTRY_CASE(ec_CTRL_VIRTUAL_NMIS_NEED_NMI_EXITING__nmi_exiting, CTRL_VIRTUAL_NMIS_NEED_NMI_EXITING, SATISFY,
	   vnmi_with_nmi_exiting);

static bool nmi_window_alone(struct scenario_ctx *c)
{
	return proc(c, CPU_BASED_NMI_WINDOW_EXITING, "missing_nmi_window_exiting");
}
/* With virtual NMIs and virtual-NMI blocking (interruptibility bit 3) the
 * NMI window stays closed, so no NMI-window exit precedes the VMCALL. */
static bool nmi_window_vnmi(struct scenario_ctx *c)
{
	if (!vnmi_with_nmi_exiting(c) || !nmi_window_alone(c))
		return false;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 8);
	return true;
}
ENTRY_CASE(ec_CTRL_NMI_WINDOW_NEEDS_VIRTUAL_NMIS__no_vnmi, CTRL_NMI_WINDOW_NEEDS_VIRTUAL_NMIS, VIOLATE, nmi_window_alone);
ENTRY_CASE(ec_CTRL_NMI_WINDOW_NEEDS_VIRTUAL_NMIS__vnmi, CTRL_NMI_WINDOW_NEEDS_VIRTUAL_NMIS, SATISFY, nmi_window_vnmi);

/* ---- APIC virtualization ---- */

static bool apic_accesses(struct scenario_ctx *ctx, u64 addr)
{
	if (!proc2(ctx, SECONDARY_VIRTUALIZE_APIC_ACCESSES, "missing_virtualize_apic_accesses"))
		return false;
	vmcs_write(APIC_ACCESS_ADDR, addr);
	return true;
}
static bool apic_bit0(struct scenario_ctx *c) { return apic_accesses(c, (u64)apic_access | 1); }
static bool apic_page(struct scenario_ctx *c) { return apic_accesses(c, (u64)apic_access); }
static bool apic_high(struct scenario_ctx *c) { return apic_accesses(c, (u64)apic_access | top_bit()); }
static bool apic_top(struct scenario_ctx *c) { return apic_accesses(c, (u64)apic_access | below_top()); }
ENTRY_CASE(ec_CTRL_APIC_ACCESS_ALIGN__bit0, CTRL_APIC_ACCESS_ALIGN, VIOLATE, apic_bit0);
ENTRY_CASE(ec_CTRL_APIC_ACCESS_ALIGN__page, CTRL_APIC_ACCESS_ALIGN, SATISFY, apic_page);
ENTRY_CASE(ec_CTRL_APIC_ACCESS_WIDTH__maxphyaddr, CTRL_APIC_ACCESS_WIDTH, VIOLATE, apic_high);
ENTRY_CASE(ec_CTRL_APIC_ACCESS_WIDTH__maxphyaddr_minus1, CTRL_APIC_ACCESS_WIDTH, SATISFY, apic_top);

static bool x2apic_no_tpr(struct scenario_ctx *c)
{
	return proc2(c, SECONDARY_VIRTUALIZE_X2APIC_MODE, "missing_virtualize_x2apic_mode");
}
static bool x2apic_tpr(struct scenario_ctx *c) { return x2apic_no_tpr(c) && tpr_shadow(c, (u64)vapic); }
ENTRY_CASE(ec_CTRL_X2APIC_NEEDS_TPR_SHADOW__no_tpr_shadow, CTRL_X2APIC_NEEDS_TPR_SHADOW, VIOLATE, x2apic_no_tpr);
ENTRY_CASE(ec_CTRL_X2APIC_NEEDS_TPR_SHADOW__tpr_shadow, CTRL_X2APIC_NEEDS_TPR_SHADOW, SATISFY, x2apic_tpr);

static bool apicv_no_tpr(struct scenario_ctx *c)
{
	return proc2(c, SECONDARY_APIC_REGISTER_VIRT, "missing_apic_register_virtualization");
}
static bool apicv_tpr(struct scenario_ctx *c) { return apicv_no_tpr(c) && tpr_shadow(c, (u64)vapic); }
ENTRY_CASE(ec_CTRL_APIC_REG_VIRT_NEEDS_TPR_SHADOW__no_tpr_shadow, CTRL_APIC_REG_VIRT_NEEDS_TPR_SHADOW, VIOLATE, apicv_no_tpr);
ENTRY_CASE(ec_CTRL_APIC_REG_VIRT_NEEDS_TPR_SHADOW__tpr_shadow, CTRL_APIC_REG_VIRT_NEEDS_TPR_SHADOW, SATISFY, apicv_tpr);

/* Virtual-interrupt delivery with external-interrupt exiting (its own rule). */
static bool vid_no_tpr(struct scenario_ctx *c)
{
	return pin(c, PIN_BASED_EXT_INTR_EXITING, "missing_ext_intr_exiting") &&
	       proc2(c, SECONDARY_VIRTUAL_INTR_DELIVERY, "missing_virtual_interrupt_delivery");
}
static bool vid_tpr(struct scenario_ctx *c) { return vid_no_tpr(c) && tpr_shadow(c, (u64)vapic); }
ENTRY_CASE(ec_CTRL_VID_NEEDS_TPR_SHADOW__no_tpr_shadow, CTRL_VID_NEEDS_TPR_SHADOW, VIOLATE, vid_no_tpr);
ENTRY_CASE(ec_CTRL_VID_NEEDS_TPR_SHADOW__tpr_shadow, CTRL_VID_NEEDS_TPR_SHADOW, SATISFY, vid_tpr);

static bool x2apic_and_apic_accesses(struct scenario_ctx *c) { return x2apic_tpr(c) && apic_page(c); }
ENTRY_CASE(ec_CTRL_X2APIC_VS_APIC_ACCESSES__both, CTRL_X2APIC_VS_APIC_ACCESSES, VIOLATE, x2apic_and_apic_accesses);
ENTRY_CASE(ec_CTRL_X2APIC_VS_APIC_ACCESSES__x2apic_only, CTRL_X2APIC_VS_APIC_ACCESSES, SATISFY, x2apic_tpr);

static bool vid_no_ext(struct scenario_ctx *c)
{
	return proc2(c, SECONDARY_VIRTUAL_INTR_DELIVERY, "missing_virtual_interrupt_delivery") &&
	       tpr_shadow(c, (u64)vapic);
}
ENTRY_CASE(ec_CTRL_VID_NEEDS_EXT_INTR_EXITING__no_ext_intr_exiting, CTRL_VID_NEEDS_EXT_INTR_EXITING, VIOLATE, vid_no_ext);
ENTRY_CASE(ec_CTRL_VID_NEEDS_EXT_INTR_EXITING__ext_intr_exiting, CTRL_VID_NEEDS_EXT_INTR_EXITING, SATISFY, vid_tpr);

/* ---- Posted interrupts ---- */

/* Everything "process posted interrupts" needs: VID (with TPR shadow and
 * external-interrupt exiting), acknowledge interrupt on exit, vector 0xf2,
 * the descriptor at pi_desc. */
static bool posted(struct scenario_ctx *c)
{
	if (!pin(c, PIN_BASED_POSTED_INTR, "missing_posted_interrupts") || !vid_tpr(c) ||
	    !exit_ctl(c, VM_EXIT_ACK_INTR_ON_EXIT, "missing_ack_intr_on_exit"))
		return false;
	memset(pi_desc, 0, sizeof(pi_desc));
	vmcs_write(POSTED_INTR_NV, 0xf2);
	vmcs_write(POSTED_INTR_DESC_ADDR, (u64)pi_desc);
	return true;
}
static bool posted_no_vid(struct scenario_ctx *c)
{
	if (!posted(c))
		return false;
	ctl_clear(SECONDARY_VM_EXEC_CONTROL, SECONDARY_VIRTUAL_INTR_DELIVERY);
	return true;
}
static bool posted_no_ack(struct scenario_ctx *c)
{
	if (!posted(c))
		return false;
	ctl_clear(VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT);
	return true;
}
static bool posted_nv(struct scenario_ctx *c, u64 nv)
{
	if (!posted(c))
		return false;
	vmcs_write(POSTED_INTR_NV, nv);
	return true;
}
static bool posted_nv_100(struct scenario_ctx *c) { return posted_nv(c, 0x100); }
static bool posted_nv_ff(struct scenario_ctx *c) { return posted_nv(c, 0xff); }
static bool posted_desc(struct scenario_ctx *c, u64 addr)
{
	if (!posted(c))
		return false;
	vmcs_write(POSTED_INTR_DESC_ADDR, addr);
	return true;
}
static bool posted_desc_bit5(struct scenario_ctx *c) { return posted_desc(c, (u64)pi_desc + 0x20); }
static bool posted_desc_64(struct scenario_ctx *c) { return posted_desc(c, (u64)pi_desc + 0x40); }
static bool posted_desc_high(struct scenario_ctx *c) { return posted_desc(c, (u64)pi_desc | top_bit()); }
ENTRY_CASE(ec_CTRL_POSTED_INTR_NEEDS_VID__no_vid, CTRL_POSTED_INTR_NEEDS_VID, VIOLATE, posted_no_vid);
ENTRY_CASE(ec_CTRL_POSTED_INTR_NEEDS_VID__vid, CTRL_POSTED_INTR_NEEDS_VID, SATISFY, posted);
ENTRY_CASE(ec_CTRL_POSTED_INTR_NEEDS_ACK_INTR__no_ack, CTRL_POSTED_INTR_NEEDS_ACK_INTR, VIOLATE, posted_no_ack);
ENTRY_CASE(ec_CTRL_POSTED_INTR_NEEDS_ACK_INTR__ack, CTRL_POSTED_INTR_NEEDS_ACK_INTR, SATISFY, posted);
ENTRY_CASE(ec_CTRL_POSTED_INTR_VECTOR__0x100, CTRL_POSTED_INTR_VECTOR, VIOLATE, posted_nv_100);
ENTRY_CASE(ec_CTRL_POSTED_INTR_VECTOR__0xff, CTRL_POSTED_INTR_VECTOR, SATISFY, posted_nv_ff);
ENTRY_CASE(ec_CTRL_POSTED_INTR_DESC_ALIGN__bit5, CTRL_POSTED_INTR_DESC_ALIGN, VIOLATE, posted_desc_bit5);
ENTRY_CASE(ec_CTRL_POSTED_INTR_DESC_ALIGN__64, CTRL_POSTED_INTR_DESC_ALIGN, SATISFY, posted_desc_64);
ENTRY_CASE(ec_CTRL_POSTED_INTR_DESC_WIDTH__maxphyaddr, CTRL_POSTED_INTR_DESC_WIDTH, VIOLATE, posted_desc_high);
ENTRY_CASE(ec_CTRL_POSTED_INTR_DESC_WIDTH__page, CTRL_POSTED_INTR_DESC_WIDTH, SATISFY, posted);

/* ---- VPID ---- */

static bool vpid(struct scenario_ctx *c, u64 id)
{
	if (!proc2(c, SECONDARY_ENABLE_VPID, "missing_enable_vpid"))
		return false;
	vmcs_write(VIRTUAL_PROCESSOR_ID, id);
	return true;
}
static bool vpid_0(struct scenario_ctx *c) { return vpid(c, 0); }
static bool vpid_1(struct scenario_ctx *c) { return vpid(c, 1); }
ENTRY_CASE(ec_CTRL_VPID_ZERO__0, CTRL_VPID_ZERO, VIOLATE, vpid_0);
ENTRY_CASE(ec_CTRL_VPID_ZERO__1, CTRL_VPID_ZERO, SATISFY, vpid_1);

/* ---- EPT ---- */

static u64 ept_cap(void) { return msr_cap(VMX_MSR_IDX_IA32_VMX_EPT_VPID_CAP); }

/* A valid EPTP for this platform: identity map of the first 1 GiB (what
 * the image maps) with 2 MiB pages, 4-level walk, WB (else UC). */
static u64 good_eptp(void)
{
	static bool built;
	if (!built) {
		for (u64 i = 0; i < 512; i++) /* R, W, X, user X, WB, 2 MiB page */
			ept_pd[i] = (i << 21) | 0x7 | BIT(10) | (6 << 3) | BIT(7);
		ept_pdpt[0] = (u64)ept_pd | 0x7;
		ept_pml4[0] = (u64)ept_pdpt | 0x7;
		built = true;
	}
	return (u64)ept_pml4 | (3 << 3) | ((ept_cap() & EPT_CAP_WB) ? 6 : 0);
}

/* "enable EPT" with the given EPTP (0: the valid one). */
static bool ept(struct scenario_ctx *c, u64 eptp)
{
	u64 cap = ept_cap();
	if (!(cap & EPT_CAP_WALK4) || !(cap & (EPT_CAP_WB | EPT_CAP_UC)) || !(cap & EPT_CAP_2M))
		return skip(c, "missing_ept_4level_2m");
	if (!proc2(c, SECONDARY_ENABLE_EPT, "missing_enable_ept"))
		return false;
	vmcs_write(EPT_POINTER, eptp ? eptp : good_eptp());
	return true;
}
static bool ept_good(struct scenario_ctx *c) { return ept(c, 0); }
static bool ept_memtype_7(struct scenario_ctx *c) { return ept(c, (good_eptp() & ~7ULL) | 7); }
static bool ept_walk_bad(struct scenario_ctx *c)
{
	/* 5 levels where the CPU lacks them, else 3 levels (never supported) */
	u64 walk = (ept_cap() & EPT_CAP_WALK5) ? 2 : 4;
	return ept(c, (good_eptp() & ~0x38ULL) | (walk << 3));
}
static bool ept_ad_unsupported(struct scenario_ctx *c)
{
	if (ept_cap() & EPT_CAP_AD)
		return skip(c, "ept_ad_supported");
	return ept(c, good_eptp() | BIT(6));
}
static bool ept_ad_supported(struct scenario_ctx *c)
{
	if (!(ept_cap() & EPT_CAP_AD))
		return skip(c, "missing_ept_ad");
	return ept(c, good_eptp() | BIT(6));
}
static bool ept_bit8(struct scenario_ctx *c) { return ept(c, good_eptp() | BIT(8)); }
static bool ept_bit11(struct scenario_ctx *c) { return ept(c, good_eptp() | BIT(11)); }
static bool ept_high(struct scenario_ctx *c) { return ept(c, good_eptp() | top_bit()); }
ENTRY_CASE(ec_CTRL_EPTP_MEMTYPE__7, CTRL_EPTP_MEMTYPE, VIOLATE, ept_memtype_7);
ENTRY_CASE(ec_CTRL_EPTP_MEMTYPE__supported, CTRL_EPTP_MEMTYPE, SATISFY, ept_good);
ENTRY_CASE(ec_CTRL_EPTP_WALK_LENGTH__unsupported, CTRL_EPTP_WALK_LENGTH, VIOLATE, ept_walk_bad);
ENTRY_CASE(ec_CTRL_EPTP_WALK_LENGTH__4, CTRL_EPTP_WALK_LENGTH, SATISFY, ept_good);
ENTRY_CASE(ec_CTRL_EPTP_AD__unsupported, CTRL_EPTP_AD, VIOLATE, ept_ad_unsupported);
ENTRY_CASE(ec_CTRL_EPTP_AD__supported, CTRL_EPTP_AD, SATISFY, ept_ad_supported);
ENTRY_CASE(ec_CTRL_EPTP_RESERVED__bit8, CTRL_EPTP_RESERVED, VIOLATE, ept_bit8);
ENTRY_CASE(ec_CTRL_EPTP_RESERVED__bit11, CTRL_EPTP_RESERVED, VIOLATE, ept_bit11);
ENTRY_CASE(ec_CTRL_EPTP_RESERVED__clear, CTRL_EPTP_RESERVED, SATISFY, ept_good);
ENTRY_CASE(ec_CTRL_EPTP_WIDTH__maxphyaddr, CTRL_EPTP_WIDTH, VIOLATE, ept_high);
ENTRY_CASE(ec_CTRL_EPTP_WIDTH__in_width, CTRL_EPTP_WIDTH, SATISFY, ept_good);

/* PML: needs EPT and a PML address. */
static bool pml(struct scenario_ctx *c, bool with_ept, u64 addr)
{
	if (!proc2(c, SECONDARY_ENABLE_PML, "missing_enable_pml"))
		return false;
	if (with_ept && !ept_good(c))
		return false;
	vmcs_write(PML_ADDRESS, addr);
	vmcs_write(GUEST_PML_INDEX, 511);
	return true;
}
static bool pml_no_ept(struct scenario_ctx *c) { return pml(c, false, (u64)pml_page); }
static bool pml_ept(struct scenario_ctx *c) { return pml(c, true, (u64)pml_page); }
static bool pml_bit0(struct scenario_ctx *c) { return pml(c, true, (u64)pml_page | 1); }
static bool pml_high(struct scenario_ctx *c) { return pml(c, true, (u64)pml_page | top_bit()); }
ENTRY_CASE(ec_CTRL_PML_NEEDS_EPT__no_ept, CTRL_PML_NEEDS_EPT, VIOLATE, pml_no_ept);
ENTRY_CASE(ec_CTRL_PML_NEEDS_EPT__ept, CTRL_PML_NEEDS_EPT, SATISFY, pml_ept);
ENTRY_CASE(ec_CTRL_PML_ALIGN__bit0, CTRL_PML_ALIGN, VIOLATE, pml_bit0);
ENTRY_CASE(ec_CTRL_PML_ALIGN__page, CTRL_PML_ALIGN, SATISFY, pml_ept);
ENTRY_CASE(ec_CTRL_PML_WIDTH__maxphyaddr, CTRL_PML_WIDTH, VIOLATE, pml_high);
ENTRY_CASE(ec_CTRL_PML_WIDTH__page, CTRL_PML_WIDTH, SATISFY, pml_ept);

static bool ug_no_ept(struct scenario_ctx *c) { return proc2(c, SECONDARY_UNRESTRICTED_GUEST, "missing_unrestricted_guest"); }
static bool ug_ept(struct scenario_ctx *c) { return ug_no_ept(c) && ept_good(c); }
ENTRY_CASE(ec_CTRL_UNRESTRICTED_NEEDS_EPT__no_ept, CTRL_UNRESTRICTED_NEEDS_EPT, VIOLATE, ug_no_ept);
ENTRY_CASE(ec_CTRL_UNRESTRICTED_NEEDS_EPT__ept, CTRL_UNRESTRICTED_NEEDS_EPT, SATISFY, ug_ept);

static bool mbe_no_ept(struct scenario_ctx *c) { return proc2(c, SECONDARY_MODE_BASED_EPT_EXEC, "missing_mode_based_execute"); }
static bool mbe_ept(struct scenario_ctx *c) { return mbe_no_ept(c) && ept_good(c); }
ENTRY_CASE(ec_CTRL_MODE_BASED_EXEC_NEEDS_EPT__no_ept, CTRL_MODE_BASED_EXEC_NEEDS_EPT, VIOLATE, mbe_no_ept);
ENTRY_CASE(ec_CTRL_MODE_BASED_EXEC_NEEDS_EPT__ept, CTRL_MODE_BASED_EXEC_NEEDS_EPT, SATISFY, mbe_ept);

static bool spp_no_ept(struct scenario_ctx *c) { return proc2(c, SECONDARY_SUBPAGE_WRITE_PERM, "missing_subpage_write_permissions"); }
static bool spp_ept(struct scenario_ctx *c) { return spp_no_ept(c) && ept_good(c); }
ENTRY_CASE(ec_CTRL_SPP_NEEDS_EPT__no_ept, CTRL_SPP_NEEDS_EPT, VIOLATE, spp_no_ept);
ENTRY_CASE(ec_CTRL_SPP_NEEDS_EPT__ept, CTRL_SPP_NEEDS_EPT, SATISFY, spp_ept);

/* "Intel PT uses guest physical addresses" needs EPT, "load IA32_RTIT_CTL"
 * (entry) and "clear IA32_RTIT_CTL" (exit); each VIOLATE case drops one. */
static bool pt_gpa(struct scenario_ctx *c, bool with_ept, bool load, bool clear)
{
	if (!proc2(c, SECONDARY_PT_USES_GUEST_PA, "missing_pt_uses_guest_pa"))
		return false;
	if (with_ept && !ept_good(c))
		return false;
	if (load && !entry_ctl(c, VM_ENTRY_LOAD_RTIT_CTL, "missing_load_rtit_ctl"))
		return false;
	if (clear && !exit_ctl(c, VM_EXIT_CLEAR_RTIT_CTL, "missing_clear_rtit_ctl"))
		return false;
	return true;
}
static bool pt_all(struct scenario_ctx *c) { return pt_gpa(c, true, true, true); }
static bool pt_no_ept(struct scenario_ctx *c) { return pt_gpa(c, false, true, true); }
static bool pt_no_load(struct scenario_ctx *c) { return pt_gpa(c, true, false, true); }
static bool pt_no_clear(struct scenario_ctx *c) { return pt_gpa(c, true, true, false); }
ENTRY_CASE(ec_CTRL_PT_GPA_NEEDS_EPT__no_ept, CTRL_PT_GPA_NEEDS_EPT, VIOLATE, pt_no_ept);
ENTRY_CASE(ec_CTRL_PT_GPA_NEEDS_EPT__all, CTRL_PT_GPA_NEEDS_EPT, SATISFY, pt_all);
ENTRY_CASE(ec_CTRL_PT_GPA_NEEDS_LOAD_RTIT_CTL__no_load, CTRL_PT_GPA_NEEDS_LOAD_RTIT_CTL, VIOLATE, pt_no_load);
ENTRY_CASE(ec_CTRL_PT_GPA_NEEDS_LOAD_RTIT_CTL__all, CTRL_PT_GPA_NEEDS_LOAD_RTIT_CTL, SATISFY, pt_all);
ENTRY_CASE(ec_CTRL_PT_GPA_NEEDS_CLEAR_RTIT_CTL__no_clear, CTRL_PT_GPA_NEEDS_CLEAR_RTIT_CTL, VIOLATE, pt_no_clear);
ENTRY_CASE(ec_CTRL_PT_GPA_NEEDS_CLEAR_RTIT_CTL__all, CTRL_PT_GPA_NEEDS_CLEAR_RTIT_CTL, SATISFY, pt_all);

/* ---- VM functions ---- */

static bool vmfunc(struct scenario_ctx *c, u64 controls)
{
	if (!proc2(c, SECONDARY_ENABLE_VMFUNC, "missing_enable_vm_functions"))
		return false;
	vmcs_write(VM_FUNCTION_CONTROL, controls);
	return true;
}
static bool vmfunc_reserved(struct scenario_ctx *c)
{
	u64 allowed = msr_cap(VMX_MSR_IDX_IA32_VMX_VMFUNC);
	for (u32 b = 0; b < 64; b++)
		if (!(allowed & BIT(b)))
			return vmfunc(c, BIT(b)); /* the lowest reserved bit */
	return skip(c, "no_reserved_vmfunc_bit");
}
static bool vmfunc_none(struct scenario_ctx *c) { return vmfunc(c, 0); }
ENTRY_CASE(ec_CTRL_VMFUNC_RESERVED__lowest_reserved, CTRL_VMFUNC_RESERVED, VIOLATE, vmfunc_reserved);
ENTRY_CASE(ec_CTRL_VMFUNC_RESERVED__0, CTRL_VMFUNC_RESERVED, SATISFY, vmfunc_none);

/* EPTP switching (VM function 0) with the EPTP list at `list`. */
static bool eptp_switching(struct scenario_ctx *c, bool with_ept, u64 list)
{
	if (!(msr_cap(VMX_MSR_IDX_IA32_VMX_VMFUNC) & BIT(0)))
		return skip(c, "missing_eptp_switching");
	if (!vmfunc(c, BIT(0)) || (with_ept && !ept_good(c)))
		return false;
	memset(eptp_list, 0, sizeof(eptp_list));
	((u64 *)eptp_list)[0] = good_eptp();
	vmcs_write(EPTP_LIST_ADDRESS, list);
	return true;
}
static bool eptpsw_no_ept(struct scenario_ctx *c) { return eptp_switching(c, false, (u64)eptp_list); }
static bool eptpsw_ept(struct scenario_ctx *c) { return eptp_switching(c, true, (u64)eptp_list); }
static bool eptpsw_bit0(struct scenario_ctx *c) { return eptp_switching(c, true, (u64)eptp_list | 1); }
static bool eptpsw_high(struct scenario_ctx *c) { return eptp_switching(c, true, (u64)eptp_list | top_bit()); }
static bool eptpsw_top(struct scenario_ctx *c) { return eptp_switching(c, true, (u64)eptp_list | below_top()); }
ENTRY_CASE(ec_CTRL_EPTP_SWITCHING_NEEDS_EPT__no_ept, CTRL_EPTP_SWITCHING_NEEDS_EPT, VIOLATE, eptpsw_no_ept);
ENTRY_CASE(ec_CTRL_EPTP_SWITCHING_NEEDS_EPT__ept, CTRL_EPTP_SWITCHING_NEEDS_EPT, SATISFY, eptpsw_ept);
ENTRY_CASE(ec_CTRL_EPTP_LIST_ALIGN__bit0, CTRL_EPTP_LIST_ALIGN, VIOLATE, eptpsw_bit0);
ENTRY_CASE(ec_CTRL_EPTP_LIST_ALIGN__page, CTRL_EPTP_LIST_ALIGN, SATISFY, eptpsw_ept);
ENTRY_CASE(ec_CTRL_EPTP_LIST_WIDTH__maxphyaddr, CTRL_EPTP_LIST_WIDTH, VIOLATE, eptpsw_high);
ENTRY_CASE(ec_CTRL_EPTP_LIST_WIDTH__maxphyaddr_minus1, CTRL_EPTP_LIST_WIDTH, SATISFY, eptpsw_top);

/* ---- VMCS shadowing ---- */

static bool shadowing(struct scenario_ctx *c, u64 rd, u64 wr)
{
	if (!proc2(c, SECONDARY_VMCS_SHADOWING, "missing_vmcs_shadowing"))
		return false;
	vmcs_write(VMREAD_BITMAP, rd);
	vmcs_write(VMWRITE_BITMAP, wr);
	return true;
}
static bool vmrd_bit0(struct scenario_ctx *c) { return shadowing(c, (u64)vmread_bitmap | 1, (u64)vmwrite_bitmap); }
static bool vmrd_page(struct scenario_ctx *c) { return shadowing(c, (u64)vmread_bitmap, (u64)vmwrite_bitmap); }
static bool vmrd_high(struct scenario_ctx *c) { return shadowing(c, (u64)vmread_bitmap | top_bit(), (u64)vmwrite_bitmap); }
static bool vmrd_top(struct scenario_ctx *c) { return shadowing(c, (u64)vmread_bitmap | below_top(), (u64)vmwrite_bitmap); }
static bool vmwr_bit0(struct scenario_ctx *c) { return shadowing(c, (u64)vmread_bitmap, (u64)vmwrite_bitmap | 1); }
static bool vmwr_high(struct scenario_ctx *c) { return shadowing(c, (u64)vmread_bitmap, (u64)vmwrite_bitmap | top_bit()); }
static bool vmwr_top(struct scenario_ctx *c) { return shadowing(c, (u64)vmread_bitmap, (u64)vmwrite_bitmap | below_top()); }
ENTRY_CASE(ec_CTRL_VMREAD_BITMAP_ALIGN__bit0, CTRL_VMREAD_BITMAP_ALIGN, VIOLATE, vmrd_bit0);
ENTRY_CASE(ec_CTRL_VMREAD_BITMAP_ALIGN__page, CTRL_VMREAD_BITMAP_ALIGN, SATISFY, vmrd_page);
ENTRY_CASE(ec_CTRL_VMREAD_BITMAP_WIDTH__maxphyaddr, CTRL_VMREAD_BITMAP_WIDTH, VIOLATE, vmrd_high);
ENTRY_CASE(ec_CTRL_VMREAD_BITMAP_WIDTH__maxphyaddr_minus1, CTRL_VMREAD_BITMAP_WIDTH, SATISFY, vmrd_top);
ENTRY_CASE(ec_CTRL_VMWRITE_BITMAP_ALIGN__bit0, CTRL_VMWRITE_BITMAP_ALIGN, VIOLATE, vmwr_bit0);
ENTRY_CASE(ec_CTRL_VMWRITE_BITMAP_ALIGN__page, CTRL_VMWRITE_BITMAP_ALIGN, SATISFY, vmrd_page);
ENTRY_CASE(ec_CTRL_VMWRITE_BITMAP_WIDTH__maxphyaddr, CTRL_VMWRITE_BITMAP_WIDTH, VIOLATE, vmwr_high);
ENTRY_CASE(ec_CTRL_VMWRITE_BITMAP_WIDTH__maxphyaddr_minus1, CTRL_VMWRITE_BITMAP_WIDTH, SATISFY, vmwr_top);

/* ---- VM-exit controls ---- */

static bool save_timer_alone(struct scenario_ctx *c)
{
	return exit_ctl(c, VM_EXIT_SAVE_PREEMPTION_TIMER, "missing_save_preemption_timer");
}
/* The timer at its maximum, so it does not expire before the VMCALL. */
static bool save_timer_active(struct scenario_ctx *c)
{
	if (!save_timer_alone(c) || !pin(c, PIN_BASED_PREEMPTION_TIMER, "missing_preemption_timer"))
		return false;
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 0xffffffff);
	return true;
}
ENTRY_CASE(ec_CTRL_SAVE_PREEMPTION_TIMER__timer_off, CTRL_SAVE_PREEMPTION_TIMER, VIOLATE, save_timer_alone);
ENTRY_CASE(ec_CTRL_SAVE_PREEMPTION_TIMER__timer_on, CTRL_SAVE_PREEMPTION_TIMER, SATISFY, save_timer_active);

/* MSR areas: one entry, IA32_SYSENTER_CS (value 0, which host and guest use). */
static void msr_area_init(struct msr_entry *a)
{
	memset(a, 0, 4 * sizeof(*a));
	a[0].index = MSR_IA32_SYSENTER_CS;
}
static bool exit_store(struct scenario_ctx *c, u64 addr, u32 n)
{
	(void)c;
	msr_area_init(exit_store_area);
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, addr);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, n);
	return true;
}
static bool exit_load(struct scenario_ctx *c, u64 addr, u32 n)
{
	(void)c;
	msr_area_init(exit_load_area);
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, addr);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, n);
	return true;
}
/* The last byte beyond MAXPHYADDR while the address itself is below it. */
static u64 last_entry_below_top(void) { return top_bit() - 16; }
static bool xst_bit0(struct scenario_ctx *c) { return exit_store(c, (u64)exit_store_area | 1, 1); }
static bool xst_ok(struct scenario_ctx *c) { return exit_store(c, (u64)exit_store_area, 1); }
static bool xst_high(struct scenario_ctx *c) { return exit_store(c, (u64)exit_store_area | top_bit(), 1); }
static bool xst_last(struct scenario_ctx *c) { return exit_store(c, last_entry_below_top(), 2); }
static bool xld_bit0(struct scenario_ctx *c) { return exit_load(c, (u64)exit_load_area | 1, 1); }
static bool xld_ok(struct scenario_ctx *c) { return exit_load(c, (u64)exit_load_area, 1); }
static bool xld_high(struct scenario_ctx *c) { return exit_load(c, (u64)exit_load_area | top_bit(), 1); }
static bool xld_last(struct scenario_ctx *c) { return exit_load(c, last_entry_below_top(), 2); }
ENTRY_CASE(ec_CTRL_EXIT_MSR_STORE_ALIGN__bit0, CTRL_EXIT_MSR_STORE_ALIGN, VIOLATE, xst_bit0);
ENTRY_CASE(ec_CTRL_EXIT_MSR_STORE_ALIGN__aligned, CTRL_EXIT_MSR_STORE_ALIGN, SATISFY, xst_ok);
ENTRY_CASE(ec_CTRL_EXIT_MSR_STORE_WIDTH__maxphyaddr, CTRL_EXIT_MSR_STORE_WIDTH, VIOLATE, xst_high);
ENTRY_CASE(ec_CTRL_EXIT_MSR_STORE_WIDTH__last_byte, CTRL_EXIT_MSR_STORE_WIDTH, VIOLATE, xst_last);
ENTRY_CASE(ec_CTRL_EXIT_MSR_STORE_WIDTH__in_width, CTRL_EXIT_MSR_STORE_WIDTH, SATISFY, xst_ok);
ENTRY_CASE(ec_CTRL_EXIT_MSR_LOAD_ALIGN__bit0, CTRL_EXIT_MSR_LOAD_ALIGN, VIOLATE, xld_bit0);
ENTRY_CASE(ec_CTRL_EXIT_MSR_LOAD_ALIGN__aligned, CTRL_EXIT_MSR_LOAD_ALIGN, SATISFY, xld_ok);
ENTRY_CASE(ec_CTRL_EXIT_MSR_LOAD_WIDTH__maxphyaddr, CTRL_EXIT_MSR_LOAD_WIDTH, VIOLATE, xld_high);
ENTRY_CASE(ec_CTRL_EXIT_MSR_LOAD_WIDTH__last_byte, CTRL_EXIT_MSR_LOAD_WIDTH, VIOLATE, xld_last);
ENTRY_CASE(ec_CTRL_EXIT_MSR_LOAD_WIDTH__in_width, CTRL_EXIT_MSR_LOAD_WIDTH, SATISFY, xld_ok);

/* ---- VM-entry controls ---- */

static bool entry_load(struct scenario_ctx *c, u64 addr, u32 n)
{
	(void)c;
	msr_area_init(entry_load_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, addr);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, n);
	return true;
}
static bool eld_bit0(struct scenario_ctx *c)
{
	/* The sweep reads the entry at the misaligned address: make it valid. */
	struct msr_entry e = { .index = MSR_IA32_SYSENTER_CS };
	memset(entry_load_odd, 0, sizeof(entry_load_odd));
	memcpy(entry_load_odd + 1, &e, sizeof(e));
	return entry_load(c, (u64)entry_load_odd + 1, 1);
}
static bool eld_ok(struct scenario_ctx *c) { return entry_load(c, (u64)entry_load_area, 1); }
/*
 * The sweep (core/sweep.c) reads the VM-entry MSR-load area through its
 * address (virtual = physical) to give the model the entries.  An address
 * at or beyond MAXPHYADDR is no physical memory, so these cases give the
 * host a virtual alias there (4 KiB pages, host paging only: the processor
 * checks the address and never reads the area) onto pages holding valid
 * entries.  Nothing below the image's 1 GiB is touched.
 */
static u64 pt_pool[12][512] ALIGNED(4096);
static u32 pt_used;
static struct msr_entry alias_lo[256] ALIGNED(4096), alias_hi[256] ALIGNED(4096);

static u64 *pt_next(u64 *table, u32 i)
{
	if (!(table[i] & 1)) {
		if (pt_used == ARRAY_SIZE(pt_pool))
			return NULL;
		u64 *t = pt_pool[pt_used++];
		memset(t, 0, 4096);
		table[i] = (u64)t | 3; /* present, writable */
	}
	if (table[i] & BIT(7)) /* a large page: inside the image's own map */
		return NULL;
	return (u64 *)(table[i] & 0x000ffffffffff000ULL);
}

/* Map the 4 KiB page at va onto the page at pa (identity elsewhere). */
static bool map_alias(u64 va, u64 pa)
{
	if (!(va >> 30) || (va >> 47)) /* below 1 GiB, or not canonical with 4 levels */
		return false;
	u64 *t = (u64 *)(read_cr3() & 0x000ffffffffff000ULL);
	for (u32 shift = 39; shift > 12; shift -= 9)
		if (!(t = pt_next(t, (va >> shift) & 511)))
			return false;
	t[(va >> 12) & 511] = pa | 3;
	asm volatile("invlpg (%0)" ::"r"(va) : "memory");
	return true;
}

static void alias_entries(struct msr_entry *a, u32 n)
{
	memset(a, 0, n * sizeof(*a));
	for (u32 i = 0; i < n; i++)
		a[i].index = MSR_IA32_SYSENTER_CS;
}

/* Address 2^MAXPHYADDR (one entry there): the address itself is beyond. */
static bool eld_high(struct scenario_ctx *c)
{
	alias_entries(alias_hi, 256);
	if (!map_alias(top_bit(), (u64)alias_hi))
		return skip(c, "unmapped_msr_load_area");
	return entry_load(c, top_bit(), 1);
}
/* Address 2^MAXPHYADDR - 16 and 2 entries: the address is within the
 * width, the last byte (2^MAXPHYADDR + 15) is not. */
static bool eld_last(struct scenario_ctx *c)
{
	alias_entries(alias_lo, 256);
	alias_entries(alias_hi, 256);
	if (!map_alias(top_bit() - 4096, (u64)alias_lo) || !map_alias(top_bit(), (u64)alias_hi))
		return skip(c, "unmapped_msr_load_area");
	return entry_load(c, top_bit() - 16, 2);
}
ENTRY_CASE(ec_CTRL_ENTRY_MSR_LOAD_ALIGN__bit0, CTRL_ENTRY_MSR_LOAD_ALIGN, VIOLATE, eld_bit0);
ENTRY_CASE(ec_CTRL_ENTRY_MSR_LOAD_ALIGN__aligned, CTRL_ENTRY_MSR_LOAD_ALIGN, SATISFY, eld_ok);
ENTRY_CASE(ec_CTRL_ENTRY_MSR_LOAD_WIDTH__maxphyaddr, CTRL_ENTRY_MSR_LOAD_WIDTH, VIOLATE, eld_high);
ENTRY_CASE(ec_CTRL_ENTRY_MSR_LOAD_WIDTH__last_byte, CTRL_ENTRY_MSR_LOAD_WIDTH, VIOLATE, eld_last);
ENTRY_CASE(ec_CTRL_ENTRY_MSR_LOAD_WIDTH__in_width, CTRL_ENTRY_MSR_LOAD_WIDTH, SATISFY, eld_ok);

/*
 * Event injection.  A VIOLATE case sets the valid bit (31) with one bad
 * detail; its SATISFY case is the same field with the valid bit clear
 * ("if the valid bit ... is 1, the following must hold"): a valid injected
 * event would be delivered through the guest's IDT (the host's handlers),
 * so it could not reach the VMCALL cleanly.
 */
#define INTR_VALID BIT(31)
#define INTR_DELIVER_ERROR BIT(11)
#define INTR_TYPE(t) ((u64)(t) << 8)

static bool inject(u64 info, u64 error_code, u64 len)
{
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN, len);
	return true;
}
static bool basic56(void) { return vmx_caps.basic & BIT(56); }
static bool has_mtf(void) { return may1(vmx_caps.proc, CPU_BASED_MONITOR_TRAP_FLAG); }

static bool ev_type1(struct scenario_ctx *c) { (void)c; return inject(INTR_VALID | INTR_TYPE(1), 0, 0); }
static bool ev_type1_invalid(struct scenario_ctx *c) { (void)c; return inject(INTR_TYPE(1), 0, 0); }
static bool ev_type7_no_mtf(struct scenario_ctx *c)
{
	if (has_mtf())
		return skip(c, "mtf_supported");
	return inject(INTR_VALID | INTR_TYPE(7), 0, 0);
}
ENTRY_CASE(ec_CTRL_EVENT_TYPE_RESERVED__type1, CTRL_EVENT_TYPE_RESERVED, VIOLATE, ev_type1);
ENTRY_CASE(ec_CTRL_EVENT_TYPE_RESERVED__type7_no_mtf, CTRL_EVENT_TYPE_RESERVED, VIOLATE, ev_type7_no_mtf);
ENTRY_CASE(ec_CTRL_EVENT_TYPE_RESERVED__type1_not_valid, CTRL_EVENT_TYPE_RESERVED, SATISFY, ev_type1_invalid);

static bool ev_nmi_3(struct scenario_ctx *c) { (void)c; return inject(INTR_VALID | INTR_TYPE(2) | 3, 0, 0); }
static bool ev_nmi_3_invalid(struct scenario_ctx *c) { (void)c; return inject(INTR_TYPE(2) | 3, 0, 0); }
ENTRY_CASE(ec_CTRL_EVENT_NMI_VECTOR__3, CTRL_EVENT_NMI_VECTOR, VIOLATE, ev_nmi_3);
ENTRY_CASE(ec_CTRL_EVENT_NMI_VECTOR__3_not_valid, CTRL_EVENT_NMI_VECTOR, SATISFY, ev_nmi_3_invalid);

static bool ev_hw_32(struct scenario_ctx *c) { (void)c; return inject(INTR_VALID | INTR_TYPE(3) | 32, 0, 0); }
static bool ev_hw_32_invalid(struct scenario_ctx *c) { (void)c; return inject(INTR_TYPE(3) | 32, 0, 0); }
ENTRY_CASE(ec_CTRL_EVENT_HW_EXCEPTION_VECTOR__32, CTRL_EVENT_HW_EXCEPTION_VECTOR, VIOLATE, ev_hw_32);
ENTRY_CASE(ec_CTRL_EVENT_HW_EXCEPTION_VECTOR__32_not_valid, CTRL_EVENT_HW_EXCEPTION_VECTOR, SATISFY, ev_hw_32_invalid);

static bool ev_other_1(struct scenario_ctx *c)
{
	if (!has_mtf())
		return skip(c, "missing_monitor_trap_flag");
	return inject(INTR_VALID | INTR_TYPE(7) | 1, 0, 0);
}
static bool ev_other_1_invalid(struct scenario_ctx *c) { (void)c; return inject(INTR_TYPE(7) | 1, 0, 0); }
ENTRY_CASE(ec_CTRL_EVENT_OTHER_VECTOR__1, CTRL_EVENT_OTHER_VECTOR, VIOLATE, ev_other_1);
ENTRY_CASE(ec_CTRL_EVENT_OTHER_VECTOR__1_not_valid, CTRL_EVENT_OTHER_VECTOR, SATISFY, ev_other_1_invalid);

/* #GP (13) without an error code: required while CR0.PE = 1 and BASIC[56] = 0. */
static bool ev_gp_no_code(struct scenario_ctx *c)
{
	if (basic56())
		return skip(c, "error_code_optional"); /* IA32_VMX_BASIC[56] = 1 */
	return inject(INTR_VALID | INTR_TYPE(3) | 13, 0, 0);
}
static bool ev_gp_no_code_invalid(struct scenario_ctx *c) { (void)c; return inject(INTR_TYPE(3) | 13, 0, 0); }
ENTRY_CASE(ec_CTRL_EVENT_ERROR_CODE_REQUIRED__gp_without, CTRL_EVENT_ERROR_CODE_REQUIRED, VIOLATE, ev_gp_no_code);
ENTRY_CASE(ec_CTRL_EVENT_ERROR_CODE_REQUIRED__gp_without_not_valid, CTRL_EVENT_ERROR_CODE_REQUIRED, SATISFY,
	   ev_gp_no_code_invalid);

/* #UD (6) with an error code: forbidden while BASIC[56] = 0; an external
 * interrupt with one: forbidden everywhere ("type is not hardware exception"). */
static bool ev_ud_code(struct scenario_ctx *c)
{
	if (basic56())
		return skip(c, "error_code_optional");
	return inject(INTR_VALID | INTR_DELIVER_ERROR | INTR_TYPE(3) | 6, 0, 0);
}
/* NMI (not a hardware exception): no guest-state rule on RFLAGS.IF, unlike an external interrupt. */
static bool ev_nmi_code(struct scenario_ctx *c) { (void)c; return inject(INTR_VALID | INTR_DELIVER_ERROR | INTR_TYPE(2) | 2, 0, 0); }
static bool ev_ud_code_invalid(struct scenario_ctx *c) { (void)c; return inject(INTR_DELIVER_ERROR | INTR_TYPE(3) | 6, 0, 0); }
ENTRY_CASE(ec_CTRL_EVENT_ERROR_CODE_FORBIDDEN__ud_with, CTRL_EVENT_ERROR_CODE_FORBIDDEN, VIOLATE, ev_ud_code);
ENTRY_CASE(ec_CTRL_EVENT_ERROR_CODE_FORBIDDEN__nmi_with, CTRL_EVENT_ERROR_CODE_FORBIDDEN, VIOLATE, ev_nmi_code);
ENTRY_CASE(ec_CTRL_EVENT_ERROR_CODE_FORBIDDEN__ud_with_not_valid, CTRL_EVENT_ERROR_CODE_FORBIDDEN, SATISFY,
	   ev_ud_code_invalid);

/* #UD (hardware exception 6, no error code): an external interrupt would
 * also need RFLAGS.IF = 1 (a guest-state rule). */
static bool ev_bit12(struct scenario_ctx *c) { (void)c; return inject(INTR_VALID | BIT(12) | INTR_TYPE(3) | 6, 0, 0); }
static bool ev_bit30(struct scenario_ctx *c) { (void)c; return inject(INTR_VALID | BIT(30) | INTR_TYPE(3) | 6, 0, 0); }
static bool ev_bit12_invalid(struct scenario_ctx *c) { (void)c; return inject(BIT(12) | INTR_TYPE(3) | 6, 0, 0); }
ENTRY_CASE(ec_CTRL_EVENT_RESERVED_BITS__bit12, CTRL_EVENT_RESERVED_BITS, VIOLATE, ev_bit12);
ENTRY_CASE(ec_CTRL_EVENT_RESERVED_BITS__bit30, CTRL_EVENT_RESERVED_BITS, VIOLATE, ev_bit30);
ENTRY_CASE(ec_CTRL_EVENT_RESERVED_BITS__bit12_not_valid, CTRL_EVENT_RESERVED_BITS, SATISFY, ev_bit12_invalid);

/* #GP with its error code: bits 31:16 of the error code must be 0. */
static bool ev_gp_code(struct scenario_ctx *c, u64 valid, u64 code)
{
	(void)c;
	return inject(valid | INTR_DELIVER_ERROR | INTR_TYPE(3) | 13, code, 0);
}
static bool ev_gp_code_bit16(struct scenario_ctx *c) { return ev_gp_code(c, INTR_VALID, 0x10000); }
static bool ev_gp_code_bit16_invalid(struct scenario_ctx *c) { return ev_gp_code(c, 0, 0x10000); }
ENTRY_CASE(ec_CTRL_EVENT_ERROR_CODE_HIGH__bit16, CTRL_EVENT_ERROR_CODE_HIGH, VIOLATE, ev_gp_code_bit16);
ENTRY_CASE(ec_CTRL_EVENT_ERROR_CODE_HIGH__bit16_not_valid, CTRL_EVENT_ERROR_CODE_HIGH, SATISFY, ev_gp_code_bit16_invalid);

/* Software interrupt INT 80H with an instruction length of 16 (0..15 allowed). */
static bool ev_len(struct scenario_ctx *c, u64 valid, u64 len) { (void)c; return inject(valid | INTR_TYPE(4) | 0x80, 0, len); }
static bool ev_len_16(struct scenario_ctx *c) { return ev_len(c, INTR_VALID, 16); }
static bool ev_len_0(struct scenario_ctx *c)
{
	if (INFO_GET(VMX_MISC, INJECT_LEN0, vmx_caps.misc))
		return skip(c, "zero_length_allowed"); /* IA32_VMX_MISC[30] = 1 */
	return ev_len(c, INTR_VALID, 0);
}
static bool ev_len_16_invalid(struct scenario_ctx *c) { return ev_len(c, 0, 16); }
ENTRY_CASE(ec_CTRL_EVENT_INSTRUCTION_LENGTH__16, CTRL_EVENT_INSTRUCTION_LENGTH, VIOLATE, ev_len_16);
ENTRY_CASE(ec_CTRL_EVENT_INSTRUCTION_LENGTH__0, CTRL_EVENT_INSTRUCTION_LENGTH, VIOLATE, ev_len_0);
ENTRY_CASE(ec_CTRL_EVENT_INSTRUCTION_LENGTH__16_not_valid, CTRL_EVENT_INSTRUCTION_LENGTH, SATISFY, ev_len_16_invalid);

/* ---- Entry to SMM and deactivate dual-monitor treatment, outside SMM ---- */

static bool entry_smm(struct scenario_ctx *c) { return entry_ctl(c, VM_ENTRY_SMM, "missing_entry_to_smm"); }
static bool entry_dual(struct scenario_ctx *c)
{
	return entry_ctl(c, VM_ENTRY_DEACT_DUAL_MONITOR, "missing_deactivate_dual_monitor");
}
static bool entry_none(struct scenario_ctx *c) { (void)c; return true; } /* both 0, as golden */
ENTRY_CASE(ec_CTRL_ENTRY_SMM__set, CTRL_ENTRY_SMM, VIOLATE, entry_smm);
ENTRY_CASE(ec_CTRL_ENTRY_SMM__clear, CTRL_ENTRY_SMM, SATISFY, entry_none);
ENTRY_CASE(ec_CTRL_ENTRY_DEACT_DUAL_MONITOR__set, CTRL_ENTRY_DEACT_DUAL_MONITOR, VIOLATE, entry_dual);
ENTRY_CASE(ec_CTRL_ENTRY_DEACT_DUAL_MONITOR__clear, CTRL_ENTRY_DEACT_DUAL_MONITOR, SATISFY, entry_none);
/* Both 1 also breaks the two rules above outside SMM, and the image never
 * runs in SMM: no single-fault VIOLATE case exists here. */
static bool entry_both(struct scenario_ctx *c) { return skip(c, "requires_smm"); }
static bool entry_smm_only(struct scenario_ctx *c) { return skip(c, "requires_smm"); }
ENTRY_CASE(ec_CTRL_ENTRY_SMM_AND_DEACT_BOTH__both, CTRL_ENTRY_SMM_AND_DEACT_BOTH, VIOLATE, entry_both);
ENTRY_CASE(ec_CTRL_ENTRY_SMM_AND_DEACT_BOTH__smm_only, CTRL_ENTRY_SMM_AND_DEACT_BOTH, SATISFY, entry_smm_only);
ENTRY_CASE(ec_CTRL_ENTRY_SMM_AND_DEACT_BOTH__neither, CTRL_ENTRY_SMM_AND_DEACT_BOTH, SATISFY, entry_none);
