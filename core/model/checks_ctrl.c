/*
 * SDM "Checks on VMX Controls": "Checks on VM-Execution Control Fields",
 * "Checks on VM-Exit Control Fields", "Checks on VM-Entry Control Fields".
 * One REQUIRE per row of core/include/entry_checks_ctrl.def.
 */
#include "model.h"

/* "Bits 11:0 of the address must be 0." */
static bool page_aligned(u64 addr) { return (addr & 0xfff) == 0; }

/* SDM appendix "Basic VMX Information": IA32_VMX_BASIC[48] = 1 limits the
 * physical addresses of the VMCS-related areas to 32 bits. */
static bool msr_area_addr_ok(const struct model *m, u64 addr)
{
	if ((MSR(m, IA32_VMX_BASIC) & BIT(48)) && (addr >> 32))
		return false;
	return model_pa_ok(m, addr);
}

/* "The address of this last byte is ... address + (MSR count * 16) - 1.
 * The last byte is at or above the address, so one check covers both rules
 * (a single-fault case cannot break the address rule alone).
 * (The arithmetic used for the computation uses more bits than the
 * processor's physical-address width.)" Count is 32 bits, so *16 fits. */
static bool msr_area_last_ok(const struct model *m, u64 addr, u64 count)
{
	u64 last = addr + count * 16 - 1;
	if (last < addr) /* carried past bit 63 */
		return false;
	return msr_area_addr_ok(m, last);
}

/* IA32_VMX_EPT_VPID_CAP (appendix "VPID and EPT Capabilities"): bit 8 UC
 * and bit 14 WB memory types; bit 6 page-walk length 4, bit 7 length 5;
 * bit 21 accessed and dirty flags. */
static bool ept_memtype_ok(const struct model *m, u64 eptp)
{
	u64 cap = MSR(m, IA32_VMX_EPT_VPID_CAP);
	switch (eptp & 7) {
	case 0:
		return cap & BIT(8);
	case 6:
		return cap & BIT(14);
	}
	return false;
}

static bool ept_walk_ok(const struct model *m, u64 eptp)
{
	u64 cap = MSR(m, IA32_VMX_EPT_VPID_CAP);
	switch ((eptp >> 3) & 7) {
	case 3:
		return cap & BIT(6);
	case 4:
		return cap & BIT(7);
	}
	return false;
}

