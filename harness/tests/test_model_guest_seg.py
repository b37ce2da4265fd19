"""SDM "Checks on Guest Segment Registers" and "Checks on Guest Descriptor-Table Registers"
(core/model/checks_guest_seg.c) on the host.  Expected results come from the SDM text: each
check on both sides of its boundary, from the golden VMCS (a 64-bit CPL 0 guest: CS 08H/A09BH,
SS DS ES FS GS 10H/C093H, TR 20H/8BH, LDTR unusable)."""
import pytest

from harness.tests.modelkit import GOLDEN, LA_WIDTH, predict

CS_AR, DATA_AR, TR_AR = 0xA09B, 0xC093, 0x8B
UNUSABLE = 1 << 16
NONCANON = 1 << (LA_WIDTH - 1)  # bit N-1 alone: bits 63:N-1 not identical
CANON_TOP = NONCANON - 1
LDTR = dict(GUEST_LDTR_SELECTOR=0x18, GUEST_LDTR_BASE=0, GUEST_LDTR_LIMIT=0, GUEST_LDTR_AR_BYTES=0x82)
# "unrestricted guest" = 1 (with "activate secondary controls" and "enable EPT"); the control checks
# this raises are not this file's concern, only the segment rows are compared.
UG = dict(CPU_BASED_VM_EXEC_CONTROL=GOLDEN["CPU_BASED_VM_EXEC_CONTROL"] | (1 << 31),
          SECONDARY_VM_EXEC_CONTROL=(1 << 7) | (1 << 1))
DATA = ("DS", "ES", "FS", "GS")


def seg(**changes):
    """The violated rows of this section (GUEST_SEG_*, GUEST_DTR_*) for the golden VMCS plus changes."""
    p = predict(**changes)
    return tuple(v for v in p.violated if v.startswith(("GUEST_SEG_", "GUEST_DTR_")))


def one(check, **changes):
    p = predict(**changes)
    assert p.violated == (check,), p.violated
    assert (p.outcome, p.qual) == ("exit_invalid_state", 0)


def test_golden_and_usable_ldtr_are_clean():
    assert predict().violated == ()
    assert predict(**LDTR).violated == ()


# ---- Selector fields ----

def test_tr_selector_ti():
    one("GUEST_SEG_TR_SEL_TI", GUEST_TR_SELECTOR=0x24)
    assert seg(GUEST_TR_SELECTOR=0x23) == ()  # RPL is not checked, only TI


def test_ldtr_selector_ti_only_if_usable():
    one("GUEST_SEG_LDTR_SEL_TI", **{**LDTR, "GUEST_LDTR_SELECTOR": 0x1C})
    assert seg(**LDTR) == ()
    assert seg(GUEST_LDTR_SELECTOR=0x1C) == ()  # golden LDTR is unusable


def test_ss_rpl_equals_cs_rpl():
    one("GUEST_SEG_SS_SEL_RPL", GUEST_CS_SELECTOR=0x0B)
    assert seg(GUEST_CS_SELECTOR=0x18) == ()
    # both RPL 1 (SS.DPL 1, CS.DPL 1): a CPL 1 guest
    assert seg(GUEST_CS_SELECTOR=0x09, GUEST_CS_AR_BYTES=0xA0BB, GUEST_SS_SELECTOR=0x11, GUEST_SS_AR_BYTES=0xC0B3) == ()
    # not checked with "unrestricted guest" = 1, nor for a virtual-8086 guest
    assert seg(GUEST_CS_SELECTOR=0x0B, **UG) == ()
    assert "GUEST_SEG_SS_SEL_RPL" not in seg(GUEST_CS_SELECTOR=0x0B, GUEST_RFLAGS=0x20002)


# ---- Base-address fields ----

