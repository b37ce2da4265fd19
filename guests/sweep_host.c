/*
 * Sweep cases for "Checks on the Host-State Area" (entry_checks_host.def).
 *
 * A SATISFY case enters, the guest VMCALLs, and the VM exit LOADS the host
 * state the case changed; so SATISFY values are ones the host can run on:
 * fields the exit does not load (CR0 bits 28:19), MSRs the host never uses
 * (SYSENTER_ESP/EIP, FS/GS base, unused PAT entries) or the golden value
 * itself where any other satisfying value would hurt the host (CR3, CR4,
 * GDTR/IDTR/TR base, RIP) or change what the next vcpu_init() reads from
 * the live registers (CR0, CR3, CR4 feed the golden VMCS).
 */
#include "scenario.h"
#include "desc.h"

#define HSW_EFER_LME BIT(8)
#define HSW_EFER_LMA BIT(10)
#define HSW_CR4_PAE BIT(5)

static u32 lowest_bit(u64 v)
{
	return (u32)__builtin_ctzll(v);
}

/* Canonical boundary for the platform's linear-address width N:
 * bit N-1 alone is not canonical, bits 63:N-1 all ones is. */
static bool la_values(struct scenario_ctx *ctx, u64 *noncanon, u64 *canon_high)
{
	u32 n = vmx_caps.la_width;
	if (n < 32 || n >= 64) {
		ctx->skip_reason = "missing_la_width";
		return false;
	}
	*noncanon = 1ULL << (n - 1);
	*canon_high = ~0ULL << (n - 1);
	scenario_setup("la_width=%u noncanonical=%#lx canonical=%#lx", n, *noncanon, *canon_high);
	return true;
}

static bool set_exit_ctl(struct scenario_ctx *ctx, u64 bit, const char *missing)
{
	if (!vcpu_set_ctl(ctx->vcpu, VM_EXIT_CONTROLS, bit)) {
		ctx->skip_reason = missing;
		return false;
	}
	return true;
}

/* ---- CR0 / CR4 fixed bits ------------------------------------------------ */

static bool cr0_fixed0_clear(struct scenario_ctx *ctx)
{
	u64 f0 = vmx_caps.cr0_fixed0;
	if (!f0) {
		ctx->skip_reason = "missing_cr0_fixed0_bit";
		return false;
	}
	u32 b = (f0 & BIT(5)) ? 5 : lowest_bit(f0); /* NE where it is fixed */
	vmcs_write(HOST_CR0, read_cr0() & ~(1ULL << b));
	return true;
}
ENTRY_CASE(ec_HOST_CR0_FIXED0__clear, HOST_CR0_FIXED0, VIOLATE, cr0_fixed0_clear);

static bool cr0_golden(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(HOST_CR0, read_cr0());
	return true;
}
ENTRY_CASE(ec_HOST_CR0_FIXED0__golden, HOST_CR0_FIXED0, SATISFY, cr0_golden);

static bool cr0_fixed1_set(struct scenario_ctx *ctx)
{
	u64 f1 = vmx_caps.cr0_fixed1;
	if (f1 == ~0ULL) {
		ctx->skip_reason = "missing_cr0_fixed1_zero_bit";
		return false;
	}
	vmcs_write(HOST_CR0, read_cr0() | (1ULL << lowest_bit(~f1)));
	return true;
}
ENTRY_CASE(ec_HOST_CR0_FIXED1__set, HOST_CR0_FIXED1, VIOLATE, cr0_fixed1_set);

/* Bit 28 (reserved, allowed by FIXED1 where FIXED1 has it): a VM exit does
 * not load CR0 bits 28:19, so the host's CR0 stays as it is. */
static bool cr0_fixed1_bit28(struct scenario_ctx *ctx)
{
	if (!(vmx_caps.cr0_fixed1 & BIT(28)) || (read_cr0() & BIT(28))) {
		ctx->skip_reason = "missing_cr0_fixed1_bit28";
		return false;
	}
	vmcs_write(HOST_CR0, read_cr0() | BIT(28));
	return true;
}
ENTRY_CASE(ec_HOST_CR0_FIXED1__bit28, HOST_CR0_FIXED1, SATISFY, cr0_fixed1_bit28);

