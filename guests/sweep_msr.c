/*
 * Sweep cases for VM-entry MSR loading (entry_checks_msr.def).  Every case
 * loads two entries: entry 1 is IA32_SYSENTER_CS (174H) with the guest's
 * current value 0 (loadable, harmless), entry 2 is the one under test, so
 * a failing case ends with exit reason 34, qualification 2.  SATISFY cases
 * load only MSRs the host never depends on after the exit (SYSENTER_ESP/EIP
 * come back from the host-state area; LSTAR and KERNEL_GS_BASE are unused
 * by the host, which never executes SYSCALL or SWAPGS; PAT and EFER are
 * loaded with the values they already have).
 */
#include "scenario.h"


static struct {
	u32 index, reserved;
	u64 value;
} msr_area[4] ALIGNED(16);

static bool load2(u32 index, u32 reserved, u64 value)
{
	msr_area[0].index = MSR_IA32_SYSENTER_CS; /* loadable */
	msr_area[0].reserved = 0;
	msr_area[0].value = 0;
	msr_area[1].index = index;
	msr_area[1].reserved = reserved;
	msr_area[1].value = value;
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (u64)msr_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 2);
	return true;
}

static bool la_values(struct scenario_ctx *ctx, u64 *noncanon, u64 *canon_high)
{
	u32 n = vmx_caps.la_width;
	if (n < 32 || n >= 64) {
		ctx->skip_reason = "missing_la_width";
		return false;
	}
	*noncanon = 1ULL << (n - 1);
	*canon_high = ~0ULL << (n - 1);
	return true;
}

static bool fs_base_second(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(MSR_IA32_FS_BASE, 0, 0); /* not loadable this way */
}
ENTRY_CASE(ec_MSR_LOAD_FS_BASE__entry2, MSR_LOAD_FS_BASE, VIOLATE, fs_base_second);

static bool gs_base_second(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(MSR_IA32_GS_BASE, 0, 0);
}
ENTRY_CASE(ec_MSR_LOAD_FS_BASE__gs_base, MSR_LOAD_FS_BASE, VIOLATE, gs_base_second);

/* The harmless SATISFY: entry 2 is IA32_SYSENTER_CS again, value 0. */
static bool sysenter_cs_second(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(MSR_IA32_SYSENTER_CS, 0, 0);
}
ENTRY_CASE(ec_MSR_LOAD_FS_BASE__sysenter_cs, MSR_LOAD_FS_BASE, SATISFY, sysenter_cs_second);
ENTRY_CASE(ec_MSR_LOAD_X2APIC__sysenter_cs, MSR_LOAD_X2APIC, SATISFY, sysenter_cs_second);
ENTRY_CASE(ec_MSR_LOAD_SMM_MONITOR_CTL__sysenter_cs, MSR_LOAD_SMM_MONITOR_CTL, SATISFY, sysenter_cs_second);
ENTRY_CASE(ec_MSR_LOAD_SMBASE__sysenter_cs, MSR_LOAD_SMBASE, SATISFY, sysenter_cs_second);
ENTRY_CASE(ec_MSR_LOAD_UCODE__sysenter_cs, MSR_LOAD_UCODE, SATISFY, sysenter_cs_second);
ENTRY_CASE(ec_MSR_LOAD_INDEX_HIGH_BITS__0, MSR_LOAD_INDEX_HIGH_BITS, SATISFY, sysenter_cs_second);

static bool index_hi_bit32(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(MSR_IA32_SYSENTER_CS, 1, 0);
}
ENTRY_CASE(ec_MSR_LOAD_INDEX_HIGH_BITS__bit32, MSR_LOAD_INDEX_HIGH_BITS, VIOLATE, index_hi_bit32);

static bool index_hi_bit63(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(MSR_IA32_SYSENTER_CS, 0x80000000u, 0);
}
ENTRY_CASE(ec_MSR_LOAD_INDEX_HIGH_BITS__bit63, MSR_LOAD_INDEX_HIGH_BITS, VIOLATE, index_hi_bit63);

static bool x2apic_800(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(0x800, 0, 0);
}
ENTRY_CASE(ec_MSR_LOAD_X2APIC__800, MSR_LOAD_X2APIC, VIOLATE, x2apic_800);

static bool x2apic_808(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(0x808, 0, 0); /* TPR */
}
ENTRY_CASE(ec_MSR_LOAD_X2APIC__808_tpr, MSR_LOAD_X2APIC, VIOLATE, x2apic_808);

