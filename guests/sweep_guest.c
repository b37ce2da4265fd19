/*
 * Sweep cases for "Checks on the Guest-State Area" (entry_checks_guest.def):
 * control registers, debug registers and MSRs; RIP and RFLAGS; non-register
 * state; PDPTEs.  Each case changes the golden VMCS (vcpu_init: a 64-bit
 * CPL-0 guest on the host's paging) in one place.  VIOLATE cases that a
 * wrong platform might accept into HLT/shutdown/wait-for-SIPI arm the
 * VMX-preemption timer at 0 (hang_guard), and those injecting an event set
 * the guest IDTR limit to 0 (idt_guard), so delivery ends in an exception
 * exit (the exception bitmap is all ones) instead of running a host handler.
 */
#include "lib.h"
#include "scenario.h"
#include "model.h" /* VMX_MSR_IDX_* (vmx_caps.msr_value order) */

#define CR0_PE BIT(0)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_AM BIT(18)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_OSFXSR BIT(9)
#define CR4_PCIDE BIT(17)
#define CR4_CET BIT(23)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_RF BIT(16)
#define RFLAGS_VM BIT(17)
#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define INTR_STI BIT(0)
#define INTR_MOVSS BIT(1)
#define INTR_SMI BIT(2)
#define INTR_NMI BIT(3)
#define EVT_VALID BIT(31)
#define EVT_EXT_INTR(v) ((0ULL << 8) | (v))
#define EVT_NMI ((2ULL << 8) | 2)
#define EVT_DE ((3ULL << 8) | 0) /* hardware exception, vector 0 */
#define PDE_B3 BIT(3)
#define PDE_BP BIT(12)
#define PDE_BS BIT(14)
#define PDE_RTM BIT(16)
#define ACT_HLT 1
#define ACT_SHUTDOWN 2
#define ACT_WAIT_SIPI 3

static u8 link_vmcs[4096] ALIGNED(4096);
static u64 ept_pml4[512] ALIGNED(4096), ept_pdpt[512] ALIGNED(4096), ept_pd[512] ALIGNED(4096);
static u64 user_pml4[512] ALIGNED(4096), user_pdpt[512] ALIGNED(4096), user_pd[512] ALIGNED(4096);
static u64 pae_pd[512] ALIGNED(4096);

/* ---- helpers ---- */

static bool set_ctl(struct scenario_ctx *ctx, u32 field, u64 bits, const char *missing)
{
	if (vcpu_set_ctl(ctx->vcpu, field, bits))
		return true;
	ctx->skip_reason = missing;
	return false;
}

static void clear_ia32e(struct scenario_ctx *ctx)
{
	ctx->vcpu->entry_ctl &= ~VM_ENTRY_IA32E_MODE;
	vmcs_write(VM_ENTRY_CONTROLS, ctx->vcpu->entry_ctl);
}

static void set_bits(u32 field, u64 set, u64 clear)
{
	vmcs_write(field, (vmcs_read(field) & ~clear) | set);
}

/* A VIOLATE case a wrong platform might accept into an inactive state. */
static void hang_guard(struct scenario_ctx *ctx)
{
	if (vcpu_set_ctl(ctx->vcpu, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_PREEMPTION_TIMER))
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 0);
}

/* Any event delivered through the guest IDT ends in #GP -> exception exit. */
static void idt_guard(void) { vmcs_write(GUEST_IDTR_LIMIT, 0); }

static void segment(u32 i, u16 sel, u64 base, u32 limit, u32 ar)
{
	vmcs_write(GUEST_ES_SELECTOR + 2 * i, sel);
	vmcs_write(GUEST_ES_BASE + 2 * i, base);
	vmcs_write(GUEST_ES_LIMIT + 2 * i, limit);
	vmcs_write(GUEST_ES_AR_BYTES + 2 * i, ar);
}
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

/* EPT identity map of the first GiB in 2 MiB pages (write-back), optionally
 * with "unrestricted guest"; SDM "EPT Translation Mechanism". */
static bool enable_ept(struct scenario_ctx *ctx, bool unrestricted)
{
	u64 cap = vmx_caps.msr_value[VMX_MSR_IDX_IA32_VMX_EPT_VPID_CAP];
	if (!(cap & BIT(6)) || !(cap & BIT(16)) || !(cap & (BIT(8) | BIT(14)))) {
		ctx->skip_reason = "missing_ept";
		return false;
	}
	u64 bits = SECONDARY_ENABLE_EPT | (unrestricted ? SECONDARY_UNRESTRICTED_GUEST : 0);
	if (!set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, bits, unrestricted ? "missing_unrestricted_guest" : "missing_ept"))
		return false;
	u64 wb = cap & BIT(14) ? 6 : 0;
	for (u64 i = 0; i < 512; i++)
		ept_pd[i] = (i << 21) | BIT(7) | (6 << 3) | 7;
	ept_pdpt[0] = (u64)ept_pd | 7;
	ept_pml4[0] = (u64)ept_pdpt | 7;
	vmcs_write(EPT_POINTER, (u64)ept_pml4 | (3 << 3) | wb);
	return true;
}

/* A user-accessible identity map of the first GiB (a CPL-3 guest). */
static u64 user_cr3(void)
{
	for (u64 i = 0; i < 512; i++)
		user_pd[i] = (i << 21) | 0x87;
	user_pdpt[0] = (u64)user_pd | 7;
	user_pml4[0] = (u64)user_pdpt | 7;
	return (u64)user_pml4;
}

/* CPL 3: CS RPL/DPL 3, SS RPL/DPL 3 (the segment checks stay satisfied). */
static void cpl3_segments(void)
{
	segment(SEG_CS, (u16)(vmcs_read(GUEST_CS_SELECTOR) | 3), 0, 0xffffffff, 0xa0fb);
	segment(SEG_SS, (u16)(vmcs_read(GUEST_SS_SELECTOR) | 3), 0, 0xffffffff, 0xc0f3);
}