@pytest.mark.parametrize("reg", ["TR", "FS", "GS"])
def test_base_canonical_always(reg):
    one(f"GUEST_SEG_{reg}_BASE_CANONICAL", **{f"GUEST_{reg}_BASE": NONCANON})
    assert seg(**{f"GUEST_{reg}_BASE": CANON_TOP}) == ()
    assert seg(**{f"GUEST_{reg}_BASE": ~CANON_TOP & (2**64 - 1)}) == ()  # the lowest upper-half address
    if reg != "TR":  # FS and GS: checked even when unusable
        one(f"GUEST_SEG_{reg}_BASE_CANONICAL", **{f"GUEST_{reg}_BASE": NONCANON, f"GUEST_{reg}_AR_BYTES": DATA_AR | UNUSABLE})


def test_base_canonical_follows_la_width():
    assert seg(GUEST_FS_BASE=1 << 47, la_width=57) == ()
    assert seg(GUEST_FS_BASE=1 << 56, la_width=57) == ("GUEST_SEG_FS_BASE_CANONICAL",)


def test_ldtr_base_canonical_only_if_usable():
    one("GUEST_SEG_LDTR_BASE_CANONICAL", **{**LDTR, "GUEST_LDTR_BASE": NONCANON})
    assert seg(**{**LDTR, "GUEST_LDTR_BASE": CANON_TOP}) == ()
    assert seg(GUEST_LDTR_BASE=NONCANON) == ()


def test_cs_base_bits_63_32():
    one("GUEST_SEG_CS_BASE_HIGH", GUEST_CS_BASE=1 << 32)
    assert seg(GUEST_CS_BASE=0xFFFFFFFF) == ()


@pytest.mark.parametrize("reg", ["SS", "DS", "ES"])
def test_base_bits_63_32_if_usable(reg):
    one(f"GUEST_SEG_{reg}_BASE_HIGH", **{f"GUEST_{reg}_BASE": 1 << 32})
    one(f"GUEST_SEG_{reg}_BASE_HIGH", **{f"GUEST_{reg}_BASE": 1 << 63})
    assert seg(**{f"GUEST_{reg}_BASE": 0xFFFFFFFF}) == ()
    assert seg(**{f"GUEST_{reg}_BASE": 1 << 32, f"GUEST_{reg}_AR_BYTES": DATA_AR | UNUSABLE}) == ()


def test_fs_gs_base_high_bits_are_allowed():
    assert seg(GUEST_FS_BASE=1 << 32, GUEST_GS_BASE=CANON_TOP) == ()


# ---- CS access rights ----

def test_cs_type():
    for t in (9, 11, 13, 15):
        assert seg(GUEST_CS_AR_BYTES=(CS_AR & ~0xF) | t) == (), t
    for t in (0, 1, 2, 3, 4, 7, 8, 10, 12, 14):
        one("GUEST_SEG_CS_AR_TYPE", GUEST_CS_AR_BYTES=(CS_AR & ~0xF) | t)
    # "unrestricted guest" = 1: type 3 also allowed (DPL 0), 10 still not
    assert seg(GUEST_CS_AR_BYTES=0xA093, **UG) == ()
    assert seg(GUEST_CS_AR_BYTES=0xA09A, **UG) == ("GUEST_SEG_CS_AR_TYPE",)


def test_cs_type3_dpl_must_be_0():
    assert seg(GUEST_CS_AR_BYTES=0xA0B3, GUEST_SS_AR_BYTES=0xC093, **UG) == ("GUEST_SEG_CS_AR_DPL_TYPE3",)
    assert seg(GUEST_CS_AR_BYTES=0xA093, **UG) == ()


def test_cs_dpl_nonconforming_equals_ss_dpl():
    for t in (9, 11):
        ar = (CS_AR & ~0xF) | t
        one("GUEST_SEG_CS_AR_DPL_NONCONFORMING", GUEST_CS_AR_BYTES=ar | (1 << 5))
        assert seg(GUEST_CS_SELECTOR=0x09, GUEST_CS_AR_BYTES=ar | (1 << 5),
                   GUEST_SS_SELECTOR=0x11, GUEST_SS_AR_BYTES=0xC0B3) == ()
        # CS.DPL 0 < SS.DPL 1 is fine for conforming, not for non-conforming
        assert seg(GUEST_CS_SELECTOR=0x09, GUEST_CS_AR_BYTES=ar, GUEST_SS_SELECTOR=0x11,
                   GUEST_SS_AR_BYTES=0xC0B3) == ("GUEST_SEG_CS_AR_DPL_NONCONFORMING",)


