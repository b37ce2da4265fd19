/*
 * Sweep cases for "Checks on Guest Segment Registers" and "Checks on Guest
 * Descriptor-Table Registers" (entry_checks_guest_seg.def).  Each case is the
 * golden VMCS (core/vmx/vcpu.c: CS 08H/A09BH, SS DS ES FS GS 10H/C093H, flat,
 * G=1; TR 20H/8BH limit 67H; LDTR unusable; GDTR/IDTR the host's) plus the
 * writes in its body.
 *
 * SATISFY cases keep the guest runnable: in 64-bit mode the bases (but FS/GS),
 * limits and most access rights of DS, ES, SS do not matter, and a CPL 1 or 2
 * guest still fetches from supervisor pages, so "DPL != 0" cases use CPL 1.
 * sweep_guest is "vmcall; jmp .-3", which decodes the same in 32-bit code, so
 * a compatibility-mode CS (L=0, D=1) runs it too.
 *
 * Bochs (cpu/vmx.cc) skips every SS access-rights, limit and base check
 * when the SS selector is null (index 0, TI 0) in a 64-bit guest (CS.L=1);
 * the SDM makes no such exception.  Each SS VIOLATE case therefore runs
 * twice: as is (selector 10H) and "__null_sel" (SS selector 0, still usable).
 */
#include "scenario.h"

#define CS_AR 0xa09bULL /* golden: type 11, S, P, L, G */
#define DATA_AR 0xc093ULL /* golden: type 3, S, P, D/B, G */
#define CS_AR_COMPAT 0xc09bULL /* L=0, D/B=1: compatibility mode */
#define LDTR_AR 0x82ULL /* a usable LDT: type 2, P */
#define LDTR_SEL 0x18

/* A non-canonical address with the fewest bits set (bit N-1 alone), and the
 * nearest canonical address below it. */
static u64 noncanonical(void)
{
	scenario_setup("la_width=%u", vmx_caps.la_width);
	return 1ULL << (vmx_caps.la_width - 1);
}
static u64 canonical_top(void) { return noncanonical() - 1; }

static void ldtr_usable(void)
{
	vmcs_write(GUEST_LDTR_SELECTOR, LDTR_SEL);
	vmcs_write(GUEST_LDTR_BASE, 0);
	vmcs_write(GUEST_LDTR_LIMIT, 0);
	vmcs_write(GUEST_LDTR_AR_BYTES, LDTR_AR);
}

/* CPL 1 guest: CS and SS RPL 1, SS DPL 1, CS (type cs_ar) as given. */
static void cpl1(u64 cs_ar)
{
	vmcs_write(GUEST_CS_SELECTOR, 0x08 | 1);
	vmcs_write(GUEST_CS_AR_BYTES, cs_ar);
	vmcs_write(GUEST_SS_SELECTOR, 0x10 | 1);
	vmcs_write(GUEST_SS_AR_BYTES, 0xc0b3);
}

