/*
 * SDM "Checks on the Guest-State Area".  One REQUIRE per row of
 * core/include/entry_checks_guest.def.  The model never runs in SMM and
 * reads no memory, so the link pointer's revision identifier, "must not be
 * the current VMCS pointer" and the PDPTEs loaded from CR3 (EPT off) are
 * not modelled (notes/sweep-guest.md).
 */
#include "model.h"

/* Access-rights fields (SDM "Guest Register State"): bit 16 = unusable. */
#define AR_S BIT(4)
#define AR_UNUSABLE BIT(16)
#define AR_L BIT(13)
#define AR_DPL(ar) (((ar) >> 5) & 3)

#define CR0_PE BIT(0)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_PCIDE BIT(17)
#define CR4_CET BIT(23)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_VM BIT(17)
/* RFLAGS reserved bits that must be 0: 63:22, 15, 5, 3. */
#define RFLAGS_RSVD0 ((~0ULL << 22) | BIT(15) | BIT(5) | BIT(3))
#define DEBUGCTL_BTF BIT(1)
/* IA32_DEBUGCTL: 63:16 and 5:3 reserved (bit 2 is bus-lock detect where enumerated). */
#define DEBUGCTL_RSVD ((~0ULL << 16) | (7ULL << 3))
/* IA32_EFER: 0 SCE, 8 LME, 10 LMA, 11 NXE; every other bit reserved. */
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_DEFINED (BIT(0) | EFER_LME | EFER_LMA | BIT(11))
/* Interruptibility state (SDM "Guest Non-Register State"). */
#define INTR_STI BIT(0)
#define INTR_MOVSS BIT(1)
#define INTR_SMI BIT(2)
#define INTR_NMI BIT(3)
/* VM-entry interruption-information field. */
#define EVT_VALID BIT(31)
#define EVT_TYPE(x) (((x) >> 8) & 7)
#define EVT_VECTOR(x) ((x) & 0xff)
enum { EVT_EXT_INTR = 0, EVT_NMI = 2, EVT_HW_EXC = 3, EVT_OTHER = 7 };
enum { ACT_ACTIVE, ACT_HLT, ACT_SHUTDOWN, ACT_WAIT_SIPI };
/* Pending debug exceptions. */
#define PDE_BS BIT(14)
#define PDE_RTM BIT(16)
#define PDE_RSVD ((0xffULL << 4) | BIT(13) | BIT(15) | (~0ULL << 17))
#define PDE_RTM_ZERO (0xfffULL | (7ULL << 13) | (~0ULL << 17))
/* PAE PDPTE reserved bits (with bits 63:MAXPHYADDR): 2:1 and 8:5. */
#define PDPTE_RSVD (0x6ULL | 0x1e0ULL)