def test_cs_dpl_conforming_not_greater_than_ss_dpl():
    for t in (13, 15):
        ar = (CS_AR & ~0xF) | t
        one("GUEST_SEG_CS_AR_DPL_CONFORMING", GUEST_CS_AR_BYTES=ar | (1 << 5))
        assert seg(GUEST_CS_SELECTOR=0x09, GUEST_CS_AR_BYTES=ar | (1 << 5), GUEST_SS_SELECTOR=0x11, GUEST_SS_AR_BYTES=0xC0B3) == ()
        assert seg(GUEST_CS_SELECTOR=0x09, GUEST_CS_AR_BYTES=ar, GUEST_SS_SELECTOR=0x11, GUEST_SS_AR_BYTES=0xC0B3) == ()
        one("GUEST_SEG_CS_AR_DPL_CONFORMING", GUEST_CS_AR_BYTES=ar | (3 << 5), GUEST_CS_SELECTOR=0x09,
            GUEST_SS_SELECTOR=0x11, GUEST_SS_AR_BYTES=0xC0B3)


def test_cs_p_reserved_db_l():
    one("GUEST_SEG_CS_AR_P", GUEST_CS_AR_BYTES=CS_AR & ~0x80)
    one("GUEST_SEG_CS_AR_RSVD_11_8", GUEST_CS_AR_BYTES=CS_AR | (1 << 8))
    one("GUEST_SEG_CS_AR_RSVD_11_8", GUEST_CS_AR_BYTES=CS_AR | (1 << 11))
    one("GUEST_SEG_CS_AR_RSVD_31_17", GUEST_CS_AR_BYTES=CS_AR | (1 << 17))
    one("GUEST_SEG_CS_AR_RSVD_31_17", GUEST_CS_AR_BYTES=CS_AR | (1 << 31))
    assert seg(GUEST_CS_AR_BYTES=CS_AR | (1 << 12)) == ()  # AVL is not reserved
    one("GUEST_SEG_CS_AR_DB_L", GUEST_CS_AR_BYTES=CS_AR | (1 << 14))
    assert seg(GUEST_CS_AR_BYTES=0xC09B) == ()  # L=0, D/B=1: compatibility mode
    # not IA-32e mode: L and D/B together are not this check's concern
    assert "GUEST_SEG_CS_AR_DB_L" not in seg(GUEST_CS_AR_BYTES=CS_AR | (1 << 14),
                                             VM_ENTRY_CONTROLS=GOLDEN["VM_ENTRY_CONTROLS"] & ~(1 << 9))


# ---- SS access rights ----

def test_ss_type():
    for t in (3, 7):
        assert seg(GUEST_SS_AR_BYTES=(DATA_AR & ~0xF) | t) == ()
    for t in (0, 1, 2, 5, 6, 11, 15):
        one("GUEST_SEG_SS_AR_TYPE", GUEST_SS_AR_BYTES=(DATA_AR & ~0xF) | t)
    one("GUEST_SEG_SS_AR_TYPE", GUEST_SS_AR_BYTES=0xC091, GUEST_SS_SELECTOR=0)  # a null selector is no exception
    assert seg(GUEST_SS_AR_BYTES=0xC091 | UNUSABLE) == ()