static bool cr4_fixed0_clear(struct scenario_ctx *ctx)
{
	u64 f0 = vmx_caps.cr4_fixed0;
	if (!f0) {
		ctx->skip_reason = "missing_cr4_fixed0_bit";
		return false;
	}
	vmcs_write(HOST_CR4, read_cr4() & ~(1ULL << lowest_bit(f0)));
	return true;
}
ENTRY_CASE(ec_HOST_CR4_FIXED0__clear, HOST_CR4_FIXED0, VIOLATE, cr4_fixed0_clear);

static bool cr4_golden(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(HOST_CR4, read_cr4());
	return true;
}
ENTRY_CASE(ec_HOST_CR4_FIXED0__golden, HOST_CR4_FIXED0, SATISFY, cr4_golden);
ENTRY_CASE(ec_HOST_CR4_FIXED1__golden, HOST_CR4_FIXED1, SATISFY, cr4_golden);

static bool cr4_fixed1_set(struct scenario_ctx *ctx)
{
	u64 f1 = vmx_caps.cr4_fixed1;
	if (f1 == ~0ULL) {
		ctx->skip_reason = "missing_cr4_fixed1_zero_bit";
		return false;
	}
	vmcs_write(HOST_CR4, read_cr4() | (1ULL << lowest_bit(~f1)));
	return true;
}
ENTRY_CASE(ec_HOST_CR4_FIXED1__set, HOST_CR4_FIXED1, VIOLATE, cr4_fixed1_set);

/* ---- CR3 ------------------------------------------------------------------ */

static bool cr3_pa_bit(struct scenario_ctx *ctx)
{
	u32 w = vmx_caps.pa_width;
	if (w < 32 || w >= 52) {
		ctx->skip_reason = "missing_pa_width_below_52";
		return false;
	}
	scenario_setup("field=HOST_CR3 pa_width=%u bit=%u", w, w);
	vmcs_write(HOST_CR3, read_cr3() | (1ULL << w));
	return true;
}
ENTRY_CASE(ec_HOST_CR3_PA_WIDTH__maxphyaddr, HOST_CR3_PA_WIDTH, VIOLATE, cr3_pa_bit);

static bool cr3_bit63(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(HOST_CR3, read_cr3() | BIT(63));
	return true;
}
ENTRY_CASE(ec_HOST_CR3_PA_WIDTH__bit63, HOST_CR3_PA_WIDTH, VIOLATE, cr3_bit63);

static bool cr3_golden(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(HOST_CR3, read_cr3());
	return true;
}
ENTRY_CASE(ec_HOST_CR3_PA_WIDTH__golden, HOST_CR3_PA_WIDTH, SATISFY, cr3_golden);

/* ---- SYSENTER_ESP / SYSENTER_EIP (the host never executes SYSENTER) -------- */