static u64 lowest_bit(u64 v) { return v & -v; }

/* ---- Control registers, debug registers, MSRs ---- */

static bool cr0_fixed0_clear(struct scenario_ctx *ctx)
{
	u64 bit = lowest_bit(vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG));
	if (!bit) {
		ctx->skip_reason = "missing_cr0_fixed0_bit";
		return false;
	}
	set_bits(GUEST_CR0, 0, bit); /* CR0.NE on every known processor */
	return true;
}
ENTRY_CASE(ec_GUEST_CR0_FIXED0__ne_clear, GUEST_CR0_FIXED0, VIOLATE, cr0_fixed0_clear);

static bool cr0_fixed0_set(struct scenario_ctx *ctx)
{
	(void)ctx;
	set_bits(GUEST_CR0, vmx_caps.cr0_fixed0, 0); /* every must-be-1 bit set (the golden value) */
	return true;
}
ENTRY_CASE(ec_GUEST_CR0_FIXED0__set, GUEST_CR0_FIXED0, SATISFY, cr0_fixed0_set);

static bool cr0_fixed1_set(struct scenario_ctx *ctx)
{
	u64 bit = lowest_bit(~vmx_caps.cr0_fixed1);
	if (!bit) {
		ctx->skip_reason = "missing_cr0_fixed1_bit";
		return false;
	}
	scenario_setup("field=GUEST_CR0 bit=%#lx cr0_fixed1=%#lx", bit, vmx_caps.cr0_fixed1);
	set_bits(GUEST_CR0, bit, 0); /* bit 32 where FIXED1 is FFFFFFFFH */
	return true;
}
ENTRY_CASE(ec_GUEST_CR0_FIXED1__first_zero, GUEST_CR0_FIXED1, VIOLATE, cr0_fixed1_set);

static bool cr0_am(struct scenario_ctx *ctx)
{
	if (!(vmx_caps.cr0_fixed1 & CR0_AM)) {
		ctx->skip_reason = "missing_cr0_am";
		return false;
	}
	set_bits(GUEST_CR0, CR0_AM, 0); /* allowed by FIXED1 */
	return true;
}
ENTRY_CASE(ec_GUEST_CR0_FIXED1__am, GUEST_CR0_FIXED1, SATISFY, cr0_am);

static bool ug_pe_clear(struct scenario_ctx *ctx)
{
	if (!enable_ept(ctx, true))
		return false;
	set_bits(GUEST_CR0, 0, CR0_PE); /* PG=1, PE=0: FIXED0 relaxed by unrestricted guest */
	return true;
}
ENTRY_CASE(ec_GUEST_CR0_PG_PE__pe_clear, GUEST_CR0_PG_PE, VIOLATE, ug_pe_clear);

static bool ug_golden(struct scenario_ctx *ctx)
{
	return enable_ept(ctx, true); /* PG=1, PE=1 under unrestricted guest, EPT identity map */
}
ENTRY_CASE(ec_GUEST_CR0_PG_PE__ug_pe_set, GUEST_CR0_PG_PE, SATISFY, ug_golden);

static bool cr4_fixed0_clear(struct scenario_ctx *ctx)
{
	u64 bit = lowest_bit(vmx_caps.cr4_fixed0);
	if (!bit) {
		ctx->skip_reason = "missing_cr4_fixed0_bit";
		return false;
	}
	set_bits(GUEST_CR4, 0, bit); /* CR4.VMXE */
	return true;
}
ENTRY_CASE(ec_GUEST_CR4_FIXED__vmxe_clear, GUEST_CR4_FIXED, VIOLATE, cr4_fixed0_clear);

static bool cr4_fixed1_set(struct scenario_ctx *ctx)
{
	(void)ctx;
	u64 bit = lowest_bit(~vmx_caps.cr4_fixed1);
	scenario_setup("field=GUEST_CR4 bit=%#lx cr4_fixed1=%#lx", bit, vmx_caps.cr4_fixed1);
	set_bits(GUEST_CR4, bit, 0);
	return true;
}
ENTRY_CASE(ec_GUEST_CR4_FIXED__first_zero, GUEST_CR4_FIXED, VIOLATE, cr4_fixed1_set);

static bool cr4_osfxsr(struct scenario_ctx *ctx)
{
	if (!(vmx_caps.cr4_fixed1 & CR4_OSFXSR)) {
		ctx->skip_reason = "missing_cr4_osfxsr";
		return false;
	}
	set_bits(GUEST_CR4, CR4_OSFXSR, 0);
	return true;
}
ENTRY_CASE(ec_GUEST_CR4_FIXED__osfxsr, GUEST_CR4_FIXED, SATISFY, cr4_osfxsr);

static bool cet_no_wp(struct scenario_ctx *ctx)
{
	if (!(vmx_caps.cr4_fixed1 & CR4_CET)) {
		ctx->skip_reason = "missing_cet";
		return false;
	}
	set_bits(GUEST_CR0, 0, CR0_WP);
	set_bits(GUEST_CR4, CR4_CET, 0);
	return true;
}
ENTRY_CASE(ec_GUEST_CR4_CET_WP__wp_clear, GUEST_CR4_CET_WP, VIOLATE, cet_no_wp);

static bool cet_wp(struct scenario_ctx *ctx)
{
	if (!(vmx_caps.cr4_fixed1 & CR4_CET)) {
		ctx->skip_reason = "missing_cet";
		return false;
	}
	set_bits(GUEST_CR0, CR0_WP, 0);
	set_bits(GUEST_CR4, CR4_CET, 0);
	return true;
}
ENTRY_CASE(ec_GUEST_CR4_CET_WP__wp_set, GUEST_CR4_CET_WP, SATISFY, cet_wp);

static bool load_debug(struct scenario_ctx *ctx)
{
	return set_ctl(ctx, VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_DEBUG_CONTROLS, "missing_load_debug_controls");
}