def test_ss_dpl_equals_rpl():
    one("GUEST_SEG_SS_AR_DPL_RPL", GUEST_CS_AR_BYTES=0xA09F, GUEST_SS_AR_BYTES=0xC0B3)
    assert seg(GUEST_CS_SELECTOR=0x09, GUEST_CS_AR_BYTES=0xA09F, GUEST_SS_SELECTOR=0x11, GUEST_SS_AR_BYTES=0xC0B3) == ()
    # also for an unusable SS (its DPL is the CPL)
    one("GUEST_SEG_SS_AR_DPL_RPL", GUEST_CS_AR_BYTES=0xA09F, GUEST_SS_AR_BYTES=0xC0B3 | UNUSABLE)
    assert seg(GUEST_CS_AR_BYTES=0xA09F, GUEST_SS_AR_BYTES=0xC0B3, **UG) == ()


def test_ss_dpl_zero_for_cs_type3_or_real_mode():
    assert seg(GUEST_CS_AR_BYTES=0xA093, GUEST_SS_AR_BYTES=0xC0B3, GUEST_SS_SELECTOR=0x11, **UG) == ("GUEST_SEG_SS_AR_DPL_ZERO",)
    assert seg(GUEST_CS_AR_BYTES=0xA093, **UG) == ()
    assert seg(GUEST_CR0=GOLDEN["GUEST_CR0"] & ~1, GUEST_SS_AR_BYTES=0xC0B3, GUEST_SS_SELECTOR=0x11,
               GUEST_CS_AR_BYTES=0xA09F, **UG) == ("GUEST_SEG_SS_AR_DPL_ZERO",)
    assert seg(GUEST_CR0=GOLDEN["GUEST_CR0"] & ~1, GUEST_CS_AR_BYTES=0xA09F, **UG) == ()
    # CS type 11, CR0.PE 1: SS.DPL may be 1 (with "unrestricted guest" = 1, no RPL rule)
    assert seg(GUEST_CS_AR_BYTES=0xA0BB, GUEST_SS_AR_BYTES=0xC0B3, **UG) == ()


def test_ss_s_p_reserved_g_if_usable():
    checks = {
        "GUEST_SEG_SS_AR_S": dict(GUEST_SS_AR_BYTES=DATA_AR & ~0x10),
        "GUEST_SEG_SS_AR_P": dict(GUEST_SS_AR_BYTES=DATA_AR & ~0x80),
        "GUEST_SEG_SS_AR_RSVD_11_8": dict(GUEST_SS_AR_BYTES=DATA_AR | (1 << 8)),
        "GUEST_SEG_SS_AR_RSVD_31_17": dict(GUEST_SS_AR_BYTES=DATA_AR | (1 << 17)),
        "GUEST_SEG_SS_AR_G_LIMIT_LOW": dict(GUEST_SS_LIMIT=0xFFFFE),
        "GUEST_SEG_SS_AR_G_LIMIT_HIGH": dict(GUEST_SS_LIMIT=0x100000, GUEST_SS_AR_BYTES=DATA_AR & ~(1 << 15)),
    }
    for check, ch in checks.items():
        one(check, **ch)
        one(check, **ch, GUEST_SS_SELECTOR=0)
        ar = ch.get("GUEST_SS_AR_BYTES", DATA_AR)
        assert seg(**{**ch, "GUEST_SS_AR_BYTES": ar | UNUSABLE}) == (), check


# ---- DS, ES, FS, GS access rights ----

@pytest.mark.parametrize("reg", DATA)
def test_data_type(reg):
    f = f"GUEST_{reg}_AR_BYTES"
    one(f"GUEST_SEG_{reg}_AR_ACCESSED", **{f: 0xC092})
    assert seg(**{f: 0xC091}) == ()
    assert seg(**{f: 0xC092 | UNUSABLE}) == ()
    one(f"GUEST_SEG_{reg}_AR_READABLE", **{f: 0xC099})
    one(f"GUEST_SEG_{reg}_AR_READABLE", **{f: 0xC09D})
    assert seg(**{f: 0xC09B}) == ()
    assert seg(**{f: 0xC09F}) == ()
    assert seg(**{f: 0xC099 | UNUSABLE}) == ()
    # both at once: type 8 (execute-only, not accessed)
    assert set(seg(**{f: 0xC098})) == {f"GUEST_SEG_{reg}_AR_ACCESSED", f"GUEST_SEG_{reg}_AR_READABLE"}


