/*
 * SDM "Checks on the Guest-State Area".  One REQUIRE per row of
 * core/include/entry_checks_guest.def.
 */
#include "model.h"

/* Access-rights fields (SDM "Guest Register State"): bit 16 = unusable. */
#define AR_S BIT(4)
#define AR_UNUSABLE BIT(16)
#define AR_L BIT(13)

void model_checks_guest(struct model *m)
{
	u64 cr4 = F(m, GUEST_CR4);
	REQUIRE(m, GUEST_CR4_FIXED, (cr4 & MSR(m, IA32_VMX_CR4_FIXED0)) == MSR(m, IA32_VMX_CR4_FIXED0) &&
					    (cr4 & ~MSR(m, IA32_VMX_CR4_FIXED1)) == 0);

	REQUIRE(m, GUEST_CS_AR_S, F(m, GUEST_CS_AR_BYTES) & AR_S);
	REQUIRE(m, GUEST_TR_UNUSABLE, !(F(m, GUEST_TR_AR_BYTES) & AR_UNUSABLE));

	bool ia32e = model_entry_ctl(m, VM_ENTRY_IA32E_MODE_BIT);
	if (ia32e && (F(m, GUEST_CS_AR_BYTES) & AR_L))
		REQUIRE(m, GUEST_RIP_HIGH_BITS, model_bits_63_n_identical(m, F(m, GUEST_RIP)));
	REQUIRE(m, GUEST_RFLAGS_BIT1, F(m, GUEST_RFLAGS) & BIT(1));

	REQUIRE(m, GUEST_ACTIVITY_STATE, F(m, GUEST_ACTIVITY_STATE) <= 3);
	u64 link = F(m, VMCS_LINK_POINTER);
	if (link != ~0ULL)
		REQUIRE(m, GUEST_VMCS_LINK_POINTER, (link & 0xfff) == 0);
}