#define CANON_CASES(CHECK, FIELD, satisfy_high)                                      \
	static bool CHECK##_violate(struct scenario_ctx *ctx)                         \
	{                                                                             \
		u64 bad, good;                                                        \
		if (!la_values(ctx, &bad, &good))                                     \
			return false;                                                 \
		vmcs_write(FIELD, bad);                                               \
		return true;                                                          \
	}                                                                             \
	ENTRY_CASE(ec_##CHECK##__bit_n_minus_1, CHECK, VIOLATE, CHECK##_violate);    \
	static bool CHECK##_satisfy(struct scenario_ctx *ctx)                         \
	{                                                                             \
		u64 bad, good;                                                        \
		if (!la_values(ctx, &bad, &good))                                     \
			return false;                                                 \
		vmcs_write(FIELD, (satisfy_high) ? good : vmcs_read(FIELD));          \
		return true;                                                          \
	}                                                                             \
	ENTRY_CASE(ec_##CHECK##__##satisfy_high##_satisfy, CHECK, SATISFY, CHECK##_satisfy)

#define high 1   /* SATISFY at bits 63:N-1 all ones (field harmless to the host) */
#define golden 0 /* SATISFY at the golden value (any other would hurt the host) */
CANON_CASES(HOST_SYSENTER_ESP_CANONICAL, HOST_IA32_SYSENTER_ESP, high);
CANON_CASES(HOST_SYSENTER_EIP_CANONICAL, HOST_IA32_SYSENTER_EIP, high);
CANON_CASES(HOST_FS_BASE_CANONICAL, HOST_FS_BASE, high);
CANON_CASES(HOST_GS_BASE_CANONICAL, HOST_GS_BASE, high);
CANON_CASES(HOST_GDTR_BASE_CANONICAL, HOST_GDTR_BASE, golden);
CANON_CASES(HOST_IDTR_BASE_CANONICAL, HOST_IDTR_BASE, golden);
CANON_CASES(HOST_TR_BASE_CANONICAL, HOST_TR_BASE, golden);
CANON_CASES(HOST_ADDR_SPACE_RIP_CANONICAL, HOST_RIP, golden);
#undef high
#undef golden

/* ---- load IA32_PERF_GLOBAL_CTRL ----------------------------------------------- */

static bool perf_value(struct scenario_ctx *ctx, u64 value)
{
	if (!set_exit_ctl(ctx, VM_EXIT_LOAD_PERF_GLOBAL_CTRL, "missing_load_perf_global_ctrl"))
		return false;
	vmcs_write(HOST_IA32_PERF_GLOBAL_CTRL, value);
	return true;
}
static bool perf_bit49(struct scenario_ctx *ctx) { return perf_value(ctx, BIT(49)); }
static bool perf_bit63(struct scenario_ctx *ctx) { return perf_value(ctx, BIT(63)); }
static bool perf_zero(struct scenario_ctx *ctx) { return perf_value(ctx, 0); }
ENTRY_CASE(ec_HOST_PERF_GLOBAL_CTRL_RESERVED__bit49, HOST_PERF_GLOBAL_CTRL_RESERVED, VIOLATE, perf_bit49);
ENTRY_CASE(ec_HOST_PERF_GLOBAL_CTRL_RESERVED__bit63, HOST_PERF_GLOBAL_CTRL_RESERVED, VIOLATE, perf_bit63);
ENTRY_CASE(ec_HOST_PERF_GLOBAL_CTRL_RESERVED__zero, HOST_PERF_GLOBAL_CTRL_RESERVED, SATISFY, perf_zero);

/* ---- load IA32_PAT: the host's own PAT with one byte replaced ----------------------
 * VIOLATE: 2 (the lowest invalid type).  SATISFY: 1 (WC, the valid type next
 * to it) for entries 1-7, which the host's page tables never select (PAT,
 * PCD, PWT all 0 select entry 0); entry 0 keeps the host's own type. */

static bool pat_byte(struct scenario_ctx *ctx, u32 byte, int type)
{
	if (!set_exit_ctl(ctx, VM_EXIT_LOAD_PAT, "missing_load_pat"))
		return false;
	u64 pat = rdmsr(MSR_IA32_PAT);
	if (type >= 0)
		pat = (pat & ~(0xffULL << (8 * byte))) | ((u64)type << (8 * byte));
	vmcs_write(HOST_IA32_PAT, pat);
	return true;
}

#define PAT_CASES(n, satisfy_type)                                                         \
	static bool pat##n##_2(struct scenario_ctx *ctx) { return pat_byte(ctx, n, 2); }          \
	static bool pat##n##_ok(struct scenario_ctx *ctx) { return pat_byte(ctx, n, satisfy_type); } \
	ENTRY_CASE(ec_HOST_PAT_PA##n##__type2, HOST_PAT_PA##n, VIOLATE, pat##n##_2);             \
	ENTRY_CASE(ec_HOST_PAT_PA##n##__ok, HOST_PAT_PA##n, SATISFY, pat##n##_ok)
PAT_CASES(0, -1);
PAT_CASES(1, 1);
PAT_CASES(2, 1);
PAT_CASES(3, 1);
PAT_CASES(4, 1);
PAT_CASES(5, 1);
PAT_CASES(6, 1);
PAT_CASES(7, 1);

static bool pat7_8(struct scenario_ctx *ctx) { return pat_byte(ctx, 7, 8); }
ENTRY_CASE(ec_HOST_PAT_PA7__type8, HOST_PAT_PA7, VIOLATE, pat7_8);
static bool pat3_3(struct scenario_ctx *ctx) { return pat_byte(ctx, 3, 3); }
ENTRY_CASE(ec_HOST_PAT_PA3__type3, HOST_PAT_PA3, VIOLATE, pat3_3);

/* ---- load IA32_EFER: the host's own EFER, changed ------------------------------- */

static bool efer_value(struct scenario_ctx *ctx, u64 set, u64 clear)
{
	if (!set_exit_ctl(ctx, VM_EXIT_LOAD_EFER, "missing_load_efer"))
		return false;
	vmcs_write(HOST_IA32_EFER, (rdmsr(MSR_IA32_EFER) | set) & ~clear);
	return true;
}
static bool efer_bit9(struct scenario_ctx *ctx) { return efer_value(ctx, BIT(9), 0); }
static bool efer_bit12(struct scenario_ctx *ctx) { return efer_value(ctx, BIT(12), 0); }
static bool efer_host(struct scenario_ctx *ctx) { return efer_value(ctx, 0, 0); }
static bool efer_no_lma(struct scenario_ctx *ctx) { return efer_value(ctx, 0, HSW_EFER_LMA); }
static bool efer_no_lme(struct scenario_ctx *ctx) { return efer_value(ctx, 0, HSW_EFER_LME); }
ENTRY_CASE(ec_HOST_EFER_RESERVED__bit9, HOST_EFER_RESERVED, VIOLATE, efer_bit9);
ENTRY_CASE(ec_HOST_EFER_RESERVED__bit12, HOST_EFER_RESERVED, VIOLATE, efer_bit12);
ENTRY_CASE(ec_HOST_EFER_RESERVED__host, HOST_EFER_RESERVED, SATISFY, efer_host);
ENTRY_CASE(ec_HOST_EFER_LMA__clear, HOST_EFER_LMA, VIOLATE, efer_no_lma);
ENTRY_CASE(ec_HOST_EFER_LMA__host, HOST_EFER_LMA, SATISFY, efer_host);
ENTRY_CASE(ec_HOST_EFER_LME__clear, HOST_EFER_LME, VIOLATE, efer_no_lme);
ENTRY_CASE(ec_HOST_EFER_LME__host, HOST_EFER_LME, SATISFY, efer_host);

/* ---- selectors ---------------------------------------------------------------- */

#define SEL_CASES(REG, golden_sel)                                                        \
	static bool REG##_rpl1(struct scenario_ctx *ctx)                                   \
	{                                                                                   \
		(void)ctx;                                                                  \
		vmcs_write(HOST_##REG##_SELECTOR, (golden_sel) | 1);                        \
		return true;                                                                \
	}                                                                                   \
	static bool REG##_ti(struct scenario_ctx *ctx)                                     \
	{                                                                                   \
		(void)ctx;                                                                  \
		vmcs_write(HOST_##REG##_SELECTOR, (golden_sel) | 4);                        \
		return true;                                                                \
	}                                                                                   \
	static bool REG##_rpl0(struct scenario_ctx *ctx)                                   \
	{                                                                                   \
		(void)ctx;                                                                  \
		vmcs_write(HOST_##REG##_SELECTOR, (golden_sel));                            \
		return true;                                                                \
	}                                                                                   \
	ENTRY_CASE(ec_HOST_##REG##_SELECTOR_RPL_TI__rpl1, HOST_##REG##_SELECTOR_RPL_TI, VIOLATE, REG##_rpl1); \
	ENTRY_CASE(ec_HOST_##REG##_SELECTOR_RPL_TI__ti, HOST_##REG##_SELECTOR_RPL_TI, VIOLATE, REG##_ti);     \
	ENTRY_CASE(ec_HOST_##REG##_SELECTOR_RPL_TI__rpl0, HOST_##REG##_SELECTOR_RPL_TI, SATISFY, REG##_rpl0)
SEL_CASES(ES, GDT_DATA);
SEL_CASES(CS, GDT_CODE64);
SEL_CASES(SS, GDT_DATA);
SEL_CASES(DS, GDT_DATA);
SEL_CASES(FS, GDT_DATA);
SEL_CASES(GS, GDT_DATA);
SEL_CASES(TR, GDT_TSS);

static bool host_cs_0(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(HOST_CS_SELECTOR, 0);
	return true;
}
ENTRY_CASE(ec_HOST_CS_SELECTOR_ZERO__0, HOST_CS_SELECTOR_ZERO, VIOLATE, host_cs_0);
ENTRY_CASE(ec_HOST_CS_SELECTOR_ZERO__golden, HOST_CS_SELECTOR_ZERO, SATISFY, CS_rpl0);

static bool host_tr_0(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(HOST_TR_SELECTOR, 0);
	return true;
}
ENTRY_CASE(ec_HOST_TR_SELECTOR_ZERO__0, HOST_TR_SELECTOR_ZERO, VIOLATE, host_tr_0);
ENTRY_CASE(ec_HOST_TR_SELECTOR_ZERO__golden, HOST_TR_SELECTOR_ZERO, SATISFY, TR_rpl0);

/* The image runs in IA-32e mode, so "host address-space size" must be 1
 * (HOST_ADDR_SPACE_IA32E): a case that needs it 0 violates that check too. */
static bool needs_non_ia32e_host(struct scenario_ctx *ctx)
{
	ctx->skip_reason = "missing_non_ia32e_host";
	return false;
}
ENTRY_CASE(ec_HOST_SS_SELECTOR_ZERO__0_host32, HOST_SS_SELECTOR_ZERO, VIOLATE, needs_non_ia32e_host);

/* SS 0000H with "host address-space size" 1: allowed; after the exit SS is
 * null, which a 64-bit host at CPL 0 runs on. */
static bool host_ss_0(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(HOST_SS_SELECTOR, 0);
	return true;
}
ENTRY_CASE(ec_HOST_SS_SELECTOR_ZERO__0_host64, HOST_SS_SELECTOR_ZERO, SATISFY, host_ss_0);

/* ---- address-space size ----------------------------------------------------------- */

/* "host address-space size" 0, and "IA-32e mode guest" 0 with it so the
 * entry-control rule tying the two stays satisfied. */
static bool host_addr_size_0(struct scenario_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	if ((u32)vmx_caps.exit & VM_EXIT_HOST_ADDR_SPACE_SIZE) {
		ctx->skip_reason = "missing_host_addr_space_size_0";
		return false;
	}
	if ((u32)vmx_caps.entry & VM_ENTRY_IA32E_MODE) {
		ctx->skip_reason = "missing_ia32e_mode_guest_0";
		return false;
	}
	v->exit_ctl &= ~VM_EXIT_HOST_ADDR_SPACE_SIZE;
	v->entry_ctl &= ~VM_ENTRY_IA32E_MODE;
	vmcs_write(VM_EXIT_CONTROLS, v->exit_ctl);
	vmcs_write(VM_ENTRY_CONTROLS, v->entry_ctl);
	return true;
}
ENTRY_CASE(ec_HOST_ADDR_SPACE_IA32E__0, HOST_ADDR_SPACE_IA32E, VIOLATE, host_addr_size_0);

static bool host_addr_size_1(struct scenario_ctx *ctx)
{
	return set_exit_ctl(ctx, VM_EXIT_HOST_ADDR_SPACE_SIZE, "missing_host_addr_space_size_1");
}
ENTRY_CASE(ec_HOST_ADDR_SPACE_IA32E__1, HOST_ADDR_SPACE_IA32E, SATISFY, host_addr_size_1);

ENTRY_CASE(ec_HOST_ADDR_SPACE_CR4_PCIDE__host32, HOST_ADDR_SPACE_CR4_PCIDE, VIOLATE, needs_non_ia32e_host);
ENTRY_CASE(ec_HOST_ADDR_SPACE_CR4_PCIDE__host64, HOST_ADDR_SPACE_CR4_PCIDE, SATISFY, host_addr_size_1);
ENTRY_CASE(ec_HOST_ADDR_SPACE_RIP_HIGH__host32, HOST_ADDR_SPACE_RIP_HIGH, VIOLATE, needs_non_ia32e_host);
ENTRY_CASE(ec_HOST_ADDR_SPACE_RIP_HIGH__host64, HOST_ADDR_SPACE_RIP_HIGH, SATISFY, host_addr_size_1);

static bool cr4_no_pae(struct scenario_ctx *ctx)
{
	if (vmx_caps.cr4_fixed0 & HSW_CR4_PAE) {
		ctx->skip_reason = "missing_cr4_pae_0";
		return false;
	}
	vmcs_write(HOST_CR4, read_cr4() & ~HSW_CR4_PAE);
	return true;
}
ENTRY_CASE(ec_HOST_ADDR_SPACE_CR4_PAE__clear, HOST_ADDR_SPACE_CR4_PAE, VIOLATE, cr4_no_pae);
ENTRY_CASE(ec_HOST_ADDR_SPACE_CR4_PAE__golden, HOST_ADDR_SPACE_CR4_PAE, SATISFY, cr4_golden);
