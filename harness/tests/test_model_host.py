"""Host-state checks (core/model/checks_host.c) and VM-entry MSR loading (core/model/checks_msr.c),
both sides of every boundary.  Expected results come from the SDM text ("Checks on the Host-State
Area", "Loading MSRs", WRMSR's #GP conditions); the canned golden VMCS is only the starting point.
Canned platform: CR0 FIXED0 80000021H / FIXED1 FFFFFFFFH, CR4 FIXED0 2000H / FIXED1 3727FFH,
MAXPHYADDR 40, linear-address width 48."""
import pytest

from harness.tests.modelkit import GOLDEN, predict

HOST8 = ("vmfail_valid", 8)
EXIT_CTLS = GOLDEN["VM_EXIT_CONTROLS"]
ENTRY_CTLS = GOLDEN["VM_ENTRY_CONTROLS"]
HOST_ADDR_SPACE = 1 << 9
LOAD_PERF = 1 << 12
LOAD_PAT = 1 << 19
LOAD_EFER = 1 << 21
IA32E_GUEST = 1 << 9
EFER64 = (1 << 8) | (1 << 10) | (1 << 11)  # LME, LMA, NXE
PAT_DEFAULT = 0x0007040600070406


def only(check, **kw):
    p = predict(**kw)
    assert p.violated == (check,), p
    return p


def clean(**kw):
    p = predict(**kw)
    assert p.violated == () and p.outcome == "vmsucceed", p
    return p


def test_golden_host_state_is_clean():
    assert EXIT_CTLS & HOST_ADDR_SPACE and ENTRY_CTLS & IA32E_GUEST
    assert not EXIT_CTLS & (LOAD_PERF | LOAD_PAT | LOAD_EFER)
    clean()


# ---- CR0 / CR4 fixed bits ---------------------------------------------------------------

def test_cr0_fixed0():
    cr0 = GOLDEN["HOST_CR0"]
    for bit in (0, 5, 31):  # PE, NE, PG are 1 in FIXED0
        p = only("HOST_CR0_FIXED0", HOST_CR0=cr0 & ~(1 << bit))
        assert (p.outcome, p.error) == HOST8
    clean(HOST_CR0=cr0)
    clean(HOST_CR0=cr0 & ~(1 << 29))  # NW is not fixed
    clean(HOST_CR0=0x80000021)  # exactly FIXED0


def test_cr0_fixed1():
    cr0 = GOLDEN["HOST_CR0"]
    only("HOST_CR0_FIXED1", HOST_CR0=cr0 | (1 << 32))  # 0 in FIXED1
    only("HOST_CR0_FIXED1", HOST_CR0=cr0 | (1 << 63))
    clean(HOST_CR0=cr0 | (1 << 28))  # 1 in FIXED1
    clean(HOST_CR0=0xffffffff)  # every FIXED1 bit set


def test_cr4_fixed0_and_fixed1():
    cr4 = GOLDEN["HOST_CR4"]
    only("HOST_CR4_FIXED0", HOST_CR4=cr4 & ~(1 << 13))  # VMXE
    clean(HOST_CR4=cr4)
    only("HOST_CR4_FIXED1", HOST_CR4=cr4 | (1 << 11))  # UMIP: 0 in FIXED1 3727FFH
    only("HOST_CR4_FIXED1", HOST_CR4=cr4 | (1 << 12))  # LA57
    clean(HOST_CR4=cr4 | (1 << 10))  # 1 in FIXED1
    clean(HOST_CR4=0x3727ff)  # all of FIXED1


def test_cr4_fixed_uses_the_capability_msrs():
    cr4 = GOLDEN["HOST_CR4"]
    clean(HOST_CR4=cr4 | (1 << 11), caps={"IA32_VMX_CR4_FIXED1": 0x3727ff | (1 << 11)})
    f0 = {"IA32_VMX_CR4_FIXED0": 0x2100}  # PCE (bit 8) fixed to 1; the guest CR4 gets it too
    only("HOST_CR4_FIXED0", HOST_CR4=cr4, GUEST_CR4=GOLDEN["GUEST_CR4"] | 0x100, caps=f0)
    clean(HOST_CR4=cr4 | 0x100, GUEST_CR4=GOLDEN["GUEST_CR4"] | 0x100, caps=f0)