static bool debugctl_bit16(struct scenario_ctx *ctx)
{
	if (!load_debug(ctx))
		return false;
	vmcs_write(GUEST_IA32_DEBUGCTL, BIT(16));
	return true;
}
ENTRY_CASE(ec_GUEST_DEBUGCTL_RESERVED__bit16, GUEST_DEBUGCTL_RESERVED, VIOLATE, debugctl_bit16);

static bool debugctl_bit3(struct scenario_ctx *ctx)
{
	if (!load_debug(ctx))
		return false;
	vmcs_write(GUEST_IA32_DEBUGCTL, BIT(3));
	return true;
}
ENTRY_CASE(ec_GUEST_DEBUGCTL_RESERVED__bit3, GUEST_DEBUGCTL_RESERVED, VIOLATE, debugctl_bit3);

static bool debugctl_btf(struct scenario_ctx *ctx)
{
	if (!load_debug(ctx))
		return false;
	vmcs_write(GUEST_IA32_DEBUGCTL, BIT(1)); /* BTF: defined; no TF, so no effect */
	return true;
}
ENTRY_CASE(ec_GUEST_DEBUGCTL_RESERVED__btf, GUEST_DEBUGCTL_RESERVED, SATISFY, debugctl_btf);

static bool dr7_bit32(struct scenario_ctx *ctx)
{
	if (!load_debug(ctx))
		return false;
	vmcs_write(GUEST_DR7, 0x400 | BIT(32));
	return true;
}
ENTRY_CASE(ec_GUEST_DR7_HIGH__bit32, GUEST_DR7_HIGH, VIOLATE, dr7_bit32);

static bool dr7_bit31(struct scenario_ctx *ctx)
{
	if (!load_debug(ctx))
		return false;
	vmcs_write(GUEST_DR7, 0x400 | BIT(31)); /* LEN3 of a disabled breakpoint */
	return true;
}
ENTRY_CASE(ec_GUEST_DR7_HIGH__bit31, GUEST_DR7_HIGH, SATISFY, dr7_bit31);

static bool ug_pg_clear(struct scenario_ctx *ctx)
{
	if (!enable_ept(ctx, true))
		return false;
	set_bits(GUEST_CR0, 0, CR0_PG); /* IA-32e mode guest with paging off */
	return true;
}
ENTRY_CASE(ec_GUEST_IA32E_CR0_PG__pg_clear, GUEST_IA32E_CR0_PG, VIOLATE, ug_pg_clear);
ENTRY_CASE(ec_GUEST_IA32E_CR0_PG__ug_pg_set, GUEST_IA32E_CR0_PG, SATISFY, ug_golden);

static bool pae_clear(struct scenario_ctx *ctx)
{
	(void)ctx;
	set_bits(GUEST_CR4, 0, CR4_PAE);
	return true;
}
ENTRY_CASE(ec_GUEST_IA32E_CR4_PAE__clear, GUEST_IA32E_CR4_PAE, VIOLATE, pae_clear);

static bool pae_set(struct scenario_ctx *ctx)
{
	(void)ctx;
	set_bits(GUEST_CR4, CR4_PAE, 0); /* the golden value, written explicitly */
	return true;
}
ENTRY_CASE(ec_GUEST_IA32E_CR4_PAE__set, GUEST_IA32E_CR4_PAE, SATISFY, pae_set);

static bool pcide_32bit(struct scenario_ctx *ctx)
{
	if (!(vmx_caps.cr4_fixed1 & CR4_PCIDE)) {
		ctx->skip_reason = "missing_pcide";
		return false;
	}
	clear_ia32e(ctx);
	/* CR4.PAE cleared as well: with PAE paging (CR0.PG = CR4.PAE = 1, not IA-32e, no EPT) the
	 * entry would also check the PDPTEs at CR3 (SDM "Checks on Guest Page-Directory-Pointer-Table
	 * Entries"), and the golden CR3 holds 4-level tables whose entries set PDPTE-reserved bits:
	 * a second violation (KVM reports it first, exit qualification 2).  32-bit paging has none. */
	set_bits(GUEST_CR4, CR4_PCIDE, CR4_PAE);
	return true;
}
ENTRY_CASE(ec_GUEST_NOT_IA32E_PCIDE__set, GUEST_NOT_IA32E_PCIDE, VIOLATE, pcide_32bit);

static bool pcide_64bit(struct scenario_ctx *ctx)
{
	if (!(vmx_caps.cr4_fixed1 & CR4_PCIDE)) {
		ctx->skip_reason = "missing_pcide";
		return false;
	}
	set_bits(GUEST_CR4, CR4_PCIDE, 0); /* IA-32e mode guest: PCIDE allowed (CR3[11:0] = 0) */
	return true;
}
ENTRY_CASE(ec_GUEST_NOT_IA32E_PCIDE__ia32e, GUEST_NOT_IA32E_PCIDE, SATISFY, pcide_64bit);

static bool cr3_maxphy(struct scenario_ctx *ctx)
{
	if (vmx_caps.pa_width >= 52) {
		ctx->skip_reason = "missing_cr3_bit_beyond_maxphyaddr";
		return false;
	}
	scenario_setup("field=GUEST_CR3 pa_width=%u", vmx_caps.pa_width);
	set_bits(GUEST_CR3, BIT(vmx_caps.pa_width), 0);
	return true;
}
ENTRY_CASE(ec_GUEST_CR3_PA__maxphyaddr, GUEST_CR3_PA, VIOLATE, cr3_maxphy);

static bool cr3_bit63(struct scenario_ctx *ctx)
{
	(void)ctx;
	set_bits(GUEST_CR3, BIT(63), 0);
	return true;
}
ENTRY_CASE(ec_GUEST_CR3_PA__bit63, GUEST_CR3_PA, VIOLATE, cr3_bit63);

static bool cr3_pwt_pcd(struct scenario_ctx *ctx)
{
	(void)ctx;
	set_bits(GUEST_CR3, 0x18, 0); /* bits below MAXPHYADDR only */
	return true;
}
ENTRY_CASE(ec_GUEST_CR3_PA__pwt_pcd, GUEST_CR3_PA, SATISFY, cr3_pwt_pcd);

