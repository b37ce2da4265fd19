/*
 * SDM "Checks on the Host-State Area": "Checks on Host Control Registers,
 * MSRs, and SSP", "Checks on Host Segment and Descriptor-Table Registers",
 * "Checks Related to Address-Space Size".  One REQUIRE per row of
 * core/include/entry_checks_host.def.
 *
 * Not modelled: the CET ("load CET state") and PKRS ("load PKRS") host
 * checks -- vmcs_fields.def has no HOST_IA32_S_CET, HOST_SSP,
 * HOST_INTR_SSP_TABLE or HOST_IA32_PKRS field to read.
 */
#include "model.h"

#define HM_CR4_PAE BIT(5)
#define HM_CR4_PCIDE BIT(17)
#define HM_EFER_SCE BIT(0)
#define HM_EFER_LME BIT(8)
#define HM_EFER_LMA BIT(10)
#define HM_EFER_NXE BIT(11)

/* SDM "IA32_PERF_GLOBAL_CTRL": bits 31:0 enable general-purpose counters,
 * 47:32 fixed counters, 48 PERF_METRICS; which of them exist depends on
 * CPUID.0AH, which the model does not see.  Bits 63:49 are reserved in
 * every version, so the model flags only those. */
#define HM_PERF_GLOBAL_CTRL_ALWAYS_RESERVED (~0ULL << 49)

/* "one of the values 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB), or 7 (UC-)" */
static bool pat_type_ok(u64 b)
{
	return b == 0 || b == 1 || (b >= 4 && b <= 7);
}

static bool sel_rpl_ti_zero(u64 sel)
{
	return (sel & 7) == 0;
}