# ---- CR3 -----------------------------------------------------------------------------------

def test_cr3_beyond_maxphyaddr():
    cr3 = GOLDEN["HOST_CR3"]
    only("HOST_CR3_PA_WIDTH", HOST_CR3=cr3 | (1 << 40), pa_width=40)
    clean(HOST_CR3=cr3 | (1 << 39), pa_width=40)
    only("HOST_CR3_PA_WIDTH", HOST_CR3=cr3 | (1 << 63), pa_width=40)
    # bits 63:52 are checked whatever the width; 51:32 only beyond it
    clean(HOST_CR3=cr3 | (1 << 51), pa_width=52)
    only("HOST_CR3_PA_WIDTH", HOST_CR3=cr3 | (1 << 52), pa_width=52)
    only("HOST_CR3_PA_WIDTH", HOST_CR3=cr3 | (1 << 46), pa_width=46)
    clean(HOST_CR3=cr3 | (1 << 45), pa_width=46)


# ---- SYSENTER_ESP / SYSENTER_EIP: canonical, not "bits 63:N identical" ------------------------

@pytest.mark.parametrize("field,check", [
    ("HOST_IA32_SYSENTER_ESP", "HOST_SYSENTER_ESP_CANONICAL"),
    ("HOST_IA32_SYSENTER_EIP", "HOST_SYSENTER_EIP_CANONICAL"),
    ("HOST_FS_BASE", "HOST_FS_BASE_CANONICAL"),
    ("HOST_GS_BASE", "HOST_GS_BASE_CANONICAL"),
    ("HOST_GDTR_BASE", "HOST_GDTR_BASE_CANONICAL"),
    ("HOST_IDTR_BASE", "HOST_IDTR_BASE_CANONICAL"),
    ("HOST_TR_BASE", "HOST_TR_BASE_CANONICAL"),
    ("HOST_RIP", "HOST_ADDR_SPACE_RIP_CANONICAL"),
])
def test_canonical_fields(field, check):
    # N = 48: bits 63:47 identical.  Bit 47 alone is not canonical (it would pass "63:48 identical").
    only(check, la_width=48, **{field: 1 << 47})
    clean(la_width=48, **{field: 0x00007fffffffffff})
    clean(la_width=48, **{field: 0xffff800000000000})
    only(check, la_width=48, **{field: 0xfffe800000000000})
    only(check, la_width=48, **{field: 1 << 63})
    # N = 57: bits 63:56
    clean(la_width=57, **{field: 1 << 47})
    only(check, la_width=57, **{field: 1 << 56})
    clean(la_width=57, **{field: 0xff00000000000000})


# ---- IA32_PERF_GLOBAL_CTRL -----------------------------------------------------------------

def test_perf_global_ctrl_only_when_loaded():
    clean(HOST_IA32_PERF_GLOBAL_CTRL=1 << 63)  # control 0: field not checked
    ctl = EXIT_CTLS | LOAD_PERF
    only("HOST_PERF_GLOBAL_CTRL_RESERVED", VM_EXIT_CONTROLS=ctl, HOST_IA32_PERF_GLOBAL_CTRL=1 << 49)
    only("HOST_PERF_GLOBAL_CTRL_RESERVED", VM_EXIT_CONTROLS=ctl, HOST_IA32_PERF_GLOBAL_CTRL=1 << 63)
    clean(VM_EXIT_CONTROLS=ctl, HOST_IA32_PERF_GLOBAL_CTRL=0)
    clean(VM_EXIT_CONTROLS=ctl, HOST_IA32_PERF_GLOBAL_CTRL=0x3)  # PMC0, PMC1 enable


# ---- IA32_PAT ---------------------------------------------------------------------------------