/* Exceptions that deliver an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC. */
static bool vector_has_error_code(u32 v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/* The ranges the SDM lists for "deliver-error-code is 0": 0-7, 9, 15, 16, 18-31. */
static bool vector_never_error_code(u32 v)
{
	return v <= 7 || v == 9 || v == 15 || v == 16 || (v >= 18 && v <= 31);
}

#define INTR_TYPE_NMI 2
#define INTR_TYPE_HW_EXCEPTION 3
#define INTR_TYPE_SW_INTR 4
#define INTR_TYPE_PRIV_SW_EXCEPTION 5
#define INTR_TYPE_SW_EXCEPTION 6
#define INTR_TYPE_OTHER 7

static void checks_exec(struct model *m)
{
	u32 pin = (u32)F(m, PIN_BASED_VM_EXEC_CONTROL);
	u32 proc = (u32)F(m, CPU_BASED_VM_EXEC_CONTROL);

	REQUIRE(m, CTRL_PIN_RESERVED, model_ctl_ok(model_ctl_cap(m, PIN_BASED_VM_EXEC_CONTROL), pin));
	REQUIRE(m, CTRL_PROC_RESERVED, model_ctl_ok(model_ctl_cap(m, CPU_BASED_VM_EXEC_CONTROL), proc));
	if (model_proc(m, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS_BIT))
		REQUIRE(m, CTRL_PROC2_RESERVED,
			model_ctl_ok(model_ctl_cap(m, SECONDARY_VM_EXEC_CONTROL), (u32)F(m, SECONDARY_VM_EXEC_CONTROL)));
	/* IA32_VMX_PROCBASED_CTLS3 is 64 bits of allowed 1-settings (no allowed-0 half); absent: 0. */
	if (model_proc(m, CPU_BASED_ACTIVATE_TERTIARY_CONTROLS_BIT))
		REQUIRE(m, CTRL_PROC3_RESERVED, (F(m, TERTIARY_VM_EXEC_CONTROL) & ~MSR(m, IA32_VMX_PROCBASED_CTLS3)) == 0);

	/* "The CR3-target count must not be greater than 4. Future processors may support a
	 * different number of CR3-target values. Software should read the VMX capability MSR
	 * IA32_VMX_MISC to determine the number of values supported."  Appendix "Miscellaneous
	 * Data": "Bits 24:16 indicate the number of CR3-target values supported by the processor.
	 * This number is a value between 0 and 256, inclusive".  The bound is that number: 4 on
	 * every processor so far (and every Bochs model), 0 under KVM's nested VMX, which rejects
	 * a count above what it reports (nested.c: cr3_target_count > nested_cpu_vmx_misc_cr3_count). */
	REQUIRE(m, CTRL_CR3_TARGET_COUNT, F(m, CR3_TARGET_COUNT) <= INFO_GET(VMX_MISC, CR3_TARGETS, MSR(m, IA32_VMX_MISC)));

	if (model_proc(m, CPU_BASED_USE_IO_BITMAPS_BIT)) {
		REQUIRE(m, CTRL_IO_BITMAP_A_ALIGN, page_aligned(F(m, IO_BITMAP_A)));
		REQUIRE(m, CTRL_IO_BITMAP_A_WIDTH, model_pa_ok(m, F(m, IO_BITMAP_A)));
		REQUIRE(m, CTRL_IO_BITMAP_B_ALIGN, page_aligned(F(m, IO_BITMAP_B)));
		REQUIRE(m, CTRL_IO_BITMAP_B_WIDTH, model_pa_ok(m, F(m, IO_BITMAP_B)));
	}
	if (model_proc(m, CPU_BASED_USE_MSR_BITMAPS_BIT)) {
		REQUIRE(m, CTRL_MSR_BITMAP_ALIGN, page_aligned(F(m, MSR_BITMAP)));
		REQUIRE(m, CTRL_MSR_BITMAP_WIDTH, model_pa_ok(m, F(m, MSR_BITMAP)));
	}

	bool tpr_shadow = model_proc(m, CPU_BASED_USE_TPR_SHADOW_BIT);
	bool vid = model_proc2(m, SECONDARY_VIRTUAL_INTR_DELIVERY_BIT);
	if (tpr_shadow) {
		REQUIRE(m, CTRL_VIRTUAL_APIC_ALIGN, page_aligned(F(m, VIRTUAL_APIC_PAGE_ADDR)));
		REQUIRE(m, CTRL_VIRTUAL_APIC_WIDTH, model_pa_ok(m, F(m, VIRTUAL_APIC_PAGE_ADDR)));
		if (!vid)
			REQUIRE(m, CTRL_TPR_THRESHOLD_HIGH, (F(m, TPR_THRESHOLD) & 0xfffffff0u) == 0);
		/* Not modelled: "TPR threshold bits 3:0 should not be greater than
		 * VTPR bits 7:4" reads the virtual-APIC page, which the model does not see. */
	}

	REQUIRE(m, CTRL_VIRTUAL_NMIS_NEED_NMI_EXITING,
		model_pin(m, PIN_BASED_NMI_EXITING_BIT) || !model_pin(m, PIN_BASED_VIRTUAL_NMIS_BIT));
	REQUIRE(m, CTRL_NMI_WINDOW_NEEDS_VIRTUAL_NMIS,
		model_pin(m, PIN_BASED_VIRTUAL_NMIS_BIT) || !model_proc(m, CPU_BASED_NMI_WINDOW_EXITING_BIT));

	if (model_proc2(m, SECONDARY_VIRTUALIZE_APIC_ACCESSES_BIT)) {
		REQUIRE(m, CTRL_APIC_ACCESS_ALIGN, page_aligned(F(m, APIC_ACCESS_ADDR)));
		REQUIRE(m, CTRL_APIC_ACCESS_WIDTH, model_pa_ok(m, F(m, APIC_ACCESS_ADDR)));
	}
	if (!tpr_shadow) {
		REQUIRE(m, CTRL_X2APIC_NEEDS_TPR_SHADOW, !model_proc2(m, SECONDARY_VIRTUALIZE_X2APIC_MODE_BIT));
		REQUIRE(m, CTRL_APIC_REG_VIRT_NEEDS_TPR_SHADOW, !model_proc2(m, SECONDARY_APIC_REGISTER_VIRT_BIT));
		REQUIRE(m, CTRL_VID_NEEDS_TPR_SHADOW, !vid);
	}
	if (model_proc2(m, SECONDARY_VIRTUALIZE_X2APIC_MODE_BIT))
		REQUIRE(m, CTRL_X2APIC_VS_APIC_ACCESSES, !model_proc2(m, SECONDARY_VIRTUALIZE_APIC_ACCESSES_BIT));
	if (vid)
		REQUIRE(m, CTRL_VID_NEEDS_EXT_INTR_EXITING, model_pin(m, PIN_BASED_EXT_INTR_EXITING_BIT));

	if (model_pin(m, PIN_BASED_POSTED_INTR_BIT)) {
		u64 desc = F(m, POSTED_INTR_DESC_ADDR);
		REQUIRE(m, CTRL_POSTED_INTR_NEEDS_VID, vid);
		REQUIRE(m, CTRL_POSTED_INTR_NEEDS_ACK_INTR, model_exit_ctl(m, VM_EXIT_ACK_INTR_ON_EXIT_BIT));
		REQUIRE(m, CTRL_POSTED_INTR_VECTOR, (F(m, POSTED_INTR_NV) & 0xff00) == 0);
		REQUIRE(m, CTRL_POSTED_INTR_DESC_ALIGN, (desc & 0x3f) == 0);
		REQUIRE(m, CTRL_POSTED_INTR_DESC_WIDTH, model_pa_ok(m, desc));
	}

	if (model_proc2(m, SECONDARY_ENABLE_VPID_BIT))
		REQUIRE(m, CTRL_VPID_ZERO, (F(m, VIRTUAL_PROCESSOR_ID) & 0xffff) != 0);

	bool ept = model_proc2(m, SECONDARY_ENABLE_EPT_BIT);
	if (ept) {
		u64 eptp = F(m, EPT_POINTER);
		REQUIRE(m, CTRL_EPTP_MEMTYPE, ept_memtype_ok(m, eptp));
		REQUIRE(m, CTRL_EPTP_WALK_LENGTH, ept_walk_ok(m, eptp));
		REQUIRE(m, CTRL_EPTP_AD, !(eptp & BIT(6)) || (MSR(m, IA32_VMX_EPT_VPID_CAP) & BIT(21)));
		REQUIRE(m, CTRL_EPTP_RESERVED, (eptp & 0xf80) == 0);
		REQUIRE(m, CTRL_EPTP_WIDTH, model_pa_ok(m, eptp));
	}

	if (model_proc2(m, SECONDARY_ENABLE_PML_BIT)) {
		REQUIRE(m, CTRL_PML_NEEDS_EPT, ept);
		REQUIRE(m, CTRL_PML_ALIGN, page_aligned(F(m, PML_ADDRESS)));
		REQUIRE(m, CTRL_PML_WIDTH, model_pa_ok(m, F(m, PML_ADDRESS)));
	}
	if (model_proc2(m, SECONDARY_UNRESTRICTED_GUEST_BIT))
		REQUIRE(m, CTRL_UNRESTRICTED_NEEDS_EPT, ept);
	if (model_proc2(m, SECONDARY_MODE_BASED_EPT_EXEC_BIT))
		REQUIRE(m, CTRL_MODE_BASED_EXEC_NEEDS_EPT, ept);
	if (model_proc2(m, SECONDARY_SUBPAGE_WRITE_PERM_BIT))
		REQUIRE(m, CTRL_SPP_NEEDS_EPT, ept);
	if (model_proc2(m, SECONDARY_PT_USES_GUEST_PA_BIT)) {
		REQUIRE(m, CTRL_PT_GPA_NEEDS_EPT, ept);
		REQUIRE(m, CTRL_PT_GPA_NEEDS_LOAD_RTIT_CTL, model_entry_ctl(m, VM_ENTRY_LOAD_RTIT_CTL_BIT));
		REQUIRE(m, CTRL_PT_GPA_NEEDS_CLEAR_RTIT_CTL, model_exit_ctl(m, VM_EXIT_CLEAR_RTIT_CTL_BIT));
	}

	/* "If the 'enable VM functions' ... control is 0, no checks are performed
	 * on the VM-function controls."  IA32_VMX_VMFUNC: allowed-1 settings. */
	if (model_proc2(m, SECONDARY_ENABLE_VMFUNC_BIT)) {
		u64 vmfunc = F(m, VM_FUNCTION_CONTROL);
		REQUIRE(m, CTRL_VMFUNC_RESERVED, (vmfunc & ~MSR(m, IA32_VMX_VMFUNC)) == 0);
		if (vmfunc & BIT(0)) { /* EPTP switching */
			REQUIRE(m, CTRL_EPTP_SWITCHING_NEEDS_EPT, ept);
			REQUIRE(m, CTRL_EPTP_LIST_ALIGN, page_aligned(F(m, EPTP_LIST_ADDRESS)));
			REQUIRE(m, CTRL_EPTP_LIST_WIDTH, model_pa_ok(m, F(m, EPTP_LIST_ADDRESS)));
		}
	}

	if (model_proc2(m, SECONDARY_VMCS_SHADOWING_BIT)) {
		REQUIRE(m, CTRL_VMREAD_BITMAP_ALIGN, page_aligned(F(m, VMREAD_BITMAP)));
		REQUIRE(m, CTRL_VMREAD_BITMAP_WIDTH, model_pa_ok(m, F(m, VMREAD_BITMAP)));
		REQUIRE(m, CTRL_VMWRITE_BITMAP_ALIGN, page_aligned(F(m, VMWRITE_BITMAP)));
		REQUIRE(m, CTRL_VMWRITE_BITMAP_WIDTH, model_pa_ok(m, F(m, VMWRITE_BITMAP)));
	}
}

static void checks_exit(struct model *m)
{
	REQUIRE(m, CTRL_EXIT_RESERVED,
		model_ctl_ok(model_ctl_cap(m, VM_EXIT_CONTROLS), (u32)F(m, VM_EXIT_CONTROLS)));
	/* IA32_VMX_EXIT_CTLS2: 64 bits of allowed 1-settings, as IA32_VMX_PROCBASED_CTLS3. */
	if (model_exit_ctl(m, VM_EXIT_ACTIVATE_SECONDARY_CONTROLS_BIT))
		REQUIRE(m, CTRL_EXIT2_RESERVED, (F(m, SECONDARY_VM_EXIT_CONTROL) & ~MSR(m, IA32_VMX_EXIT_CTLS2)) == 0);
	REQUIRE(m, CTRL_SAVE_PREEMPTION_TIMER,
		model_pin(m, PIN_BASED_PREEMPTION_TIMER_BIT) || !model_exit_ctl(m, VM_EXIT_SAVE_PREEMPTION_TIMER_BIT));

	u64 n = F(m, VM_EXIT_MSR_STORE_COUNT) & 0xffffffffu, a = F(m, VM_EXIT_MSR_STORE_ADDR);
	if (n) {
		REQUIRE(m, CTRL_EXIT_MSR_STORE_ALIGN, (a & 0xf) == 0);
		REQUIRE(m, CTRL_EXIT_MSR_STORE_WIDTH, msr_area_addr_ok(m, a) && msr_area_last_ok(m, a, n));
	}
	n = F(m, VM_EXIT_MSR_LOAD_COUNT) & 0xffffffffu, a = F(m, VM_EXIT_MSR_LOAD_ADDR);
	if (n) {
		REQUIRE(m, CTRL_EXIT_MSR_LOAD_ALIGN, (a & 0xf) == 0);
		REQUIRE(m, CTRL_EXIT_MSR_LOAD_WIDTH, msr_area_addr_ok(m, a) && msr_area_last_ok(m, a, n));
	}
}

static void checks_event_injection(struct model *m)
{
	u32 info = (u32)F(m, VM_ENTRY_INTR_INFO_FIELD);
	if (!(info & BIT(31)))
		return;
	u32 vector = info & 0xff, type = (info >> 8) & 7;
	bool deliver = info & BIT(11);
	bool pe = F(m, GUEST_CR0) & 1;
	bool basic56 = MSR(m, IA32_VMX_BASIC) & BIT(56);
	/* IA32_VMX_PROCBASED_CTLS allowed-1 bit 27: the 1-setting of "monitor trap flag". */
	bool mtf = (model_ctl_cap(m, CPU_BASED_VM_EXEC_CONTROL) >> 32) & BIT(CPU_BASED_MONITOR_TRAP_FLAG_BIT);

	REQUIRE(m, CTRL_EVENT_TYPE_RESERVED, type != 1 && (type != INTR_TYPE_OTHER || mtf));
	if (type == INTR_TYPE_NMI)
		REQUIRE(m, CTRL_EVENT_NMI_VECTOR, vector == 2);
	if (type == INTR_TYPE_HW_EXCEPTION)
		REQUIRE(m, CTRL_EVENT_HW_EXCEPTION_VECTOR, vector <= 31);
	if (type == INTR_TYPE_OTHER && mtf)
		REQUIRE(m, CTRL_EVENT_OTHER_VECTOR, vector == 0);
	if (type == INTR_TYPE_HW_EXCEPTION && pe && !basic56 && vector_has_error_code(vector))
		REQUIRE(m, CTRL_EVENT_ERROR_CODE_REQUIRED, deliver);
	if (type != INTR_TYPE_HW_EXCEPTION || !pe || (!basic56 && vector_never_error_code(vector)))
		REQUIRE(m, CTRL_EVENT_ERROR_CODE_FORBIDDEN, !deliver);
	REQUIRE(m, CTRL_EVENT_RESERVED_BITS, (info & 0x7ffff000u) == 0);
	if (deliver)
		REQUIRE(m, CTRL_EVENT_ERROR_CODE_HIGH, (F(m, VM_ENTRY_EXCEPTION_ERROR_CODE) & 0xffff0000u) == 0);
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION || type == INTR_TYPE_SW_EXCEPTION) {
		u64 len = F(m, VM_ENTRY_INSTRUCTION_LEN) & 0xffffffffu;
		bool len0_ok = INFO_GET(VMX_MISC, INJECT_LEN0, MSR(m, IA32_VMX_MISC));
		REQUIRE(m, CTRL_EVENT_INSTRUCTION_LENGTH, len <= 15 && (len != 0 || len0_ok));
	}
}