@pytest.mark.parametrize("reg", DATA)
def test_data_dpl_not_less_than_rpl(reg):
    s, f = f"GUEST_{reg}_SELECTOR", f"GUEST_{reg}_AR_BYTES"
    c = f"GUEST_SEG_{reg}_AR_DPL"
    one(c, **{s: 0x13})
    one(c, **{s: 0x13, f: DATA_AR | (2 << 5)})
    assert seg(**{s: 0x13, f: DATA_AR | (3 << 5)}) == ()
    assert seg(**{s: 0x11, f: DATA_AR | (1 << 5)}) == ()
    one(c, **{s: 0x13, f: 0xC09B})  # type 11: non-conforming code
    assert seg(**{s: 0x13, f: 0xC09F}) == ()  # type 15: conforming code, no rule
    assert seg(**{s: 0x13, f: DATA_AR | UNUSABLE}) == ()
    assert seg(**{s: 0x13}, **UG) == ()


@pytest.mark.parametrize("reg", DATA)
def test_data_s_p_reserved_g_if_usable(reg):
    f, lim = f"GUEST_{reg}_AR_BYTES", f"GUEST_{reg}_LIMIT"
    checks = {
        "AR_S": {f: DATA_AR & ~0x10},
        "AR_P": {f: DATA_AR & ~0x80},
        "AR_RSVD_11_8": {f: DATA_AR | (1 << 8)},
        "AR_RSVD_31_17": {f: DATA_AR | (1 << 17)},
        "AR_G_LIMIT_LOW": {lim: 0xFFFFE},
        "AR_G_LIMIT_HIGH": {lim: 0x100000, f: DATA_AR & ~(1 << 15)},
    }
    for check, ch in checks.items():
        one(f"GUEST_SEG_{reg}_{check}", **ch)
        assert seg(**{**ch, f: ch.get(f, DATA_AR) | UNUSABLE}) == (), check
    assert seg(**{f: DATA_AR | (1 << 12)}) == ()
    assert seg(**{f: DATA_AR | (1 << 11)}) == (f"GUEST_SEG_{reg}_AR_RSVD_11_8",)


# ---- G and the limit: both directions, every register ----

@pytest.mark.parametrize("reg,ar", [("CS", CS_AR), ("SS", DATA_AR), ("DS", DATA_AR), ("ES", DATA_AR),
                                    ("FS", DATA_AR), ("GS", DATA_AR), ("TR", TR_AR), ("LDTR", 0x82)])
def test_g_and_limit(reg, ar):
    base = LDTR if reg == "LDTR" else {}
    f, lim = f"GUEST_{reg}_AR_BYTES", f"GUEST_{reg}_LIMIT"
    g1, g0 = ar | (1 << 15), ar & ~(1 << 15)
    low, high = f"GUEST_SEG_{reg}_AR_G_LIMIT_LOW", f"GUEST_SEG_{reg}_AR_G_LIMIT_HIGH"
    # "If any bit in the limit field in the range 11:0 is 0, G must be 0."
    assert seg(**{**base, f: g1, lim: 0xFFFFE}) == (low,)
    assert seg(**{**base, f: g1, lim: 0x7FF}) == (low,)
    assert seg(**{**base, f: g0, lim: 0xFFFFE}) == ()
    assert seg(**{**base, f: g1, lim: 0xFFF}) == ()
    assert seg(**{**base, f: g1, lim: 0xFFFFFFFF}) == ()
    # "If any bit in the limit field in the range 31:20 is 1, G must be 1."
    assert seg(**{**base, f: g0, lim: 0x100000}) == (high,)
    assert seg(**{**base, f: g0, lim: 0x80000000}) == (high,)
    assert seg(**{**base, f: g0, lim: 0xFFFFF}) == ()
    assert seg(**{**base, f: g1, lim: 0x100FFF}) == ()
    # both at once
    assert set(seg(**{**base, f: g0, lim: 0xFFFFFFFF})) == {high}
    assert set(seg(**{**base, f: g1, lim: 0x100000})) == {low}