@pytest.mark.parametrize("byte", range(8))
def test_pat_each_byte(byte):
    ctl = EXIT_CTLS | LOAD_PAT

    def with_type(t):
        return (PAT_DEFAULT & ~(0xff << (8 * byte))) | (t << (8 * byte))

    for t in (0, 1, 4, 5, 6, 7):
        clean(VM_EXIT_CONTROLS=ctl, HOST_IA32_PAT=with_type(t))
    for t in (2, 3, 8, 0xff):
        only(f"HOST_PAT_PA{byte}", VM_EXIT_CONTROLS=ctl, HOST_IA32_PAT=with_type(t))
    clean(HOST_IA32_PAT=with_type(2))  # control 0: not checked


def test_pat_reports_every_bad_byte():
    p = predict(VM_EXIT_CONTROLS=EXIT_CTLS | LOAD_PAT, HOST_IA32_PAT=0x0200000000000302)
    assert p.violated == ("HOST_PAT_PA0", "HOST_PAT_PA1", "HOST_PAT_PA7")


# ---- IA32_EFER ----------------------------------------------------------------------------------

def test_efer_reserved_bits():
    ctl = EXIT_CTLS | LOAD_EFER
    clean(VM_EXIT_CONTROLS=ctl, HOST_IA32_EFER=EFER64)
    clean(VM_EXIT_CONTROLS=ctl, HOST_IA32_EFER=EFER64 | 1)  # SCE
    for bit in (1, 7, 9, 12, 14, 63):
        only("HOST_EFER_RESERVED", VM_EXIT_CONTROLS=ctl, HOST_IA32_EFER=EFER64 | (1 << bit))
    clean(HOST_IA32_EFER=1 << 9)  # control 0: not checked


def test_efer_lma_lme_follow_host_address_space_size():
    ctl = EXIT_CTLS | LOAD_EFER
    only("HOST_EFER_LMA", VM_EXIT_CONTROLS=ctl, HOST_IA32_EFER=EFER64 & ~(1 << 10))
    only("HOST_EFER_LME", VM_EXIT_CONTROLS=ctl, HOST_IA32_EFER=EFER64 & ~(1 << 8))
    p = predict(VM_EXIT_CONTROLS=ctl, HOST_IA32_EFER=1 << 11)
    assert p.violated == ("HOST_EFER_LMA", "HOST_EFER_LME")
    # host address-space size 0 (and IA-32e mode guest 0): LMA and LME must be 0
    ctl32 = ctl & ~HOST_ADDR_SPACE
    p = predict(VM_EXIT_CONTROLS=ctl32, VM_ENTRY_CONTROLS=ENTRY_CTLS & ~IA32E_GUEST, HOST_IA32_EFER=1 << 11)
    assert p.violated == ("HOST_ADDR_SPACE_IA32E",)
    p = predict(VM_EXIT_CONTROLS=ctl32, VM_ENTRY_CONTROLS=ENTRY_CTLS & ~IA32E_GUEST, HOST_IA32_EFER=EFER64)
    assert set(p.violated) == {"HOST_ADDR_SPACE_IA32E", "HOST_EFER_LMA", "HOST_EFER_LME"}


# ---- selectors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("reg", ["ES", "CS", "SS", "DS", "FS", "GS", "TR"])
def test_selector_rpl_ti(reg):
    field, check = f"HOST_{reg}_SELECTOR", f"HOST_{reg}_SELECTOR_RPL_TI"
    sel = GOLDEN[field]
    assert sel & 7 == 0
    for low in (1, 2, 3, 4, 7):
        p = only(check, **{field: sel | low})
        assert (p.outcome, p.error) == HOST8
    clean(**{field: sel})
    clean(**{field: sel | 8})  # another index, RPL 0, TI 0


def test_cs_and_tr_not_zero():
    only("HOST_CS_SELECTOR_ZERO", HOST_CS_SELECTOR=0)
    only("HOST_TR_SELECTOR_ZERO", HOST_TR_SELECTOR=0)
    clean(HOST_CS_SELECTOR=8)
    clean(HOST_TR_SELECTOR=8)


def test_ss_zero_only_matters_for_a_32_bit_host():
    clean(HOST_SS_SELECTOR=0)  # host address-space size 1
    ctl32 = dict(VM_EXIT_CONTROLS=EXIT_CTLS & ~HOST_ADDR_SPACE, VM_ENTRY_CONTROLS=ENTRY_CTLS & ~IA32E_GUEST)
    p = predict(HOST_SS_SELECTOR=0, **ctl32)
    assert p.violated == ("HOST_SS_SELECTOR_ZERO", "HOST_ADDR_SPACE_IA32E")
    assert predict(HOST_SS_SELECTOR=0x10, **ctl32).violated == ("HOST_ADDR_SPACE_IA32E",)