/* Bit N-1 alone: the smallest non-canonical address (N = linear-address width). */
static u64 noncanon(void) { return BIT(vmx_caps.la_width - 1); }
static bool sysenter_esp_bad(struct scenario_ctx *ctx)
{
	(void)ctx;
	scenario_setup("field=GUEST_SYSENTER_ESP la_width=%u", vmx_caps.la_width);
	vmcs_write(GUEST_SYSENTER_ESP, noncanon());
	return true;
}
ENTRY_CASE(ec_GUEST_SYSENTER_ESP_CANONICAL__bit_n1, GUEST_SYSENTER_ESP_CANONICAL, VIOLATE, sysenter_esp_bad);

static bool sysenter_esp_ok(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_SYSENTER_ESP, noncanon() - 1);
	return true;
}
ENTRY_CASE(ec_GUEST_SYSENTER_ESP_CANONICAL__max, GUEST_SYSENTER_ESP_CANONICAL, SATISFY, sysenter_esp_ok);

static bool sysenter_eip_bad(struct scenario_ctx *ctx)
{
	(void)ctx;
	scenario_setup("field=GUEST_SYSENTER_EIP la_width=%u", vmx_caps.la_width);
	vmcs_write(GUEST_SYSENTER_EIP, noncanon());
	return true;
}
ENTRY_CASE(ec_GUEST_SYSENTER_EIP_CANONICAL__bit_n1, GUEST_SYSENTER_EIP_CANONICAL, VIOLATE, sysenter_eip_bad);

static bool sysenter_eip_ok(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_SYSENTER_EIP, noncanon() - 1);
	return true;
}
ENTRY_CASE(ec_GUEST_SYSENTER_EIP_CANONICAL__max, GUEST_SYSENTER_EIP_CANONICAL, SATISFY, sysenter_eip_ok);

#define PAT_DEFAULT 0x0007040600070406ULL
static bool pat_write(struct scenario_ctx *ctx, u64 pat)
{
	if (!set_ctl(ctx, VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_PAT, "missing_load_pat"))
		return false;
	vmcs_write(GUEST_IA32_PAT, pat);
	return true;
}
static bool pat_byte0_2(struct scenario_ctx *ctx) { return pat_write(ctx, (PAT_DEFAULT & ~0xffULL) | 2); }
ENTRY_CASE(ec_GUEST_PAT__type2, GUEST_PAT, VIOLATE, pat_byte0_2);
static bool pat_byte7_8(struct scenario_ctx *ctx) { return pat_write(ctx, PAT_DEFAULT | (8ULL << 56)); }
ENTRY_CASE(ec_GUEST_PAT__type8, GUEST_PAT, VIOLATE, pat_byte7_8);
static bool pat_default(struct scenario_ctx *ctx) { return pat_write(ctx, PAT_DEFAULT); }
ENTRY_CASE(ec_GUEST_PAT__default, GUEST_PAT, SATISFY, pat_default);

/* The host's EFER (LME, LMA, NXE as the host paging needs) with changes. */
static bool efer_write(struct scenario_ctx *ctx, u64 set, u64 clear)
{
	if (!set_ctl(ctx, VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_EFER, "missing_load_efer"))
		return false;
	vmcs_write(GUEST_IA32_EFER, (rdmsr(MSR_IA32_EFER) & ~clear) | set);
	return true;
}
static bool efer_bit9(struct scenario_ctx *ctx) { return efer_write(ctx, BIT(9), 0); }
ENTRY_CASE(ec_GUEST_EFER_RESERVED__bit9, GUEST_EFER_RESERVED, VIOLATE, efer_bit9);
static bool efer_bit12(struct scenario_ctx *ctx) { return efer_write(ctx, BIT(12), 0); }
ENTRY_CASE(ec_GUEST_EFER_RESERVED__bit12, GUEST_EFER_RESERVED, VIOLATE, efer_bit12);
static bool efer_sce(struct scenario_ctx *ctx) { return efer_write(ctx, EFER_SCE, 0); }
ENTRY_CASE(ec_GUEST_EFER_RESERVED__sce, GUEST_EFER_RESERVED, SATISFY, efer_sce);
static bool efer_no_lma_lme(struct scenario_ctx *ctx) { return efer_write(ctx, 0, EFER_LMA | EFER_LME); }
ENTRY_CASE(ec_GUEST_EFER_LMA__clear, GUEST_EFER_LMA, VIOLATE, efer_no_lma_lme);
static bool efer_host(struct scenario_ctx *ctx) { return efer_write(ctx, EFER_LMA | EFER_LME, 0); }
ENTRY_CASE(ec_GUEST_EFER_LMA__set, GUEST_EFER_LMA, SATISFY, efer_host);
static bool efer_no_lme(struct scenario_ctx *ctx) { return efer_write(ctx, EFER_LMA, EFER_LME); }
ENTRY_CASE(ec_GUEST_EFER_LME__clear, GUEST_EFER_LME, VIOLATE, efer_no_lme);
ENTRY_CASE(ec_GUEST_EFER_LME__set, GUEST_EFER_LME, SATISFY, efer_host);