void model_checks_host(struct model *m)
{
	bool host64 = model_exit_ctl(m, VM_EXIT_HOST_ADDR_SPACE_SIZE_BIT);

	/* Segment and descriptor-table registers. */
	REQUIRE(m, HOST_CS_SELECTOR_ZERO, F(m, HOST_CS_SELECTOR) != 0);

	/* Control registers, MSRs. */
	u64 cr0 = F(m, HOST_CR0), cr4 = F(m, HOST_CR4);
	u64 cr0_f0 = MSR(m, IA32_VMX_CR0_FIXED0), cr0_f1 = MSR(m, IA32_VMX_CR0_FIXED1);
	u64 cr4_f0 = MSR(m, IA32_VMX_CR4_FIXED0), cr4_f1 = MSR(m, IA32_VMX_CR4_FIXED1);
	REQUIRE(m, HOST_CR0_FIXED0, (cr0 & cr0_f0) == cr0_f0);
	REQUIRE(m, HOST_CR0_FIXED1, (cr0 & ~cr0_f1) == 0);
	REQUIRE(m, HOST_CR4_FIXED0, (cr4 & cr4_f0) == cr4_f0);
	REQUIRE(m, HOST_CR4_FIXED1, (cr4 & ~cr4_f1) == 0);
	/* bits 63:52 and bits 51:32 beyond MAXPHYADDR: every bit at or above
	 * the physical-address width (which is at least 32 and at most 52) */
	REQUIRE(m, HOST_CR3_PA_WIDTH, model_pa_ok(m, F(m, HOST_CR3)) && (F(m, HOST_CR3) >> 52) == 0);
	REQUIRE(m, HOST_SYSENTER_ESP_CANONICAL, model_canonical(m, F(m, HOST_IA32_SYSENTER_ESP)));
	REQUIRE(m, HOST_SYSENTER_EIP_CANONICAL, model_canonical(m, F(m, HOST_IA32_SYSENTER_EIP)));
	if (model_exit_ctl(m, VM_EXIT_LOAD_PERF_GLOBAL_CTRL_BIT))
		REQUIRE(m, HOST_PERF_GLOBAL_CTRL_RESERVED,
			(F(m, HOST_IA32_PERF_GLOBAL_CTRL) & HM_PERF_GLOBAL_CTRL_ALWAYS_RESERVED) == 0);
	if (model_exit_ctl(m, VM_EXIT_LOAD_PAT_BIT)) {
		u64 pat = F(m, HOST_IA32_PAT);
		REQUIRE(m, HOST_PAT_PA0, pat_type_ok((pat >> 0) & 0xff));
		REQUIRE(m, HOST_PAT_PA1, pat_type_ok((pat >> 8) & 0xff));
		REQUIRE(m, HOST_PAT_PA2, pat_type_ok((pat >> 16) & 0xff));
		REQUIRE(m, HOST_PAT_PA3, pat_type_ok((pat >> 24) & 0xff));
		REQUIRE(m, HOST_PAT_PA4, pat_type_ok((pat >> 32) & 0xff));
		REQUIRE(m, HOST_PAT_PA5, pat_type_ok((pat >> 40) & 0xff));
		REQUIRE(m, HOST_PAT_PA6, pat_type_ok((pat >> 48) & 0xff));
		REQUIRE(m, HOST_PAT_PA7, pat_type_ok((pat >> 56) & 0xff));
	}
	if (model_exit_ctl(m, VM_EXIT_LOAD_EFER_BIT)) {
		/* Intel 64 IA32_EFER: SCE (0), LME (8), LMA (10), NXE (11); every
		 * other bit is reserved (bit 11 needs CPUID.80000001H:EDX.NX,
		 * which every platform here has). */
		u64 efer = F(m, HOST_IA32_EFER);
		REQUIRE(m, HOST_EFER_RESERVED, (efer & ~(HM_EFER_SCE | HM_EFER_LME | HM_EFER_LMA | HM_EFER_NXE)) == 0);
		REQUIRE(m, HOST_EFER_LMA, !!(efer & HM_EFER_LMA) == host64);
		REQUIRE(m, HOST_EFER_LME, !!(efer & HM_EFER_LME) == host64);
	}

	/* Segment and descriptor-table registers. */
	REQUIRE(m, HOST_ES_SELECTOR_RPL_TI, sel_rpl_ti_zero(F(m, HOST_ES_SELECTOR)));
	REQUIRE(m, HOST_CS_SELECTOR_RPL_TI, sel_rpl_ti_zero(F(m, HOST_CS_SELECTOR)));
	REQUIRE(m, HOST_SS_SELECTOR_RPL_TI, sel_rpl_ti_zero(F(m, HOST_SS_SELECTOR)));
	REQUIRE(m, HOST_DS_SELECTOR_RPL_TI, sel_rpl_ti_zero(F(m, HOST_DS_SELECTOR)));
	REQUIRE(m, HOST_FS_SELECTOR_RPL_TI, sel_rpl_ti_zero(F(m, HOST_FS_SELECTOR)));
	REQUIRE(m, HOST_GS_SELECTOR_RPL_TI, sel_rpl_ti_zero(F(m, HOST_GS_SELECTOR)));
	REQUIRE(m, HOST_TR_SELECTOR_RPL_TI, sel_rpl_ti_zero(F(m, HOST_TR_SELECTOR)));
	REQUIRE(m, HOST_TR_SELECTOR_ZERO, F(m, HOST_TR_SELECTOR) != 0);
	if (!host64)
		REQUIRE(m, HOST_SS_SELECTOR_ZERO, F(m, HOST_SS_SELECTOR) != 0);
	REQUIRE(m, HOST_FS_BASE_CANONICAL, model_canonical(m, F(m, HOST_FS_BASE)));
	REQUIRE(m, HOST_GS_BASE_CANONICAL, model_canonical(m, F(m, HOST_GS_BASE)));
	REQUIRE(m, HOST_GDTR_BASE_CANONICAL, model_canonical(m, F(m, HOST_GDTR_BASE)));
	REQUIRE(m, HOST_IDTR_BASE_CANONICAL, model_canonical(m, F(m, HOST_IDTR_BASE)));
	REQUIRE(m, HOST_TR_BASE_CANONICAL, model_canonical(m, F(m, HOST_TR_BASE)));

	/* Address-space size.  The model's logical processor is in IA-32e mode
	 * at VM entry (the image is 64-bit; model_input has no EFER.LMA), so
	 * the "outside IA-32e mode" rules never apply.  "IA-32e mode guest
	 * requires host address-space size 1" is an entry-control rule, not
	 * modelled here. */
	REQUIRE(m, HOST_ADDR_SPACE_IA32E, host64);
	if (!host64) {
		REQUIRE(m, HOST_ADDR_SPACE_CR4_PCIDE, !(cr4 & HM_CR4_PCIDE));
		REQUIRE(m, HOST_ADDR_SPACE_RIP_HIGH, (F(m, HOST_RIP) >> 32) == 0);
	} else {
		REQUIRE(m, HOST_ADDR_SPACE_CR4_PAE, cr4 & HM_CR4_PAE);
		REQUIRE(m, HOST_ADDR_SPACE_RIP_CANONICAL, model_canonical(m, F(m, HOST_RIP)));
	}
}