# ---- address-space size ---------------------------------------------------------------------------

def test_ia32e_processor_needs_host_address_space_size():
    p = only("HOST_ADDR_SPACE_IA32E", VM_EXIT_CONTROLS=EXIT_CTLS & ~HOST_ADDR_SPACE,
             VM_ENTRY_CONTROLS=ENTRY_CTLS & ~IA32E_GUEST)
    assert (p.outcome, p.error) == HOST8


def test_host32_pcide_and_rip_high():
    ctl32 = dict(VM_EXIT_CONTROLS=EXIT_CTLS & ~HOST_ADDR_SPACE, VM_ENTRY_CONTROLS=ENTRY_CTLS & ~IA32E_GUEST)
    cr4 = GOLDEN["HOST_CR4"]
    p = predict(HOST_CR4=cr4 | (1 << 17), **ctl32)
    assert p.violated == ("HOST_ADDR_SPACE_IA32E", "HOST_ADDR_SPACE_CR4_PCIDE")
    p = predict(HOST_RIP=1 << 32, **ctl32)
    assert p.violated == ("HOST_ADDR_SPACE_IA32E", "HOST_ADDR_SPACE_RIP_HIGH")
    assert predict(HOST_RIP=0xffffffff, **ctl32).violated == ("HOST_ADDR_SPACE_IA32E",)
    # a 64-bit host may have PCIDE and a high RIP
    clean(HOST_CR4=cr4 | (1 << 17))
    clean(HOST_RIP=0xffffffff80000000)


def test_host64_needs_cr4_pae():
    cr4 = GOLDEN["HOST_CR4"]
    only("HOST_ADDR_SPACE_CR4_PAE", HOST_CR4=cr4 & ~(1 << 5))
    clean(HOST_CR4=cr4)
    ctl32 = dict(VM_EXIT_CONTROLS=EXIT_CTLS & ~HOST_ADDR_SPACE, VM_ENTRY_CONTROLS=ENTRY_CTLS & ~IA32E_GUEST)
    assert predict(HOST_CR4=cr4 & ~(1 << 5), **ctl32).violated == ("HOST_ADDR_SPACE_IA32E",)


# ---- VM-entry MSR loading -------------------------------------------------------------------------

def msr(entries, count=None):
    return predict(VM_ENTRY_MSR_LOAD_COUNT=len(entries) if count is None else count, msr_load=entries)


def msr_only(check, entries, index=2):
    p = msr(entries)
    assert (p.outcome, p.qual, p.violated) == ("exit_msr_load", index, (check,)), p
    return p


def msr_clean(entries):
    p = msr(entries)
    assert (p.outcome, p.violated) == ("vmsucceed", ()), p


SYSENTER_CS = (0x174, 0)


def test_msr_fs_gs_base():
    msr_only("MSR_LOAD_FS_BASE", [SYSENTER_CS, (0xc0000100, 0)])
    msr_only("MSR_LOAD_FS_BASE", [SYSENTER_CS, (0xc0000101, 0)])
    msr_only("MSR_LOAD_FS_BASE", [(0xc0000100, 0)], index=1)
    msr_clean([SYSENTER_CS, (0xc0000102, 0)])  # KERNEL_GS_BASE may be loaded


def test_msr_index_bits_63_32():
    msr_only("MSR_LOAD_INDEX_HIGH_BITS", [SYSENTER_CS, ((1 << 32) | 0x174, 0)])
    msr_only("MSR_LOAD_INDEX_HIGH_BITS", [SYSENTER_CS, ((1 << 63) | 0x174, 0)])
    msr_clean([SYSENTER_CS, (0x174, 0)])


