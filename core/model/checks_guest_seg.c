/*
 * SDM "Checks on Guest Segment Registers" and "Checks on Guest
 * Descriptor-Table Registers".  One REQUIRE per row of
 * core/include/entry_checks_guest_seg.def (the per-register rows of DS, ES,
 * FS and GS come from one macro, one REQUIRE per row and register).
 *
 * Terms (SDM): the guest "will be virtual-8086" if RFLAGS.VM (bit 17) is 1
 * in the guest RFLAGS field; it "will be IA-32e mode" if the "IA-32e mode
 * guest" VM-entry control is 1; a register is "usable" if bit 16 of its
 * access-rights field is 0.  The CS S bit and the TR unusable bit are
 * checked in checks_guest.c (GUEST_CS_AR_S, GUEST_TR_UNUSABLE).
 */
#include "model.h"

/* Access-rights fields (SDM "Guest Register State"). */
#define AR_TYPE(ar) ((u32)(ar) & 0xf)
#define AR_S BIT(4)
#define AR_DPL(ar) (((u32)(ar) >> 5) & 3)
#define AR_P BIT(7)
#define AR_RSVD_11_8 0xf00ULL
#define AR_L BIT(13)
#define AR_DB BIT(14)
#define AR_G BIT(15)
#define AR_UNUSABLE BIT(16)
#define AR_RSVD_31_17 0xfffe0000ULL
#define SEL_RPL(sel) ((u32)(sel) & 3)
#define SEL_TI BIT(2)
#define RFLAGS_VM BIT(17)
#define CR0_PE BIT(0)

/* "If any bit in the limit field in the range 11:0 is 0, G must be 0." */
static bool g_limit_low_ok(u64 limit, u64 ar) { return (limit & 0xfff) == 0xfff || !(ar & AR_G); }
/* "If any bit in the limit field in the range 31:20 is 1, G must be 1." */
static bool g_limit_high_ok(u64 limit, u64 ar) { return (limit & 0xfff00000) == 0 || (ar & AR_G); }