static bool x2apic_8ff(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(0x8ff, 0, 0);
}
ENTRY_CASE(ec_MSR_LOAD_X2APIC__8ff, MSR_LOAD_X2APIC, VIOLATE, x2apic_8ff);

static bool smm_monitor_ctl(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(0x9b, 0, 0);
}
ENTRY_CASE(ec_MSR_LOAD_SMM_MONITOR_CTL__0, MSR_LOAD_SMM_MONITOR_CTL, VIOLATE, smm_monitor_ctl);

static bool smbase(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(0x9e, 0, 0x30000);
}
ENTRY_CASE(ec_MSR_LOAD_SMBASE__30000, MSR_LOAD_SMBASE, VIOLATE, smbase);

static bool ucode_trig(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(0x79, 0, 0);
}
ENTRY_CASE(ec_MSR_LOAD_UCODE__bios_updt_trig, MSR_LOAD_UCODE, VIOLATE, ucode_trig);

static bool ucode_sign(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(0x8b, 0, 0);
}
ENTRY_CASE(ec_MSR_LOAD_UCODE__bios_sign_id, MSR_LOAD_UCODE, VIOLATE, ucode_sign);

/* IA32_PAT: the guest's (= host's) current PAT, one byte replaced. */
static bool pat_byte3(struct scenario_ctx *ctx, u64 type)
{
	(void)ctx;
	u64 pat = rdmsr(MSR_IA32_PAT);
	if (type <= 0xff)
		pat = (pat & ~(0xffULL << 24)) | (type << 24);
	return load2(MSR_IA32_PAT, 0, pat);
}
static bool pat_type2(struct scenario_ctx *ctx) { return pat_byte3(ctx, 2); }
static bool pat_type8(struct scenario_ctx *ctx) { return pat_byte3(ctx, 8); }
static bool pat_current(struct scenario_ctx *ctx) { return pat_byte3(ctx, ~0ULL); }
ENTRY_CASE(ec_MSR_LOAD_PAT__byte3_type2, MSR_LOAD_PAT, VIOLATE, pat_type2);
ENTRY_CASE(ec_MSR_LOAD_PAT__byte3_type8, MSR_LOAD_PAT, VIOLATE, pat_type8);
ENTRY_CASE(ec_MSR_LOAD_PAT__current, MSR_LOAD_PAT, SATISFY, pat_current);

static bool efer_bit9(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(MSR_IA32_EFER, 0, rdmsr(MSR_IA32_EFER) | BIT(9));
}
ENTRY_CASE(ec_MSR_LOAD_EFER_RESERVED__bit9, MSR_LOAD_EFER_RESERVED, VIOLATE, efer_bit9);

static bool efer_current(struct scenario_ctx *ctx)
{
	(void)ctx;
	return load2(MSR_IA32_EFER, 0, rdmsr(MSR_IA32_EFER));
}
ENTRY_CASE(ec_MSR_LOAD_EFER_RESERVED__current, MSR_LOAD_EFER_RESERVED, SATISFY, efer_current);

#define MSR_CANON_CASES(CHECK, index)                                                   \
	static bool CHECK##_bad(struct scenario_ctx *ctx)                                \
	{                                                                                 \
		u64 bad, good;                                                            \
		return la_values(ctx, &bad, &good) && load2(index, 0, bad);               \
	}                                                                                 \
	static bool CHECK##_good(struct scenario_ctx *ctx)                               \
	{                                                                                 \
		u64 bad, good;                                                            \
		return la_values(ctx, &bad, &good) && load2(index, 0, good);              \
	}                                                                                 \
	ENTRY_CASE(ec_##CHECK##__bit_n_minus_1, CHECK, VIOLATE, CHECK##_bad);            \
	ENTRY_CASE(ec_##CHECK##__canonical_high, CHECK, SATISFY, CHECK##_good)
MSR_CANON_CASES(MSR_LOAD_SYSENTER_ESP_CANONICAL, MSR_IA32_SYSENTER_ESP);
MSR_CANON_CASES(MSR_LOAD_SYSENTER_EIP_CANONICAL, MSR_IA32_SYSENTER_EIP);
MSR_CANON_CASES(MSR_LOAD_LSTAR_CANONICAL, 0xc0000082);
MSR_CANON_CASES(MSR_LOAD_KERNEL_GS_BASE_CANONICAL, MSR_IA32_KERNEL_GS_BASE);