static bool bndcfgs_write(struct scenario_ctx *ctx, u64 v)
{
	if (!set_ctl(ctx, VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_BNDCFGS, "missing_load_bndcfgs"))
		return false;
	vmcs_write(GUEST_BNDCFGS, v);
	return true;
}
static bool bndcfgs_bit2(struct scenario_ctx *ctx) { return bndcfgs_write(ctx, BIT(2)); }
ENTRY_CASE(ec_GUEST_BNDCFGS_RESERVED__bit2, GUEST_BNDCFGS_RESERVED, VIOLATE, bndcfgs_bit2);
static bool bndcfgs_preserve(struct scenario_ctx *ctx) { return bndcfgs_write(ctx, BIT(1)); }
ENTRY_CASE(ec_GUEST_BNDCFGS_RESERVED__bndpreserve, GUEST_BNDCFGS_RESERVED, SATISFY, bndcfgs_preserve);
static bool bndcfgs_noncanon(struct scenario_ctx *ctx) { return bndcfgs_write(ctx, noncanon()); }
ENTRY_CASE(ec_GUEST_BNDCFGS_CANONICAL__bit_n1, GUEST_BNDCFGS_CANONICAL, VIOLATE, bndcfgs_noncanon);
static bool bndcfgs_canon(struct scenario_ctx *ctx) { return bndcfgs_write(ctx, noncanon() - 0x1000); }
ENTRY_CASE(ec_GUEST_BNDCFGS_CANONICAL__max, GUEST_BNDCFGS_CANONICAL, SATISFY, bndcfgs_canon);

/* ---- RIP and RFLAGS ---- */

static bool compat_rip_bit32(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_CS_AR_BYTES, 0xc09b); /* L=0, D=1: compatibility mode */
	set_bits(GUEST_RIP, BIT(32), 0);
	return true;
}
ENTRY_CASE(ec_GUEST_RIP_HIGH_32__compat_bit32, GUEST_RIP_HIGH_32, VIOLATE, compat_rip_bit32);

static bool compat_rip(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_CS_AR_BYTES, 0xc09b); /* the guest's VMCALL decodes the same in compatibility mode */
	return true;
}
ENTRY_CASE(ec_GUEST_RIP_HIGH_32__compat, GUEST_RIP_HIGH_32, SATISFY, compat_rip);

static bool rip_bit_n(struct scenario_ctx *ctx)
{
	(void)ctx;
	scenario_setup("field=GUEST_RIP la_width=%u", vmx_caps.la_width);
	vmcs_write(GUEST_RIP, BIT(vmx_caps.la_width));
	return true;
}
ENTRY_CASE(ec_GUEST_RIP_HIGH_BITS__bit_n, GUEST_RIP_HIGH_BITS, VIOLATE, rip_bit_n);

static bool rip_golden(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_RIP, (u64)sweep_guest); /* bits 63:N all 0 (an address it can run) */
	return true;
}
ENTRY_CASE(ec_GUEST_RIP_HIGH_BITS__low, GUEST_RIP_HIGH_BITS, SATISFY, rip_golden);

#define RFLAGS_CASE(kind, name, value)                                          \
	static bool rflags_##name(struct scenario_ctx *ctx)                         \
	{                                                                          \
		(void)ctx;                                                         \
		vmcs_write(GUEST_RFLAGS, value);                                   \
		return true;                                                       \
	}                                                                          \
	ENTRY_CASE(ec_GUEST_RFLAGS_RESERVED__##name, GUEST_RFLAGS_RESERVED, kind, rflags_##name)
RFLAGS_CASE(VIOLATE, bit22, 0x2 | BIT(22));
RFLAGS_CASE(VIOLATE, bit63, 0x2 | BIT(63));
RFLAGS_CASE(VIOLATE, bit15, 0x2 | BIT(15));
RFLAGS_CASE(VIOLATE, bit5, 0x2 | BIT(5));
RFLAGS_CASE(VIOLATE, bit3, 0x2 | BIT(3));
RFLAGS_CASE(SATISFY, bit21, 0x2 | BIT(21));

static bool rflags_0(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_RFLAGS, 0); /* reserved bit 1 must be 1 */
	return true;
}
ENTRY_CASE(ec_GUEST_RFLAGS_BIT1__clear, GUEST_RFLAGS_BIT1, VIOLATE, rflags_0);

static bool rflags_2(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_RFLAGS, 0x2);
	return true;
}
ENTRY_CASE(ec_GUEST_RFLAGS_BIT1__set, GUEST_RFLAGS_BIT1, SATISFY, rflags_2);

static bool rflags_vm_ia32e(struct scenario_ctx *ctx)
{
	(void)ctx;
	/* Segments as virtual-8086 mode wants them (base = selector << 4,
	 * limit FFFFH, access rights F3H), so only the VM flag is wrong. */
	for (u32 i = SEG_ES; i <= SEG_GS; i++) {
		u16 sel = (u16)vmcs_read(GUEST_ES_SELECTOR + 2 * i);
		segment(i, sel, (u64)sel << 4, 0xffff, 0xf3);
	}
	vmcs_write(GUEST_RFLAGS, 0x2 | RFLAGS_VM);
	return true;
}
ENTRY_CASE(ec_GUEST_RFLAGS_VM__ia32e, GUEST_RFLAGS_VM, VIOLATE, rflags_vm_ia32e);

static bool rflags_rf(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_RFLAGS, 0x2 | RFLAGS_RF); /* bit 16, next to VM */
	return true;
}
ENTRY_CASE(ec_GUEST_RFLAGS_VM__rf, GUEST_RFLAGS_VM, SATISFY, rflags_rf);

static bool inject_ext_if0(struct scenario_ctx *ctx)
{
	(void)ctx;
	idt_guard();
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, EVT_VALID | EVT_EXT_INTR(32));
	return true;
}
ENTRY_CASE(ec_GUEST_RFLAGS_IF_INJECT__if0, GUEST_RFLAGS_IF_INJECT, VIOLATE, inject_ext_if0);

static bool ext_not_valid(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, EVT_EXT_INTR(32)); /* valid bit 0 */
	return true;
}
ENTRY_CASE(ec_GUEST_RFLAGS_IF_INJECT__not_valid, GUEST_RFLAGS_IF_INJECT, SATISFY, ext_not_valid);

/* ---- Activity state ---- */

static bool activity_4(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_ACTIVITY_STATE, 4);
	return true;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_STATE__4, GUEST_ACTIVITY_STATE, VIOLATE, activity_4);