/* CASE(check, variant, VIOLATE|SATISFY, statements...): one setup, one case. */
#define CASE(check, variant, kind, ...)                                           \
	static bool setup_##check##__##variant(struct scenario_ctx *ctx)           \
	{                                                                          \
		(void)ctx;                                                         \
		__VA_ARGS__;                                                       \
		return true;                                                       \
	}                                                                          \
	ENTRY_CASE(ec_##check##__##variant, check, kind, setup_##check##__##variant)
#define W(field, value) vmcs_write(field, value)

/* ---- Selector fields ---- */
CASE(GUEST_SEG_TR_SEL_TI, ti1, VIOLATE, W(GUEST_TR_SELECTOR, 0x20 | 4));
CASE(GUEST_SEG_TR_SEL_TI, rpl3, SATISFY, W(GUEST_TR_SELECTOR, 0x20 | 3));
CASE(GUEST_SEG_LDTR_SEL_TI, ti1, VIOLATE, ldtr_usable(); W(GUEST_LDTR_SELECTOR, LDTR_SEL | 4));
CASE(GUEST_SEG_LDTR_SEL_TI, ti0, SATISFY, ldtr_usable());
CASE(GUEST_SEG_LDTR_SEL_TI, unusable_ti1, SATISFY, W(GUEST_LDTR_SELECTOR, LDTR_SEL | 4));
CASE(GUEST_SEG_SS_SEL_RPL, cs_rpl3, VIOLATE, W(GUEST_CS_SELECTOR, 0x08 | 3));
CASE(GUEST_SEG_SS_SEL_RPL, both_rpl1, SATISFY, cpl1(0xa0bb));
CASE(GUEST_SEG_SS_SEL_RPL, cs_other_rpl0, SATISFY, W(GUEST_CS_SELECTOR, 0x18));

/* ---- Base-address fields ---- */
CASE(GUEST_SEG_TR_BASE_CANONICAL, noncanonical, VIOLATE, W(GUEST_TR_BASE, noncanonical()));
CASE(GUEST_SEG_TR_BASE_CANONICAL, top, SATISFY, W(GUEST_TR_BASE, canonical_top()));
CASE(GUEST_SEG_FS_BASE_CANONICAL, noncanonical, VIOLATE, W(GUEST_FS_BASE, noncanonical()));
CASE(GUEST_SEG_FS_BASE_CANONICAL, unusable, VIOLATE,
     W(GUEST_FS_AR_BYTES, DATA_AR | BIT(16)); W(GUEST_FS_BASE, noncanonical()));
CASE(GUEST_SEG_FS_BASE_CANONICAL, top, SATISFY, W(GUEST_FS_BASE, canonical_top()));
CASE(GUEST_SEG_GS_BASE_CANONICAL, noncanonical, VIOLATE, W(GUEST_GS_BASE, noncanonical()));
CASE(GUEST_SEG_GS_BASE_CANONICAL, unusable, VIOLATE,
     W(GUEST_GS_AR_BYTES, DATA_AR | BIT(16)); W(GUEST_GS_BASE, noncanonical()));
CASE(GUEST_SEG_GS_BASE_CANONICAL, top, SATISFY, W(GUEST_GS_BASE, canonical_top()));
CASE(GUEST_SEG_LDTR_BASE_CANONICAL, noncanonical, VIOLATE, ldtr_usable(); W(GUEST_LDTR_BASE, noncanonical()));
CASE(GUEST_SEG_LDTR_BASE_CANONICAL, top, SATISFY, ldtr_usable(); W(GUEST_LDTR_BASE, canonical_top()));
CASE(GUEST_SEG_LDTR_BASE_CANONICAL, unusable, SATISFY, W(GUEST_LDTR_BASE, noncanonical()));
CASE(GUEST_SEG_CS_BASE_HIGH, bit32, VIOLATE, W(GUEST_CS_BASE, BIT(32)));
CASE(GUEST_SEG_CS_BASE_HIGH, low_ones, SATISFY, W(GUEST_CS_BASE, 0xffffffffULL));

#define BASE_HIGH_CASES(R)                                                                      \
	CASE(GUEST_SEG_##R##_BASE_HIGH, bit32, VIOLATE, W(GUEST_##R##_BASE, BIT(32)));            \
	CASE(GUEST_SEG_##R##_BASE_HIGH, low_ones, SATISFY, W(GUEST_##R##_BASE, 0xffffffffULL));   \
	CASE(GUEST_SEG_##R##_BASE_HIGH, unusable, SATISFY,                                        \
	     W(GUEST_##R##_AR_BYTES, DATA_AR | BIT(16)); W(GUEST_##R##_BASE, BIT(32)))
BASE_HIGH_CASES(SS);
BASE_HIGH_CASES(DS);
BASE_HIGH_CASES(ES);
CASE(GUEST_SEG_SS_BASE_HIGH, bit32_null_sel, VIOLATE, W(GUEST_SS_SELECTOR, 0); W(GUEST_SS_BASE, BIT(32)));

/* ---- CS access rights ---- */
CASE(GUEST_SEG_CS_AR_TYPE, type10, VIOLATE, W(GUEST_CS_AR_BYTES, 0xa09a));
CASE(GUEST_SEG_CS_AR_TYPE, type3, VIOLATE, W(GUEST_CS_AR_BYTES, 0xa093));
CASE(GUEST_SEG_CS_AR_TYPE, type9, SATISFY, W(GUEST_CS_AR_BYTES, 0xa099));
CASE(GUEST_SEG_CS_AR_TYPE, type15, SATISFY, W(GUEST_CS_AR_BYTES, 0xa09f));
CASE(GUEST_SEG_CS_AR_DPL_NONCONFORMING, dpl1, VIOLATE, W(GUEST_CS_AR_BYTES, 0xa0bb));
CASE(GUEST_SEG_CS_AR_DPL_NONCONFORMING, dpl1_ss1, SATISFY, cpl1(0xa0bb));
CASE(GUEST_SEG_CS_AR_DPL_CONFORMING, dpl1, VIOLATE, W(GUEST_CS_AR_BYTES, 0xa0bf));
CASE(GUEST_SEG_CS_AR_DPL_CONFORMING, dpl1_ss1, SATISFY, cpl1(0xa0bf));
CASE(GUEST_SEG_CS_AR_DPL_CONFORMING, dpl0_ss1, SATISFY, cpl1(0xa09f));
CASE(GUEST_SEG_CS_AR_P, p0, VIOLATE, W(GUEST_CS_AR_BYTES, CS_AR & ~0x80ULL));
CASE(GUEST_SEG_CS_AR_P, p1_avl, SATISFY, W(GUEST_CS_AR_BYTES, CS_AR | BIT(12)));
CASE(GUEST_SEG_CS_AR_RSVD_11_8, bit8, VIOLATE, W(GUEST_CS_AR_BYTES, CS_AR | BIT(8)));
CASE(GUEST_SEG_CS_AR_RSVD_11_8, bit11, VIOLATE, W(GUEST_CS_AR_BYTES, CS_AR | BIT(11)));
CASE(GUEST_SEG_CS_AR_RSVD_11_8, avl, SATISFY, W(GUEST_CS_AR_BYTES, CS_AR | BIT(12)));
CASE(GUEST_SEG_CS_AR_DB_L, l1_db1, VIOLATE, W(GUEST_CS_AR_BYTES, CS_AR | BIT(14)));
CASE(GUEST_SEG_CS_AR_DB_L, l0_db1, SATISFY, W(GUEST_CS_AR_BYTES, CS_AR_COMPAT));
CASE(GUEST_SEG_CS_AR_G_LIMIT_LOW, g1, VIOLATE, W(GUEST_CS_LIMIT, 0x000ffffe));
CASE(GUEST_SEG_CS_AR_G_LIMIT_LOW, g0, SATISFY, W(GUEST_CS_LIMIT, 0x000ffffe); W(GUEST_CS_AR_BYTES, CS_AR & ~BIT(15)));
CASE(GUEST_SEG_CS_AR_G_LIMIT_LOW, fff_g1, SATISFY, W(GUEST_CS_LIMIT, 0x000fffff));
CASE(GUEST_SEG_CS_AR_G_LIMIT_HIGH, bit20_g0, VIOLATE, W(GUEST_CS_LIMIT, 0x00100000); W(GUEST_CS_AR_BYTES, CS_AR & ~BIT(15)));
CASE(GUEST_SEG_CS_AR_G_LIMIT_HIGH, fffff_g0, SATISFY, W(GUEST_CS_LIMIT, 0x000fffff); W(GUEST_CS_AR_BYTES, CS_AR & ~BIT(15)));
CASE(GUEST_SEG_CS_AR_RSVD_31_17, bit17, VIOLATE, W(GUEST_CS_AR_BYTES, CS_AR | BIT(17)));
CASE(GUEST_SEG_CS_AR_RSVD_31_17, bit31, VIOLATE, W(GUEST_CS_AR_BYTES, CS_AR | BIT(31)));
CASE(GUEST_SEG_CS_AR_RSVD_31_17, avl, SATISFY, W(GUEST_CS_AR_BYTES, CS_AR | BIT(12)));

/* ---- SS access rights (VIOLATE cases twice: SS selector 10H and the null selector) ---- */
#define SS_CASE(check, variant, ...)                                                \
	CASE(check, variant, VIOLATE, __VA_ARGS__);                                  \
	CASE(check, variant##_null_sel, VIOLATE, W(GUEST_SS_SELECTOR, 0); __VA_ARGS__)
SS_CASE(GUEST_SEG_SS_AR_TYPE, type1, W(GUEST_SS_AR_BYTES, 0xc091));
SS_CASE(GUEST_SEG_SS_AR_TYPE, type2, W(GUEST_SS_AR_BYTES, 0xc092));
CASE(GUEST_SEG_SS_AR_TYPE, type7, SATISFY, W(GUEST_SS_AR_BYTES, 0xc097));
CASE(GUEST_SEG_SS_AR_TYPE, unusable_type1, SATISFY, W(GUEST_SS_AR_BYTES, 0x1c091));
SS_CASE(GUEST_SEG_SS_AR_S, s0, W(GUEST_SS_AR_BYTES, DATA_AR & ~BIT(4)));
CASE(GUEST_SEG_SS_AR_S, unusable_s0, SATISFY, W(GUEST_SS_AR_BYTES, (DATA_AR & ~BIT(4)) | BIT(16)));
CASE(GUEST_SEG_SS_AR_DPL_RPL, dpl1_rpl0, VIOLATE, W(GUEST_CS_AR_BYTES, 0xa09f); W(GUEST_SS_AR_BYTES, 0xc0b3));
CASE(GUEST_SEG_SS_AR_DPL_RPL, dpl1_rpl1, SATISFY, cpl1(0xa09f));
SS_CASE(GUEST_SEG_SS_AR_P, p0, W(GUEST_SS_AR_BYTES, DATA_AR & ~0x80ULL));
CASE(GUEST_SEG_SS_AR_P, unusable_p0, SATISFY, W(GUEST_SS_AR_BYTES, (DATA_AR & ~0x80ULL) | BIT(16)));
SS_CASE(GUEST_SEG_SS_AR_RSVD_11_8, bit8, W(GUEST_SS_AR_BYTES, DATA_AR | BIT(8)));
CASE(GUEST_SEG_SS_AR_RSVD_11_8, avl, SATISFY, W(GUEST_SS_AR_BYTES, DATA_AR | BIT(12)));
CASE(GUEST_SEG_SS_AR_RSVD_11_8, unusable_bit8, SATISFY, W(GUEST_SS_AR_BYTES, DATA_AR | BIT(8) | BIT(16)));
SS_CASE(GUEST_SEG_SS_AR_G_LIMIT_LOW, g1, W(GUEST_SS_LIMIT, 0x000ffffe));
CASE(GUEST_SEG_SS_AR_G_LIMIT_LOW, g0, SATISFY, W(GUEST_SS_LIMIT, 0x000ffffe); W(GUEST_SS_AR_BYTES, DATA_AR & ~BIT(15)));
SS_CASE(GUEST_SEG_SS_AR_G_LIMIT_HIGH, bit20_g0, W(GUEST_SS_LIMIT, 0x00100000); W(GUEST_SS_AR_BYTES, DATA_AR & ~BIT(15)));
CASE(GUEST_SEG_SS_AR_G_LIMIT_HIGH, fffff_g0, SATISFY, W(GUEST_SS_LIMIT, 0x000fffff); W(GUEST_SS_AR_BYTES, DATA_AR & ~BIT(15)));
SS_CASE(GUEST_SEG_SS_AR_RSVD_31_17, bit17, W(GUEST_SS_AR_BYTES, DATA_AR | BIT(17)));
CASE(GUEST_SEG_SS_AR_RSVD_31_17, unusable_bit17, SATISFY, W(GUEST_SS_AR_BYTES, DATA_AR | BIT(16) | BIT(17)));

/* ---- DS, ES, FS, GS access rights ---- */
#define DATA_SEG_CASES(R)                                                                               \
	CASE(GUEST_SEG_##R##_AR_ACCESSED, type2, VIOLATE, W(GUEST_##R##_AR_BYTES, 0xc092));              \
	CASE(GUEST_SEG_##R##_AR_ACCESSED, type1, SATISFY, W(GUEST_##R##_AR_BYTES, 0xc091));              \
	CASE(GUEST_SEG_##R##_AR_ACCESSED, unusable_type2, SATISFY, W(GUEST_##R##_AR_BYTES, 0x1c092));    \
	CASE(GUEST_SEG_##R##_AR_READABLE, type9, VIOLATE, W(GUEST_##R##_AR_BYTES, 0xc099));              \
	CASE(GUEST_SEG_##R##_AR_READABLE, type11, SATISFY, W(GUEST_##R##_AR_BYTES, 0xc09b));             \
	CASE(GUEST_SEG_##R##_AR_S, s0, VIOLATE, W(GUEST_##R##_AR_BYTES, DATA_AR & ~BIT(4)));             \
	CASE(GUEST_SEG_##R##_AR_S, unusable_s0, SATISFY,                                                 \
	     W(GUEST_##R##_AR_BYTES, (DATA_AR & ~BIT(4)) | BIT(16)));                                     \
	CASE(GUEST_SEG_##R##_AR_DPL, rpl3_dpl0, VIOLATE, W(GUEST_##R##_SELECTOR, 0x10 | 3));             \
	CASE(GUEST_SEG_##R##_AR_DPL, rpl3_dpl3, SATISFY, W(GUEST_##R##_SELECTOR, 0x10 | 3);              \
	     W(GUEST_##R##_AR_BYTES, DATA_AR | (3 << 5)));                                                \
	CASE(GUEST_SEG_##R##_AR_DPL, rpl3_conforming, SATISFY, W(GUEST_##R##_SELECTOR, 0x10 | 3);        \
	     W(GUEST_##R##_AR_BYTES, 0xc09f));                                                            \
	CASE(GUEST_SEG_##R##_AR_P, p0, VIOLATE, W(GUEST_##R##_AR_BYTES, DATA_AR & ~0x80ULL));            \
	CASE(GUEST_SEG_##R##_AR_P, unusable_p0, SATISFY,                                                 \
	     W(GUEST_##R##_AR_BYTES, (DATA_AR & ~0x80ULL) | BIT(16)));                                    \
	CASE(GUEST_SEG_##R##_AR_RSVD_11_8, bit8, VIOLATE, W(GUEST_##R##_AR_BYTES, DATA_AR | BIT(8)));    \
	CASE(GUEST_SEG_##R##_AR_RSVD_11_8, avl, SATISFY, W(GUEST_##R##_AR_BYTES, DATA_AR | BIT(12)));    \
	CASE(GUEST_SEG_##R##_AR_G_LIMIT_LOW, g1, VIOLATE, W(GUEST_##R##_LIMIT, 0x000ffffe));             \
	CASE(GUEST_SEG_##R##_AR_G_LIMIT_LOW, g0, SATISFY, W(GUEST_##R##_LIMIT, 0x000ffffe);              \
	     W(GUEST_##R##_AR_BYTES, DATA_AR & ~BIT(15)));                                                \
	CASE(GUEST_SEG_##R##_AR_G_LIMIT_HIGH, bit20_g0, VIOLATE, W(GUEST_##R##_LIMIT, 0x00100000);       \
	     W(GUEST_##R##_AR_BYTES, DATA_AR & ~BIT(15)));                                                \
	CASE(GUEST_SEG_##R##_AR_G_LIMIT_HIGH, fffff_g0, SATISFY, W(GUEST_##R##_LIMIT, 0x000fffff);       \
	     W(GUEST_##R##_AR_BYTES, DATA_AR & ~BIT(15)));                                                \
	CASE(GUEST_SEG_##R##_AR_RSVD_31_17, bit17, VIOLATE, W(GUEST_##R##_AR_BYTES, DATA_AR | BIT(17))); \
	CASE(GUEST_SEG_##R##_AR_RSVD_31_17, unusable_bit17, SATISFY,                                     \
	     W(GUEST_##R##_AR_BYTES, DATA_AR | BIT(16) | BIT(17)))
DATA_SEG_CASES(DS);
DATA_SEG_CASES(ES);
DATA_SEG_CASES(FS);
DATA_SEG_CASES(GS);

/* ---- TR ---- */
CASE(GUEST_SEG_TR_AR_TYPE, type3, VIOLATE, W(GUEST_TR_AR_BYTES, 0x83));
CASE(GUEST_SEG_TR_AR_TYPE, type9, VIOLATE, W(GUEST_TR_AR_BYTES, 0x89));
CASE(GUEST_SEG_TR_AR_TYPE, type11, SATISFY, W(GUEST_TR_AR_BYTES, 0x8b));
CASE(GUEST_SEG_TR_AR_S, s1, VIOLATE, W(GUEST_TR_AR_BYTES, 0x9b));
CASE(GUEST_SEG_TR_AR_S, s0, SATISFY, W(GUEST_TR_AR_BYTES, 0x8b));
CASE(GUEST_SEG_TR_AR_P, p0, VIOLATE, W(GUEST_TR_AR_BYTES, 0x0b));
CASE(GUEST_SEG_TR_AR_P, p1, SATISFY, W(GUEST_TR_AR_BYTES, 0x8b));
CASE(GUEST_SEG_TR_AR_RSVD_11_8, bit8, VIOLATE, W(GUEST_TR_AR_BYTES, 0x8b | BIT(8)));
CASE(GUEST_SEG_TR_AR_RSVD_11_8, avl, SATISFY, W(GUEST_TR_AR_BYTES, 0x8b | BIT(12)));
CASE(GUEST_SEG_TR_AR_G_LIMIT_LOW, g1, VIOLATE, W(GUEST_TR_AR_BYTES, 0x8b | BIT(15)));
CASE(GUEST_SEG_TR_AR_G_LIMIT_LOW, g1_fff, SATISFY, W(GUEST_TR_AR_BYTES, 0x8b | BIT(15)); W(GUEST_TR_LIMIT, 0xfff));
CASE(GUEST_SEG_TR_AR_G_LIMIT_HIGH, bit20_g0, VIOLATE, W(GUEST_TR_LIMIT, 0x00100067));
CASE(GUEST_SEG_TR_AR_G_LIMIT_HIGH, fffff_g0, SATISFY, W(GUEST_TR_LIMIT, 0x000fffff));
CASE(GUEST_SEG_TR_AR_RSVD_31_17, bit17, VIOLATE, W(GUEST_TR_AR_BYTES, 0x8b | BIT(17)));
CASE(GUEST_SEG_TR_AR_RSVD_31_17, avl, SATISFY, W(GUEST_TR_AR_BYTES, 0x8b | BIT(12)));

/* ---- LDTR (usable: selector 18H, base 0, limit 0, type 2, P) ---- */
CASE(GUEST_SEG_LDTR_AR_TYPE, type3, VIOLATE, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, 0x83));
CASE(GUEST_SEG_LDTR_AR_TYPE, type2, SATISFY, ldtr_usable());
CASE(GUEST_SEG_LDTR_AR_TYPE, unusable_type3, SATISFY, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, 0x10083));
CASE(GUEST_SEG_LDTR_AR_S, s1, VIOLATE, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, 0x92));
CASE(GUEST_SEG_LDTR_AR_S, unusable_s1, SATISFY, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, 0x10092));
CASE(GUEST_SEG_LDTR_AR_P, p0, VIOLATE, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, 0x02));
CASE(GUEST_SEG_LDTR_AR_P, unusable_p0, SATISFY, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, 0x10002));
CASE(GUEST_SEG_LDTR_AR_RSVD_11_8, bit8, VIOLATE, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, LDTR_AR | BIT(8)));
CASE(GUEST_SEG_LDTR_AR_RSVD_11_8, avl, SATISFY, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, LDTR_AR | BIT(12)));
CASE(GUEST_SEG_LDTR_AR_G_LIMIT_LOW, g1, VIOLATE, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, LDTR_AR | BIT(15)));
CASE(GUEST_SEG_LDTR_AR_G_LIMIT_LOW, g1_fff, SATISFY, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, LDTR_AR | BIT(15));
     W(GUEST_LDTR_LIMIT, 0xfff));
CASE(GUEST_SEG_LDTR_AR_G_LIMIT_HIGH, bit20_g0, VIOLATE, ldtr_usable(); W(GUEST_LDTR_LIMIT, 0x00100000));
CASE(GUEST_SEG_LDTR_AR_G_LIMIT_HIGH, fffff_g0, SATISFY, ldtr_usable(); W(GUEST_LDTR_LIMIT, 0x000fffff));
CASE(GUEST_SEG_LDTR_AR_RSVD_31_17, bit17, VIOLATE, ldtr_usable(); W(GUEST_LDTR_AR_BYTES, LDTR_AR | BIT(17)));
CASE(GUEST_SEG_LDTR_AR_RSVD_31_17, unusable_bit17, SATISFY, ldtr_usable();
     W(GUEST_LDTR_AR_BYTES, LDTR_AR | BIT(16) | BIT(17)));

/* ---- GDTR, IDTR ---- */
CASE(GUEST_DTR_GDTR_BASE_CANONICAL, noncanonical, VIOLATE, W(GUEST_GDTR_BASE, noncanonical()));
CASE(GUEST_DTR_GDTR_BASE_CANONICAL, top, SATISFY, W(GUEST_GDTR_BASE, canonical_top()));
CASE(GUEST_DTR_IDTR_BASE_CANONICAL, noncanonical, VIOLATE, W(GUEST_IDTR_BASE, noncanonical()));
CASE(GUEST_DTR_IDTR_BASE_CANONICAL, top, SATISFY, W(GUEST_IDTR_BASE, canonical_top()));
CASE(GUEST_DTR_GDTR_LIMIT, bit16, VIOLATE, W(GUEST_GDTR_LIMIT, 0x10000));
CASE(GUEST_DTR_GDTR_LIMIT, ffff, SATISFY, W(GUEST_GDTR_LIMIT, 0xffff));
CASE(GUEST_DTR_IDTR_LIMIT, bit16, VIOLATE, W(GUEST_IDTR_LIMIT, 0x10000));
CASE(GUEST_DTR_IDTR_LIMIT, ffff, SATISFY, W(GUEST_IDTR_LIMIT, 0xffff));