/* The checks every usable SS, DS, ES, FS, GS (and always CS) share. */
#define SEG_COMMON_CHECKS(m, R, ar, limit)                                              \
	do {                                                                            \
		REQUIRE(m, GUEST_SEG_##R##_AR_P, (ar) & AR_P);                          \
		REQUIRE(m, GUEST_SEG_##R##_AR_RSVD_11_8, ((ar) & AR_RSVD_11_8) == 0);   \
		REQUIRE(m, GUEST_SEG_##R##_AR_G_LIMIT_LOW, g_limit_low_ok(limit, ar));  \
		REQUIRE(m, GUEST_SEG_##R##_AR_G_LIMIT_HIGH, g_limit_high_ok(limit, ar)); \
		REQUIRE(m, GUEST_SEG_##R##_AR_RSVD_31_17, ((ar) & AR_RSVD_31_17) == 0); \
	} while (0)

/* DS, ES, FS, GS access rights when the guest will not be virtual-8086. */
#define DATA_SEG_CHECKS(m, R, ug)                                                        \
	do {                                                                             \
		u64 ar_ = F(m, GUEST_##R##_AR_BYTES), limit_ = F(m, GUEST_##R##_LIMIT);     \
		u32 type_ = AR_TYPE(ar_);                                                \
		if (!(ar_ & AR_UNUSABLE)) {                                              \
			REQUIRE(m, GUEST_SEG_##R##_AR_ACCESSED, type_ & 1);              \
			REQUIRE(m, GUEST_SEG_##R##_AR_READABLE, !(type_ & 8) || (type_ & 2)); \
			REQUIRE(m, GUEST_SEG_##R##_AR_S, ar_ & AR_S);                    \
			if (!(ug) && type_ <= 11)                                        \
				REQUIRE(m, GUEST_SEG_##R##_AR_DPL,                       \
					AR_DPL(ar_) >= SEL_RPL(F(m, GUEST_##R##_SELECTOR))); \
			SEG_COMMON_CHECKS(m, R, ar_, limit_);                            \
		}                                                                        \
	} while (0)

void model_checks_guest_seg(struct model *m)
{
	bool v8086 = F(m, GUEST_RFLAGS) & RFLAGS_VM;
	bool ia32e = model_entry_ctl(m, VM_ENTRY_IA32E_MODE_BIT);
	bool ug = model_proc2(m, SECONDARY_UNRESTRICTED_GUEST_BIT);
	u64 cs_ar = F(m, GUEST_CS_AR_BYTES), ss_ar = F(m, GUEST_SS_AR_BYTES);
	u64 tr_ar = F(m, GUEST_TR_AR_BYTES), ldtr_ar = F(m, GUEST_LDTR_AR_BYTES);
	bool ss_usable = !(ss_ar & AR_UNUSABLE), ldtr_usable = !(ldtr_ar & AR_UNUSABLE);

	/* Selector fields. */
	REQUIRE(m, GUEST_SEG_TR_SEL_TI, !(F(m, GUEST_TR_SELECTOR) & SEL_TI));
	if (ldtr_usable)
		REQUIRE(m, GUEST_SEG_LDTR_SEL_TI, !(F(m, GUEST_LDTR_SELECTOR) & SEL_TI));
	if (!v8086 && !ug)
		REQUIRE(m, GUEST_SEG_SS_SEL_RPL,
			SEL_RPL(F(m, GUEST_SS_SELECTOR)) == SEL_RPL(F(m, GUEST_CS_SELECTOR)));

	/* Base-address fields (a processor that supports Intel 64 architecture). */
	REQUIRE(m, GUEST_SEG_TR_BASE_CANONICAL, model_canonical(m, F(m, GUEST_TR_BASE)));
	REQUIRE(m, GUEST_SEG_FS_BASE_CANONICAL, model_canonical(m, F(m, GUEST_FS_BASE)));
	REQUIRE(m, GUEST_SEG_GS_BASE_CANONICAL, model_canonical(m, F(m, GUEST_GS_BASE)));
	if (ldtr_usable)
		REQUIRE(m, GUEST_SEG_LDTR_BASE_CANONICAL, model_canonical(m, F(m, GUEST_LDTR_BASE)));
	REQUIRE(m, GUEST_SEG_CS_BASE_HIGH, (F(m, GUEST_CS_BASE) >> 32) == 0);
	if (ss_usable)
		REQUIRE(m, GUEST_SEG_SS_BASE_HIGH, (F(m, GUEST_SS_BASE) >> 32) == 0);
	if (!(F(m, GUEST_DS_AR_BYTES) & AR_UNUSABLE))
		REQUIRE(m, GUEST_SEG_DS_BASE_HIGH, (F(m, GUEST_DS_BASE) >> 32) == 0);
	if (!(F(m, GUEST_ES_AR_BYTES) & AR_UNUSABLE))
		REQUIRE(m, GUEST_SEG_ES_BASE_HIGH, (F(m, GUEST_ES_BASE) >> 32) == 0);

	/* Access rights of CS, SS, DS, ES, FS, GS outside virtual-8086 mode. */
	if (!v8086) {
		u32 cs_type = AR_TYPE(cs_ar);
		bool cs_code = cs_type == 9 || cs_type == 11 || cs_type == 13 || cs_type == 15;
		REQUIRE(m, GUEST_SEG_CS_AR_TYPE, cs_code || (ug && cs_type == 3));
		if (cs_type == 3)
			REQUIRE(m, GUEST_SEG_CS_AR_DPL_TYPE3, AR_DPL(cs_ar) == 0);
		if (cs_type == 9 || cs_type == 11)
			REQUIRE(m, GUEST_SEG_CS_AR_DPL_NONCONFORMING, AR_DPL(cs_ar) == AR_DPL(ss_ar));
		if (cs_type == 13 || cs_type == 15)
			REQUIRE(m, GUEST_SEG_CS_AR_DPL_CONFORMING, AR_DPL(cs_ar) <= AR_DPL(ss_ar));
		SEG_COMMON_CHECKS(m, CS, cs_ar, F(m, GUEST_CS_LIMIT));
		if (ia32e && (cs_ar & AR_L))
			REQUIRE(m, GUEST_SEG_CS_AR_DB_L, !(cs_ar & AR_DB));

		if (ss_usable) {
			REQUIRE(m, GUEST_SEG_SS_AR_TYPE, AR_TYPE(ss_ar) == 3 || AR_TYPE(ss_ar) == 7);
			REQUIRE(m, GUEST_SEG_SS_AR_S, ss_ar & AR_S);
			SEG_COMMON_CHECKS(m, SS, ss_ar, F(m, GUEST_SS_LIMIT));
		}
		/* The SS DPL rules do not depend on SS being usable (SS.DPL is the CPL). */
		if (!ug)
			REQUIRE(m, GUEST_SEG_SS_AR_DPL_RPL, AR_DPL(ss_ar) == SEL_RPL(F(m, GUEST_SS_SELECTOR)));
		if (cs_type == 3 || !(F(m, GUEST_CR0) & CR0_PE))
			REQUIRE(m, GUEST_SEG_SS_AR_DPL_ZERO, AR_DPL(ss_ar) == 0);

		DATA_SEG_CHECKS(m, DS, ug);
		DATA_SEG_CHECKS(m, ES, ug);
		DATA_SEG_CHECKS(m, FS, ug);
		DATA_SEG_CHECKS(m, GS, ug);
	}

	/* TR (always usable: GUEST_TR_UNUSABLE). */
	u32 tr_type = AR_TYPE(tr_ar);
	REQUIRE(m, GUEST_SEG_TR_AR_TYPE, ia32e ? tr_type == 11 : (tr_type == 3 || tr_type == 11));
	REQUIRE(m, GUEST_SEG_TR_AR_S, !(tr_ar & AR_S));
	REQUIRE(m, GUEST_SEG_TR_AR_P, tr_ar & AR_P);
	REQUIRE(m, GUEST_SEG_TR_AR_RSVD_11_8, (tr_ar & AR_RSVD_11_8) == 0);
	REQUIRE(m, GUEST_SEG_TR_AR_G_LIMIT_LOW, g_limit_low_ok(F(m, GUEST_TR_LIMIT), tr_ar));
	REQUIRE(m, GUEST_SEG_TR_AR_G_LIMIT_HIGH, g_limit_high_ok(F(m, GUEST_TR_LIMIT), tr_ar));
	REQUIRE(m, GUEST_SEG_TR_AR_RSVD_31_17, (tr_ar & AR_RSVD_31_17) == 0);

	/* LDTR, only if usable. */
	if (ldtr_usable) {
		REQUIRE(m, GUEST_SEG_LDTR_AR_TYPE, AR_TYPE(ldtr_ar) == 2);
		REQUIRE(m, GUEST_SEG_LDTR_AR_S, !(ldtr_ar & AR_S));
		REQUIRE(m, GUEST_SEG_LDTR_AR_P, ldtr_ar & AR_P);
		REQUIRE(m, GUEST_SEG_LDTR_AR_RSVD_11_8, (ldtr_ar & AR_RSVD_11_8) == 0);
		REQUIRE(m, GUEST_SEG_LDTR_AR_G_LIMIT_LOW, g_limit_low_ok(F(m, GUEST_LDTR_LIMIT), ldtr_ar));
		REQUIRE(m, GUEST_SEG_LDTR_AR_G_LIMIT_HIGH, g_limit_high_ok(F(m, GUEST_LDTR_LIMIT), ldtr_ar));
		REQUIRE(m, GUEST_SEG_LDTR_AR_RSVD_31_17, (ldtr_ar & AR_RSVD_31_17) == 0);
	}

	/* SDM "Checks on Guest Descriptor-Table Registers". */
	REQUIRE(m, GUEST_DTR_GDTR_BASE_CANONICAL, model_canonical(m, F(m, GUEST_GDTR_BASE)));
	REQUIRE(m, GUEST_DTR_IDTR_BASE_CANONICAL, model_canonical(m, F(m, GUEST_IDTR_BASE)));
	REQUIRE(m, GUEST_DTR_GDTR_LIMIT, (F(m, GUEST_GDTR_LIMIT) >> 16) == 0);
	REQUIRE(m, GUEST_DTR_IDTR_LIMIT, (F(m, GUEST_IDTR_LIMIT) >> 16) == 0);
}