static bool activity_0(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_ACTIVITY_STATE, 0);
	return true;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_STATE__active, GUEST_ACTIVITY_STATE, SATISFY, activity_0);
ENTRY_CASE(ec_GUEST_ACTIVITY_SUPPORTED__active, GUEST_ACTIVITY_SUPPORTED, SATISFY, activity_0);

static bool activity_unsupported(struct scenario_ctx *ctx)
{
	for (u64 s = 1; s <= 3; s++) {
		if (!(vmx_caps.misc & VMX_MISC_ACTIVITY_BIT(s))) {
			hang_guard(ctx);
			vmcs_write(GUEST_ACTIVITY_STATE, s);
			return true;
		}
	}
	ctx->skip_reason = "missing_unsupported_activity_state";
	return false;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_SUPPORTED__unsupported, GUEST_ACTIVITY_SUPPORTED, VIOLATE, activity_unsupported);

static bool hlt_cpl3(struct scenario_ctx *ctx)
{
	hang_guard(ctx);
	cpl3_segments();
	vmcs_write(GUEST_ACTIVITY_STATE, ACT_HLT);
	return true;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_HLT_SS_DPL__dpl3, GUEST_ACTIVITY_HLT_SS_DPL, VIOLATE, hlt_cpl3);

static bool active_cpl3(struct scenario_ctx *ctx)
{
	(void)ctx;
	cpl3_segments(); /* SS.DPL 3 in the active state; user pages so VMCALL is fetched */
	vmcs_write(GUEST_CR3, user_cr3());
	return true;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_HLT_SS_DPL__active_dpl3, GUEST_ACTIVITY_HLT_SS_DPL, SATISFY, active_cpl3);

static bool hlt_movss(struct scenario_ctx *ctx)
{
	hang_guard(ctx);
	vmcs_write(GUEST_ACTIVITY_STATE, ACT_HLT);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTR_MOVSS);
	return true;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_BLOCKING__hlt_movss, GUEST_ACTIVITY_BLOCKING, VIOLATE, hlt_movss);

static bool active_movss(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTR_MOVSS);
	return true;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_BLOCKING__active_movss, GUEST_ACTIVITY_BLOCKING, SATISFY, active_movss);

static bool inactive_inject(struct scenario_ctx *ctx, u64 act, u64 evt)
{
	hang_guard(ctx);
	idt_guard();
	vmcs_write(GUEST_ACTIVITY_STATE, act);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, evt);
	return true;
}
static bool hlt_de(struct scenario_ctx *ctx) { return inactive_inject(ctx, ACT_HLT, EVT_VALID | EVT_DE); }
ENTRY_CASE(ec_GUEST_ACTIVITY_HLT_EVENT__de, GUEST_ACTIVITY_HLT_EVENT, VIOLATE, hlt_de);
static bool de_not_valid(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, EVT_DE); /* valid bit 0 */
	return true;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_HLT_EVENT__not_valid, GUEST_ACTIVITY_HLT_EVENT, SATISFY, de_not_valid);
static bool shutdown_de(struct scenario_ctx *ctx) { return inactive_inject(ctx, ACT_SHUTDOWN, EVT_VALID | EVT_DE); }
ENTRY_CASE(ec_GUEST_ACTIVITY_SHUTDOWN_EVENT__de, GUEST_ACTIVITY_SHUTDOWN_EVENT, VIOLATE, shutdown_de);
static bool shutdown_ext18(struct scenario_ctx *ctx)
{
	set_bits(GUEST_RFLAGS, RFLAGS_IF, 0); /* an external interrupt with vector 18 is not a #MC */
	return inactive_inject(ctx, ACT_SHUTDOWN, EVT_VALID | EVT_EXT_INTR(18));
}
ENTRY_CASE(ec_GUEST_ACTIVITY_SHUTDOWN_EVENT__extint18, GUEST_ACTIVITY_SHUTDOWN_EVENT, VIOLATE, shutdown_ext18);
ENTRY_CASE(ec_GUEST_ACTIVITY_SHUTDOWN_EVENT__not_valid, GUEST_ACTIVITY_SHUTDOWN_EVENT, SATISFY, de_not_valid);
static bool sipi_nmi(struct scenario_ctx *ctx) { return inactive_inject(ctx, ACT_WAIT_SIPI, EVT_VALID | EVT_NMI); }
ENTRY_CASE(ec_GUEST_ACTIVITY_SIPI_EVENT__nmi, GUEST_ACTIVITY_SIPI_EVENT, VIOLATE, sipi_nmi);
static bool nmi_not_valid(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, EVT_NMI); /* valid bit 0 */
	return true;
}
ENTRY_CASE(ec_GUEST_ACTIVITY_SIPI_EVENT__not_valid, GUEST_ACTIVITY_SIPI_EVENT, SATISFY, nmi_not_valid);

/* ---- Interruptibility state ---- */

static bool intr_write(u64 intr, u64 rflags_set)
{
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, intr);
	set_bits(GUEST_RFLAGS, rflags_set, 0);
	return true;
}
static bool intr_bit5(struct scenario_ctx *ctx) { (void)ctx; return intr_write(BIT(5), 0); }
ENTRY_CASE(ec_GUEST_INTR_RESERVED__bit5, GUEST_INTR_RESERVED, VIOLATE, intr_bit5);
static bool intr_bit31(struct scenario_ctx *ctx) { (void)ctx; return intr_write(BIT(31), 0); }
ENTRY_CASE(ec_GUEST_INTR_RESERVED__bit31, GUEST_INTR_RESERVED, VIOLATE, intr_bit31);
static bool intr_nmi(struct scenario_ctx *ctx) { (void)ctx; return intr_write(INTR_NMI, 0); }
ENTRY_CASE(ec_GUEST_INTR_RESERVED__nmi_blocking, GUEST_INTR_RESERVED, SATISFY, intr_nmi);
static bool intr_sti_movss(struct scenario_ctx *ctx) { (void)ctx; return intr_write(INTR_STI | INTR_MOVSS, RFLAGS_IF); }
ENTRY_CASE(ec_GUEST_INTR_STI_MOVSS__both, GUEST_INTR_STI_MOVSS, VIOLATE, intr_sti_movss);
ENTRY_CASE(ec_GUEST_INTR_STI_MOVSS__movss, GUEST_INTR_STI_MOVSS, SATISFY, active_movss);
static bool intr_sti_if0(struct scenario_ctx *ctx) { (void)ctx; return intr_write(INTR_STI, 0); }
ENTRY_CASE(ec_GUEST_INTR_STI_IF__if0, GUEST_INTR_STI_IF, VIOLATE, intr_sti_if0);
static bool intr_sti_if1(struct scenario_ctx *ctx) { (void)ctx; return intr_write(INTR_STI, RFLAGS_IF); }
ENTRY_CASE(ec_GUEST_INTR_STI_IF__if1, GUEST_INTR_STI_IF, SATISFY, intr_sti_if1);