static bool pat_ok(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static bool pdpte_ok(const struct model *m, u64 e)
{
	return !(e & 1) || (!(e & PDPTE_RSVD) && model_pa_ok(m, e));
}

void model_checks_guest(struct model *m)
{
	u64 cr0 = F(m, GUEST_CR0), cr3 = F(m, GUEST_CR3), cr4 = F(m, GUEST_CR4);
	u64 rflags = F(m, GUEST_RFLAGS), debugctl = F(m, GUEST_IA32_DEBUGCTL);
	bool ia32e = model_entry_ctl(m, VM_ENTRY_IA32E_MODE_BIT);
	bool ug = model_proc2(m, SECONDARY_UNRESTRICTED_GUEST_BIT);

	/* Control registers, debug registers, MSRs. */
	REQUIRE(m, GUEST_CR4_FIXED, (cr4 & MSR(m, IA32_VMX_CR4_FIXED0)) == MSR(m, IA32_VMX_CR4_FIXED0) &&
					    (cr4 & ~MSR(m, IA32_VMX_CR4_FIXED1)) == 0);
	u64 cr0_must1 = MSR(m, IA32_VMX_CR0_FIXED0) & ~(ug ? CR0_PE | CR0_PG : 0);
	REQUIRE(m, GUEST_CR0_FIXED0, (cr0 & cr0_must1) == cr0_must1);
	REQUIRE(m, GUEST_CR0_FIXED1, (cr0 & ~MSR(m, IA32_VMX_CR0_FIXED1)) == 0);
	REQUIRE(m, GUEST_CR0_PG_PE, !(cr0 & CR0_PG) || (cr0 & CR0_PE));
	REQUIRE(m, GUEST_CR4_CET_WP, !(cr4 & CR4_CET) || (cr0 & CR0_WP));
	if (model_entry_ctl(m, VM_ENTRY_LOAD_DEBUG_CONTROLS_BIT)) {
		REQUIRE(m, GUEST_DEBUGCTL_RESERVED, !(debugctl & DEBUGCTL_RSVD));
		REQUIRE(m, GUEST_DR7_HIGH, (F(m, GUEST_DR7) >> 32) == 0);
	}
	if (ia32e) {
		REQUIRE(m, GUEST_IA32E_CR0_PG, cr0 & CR0_PG);
		REQUIRE(m, GUEST_IA32E_CR4_PAE, cr4 & CR4_PAE);
	} else {
		REQUIRE(m, GUEST_NOT_IA32E_PCIDE, !(cr4 & CR4_PCIDE));
	}
	REQUIRE(m, GUEST_CR3_PA, (cr3 >> 52) == 0 && model_pa_ok(m, cr3));
	REQUIRE(m, GUEST_SYSENTER_ESP_CANONICAL, model_canonical(m, F(m, GUEST_SYSENTER_ESP)));
	REQUIRE(m, GUEST_SYSENTER_EIP_CANONICAL, model_canonical(m, F(m, GUEST_SYSENTER_EIP)));
	if (model_entry_ctl(m, VM_ENTRY_LOAD_PAT_BIT))
		REQUIRE(m, GUEST_PAT, pat_ok(F(m, GUEST_IA32_PAT)));
	if (model_entry_ctl(m, VM_ENTRY_LOAD_EFER_BIT)) {
		u64 efer = F(m, GUEST_IA32_EFER);
		bool lma = efer & EFER_LMA, lme = efer & EFER_LME;
		REQUIRE(m, GUEST_EFER_RESERVED, !(efer & ~EFER_DEFINED));
		REQUIRE(m, GUEST_EFER_LMA, lma == ia32e);
		if (cr0 & CR0_PG)
			REQUIRE(m, GUEST_EFER_LME, lma == lme);
	}
	if (model_entry_ctl(m, VM_ENTRY_LOAD_BNDCFGS_BIT)) {
		u64 b = F(m, GUEST_BNDCFGS);
		REQUIRE(m, GUEST_BNDCFGS_RESERVED, !(b & 0xffcULL));
		REQUIRE(m, GUEST_BNDCFGS_CANONICAL, model_canonical(m, b & ~0xfffULL));
	}

	REQUIRE(m, GUEST_CS_AR_S, F(m, GUEST_CS_AR_BYTES) & AR_S);
	REQUIRE(m, GUEST_TR_UNUSABLE, !(F(m, GUEST_TR_AR_BYTES) & AR_UNUSABLE));

	/* RIP and RFLAGS. */
	bool cs_l = F(m, GUEST_CS_AR_BYTES) & AR_L;
	if (ia32e && cs_l)
		REQUIRE(m, GUEST_RIP_HIGH_BITS, model_bits_63_n_identical(m, F(m, GUEST_RIP)));
	else
		REQUIRE(m, GUEST_RIP_HIGH_32, (F(m, GUEST_RIP) >> 32) == 0);
	REQUIRE(m, GUEST_RFLAGS_RESERVED, !(rflags & RFLAGS_RSVD0));
	REQUIRE(m, GUEST_RFLAGS_BIT1, rflags & BIT(1));
	if (ia32e || !(cr0 & CR0_PE))
		REQUIRE(m, GUEST_RFLAGS_VM, !(rflags & RFLAGS_VM));
	u64 evt = F(m, VM_ENTRY_INTR_INFO_FIELD);
	bool inject = evt & EVT_VALID;
	u32 type = EVT_TYPE(evt), vector = EVT_VECTOR(evt);
	if (inject && type == EVT_EXT_INTR)
		REQUIRE(m, GUEST_RFLAGS_IF_INJECT, rflags & RFLAGS_IF);

	/* Activity state. */
	u64 act = F(m, GUEST_ACTIVITY_STATE);
	u64 intr = F(m, GUEST_INTERRUPTIBILITY_INFO);
	REQUIRE(m, GUEST_ACTIVITY_STATE, act <= 3);
	if (act >= 1 && act <= 3) /* IA32_VMX_MISC bit 6 HLT, 7 shutdown, 8 wait-for-SIPI */
		REQUIRE(m, GUEST_ACTIVITY_SUPPORTED, MSR(m, IA32_VMX_MISC) & VMX_MISC_ACTIVITY_BIT(act));
	if (act == ACT_HLT)
		REQUIRE(m, GUEST_ACTIVITY_HLT_SS_DPL, AR_DPL(F(m, GUEST_SS_AR_BYTES)) == 0);
	if (intr & (INTR_STI | INTR_MOVSS))
		REQUIRE(m, GUEST_ACTIVITY_BLOCKING, act == ACT_ACTIVE);
	if (inject && act == ACT_HLT)
		REQUIRE(m, GUEST_ACTIVITY_HLT_EVENT,
			type == EVT_EXT_INTR || type == EVT_NMI ||
				(type == EVT_HW_EXC && (vector == 1 || vector == 18)) ||
				(type == EVT_OTHER && vector == 0));
	if (inject && act == ACT_SHUTDOWN)
		REQUIRE(m, GUEST_ACTIVITY_SHUTDOWN_EVENT, type == EVT_NMI || (type == EVT_HW_EXC && vector == 18));
	if (inject && act == ACT_WAIT_SIPI)
		REQUIRE(m, GUEST_ACTIVITY_SIPI_EVENT, false);

	/* Interruptibility state. */
	REQUIRE(m, GUEST_INTR_RESERVED, !(intr & ~0x1fULL));
	REQUIRE(m, GUEST_INTR_STI_MOVSS, (intr & (INTR_STI | INTR_MOVSS)) != (INTR_STI | INTR_MOVSS));
	REQUIRE(m, GUEST_INTR_STI_IF, !(intr & INTR_STI) || (rflags & RFLAGS_IF));
	if (inject && type == EVT_EXT_INTR)
		REQUIRE(m, GUEST_INTR_EXT_INTR_BLOCKING, !(intr & (INTR_STI | INTR_MOVSS)));
	if (inject && type == EVT_NMI)
		REQUIRE(m, GUEST_INTR_NMI_MOVSS, !(intr & INTR_MOVSS));
	REQUIRE(m, GUEST_INTR_SMI, !(intr & INTR_SMI)); /* the model is never in SMM */
	if (model_pin(m, PIN_BASED_VIRTUAL_NMIS_BIT) && inject && type == EVT_NMI)
		REQUIRE(m, GUEST_INTR_VNMI_NMI, !(intr & INTR_NMI));

	/* Pending debug exceptions. */
	u64 pde = F(m, GUEST_PENDING_DBG_EXCEPTIONS);
	REQUIRE(m, GUEST_PENDING_DBG_RESERVED, !(pde & PDE_RSVD));
	if ((intr & (INTR_STI | INTR_MOVSS)) || act == ACT_HLT) {
		bool bs_needed = (rflags & RFLAGS_TF) && !(debugctl & DEBUGCTL_BTF);
		if (bs_needed)
			REQUIRE(m, GUEST_PENDING_DBG_BS_SET, pde & PDE_BS);
		else
			REQUIRE(m, GUEST_PENDING_DBG_BS_CLEAR, !(pde & PDE_BS));
	}
	if (pde & PDE_RTM) {
		REQUIRE(m, GUEST_PENDING_DBG_RTM_BITS, !(pde & PDE_RTM_ZERO) && (pde & BIT(12)));
		REQUIRE(m, GUEST_PENDING_DBG_RTM_MOVSS, !(intr & INTR_MOVSS));
	}

	/* VMCS link pointer. */
	u64 link = F(m, VMCS_LINK_POINTER);
	if (link != ~0ULL) {
		REQUIRE(m, GUEST_VMCS_LINK_POINTER, (link & 0xfff) == 0);
		REQUIRE(m, GUEST_LINK_PTR_PA, model_pa_ok(m, link));
	}

	/* PDPTEs: PAE paging (CR0.PG, CR4.PAE, not IA-32e mode) with "enable EPT". */
	if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !ia32e && model_proc2(m, SECONDARY_ENABLE_EPT_BIT)) {
		REQUIRE(m, GUEST_PDPTE0_RESERVED, pdpte_ok(m, F(m, GUEST_PDPTR0)));
		REQUIRE(m, GUEST_PDPTE1_RESERVED, pdpte_ok(m, F(m, GUEST_PDPTR1)));
		REQUIRE(m, GUEST_PDPTE2_RESERVED, pdpte_ok(m, F(m, GUEST_PDPTR2)));
		REQUIRE(m, GUEST_PDPTE3_RESERVED, pdpte_ok(m, F(m, GUEST_PDPTR3)));
	}
}