def test_msr_x2apic_range():
    for idx in (0x800, 0x808, 0x8ff):
        msr_only("MSR_LOAD_X2APIC", [SYSENTER_CS, (idx, 0)])
    msr_clean([SYSENTER_CS, (0x7ff, 0)])  # bits 31:8 = 7: not the x2APIC range (model: writable)
    msr_clean([SYSENTER_CS, (0x900, 0)])


def test_msr_smm_only_and_microcode():
    msr_only("MSR_LOAD_SMM_MONITOR_CTL", [SYSENTER_CS, (0x9b, 0)])
    msr_only("MSR_LOAD_SMBASE", [SYSENTER_CS, (0x9e, 0x30000)])
    msr_only("MSR_LOAD_UCODE", [SYSENTER_CS, (0x79, 0)])
    msr_only("MSR_LOAD_UCODE", [SYSENTER_CS, (0x8b, 0)])
    msr_clean([SYSENTER_CS, (0x9a, 0)])
    msr_clean([SYSENTER_CS, (0x7a, 0)])


def test_msr_pat_value():
    msr_clean([SYSENTER_CS, (0x277, PAT_DEFAULT)])
    msr_clean([SYSENTER_CS, (0x277, 0x0101010101010101)])
    msr_only("MSR_LOAD_PAT", [SYSENTER_CS, (0x277, PAT_DEFAULT | (2 << 24))])
    msr_only("MSR_LOAD_PAT", [SYSENTER_CS, (0x277, PAT_DEFAULT | (8 << 56))])


def test_msr_efer_reserved():
    msr_clean([SYSENTER_CS, (0xc0000080, EFER64 | 1)])
    msr_only("MSR_LOAD_EFER_RESERVED", [SYSENTER_CS, (0xc0000080, EFER64 | (1 << 9))])
    msr_only("MSR_LOAD_EFER_RESERVED", [SYSENTER_CS, (0xc0000080, EFER64 | (1 << 12))])


@pytest.mark.parametrize("idx,check", [
    (0x175, "MSR_LOAD_SYSENTER_ESP_CANONICAL"),
    (0x176, "MSR_LOAD_SYSENTER_EIP_CANONICAL"),
    (0xc0000082, "MSR_LOAD_LSTAR_CANONICAL"),
    (0xc0000102, "MSR_LOAD_KERNEL_GS_BASE_CANONICAL"),
])
def test_msr_canonical_values(idx, check):
    msr_only(check, [SYSENTER_CS, (idx, 1 << 47)])
    msr_clean([SYSENTER_CS, (idx, 0xffff800000000000)])
    msr_clean([SYSENTER_CS, (idx, 0x00007fffffffffff)])
    p = predict(VM_ENTRY_MSR_LOAD_COUNT=2, msr_load=[SYSENTER_CS, (idx, 1 << 56)], la_width=57)
    assert p.violated == (check,)
    p = predict(VM_ENTRY_MSR_LOAD_COUNT=2, msr_load=[SYSENTER_CS, (idx, 1 << 47)], la_width=57)
    assert p.violated == ()
    msr_clean([SYSENTER_CS, (0x174, 1 << 47)])  # SYSENTER_CS holds no address


def test_msr_loading_stops_at_the_first_bad_entry():
    p = msr([SYSENTER_CS, (0x9b, 0), (0xc0000100, 0)])
    assert (p.outcome, p.qual, p.violated) == ("exit_msr_load", 2, ("MSR_LOAD_SMM_MONITOR_CTL",))
    # one entry that breaks two rules reports both, with its index
    p = msr([SYSENTER_CS, ((1 << 32) | 0xc0000100, 0)])
    assert (p.qual, set(p.violated)) == (2, {"MSR_LOAD_INDEX_HIGH_BITS", "MSR_LOAD_FS_BASE"})
    # entries beyond the count are not loaded
    assert msr([SYSENTER_CS, (0x800, 0)], count=1).violated == ()


def test_msr_phase_comes_after_host_state():
    p = predict(HOST_TR_SELECTOR=0, VM_ENTRY_MSR_LOAD_COUNT=1, msr_load=[(0x800, 0)])
    assert (p.outcome, p.error) == HOST8
    assert set(p.violated) == {"HOST_TR_SELECTOR_ZERO", "MSR_LOAD_X2APIC"}