static bool ext_blocked(u64 intr, bool valid)
{
	if (valid)
		idt_guard();
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, (valid ? EVT_VALID : 0) | EVT_EXT_INTR(32));
	return intr_write(intr, RFLAGS_IF);
}
static bool ext_movss(struct scenario_ctx *ctx) { (void)ctx; return ext_blocked(INTR_MOVSS, true); }
ENTRY_CASE(ec_GUEST_INTR_EXT_INTR_BLOCKING__movss, GUEST_INTR_EXT_INTR_BLOCKING, VIOLATE, ext_movss);
static bool ext_sti(struct scenario_ctx *ctx) { (void)ctx; return ext_blocked(INTR_STI, true); }
ENTRY_CASE(ec_GUEST_INTR_EXT_INTR_BLOCKING__sti, GUEST_INTR_EXT_INTR_BLOCKING, VIOLATE, ext_sti);
static bool ext_movss_nv(struct scenario_ctx *ctx) { (void)ctx; return ext_blocked(INTR_MOVSS, false); }
ENTRY_CASE(ec_GUEST_INTR_EXT_INTR_BLOCKING__not_valid, GUEST_INTR_EXT_INTR_BLOCKING, SATISFY, ext_movss_nv);

static bool nmi_movss(struct scenario_ctx *ctx)
{
	(void)ctx;
	idt_guard();
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, EVT_VALID | EVT_NMI);
	return intr_write(INTR_MOVSS, 0);
}
ENTRY_CASE(ec_GUEST_INTR_NMI_MOVSS__movss, GUEST_INTR_NMI_MOVSS, VIOLATE, nmi_movss);
static bool nmi_nv_movss(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, EVT_NMI);
	return intr_write(INTR_MOVSS, 0);
}
ENTRY_CASE(ec_GUEST_INTR_NMI_MOVSS__not_valid, GUEST_INTR_NMI_MOVSS, SATISFY, nmi_nv_movss);

static bool intr_smi(struct scenario_ctx *ctx) { (void)ctx; return intr_write(INTR_SMI, 0); }
ENTRY_CASE(ec_GUEST_INTR_SMI__set, GUEST_INTR_SMI, VIOLATE, intr_smi);
ENTRY_CASE(ec_GUEST_INTR_SMI__nmi_blocking, GUEST_INTR_SMI, SATISFY, intr_nmi);

static bool vnmi(struct scenario_ctx *ctx, bool valid)
{
	if (!set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS,
		     "missing_virtual_nmis"))
		return false;
	if (valid)
		idt_guard();
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, (valid ? EVT_VALID : 0) | EVT_NMI);
	return intr_write(INTR_NMI, 0);
}
static bool vnmi_inject(struct scenario_ctx *ctx) { return vnmi(ctx, true); }
ENTRY_CASE(ec_GUEST_INTR_VNMI_NMI__blocked, GUEST_INTR_VNMI_NMI, VIOLATE, vnmi_inject);
static bool vnmi_no_inject(struct scenario_ctx *ctx) { return vnmi(ctx, false); }
ENTRY_CASE(ec_GUEST_INTR_VNMI_NMI__not_valid, GUEST_INTR_VNMI_NMI, SATISFY, vnmi_no_inject);

/* ---- Pending debug exceptions ---- */

/* MOV-SS blocking keeps a pending #DB from being delivered before the
 * guest's first instruction (VMCALL, which exits). */
static bool pde_write(u64 pde, u64 intr, u64 rflags_set)
{
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, pde);
	return intr_write(intr, rflags_set);
}
#define PDE_CASE(check, kind, name, pde, intr, rflags)                            \
	static bool pde_##check##_##name(struct scenario_ctx *ctx)                \
	{                                                                          \
		(void)ctx;                                                         \
		return pde_write(pde, intr, rflags);                               \
	}                                                                          \
	ENTRY_CASE(ec_GUEST_PENDING_DBG_##check##__##name, GUEST_PENDING_DBG_##check, kind, pde_##check##_##name)
PDE_CASE(RESERVED, VIOLATE, bit4, BIT(4), INTR_MOVSS, 0);
PDE_CASE(RESERVED, VIOLATE, bit13, BIT(13), INTR_MOVSS, 0);
PDE_CASE(RESERVED, VIOLATE, bit15, BIT(15), INTR_MOVSS, 0);
PDE_CASE(RESERVED, VIOLATE, bit17, BIT(17), INTR_MOVSS, 0);
PDE_CASE(RESERVED, SATISFY, b3, PDE_B3, INTR_MOVSS, 0);
PDE_CASE(BS_SET, VIOLATE, tf_bs0, 0, INTR_MOVSS, RFLAGS_TF);
PDE_CASE(BS_SET, SATISFY, tf_bs1, PDE_BS, INTR_MOVSS, RFLAGS_TF);
PDE_CASE(BS_CLEAR, VIOLATE, notf_bs1, PDE_BS, INTR_MOVSS, 0);
PDE_CASE(BS_CLEAR, SATISFY, notf_bs0, 0, INTR_MOVSS, 0);
PDE_CASE(RTM_BITS, VIOLATE, no_bit12, PDE_RTM, 0, 0);
PDE_CASE(RTM_BITS, VIOLATE, bit0, PDE_RTM | PDE_BP | BIT(0), 0, 0);
PDE_CASE(RTM_BITS, SATISFY, bp_only, PDE_BP, INTR_MOVSS, 0);
PDE_CASE(RTM_MOVSS, VIOLATE, movss, PDE_RTM | PDE_BP, INTR_MOVSS, 0);
PDE_CASE(RTM_MOVSS, SATISFY, bp_only, PDE_BP, INTR_MOVSS, 0);

static bool bs_btf(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_IA32_DEBUGCTL, BIT(1)); /* the field's BTF, "load debug controls" or not */
	return pde_write(PDE_BS, INTR_MOVSS, RFLAGS_TF);
}
ENTRY_CASE(ec_GUEST_PENDING_DBG_BS_CLEAR__tf_btf_bs1, GUEST_PENDING_DBG_BS_CLEAR, VIOLATE, bs_btf);

