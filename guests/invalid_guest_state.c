/*
 * invalid_guest_state_* - each variant breaks exactly one check of the SDM
 * section "Checks on the Guest-State Area" in an otherwise valid VMCS.
 * Expect: VM-entry failure, exit reason INVALID_STATE (33) with bit 31 set,
 * exit qualification as in "VM-Entry Failures During or After Loading
 * Guest State" (0, or 4 for the VMCS link pointer); the check and its text
 * are in core/include/entry_checks.def.  guest_rip_* are the passing side
 * of the RIP check's boundary (see below).
 */
#include "scenario.h"

static void guest(void)
{
	for (;;)
		guest_vmcall();
}

static bool rflags_bit1(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_RFLAGS, 0); /* bit 1 is reserved and must be 1 */
	return true;
}

static bool cr4_vmxe_clear(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) & ~X86_CR4_VMXE);
	return true;
}

static bool cs_ar_s_clear(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_CS_AR_BYTES, vmcs_read(GUEST_CS_AR_BYTES) & ~BIT(4));
	return true;
}

static bool tr_unusable(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_TR_AR_BYTES, vmcs_read(GUEST_TR_AR_BYTES) | BIT(16));
	return true;
}

static bool activity_state_invalid(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_ACTIVITY_STATE, 4); /* only 0-3 are defined */
	return true;
}

/*
 * SDM "Checks on Guest RIP, RFLAGS, and SSP": "If the processor supports
 * N < 64 linear-address bits, bits 63:N must be identical if the IA-32e
 * mode guest VM-entry control is 1 and the L bit in the access-rights field
 * for CS is 1."  N is this platform's CPUID.80000008H:EAX[15:8], never
 * assumed.  Two values break the rule (bit N alone set; bit 63 alone set)
 * and two sit just inside it (bit N-1 alone set; bits 63:N all set): those
 * pass the check, are non-canonical for 4-level paging, and the guest's
 * first fetch takes #GP(0).  The SETUP record gives the harness N and the
 * value, so it applies the rule itself.
 */
static u32 linear_address_width(void)
{
	u32 a, b, c, d;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000008)
		return 0;
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	return (a >> 8) & 0xff;
}

static bool set_rip(struct scenario_ctx *ctx, u64 (*value)(u32 n))
{
	u32 n = linear_address_width();
	if (n < 33 || n > 63) {
		ctx->skip_reason = "no_linear_address_width_below_64";
		return false;
	}
	u64 rip = value(n);
	vmcs_write(GUEST_RIP, rip);
	scenario_setup("field=GUEST_RIP value=%#lx la_width=%u", rip, n);
	return true;
}

static u64 rip_bit_n(u32 n) { return 1ULL << n; }
static u64 rip_bit_63(u32 n) { (void)n; return 1ULL << 63; }
static u64 rip_bit_n_minus_1(u32 n) { return 1ULL << (n - 1); }
static u64 rip_high_ones(u32 n) { return ~0ULL << n; }

#define RIP_SETUP(name)                                          \
	static bool setup_##name(struct scenario_ctx *ctx)       \
	{                                                        \
		return set_rip(ctx, name);                       \
	}
RIP_SETUP(rip_bit_n)
RIP_SETUP(rip_bit_63)
RIP_SETUP(rip_bit_n_minus_1)
RIP_SETUP(rip_high_ones)

static bool link_pointer_misaligned(struct scenario_ctx *ctx)
{
	vmcs_write(VMCS_LINK_POINTER, (u64)ctx->vcpu->vmcs + 0x10);
	return true;
}

SCENARIO(invalid_guest_state_rflags_bit1, .guest = guest, .setup = rflags_bit1,
	 .check = CHECK_GUEST_RFLAGS_BIT1);
SCENARIO(invalid_guest_state_cr4_vmxe, .guest = guest, .setup = cr4_vmxe_clear,
	 .check = CHECK_GUEST_CR4_FIXED);
SCENARIO(invalid_guest_state_cs_ar_s, .guest = guest, .setup = cs_ar_s_clear,
	 .check = CHECK_GUEST_CS_AR_S);
SCENARIO(invalid_guest_state_tr_unusable, .guest = guest, .setup = tr_unusable,
	 .check = CHECK_GUEST_TR_UNUSABLE);
SCENARIO(invalid_guest_state_activity_state, .guest = guest, .setup = activity_state_invalid,
	 .check = CHECK_GUEST_ACTIVITY_STATE);
SCENARIO(invalid_guest_state_rip_bit_n, .guest = guest, .setup = setup_rip_bit_n,
	 .check = CHECK_GUEST_RIP_HIGH_BITS);
SCENARIO(invalid_guest_state_rip_bit_63, .guest = guest, .setup = setup_rip_bit_63,
	 .check = CHECK_GUEST_RIP_HIGH_BITS);
SCENARIO(guest_rip_bit_n_minus_1, .guest = guest, .setup = setup_rip_bit_n_minus_1,
	 .check = CHECK_GUEST_RIP_HIGH_BITS);
SCENARIO(guest_rip_high_ones, .guest = guest, .setup = setup_rip_high_ones,
	 .check = CHECK_GUEST_RIP_HIGH_BITS);
SCENARIO(invalid_guest_state_link_pointer, .guest = guest, .setup = link_pointer_misaligned,
	 .check = CHECK_GUEST_VMCS_LINK_POINTER);