static void checks_entry(struct model *m)
{
	REQUIRE(m, CTRL_ENTRY_RESERVED,
		model_ctl_ok(model_ctl_cap(m, VM_ENTRY_CONTROLS), (u32)F(m, VM_ENTRY_CONTROLS)));
	checks_event_injection(m);

	u64 n = F(m, VM_ENTRY_MSR_LOAD_COUNT) & 0xffffffffu, a = F(m, VM_ENTRY_MSR_LOAD_ADDR);
	if (n) {
		REQUIRE(m, CTRL_ENTRY_MSR_LOAD_ALIGN, (a & 0xf) == 0);
		REQUIRE(m, CTRL_ENTRY_MSR_LOAD_WIDTH, msr_area_addr_ok(m, a) && msr_area_last_ok(m, a, n));
	}
	/* The image and the model run outside SMM (VM entry from SMM is the
	 * dual-monitor treatment, which nothing here activates). */
	REQUIRE(m, CTRL_ENTRY_SMM, !model_entry_ctl(m, VM_ENTRY_SMM_BIT));
	REQUIRE(m, CTRL_ENTRY_DEACT_DUAL_MONITOR, !model_entry_ctl(m, VM_ENTRY_DEACT_DUAL_MONITOR_BIT));
	REQUIRE(m, CTRL_ENTRY_SMM_AND_DEACT_BOTH,
		!(model_entry_ctl(m, VM_ENTRY_SMM_BIT) && model_entry_ctl(m, VM_ENTRY_DEACT_DUAL_MONITOR_BIT)));
}

void model_checks_ctrl(struct model *m)
{
	checks_exec(m);
	checks_exit(m);
	checks_entry(m);
}