/* ---- VMCS link pointer ---- */

static u64 link_region(void)
{
	memset(link_vmcs, 0, sizeof(link_vmcs));
	*(u32 *)link_vmcs = (u32)vmx_caps.basic & 0x7fffffff; /* revision id, shadow-VMCS bit 0 */
	return (u64)link_vmcs;
}

static bool link_low_bits(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(VMCS_LINK_POINTER, link_region() | 1); /* within MAXPHYADDR, bit 0 set */
	return true;
}
ENTRY_CASE(ec_GUEST_VMCS_LINK_POINTER__bit0, GUEST_VMCS_LINK_POINTER, VIOLATE, link_low_bits);

static bool link_bit11(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(VMCS_LINK_POINTER, link_region() | BIT(11));
	return true;
}
ENTRY_CASE(ec_GUEST_VMCS_LINK_POINTER__bit11, GUEST_VMCS_LINK_POINTER, VIOLATE, link_bit11);

static bool link_ok(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(VMCS_LINK_POINTER, link_region()); /* a real VMCS region, "VMCS shadowing" 0 */
	return true;
}
ENTRY_CASE(ec_GUEST_VMCS_LINK_POINTER__aligned, GUEST_VMCS_LINK_POINTER, SATISFY, link_ok);
ENTRY_CASE(ec_GUEST_LINK_PTR_PA__region, GUEST_LINK_PTR_PA, SATISFY, link_ok);

static bool link_maxphy(struct scenario_ctx *ctx)
{
	if (vmx_caps.pa_width >= 64) {
		ctx->skip_reason = "missing_bit_beyond_maxphyaddr";
		return false;
	}
	scenario_setup("field=VMCS_LINK_POINTER pa_width=%u", vmx_caps.pa_width);
	vmcs_write(VMCS_LINK_POINTER, BIT(vmx_caps.pa_width));
	return true;
}
ENTRY_CASE(ec_GUEST_LINK_PTR_PA__maxphyaddr, GUEST_LINK_PTR_PA, VIOLATE, link_maxphy);

/* ---- PDPTEs: a 32-bit PAE guest with EPT (the PDPTE fields are used) ---- */

static bool pae_guest(struct scenario_ctx *ctx)
{
	if (!enable_ept(ctx, false))
		return false;
	for (u64 i = 0; i < 512; i++)
		pae_pd[i] = (i << 21) | 0x83; /* 2 MiB pages, identity, first GiB */
	clear_ia32e(ctx);
	vmcs_write(GUEST_CS_AR_BYTES, 0xc09b); /* 32-bit code */
	vmcs_write(GUEST_PDPTR0, (u64)pae_pd | 1);
	vmcs_write(GUEST_PDPTR1, 0);
	vmcs_write(GUEST_PDPTR2, 0);
	vmcs_write(GUEST_PDPTR3, 0);
	return true;
}
#define PDPTE_CASES(n)                                                                        \
	static bool pdpte##n##_rw(struct scenario_ctx *ctx)                                   \
	{                                                                                    \
		if (!pae_guest(ctx))                                                         \
			return false;                                                        \
		vmcs_write(GUEST_PDPTR##n, (u64)pae_pd | 1 | BIT(1)); /* R/W: reserved */    \
		return true;                                                                 \
	}                                                                                    \
	ENTRY_CASE(ec_GUEST_PDPTE##n##_RESERVED__bit1, GUEST_PDPTE##n##_RESERVED, VIOLATE,    \
		   pdpte##n##_rw);                                                           \
	static bool pdpte##n##_maxphy(struct scenario_ctx *ctx)                               \
	{                                                                                    \
		if (!pae_guest(ctx))                                                         \
			return false;                                                        \
		vmcs_write(GUEST_PDPTR##n, (u64)pae_pd | 1 | BIT(vmx_caps.pa_width));        \
		return true;                                                                 \
	}                                                                                    \
	ENTRY_CASE(ec_GUEST_PDPTE##n##_RESERVED__maxphyaddr, GUEST_PDPTE##n##_RESERVED, VIOLATE, \
		   pdpte##n##_maxphy);                                                       \
	static bool pdpte##n##_ok(struct scenario_ctx *ctx)                                   \
	{                                                                                    \
		if (!pae_guest(ctx))                                                         \
			return false;                                                        \
		if (n != 0) /* not present: its reserved bits are not checked */              \
			vmcs_write(GUEST_PDPTR##n, BIT(1) | BIT(2) | 0x1e0);                 \
		return true;                                                                 \
	}                                                                                    \
	ENTRY_CASE(ec_GUEST_PDPTE##n##_RESERVED__ok, GUEST_PDPTE##n##_RESERVED, SATISFY, pdpte##n##_ok)
PDPTE_CASES(0);
PDPTE_CASES(1);
PDPTE_CASES(2);
PDPTE_CASES(3);