# ---- TR ----

def test_tr_type():
    one("GUEST_SEG_TR_AR_TYPE", GUEST_TR_AR_BYTES=0x83)  # 16-bit busy TSS: not in IA-32e mode only
    one("GUEST_SEG_TR_AR_TYPE", GUEST_TR_AR_BYTES=0x89)
    assert seg(GUEST_TR_AR_BYTES=0x8B) == ()
    not_ia32e = dict(VM_ENTRY_CONTROLS=GOLDEN["VM_ENTRY_CONTROLS"] & ~(1 << 9))
    assert "GUEST_SEG_TR_AR_TYPE" not in seg(GUEST_TR_AR_BYTES=0x83, **not_ia32e)
    assert "GUEST_SEG_TR_AR_TYPE" in seg(GUEST_TR_AR_BYTES=0x89, **not_ia32e)


def test_tr_s_p_reserved():
    one("GUEST_SEG_TR_AR_S", GUEST_TR_AR_BYTES=0x9B)
    one("GUEST_SEG_TR_AR_P", GUEST_TR_AR_BYTES=0x0B)
    one("GUEST_SEG_TR_AR_RSVD_11_8", GUEST_TR_AR_BYTES=0x18B)
    one("GUEST_SEG_TR_AR_RSVD_31_17", GUEST_TR_AR_BYTES=0x2008B)
    assert seg(GUEST_TR_AR_BYTES=0x108B) == ()
    # unusable TR is GUEST_TR_UNUSABLE (checks_guest.c), not a row of this section
    assert seg(GUEST_TR_AR_BYTES=0x1008B) == ()


# ---- LDTR ----

def test_ldtr_checks_only_if_usable():
    checks = {
        "GUEST_SEG_LDTR_AR_TYPE": 0x83,
        "GUEST_SEG_LDTR_AR_S": 0x92,
        "GUEST_SEG_LDTR_AR_P": 0x02,
        "GUEST_SEG_LDTR_AR_RSVD_11_8": 0x182,
        "GUEST_SEG_LDTR_AR_RSVD_31_17": 0x20082,
    }
    for check, ar in checks.items():
        one(check, **{**LDTR, "GUEST_LDTR_AR_BYTES": ar})
        assert seg(**{**LDTR, "GUEST_LDTR_AR_BYTES": ar | UNUSABLE}) == (), check
    assert seg(**{**LDTR, "GUEST_LDTR_AR_BYTES": 0x1082}) == ()


# ---- GDTR, IDTR ----

@pytest.mark.parametrize("reg", ["GDTR", "IDTR"])
def test_dtr(reg):
    one(f"GUEST_DTR_{reg}_BASE_CANONICAL", **{f"GUEST_{reg}_BASE": NONCANON})
    assert seg(**{f"GUEST_{reg}_BASE": CANON_TOP}) == ()
    assert seg(**{f"GUEST_{reg}_BASE": ~CANON_TOP & (2**64 - 1)}) == ()
    one(f"GUEST_DTR_{reg}_LIMIT", **{f"GUEST_{reg}_LIMIT": 0x10000})
    one(f"GUEST_DTR_{reg}_LIMIT", **{f"GUEST_{reg}_LIMIT": 0x80000000})
    assert seg(**{f"GUEST_{reg}_LIMIT": 0xFFFF}) == ()


# ---- virtual-8086: the non-virtual-8086 access-rights rows do not apply ----

def test_virtual_8086_skips_access_rights_rows():
    # RFLAGS.VM = 1: CS type 3 / DPL 3 (what virtual-8086 requires) raises none of these rows
    v86 = dict(GUEST_RFLAGS=0x20002, GUEST_CS_AR_BYTES=0xF3, GUEST_SS_AR_BYTES=0xF3)
    assert seg(**v86) == ()
