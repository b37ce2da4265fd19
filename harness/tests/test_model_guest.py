"""Guest-state checks of the VM-entry model (core/model/checks_guest.c): control registers, debug
registers and MSRs; RIP and RFLAGS; non-register state; PDPTEs.  Every expectation comes from the SDM
text quoted in core/include/entry_checks_guest.def, on both sides of each boundary."""
import pytest
from harness.tests.modelkit import CAPS, GOLDEN, predict

ENTRY = GOLDEN["VM_ENTRY_CONTROLS"]
CR0, CR3, CR4 = GOLDEN["GUEST_CR0"], GOLDEN["GUEST_CR3"], GOLDEN["GUEST_CR4"]
PROC = GOLDEN["CPU_BASED_VM_EXEC_CONTROL"]
IA32E, LOAD_DBG, LOAD_PAT, LOAD_EFER, LOAD_BNDCFGS = 1 << 9, 1 << 2, 1 << 14, 1 << 15, 1 << 16
PE, WP, PG, PAE, PCIDE, CET = 1, 1 << 16, 1 << 31, 1 << 5, 1 << 17, 1 << 23
TF, IF, VM = 1 << 8, 1 << 9, 1 << 17
STI, MOVSS, SMI, NMI = 1, 2, 4, 8
VALID = 1 << 31
EXT32, NMI_EVT, DE, MC = (0 << 8) | 32, (2 << 8) | 2, (3 << 8) | 0, (3 << 8) | 18
BS, RTM, BP = 1 << 14, 1 << 16, 1 << 12
EFER64 = (1 << 8) | (1 << 10) | (1 << 11)  # LME, LMA, NXE
EPT, UG = 1 << 1, 1 << 7
EPTP = 0x300000 | (3 << 3) | 6  # 4-level walk, write-back
# The capabilities the cases rely on, allowed whatever the canned platform says.
ALL_CAPS = {"IA32_VMX_CR4_FIXED1": CAPS["IA32_VMX_CR4_FIXED1"] | CET | PCIDE}


def v(**kw):
    kw.setdefault("pa_width", 46)
    kw.setdefault("la_width", 48)
    return predict(**kw).violated


def only(check, **kw):
    p = predict(pa_width=kw.pop("pa_width", 46), la_width=kw.pop("la_width", 48), **kw)
    assert p.violated == (check,), p.summary()
    assert p.outcome == "exit_invalid_state"
    return p


def ug(**kw):
    """"unrestricted guest" (with "enable EPT"), through "activate secondary controls"."""
    return dict(CPU_BASED_VM_EXEC_CONTROL=PROC | (1 << 31), SECONDARY_VM_EXEC_CONTROL=EPT | UG, EPT_POINTER=EPTP, **kw)


# ---- control registers, debug registers, MSRs ----

def test_cr0_fixed0_and_unrestricted_guest():
    only("GUEST_CR0_FIXED0", GUEST_CR0=CR0 & ~(1 << 5))  # NE must be 1
    assert v(GUEST_CR0=CR0) == ()
    # PE/PG are fixed-1 but "not checked if the unrestricted guest VM-execution control is 1".
    assert set(v(GUEST_CR0=CR0 & ~PE)) == {"GUEST_CR0_FIXED0", "GUEST_CR0_PG_PE"}
    assert v(**ug(GUEST_CR0=CR0 & ~PE)) == ("GUEST_CR0_PG_PE",)
    assert v(**ug(GUEST_CR0=CR0 & ~(PE | PG), VM_ENTRY_CONTROLS=ENTRY & ~IA32E)) == ()
    # Without "activate secondary controls" the secondary controls count as 0.
    assert "GUEST_CR0_FIXED0" in v(GUEST_CR0=CR0 & ~PG, SECONDARY_VM_EXEC_CONTROL=UG | EPT)


def test_cr0_fixed1():
    only("GUEST_CR0_FIXED1", GUEST_CR0=CR0 | (1 << 32))  # FIXED1 = FFFFFFFFH
    assert v(GUEST_CR0=CR0 | (1 << 18)) == ()
    only("GUEST_CR0_FIXED1", GUEST_CR0=CR0 | (1 << 18), caps={"IA32_VMX_CR0_FIXED1": 0xfffbffff})


def test_cr0_pg_needs_pe():
    only("GUEST_CR0_PG_PE", **ug(GUEST_CR0=CR0 & ~PE))
    assert v(**ug(GUEST_CR0=CR0)) == ()


def test_cr4_fixed():
    only("GUEST_CR4_FIXED", GUEST_CR4=CR4 & ~(1 << 13))  # VMXE fixed to 1
    only("GUEST_CR4_FIXED", GUEST_CR4=CR4 | (1 << 11))  # not in FIXED1 = 3727FFH
    assert v(GUEST_CR4=CR4 | (1 << 9)) == ()


def test_cr4_cet_needs_wp():
    only("GUEST_CR4_CET_WP", caps=ALL_CAPS, GUEST_CR0=CR0 & ~WP, GUEST_CR4=CR4 | CET)
    assert v(caps=ALL_CAPS, GUEST_CR0=CR0 | WP, GUEST_CR4=CR4 | CET) == ()
    assert v(caps=ALL_CAPS, GUEST_CR0=CR0 & ~WP) == ()


def test_debugctl_reserved_only_with_load_debug_controls():
    for bit in (16, 63, 3, 4, 5):
        only("GUEST_DEBUGCTL_RESERVED", VM_ENTRY_CONTROLS=ENTRY | LOAD_DBG, GUEST_IA32_DEBUGCTL=1 << bit)
    for bit in (0, 1, 2, 6, 15):
        assert v(VM_ENTRY_CONTROLS=ENTRY | LOAD_DBG, GUEST_IA32_DEBUGCTL=1 << bit) == ()
    assert v(VM_ENTRY_CONTROLS=ENTRY & ~LOAD_DBG, GUEST_IA32_DEBUGCTL=1 << 16) == ()


def test_dr7_high_bits():
    only("GUEST_DR7_HIGH", VM_ENTRY_CONTROLS=ENTRY | LOAD_DBG, GUEST_DR7=0x400 | (1 << 32))
    assert v(VM_ENTRY_CONTROLS=ENTRY | LOAD_DBG, GUEST_DR7=0x400 | (1 << 31)) == ()
    assert v(VM_ENTRY_CONTROLS=ENTRY & ~LOAD_DBG, GUEST_DR7=1 << 32) == ()


def test_ia32e_mode_needs_pg_and_pae():
    only("GUEST_IA32E_CR0_PG", **ug(GUEST_CR0=CR0 & ~PG))
    only("GUEST_IA32E_CR4_PAE", GUEST_CR4=CR4 & ~PAE)
    assert v(GUEST_CR4=CR4 | PAE) == ()
    # Not IA-32e mode: PAE may be 0 (and PCIDE must be 0).
    assert v(VM_ENTRY_CONTROLS=ENTRY & ~IA32E, GUEST_CR4=CR4 & ~PAE) == ()


def test_pcide_only_in_ia32e_mode():
    only("GUEST_NOT_IA32E_PCIDE", caps=ALL_CAPS, VM_ENTRY_CONTROLS=ENTRY & ~IA32E, GUEST_CR4=CR4 | PCIDE)
    assert v(caps=ALL_CAPS, GUEST_CR4=CR4 | PCIDE) == ()
    assert v(caps=ALL_CAPS, VM_ENTRY_CONTROLS=ENTRY & ~IA32E) == ()


@pytest.mark.parametrize("pa", [36, 39, 46, 52])
def test_cr3_beyond_maxphyaddr(pa):
    assert v(pa_width=pa, GUEST_CR3=CR3 | (1 << (pa - 1))) == ()
    assert v(pa_width=pa, GUEST_CR3=CR3 | (1 << pa)) == ("GUEST_CR3_PA",)
    assert v(pa_width=pa, GUEST_CR3=CR3 | (1 << 63)) == ("GUEST_CR3_PA",)


@pytest.mark.parametrize("field", ["GUEST_SYSENTER_ESP", "GUEST_SYSENTER_EIP"])
@pytest.mark.parametrize("la", [48, 57])
def test_sysenter_canonical(field, la):
    check = field.replace("GUEST_", "GUEST_") + "_CANONICAL"
    only(check, la_width=la, **{field: 1 << (la - 1)})
    only(check, la_width=la, **{field: 1 << 63})
    assert v(la_width=la, **{field: (1 << (la - 1)) - 1}) == ()
    assert v(la_width=la, **{field: (2**64 - 1) << (la - 1) & (2**64 - 1)}) == ()


def test_pat_memory_types():
    default = 0x0007040600070406
    assert v(VM_ENTRY_CONTROLS=ENTRY | LOAD_PAT, GUEST_IA32_PAT=default) == ()
    assert v(VM_ENTRY_CONTROLS=ENTRY | LOAD_PAT, GUEST_IA32_PAT=0x0706050401000000) == ()
    for byte in range(8):
        for t in (2, 3, 8, 0xff):
            pat = default & ~(0xff << (8 * byte)) | (t << (8 * byte))
            only("GUEST_PAT", VM_ENTRY_CONTROLS=ENTRY | LOAD_PAT, GUEST_IA32_PAT=pat)
    assert v(VM_ENTRY_CONTROLS=ENTRY & ~LOAD_PAT, GUEST_IA32_PAT=2) == ()


def test_efer_checks_only_with_load_efer():
    e = dict(VM_ENTRY_CONTROLS=ENTRY | LOAD_EFER)
    assert v(GUEST_IA32_EFER=EFER64 | 1, **e) == ()
    for bit in (1, 7, 9, 12, 14, 63):
        only("GUEST_EFER_RESERVED", GUEST_IA32_EFER=EFER64 | (1 << bit), **e)
    # LMA must equal "IA-32e mode guest"; clearing LME too keeps LMA == LME.
    only("GUEST_EFER_LMA", GUEST_IA32_EFER=EFER64 & ~((1 << 10) | (1 << 8)), **e)
    assert v(GUEST_IA32_EFER=0, VM_ENTRY_CONTROLS=(ENTRY & ~IA32E) | LOAD_EFER) == ()
    only("GUEST_EFER_LMA", GUEST_IA32_EFER=1 << 10, VM_ENTRY_CONTROLS=(ENTRY & ~IA32E) | LOAD_EFER,
         GUEST_CR0=CR0 & ~PG, caps={"IA32_VMX_CR0_FIXED0": 0x21})
    # LME must equal LMA when CR0.PG = 1, not when PG = 0.
    only("GUEST_EFER_LME", GUEST_IA32_EFER=EFER64 & ~(1 << 8), **e)
    assert v(GUEST_IA32_EFER=1 << 8, VM_ENTRY_CONTROLS=(ENTRY & ~IA32E) | LOAD_EFER,
             GUEST_CR0=CR0 & ~PG, caps={"IA32_VMX_CR0_FIXED0": 0x21}) == ()
    assert v(GUEST_IA32_EFER=1 << 9) == ()  # "load IA32_EFER" 0


def test_bndcfgs():
    # "load IA32_BNDCFGS" allowed (the canned platform lacks it).
    caps = {"IA32_VMX_TRUE_ENTRY_CTLS": CAPS["IA32_VMX_TRUE_ENTRY_CTLS"] | (LOAD_BNDCFGS << 32)}
    e = dict(VM_ENTRY_CONTROLS=ENTRY | LOAD_BNDCFGS, caps=caps)
    assert v(GUEST_BNDCFGS=3, **e) == ()
    for bit in range(2, 12):
        only("GUEST_BNDCFGS_RESERVED", GUEST_BNDCFGS=1 << bit, **e)
    only("GUEST_BNDCFGS_CANONICAL", GUEST_BNDCFGS=1 << 47, **e)
    assert v(GUEST_BNDCFGS=(1 << 47) - 0x1000, **e) == ()
    assert v(GUEST_BNDCFGS=0xffff800000000000, **e) == ()
    assert v(GUEST_BNDCFGS=1 << 47, caps=caps) == ()  # control 0


# ---- RIP, RFLAGS ----

def test_rip_bits_63_32_outside_64bit_mode():
    cs32 = 0xc09b  # L = 0
    only("GUEST_RIP_HIGH_32", GUEST_CS_AR_BYTES=cs32, GUEST_RIP=1 << 32)
    assert v(GUEST_CS_AR_BYTES=cs32, GUEST_RIP=0xffffffff) == ()
    only("GUEST_RIP_HIGH_32", VM_ENTRY_CONTROLS=ENTRY & ~IA32E, GUEST_RIP=1 << 32)
    # 64-bit mode: the 63:N rule instead.
    assert v(GUEST_RIP=1 << 32) == ()
    only("GUEST_RIP_HIGH_BITS", GUEST_RIP=1 << 48)
    assert v(GUEST_RIP=(1 << 48) - 1) == ()


def test_rflags_reserved_and_bit1():
    for bit in (3, 5, 15, 22, 31, 32, 63):
        only("GUEST_RFLAGS_RESERVED", GUEST_RFLAGS=2 | (1 << bit))
    for bit in (0, 2, 4, 6, 7, 10, 11, 14, 16, 18, 19, 20, 21):
        assert v(GUEST_RFLAGS=2 | (1 << bit)) == ()
    only("GUEST_RFLAGS_BIT1", GUEST_RFLAGS=0)
    assert v(GUEST_RFLAGS=2) == ()


def test_rflags_vm():
    # VM must be 0 in IA-32e mode or with CR0.PE = 0; only v8086-shaped segments keep the rest quiet.
    p = predict(GUEST_RFLAGS=2 | VM, la_width=48, pa_width=46)
    assert "GUEST_RFLAGS_VM" in p.violated
    assert v(GUEST_RFLAGS=2 | (1 << 16)) == ()
    assert "GUEST_RFLAGS_VM" not in v(GUEST_RFLAGS=2 | VM, VM_ENTRY_CONTROLS=ENTRY & ~IA32E)
    assert "GUEST_RFLAGS_VM" in v(**ug(GUEST_RFLAGS=2 | VM, VM_ENTRY_CONTROLS=ENTRY & ~IA32E,
                                      GUEST_CR0=CR0 & ~(PE | PG)))


def test_if_when_injecting_external_interrupt():
    only("GUEST_RFLAGS_IF_INJECT", VM_ENTRY_INTR_INFO_FIELD=VALID | EXT32)
    assert v(VM_ENTRY_INTR_INFO_FIELD=VALID | EXT32, GUEST_RFLAGS=2 | IF) == ()
    assert v(VM_ENTRY_INTR_INFO_FIELD=EXT32) == ()
    assert v(VM_ENTRY_INTR_INFO_FIELD=VALID | NMI_EVT) == ()


# ---- activity state ----

def test_activity_range_and_support():
    only("GUEST_ACTIVITY_STATE", GUEST_ACTIVITY_STATE=4)
    assert v(GUEST_ACTIVITY_STATE=0) == ()
    for state in (1, 2, 3):
        assert v(GUEST_ACTIVITY_STATE=state) == ()
        misc = CAPS["IA32_VMX_MISC"] & ~(1 << (5 + state))
        only("GUEST_ACTIVITY_SUPPORTED", GUEST_ACTIVITY_STATE=state, caps={"IA32_VMX_MISC": misc})
    assert v(GUEST_ACTIVITY_STATE=0, caps={"IA32_VMX_MISC": 0}) == ()


def test_hlt_needs_ss_dpl_0():
    ss = GOLDEN["GUEST_SS_AR_BYTES"]
    assert "GUEST_ACTIVITY_HLT_SS_DPL" in v(GUEST_ACTIVITY_STATE=1, GUEST_SS_AR_BYTES=ss | (3 << 5))
    assert "GUEST_ACTIVITY_HLT_SS_DPL" in v(GUEST_ACTIVITY_STATE=1, GUEST_SS_AR_BYTES=ss | (1 << 5))
    assert v(GUEST_ACTIVITY_STATE=1) == ()
    assert "GUEST_ACTIVITY_HLT_SS_DPL" not in v(GUEST_ACTIVITY_STATE=0, GUEST_SS_AR_BYTES=ss | (3 << 5))


def test_blocking_needs_active_state():
    for intr in (STI, MOVSS):
        for state in (1, 2, 3):
            only("GUEST_ACTIVITY_BLOCKING", GUEST_ACTIVITY_STATE=state, GUEST_INTERRUPTIBILITY_INFO=intr,
                 GUEST_RFLAGS=2 | IF)
        assert v(GUEST_INTERRUPTIBILITY_INFO=intr, GUEST_RFLAGS=2 | IF) == ()
    assert v(GUEST_ACTIVITY_STATE=1, GUEST_INTERRUPTIBILITY_INFO=NMI) == ()


def test_events_allowed_per_activity_state():
    hlt_ok = [EXT32, NMI_EVT, (3 << 8) | 1, MC, (7 << 8) | 0]
    hlt_bad = [DE, (3 << 8) | 6, (4 << 8) | 3, (6 << 8) | 3, (5 << 8) | 1]
    rf = 2 | IF
    for e in hlt_ok:
        assert v(GUEST_ACTIVITY_STATE=1, VM_ENTRY_INTR_INFO_FIELD=VALID | e, GUEST_RFLAGS=rf) == (), hex(e)
    for e in hlt_bad:
        only("GUEST_ACTIVITY_HLT_EVENT", GUEST_ACTIVITY_STATE=1, VM_ENTRY_INTR_INFO_FIELD=VALID | e,
             GUEST_RFLAGS=rf)
    for e in (NMI_EVT, MC):
        assert v(GUEST_ACTIVITY_STATE=2, VM_ENTRY_INTR_INFO_FIELD=VALID | e, GUEST_RFLAGS=rf) == ()
    for e in (DE, (0 << 8) | 18, EXT32, (3 << 8) | 1):  # an external interrupt with vector 18 is no #MC
        only("GUEST_ACTIVITY_SHUTDOWN_EVENT", GUEST_ACTIVITY_STATE=2, VM_ENTRY_INTR_INFO_FIELD=VALID | e,
             GUEST_RFLAGS=rf)
    for e in (NMI_EVT, MC, EXT32):
        only("GUEST_ACTIVITY_SIPI_EVENT", GUEST_ACTIVITY_STATE=3, VM_ENTRY_INTR_INFO_FIELD=VALID | e,
             GUEST_RFLAGS=rf)
    for state in (1, 2, 3):  # the valid bit decides
        assert v(GUEST_ACTIVITY_STATE=state, VM_ENTRY_INTR_INFO_FIELD=DE) == ()
    assert v(VM_ENTRY_INTR_INFO_FIELD=VALID | DE) == ()  # active: anything


# ---- interruptibility state ----

def test_interruptibility_reserved():
    for bit in (5, 6, 31):
        only("GUEST_INTR_RESERVED", GUEST_INTERRUPTIBILITY_INFO=1 << bit)
    assert v(GUEST_INTERRUPTIBILITY_INFO=NMI) == ()


def test_sti_and_movss():
    only("GUEST_INTR_STI_MOVSS", GUEST_INTERRUPTIBILITY_INFO=STI | MOVSS, GUEST_RFLAGS=2 | IF)
    assert v(GUEST_INTERRUPTIBILITY_INFO=MOVSS) == ()
    only("GUEST_INTR_STI_IF", GUEST_INTERRUPTIBILITY_INFO=STI)
    assert v(GUEST_INTERRUPTIBILITY_INFO=STI, GUEST_RFLAGS=2 | IF) == ()


def test_blocking_when_injecting():
    rf = 2 | IF
    for intr in (STI, MOVSS):
        only("GUEST_INTR_EXT_INTR_BLOCKING", GUEST_INTERRUPTIBILITY_INFO=intr, GUEST_RFLAGS=rf,
             VM_ENTRY_INTR_INFO_FIELD=VALID | EXT32)
        assert v(GUEST_INTERRUPTIBILITY_INFO=intr, GUEST_RFLAGS=rf, VM_ENTRY_INTR_INFO_FIELD=EXT32) == ()
    only("GUEST_INTR_NMI_MOVSS", GUEST_INTERRUPTIBILITY_INFO=MOVSS, VM_ENTRY_INTR_INFO_FIELD=VALID | NMI_EVT)
    assert v(GUEST_INTERRUPTIBILITY_INFO=MOVSS, VM_ENTRY_INTR_INFO_FIELD=NMI_EVT) == ()
    # STI blocking with NMI injection: "a processor may require" it to be 0; the model does not.
    assert v(GUEST_INTERRUPTIBILITY_INFO=STI, GUEST_RFLAGS=rf, VM_ENTRY_INTR_INFO_FIELD=VALID | NMI_EVT) == ()
    # MOV-SS blocking with a hardware exception: allowed.
    assert v(GUEST_INTERRUPTIBILITY_INFO=MOVSS, VM_ENTRY_INTR_INFO_FIELD=VALID | DE) == ()


def test_smi_blocking_outside_smm():
    only("GUEST_INTR_SMI", GUEST_INTERRUPTIBILITY_INFO=SMI)
    assert v(GUEST_INTERRUPTIBILITY_INFO=NMI) == ()


def test_nmi_blocking_with_virtual_nmis():
    pin = GOLDEN["PIN_BASED_VM_EXEC_CONTROL"] | (1 << 3) | (1 << 5)
    only("GUEST_INTR_VNMI_NMI", PIN_BASED_VM_EXEC_CONTROL=pin, GUEST_INTERRUPTIBILITY_INFO=NMI,
         VM_ENTRY_INTR_INFO_FIELD=VALID | NMI_EVT)
    assert v(PIN_BASED_VM_EXEC_CONTROL=pin, GUEST_INTERRUPTIBILITY_INFO=NMI, VM_ENTRY_INTR_INFO_FIELD=NMI_EVT) == ()
    assert v(PIN_BASED_VM_EXEC_CONTROL=pin, VM_ENTRY_INTR_INFO_FIELD=VALID | NMI_EVT) == ()
    # "If the virtual NMIs VM-execution control is 0, there is no requirement that bit 3 be 0".
    assert v(GUEST_INTERRUPTIBILITY_INFO=NMI, VM_ENTRY_INTR_INFO_FIELD=VALID | NMI_EVT) == ()


# ---- pending debug exceptions ----

def test_pending_debug_reserved():
    for bit in list(range(4, 12)) + [13, 15, 17, 31, 63]:
        only("GUEST_PENDING_DBG_RESERVED", GUEST_PENDING_DBG_EXCEPTIONS=1 << bit)
    for bit in (0, 1, 2, 3, 12):
        assert v(GUEST_PENDING_DBG_EXCEPTIONS=1 << bit) == ()
    assert v(GUEST_PENDING_DBG_EXCEPTIONS=BS) == ()  # no blocking, not HLT: BS unchecked


@pytest.mark.parametrize("cond", [dict(GUEST_INTERRUPTIBILITY_INFO=MOVSS),
                                  dict(GUEST_INTERRUPTIBILITY_INFO=STI, rf=IF),
                                  dict(GUEST_ACTIVITY_STATE=1)])
def test_bs_rules(cond):
    cond = dict(cond)
    rf = 2 | cond.pop("rf", 0)
    only("GUEST_PENDING_DBG_BS_SET", GUEST_RFLAGS=rf | TF, **cond)
    assert v(GUEST_RFLAGS=rf | TF, GUEST_PENDING_DBG_EXCEPTIONS=BS, **cond) == ()
    only("GUEST_PENDING_DBG_BS_CLEAR", GUEST_RFLAGS=rf, GUEST_PENDING_DBG_EXCEPTIONS=BS, **cond)
    assert v(GUEST_RFLAGS=rf, **cond) == ()
    # BTF = 1 (the field, whatever "load debug controls" says): BS must be 0 even with TF.
    only("GUEST_PENDING_DBG_BS_CLEAR", GUEST_RFLAGS=rf | TF, GUEST_IA32_DEBUGCTL=2,
         GUEST_PENDING_DBG_EXCEPTIONS=BS, **cond)
    assert v(GUEST_RFLAGS=rf | TF, GUEST_IA32_DEBUGCTL=2, **cond) == ()


def test_bs_rules_not_applied_without_blocking_or_hlt():
    assert v(GUEST_RFLAGS=2 | TF) == ()
    assert v(GUEST_PENDING_DBG_EXCEPTIONS=BS) == ()


def test_rtm_bit():
    only("GUEST_PENDING_DBG_RTM_BITS", GUEST_PENDING_DBG_EXCEPTIONS=RTM)  # bit 12 must be 1
    assert v(GUEST_PENDING_DBG_EXCEPTIONS=RTM | BP) == ()
    for bit in (0, 1, 2, 3):
        only("GUEST_PENDING_DBG_RTM_BITS", GUEST_PENDING_DBG_EXCEPTIONS=RTM | BP | (1 << bit))
    assert set(v(GUEST_PENDING_DBG_EXCEPTIONS=RTM | BP | (1 << 13))) == {
        "GUEST_PENDING_DBG_RESERVED", "GUEST_PENDING_DBG_RTM_BITS"}
    only("GUEST_PENDING_DBG_RTM_MOVSS", GUEST_PENDING_DBG_EXCEPTIONS=RTM | BP, GUEST_INTERRUPTIBILITY_INFO=MOVSS)
    assert v(GUEST_PENDING_DBG_EXCEPTIONS=BP, GUEST_INTERRUPTIBILITY_INFO=MOVSS) == ()


# ---- VMCS link pointer ----

def test_link_pointer():
    assert v(VMCS_LINK_POINTER=2**64 - 1) == ()
    assert v(VMCS_LINK_POINTER=0x200000) == ()
    for low in (1, 0x800):
        p = only("GUEST_VMCS_LINK_POINTER", VMCS_LINK_POINTER=0x200000 | low)
        assert p.qual == 4
    p = only("GUEST_LINK_PTR_PA", VMCS_LINK_POINTER=1 << 46, pa_width=46)
    assert p.qual == 4
    assert v(VMCS_LINK_POINTER=(1 << 46) - 0x1000, pa_width=46) == ()


# ---- PDPTEs ----

def pae(**kw):
    """A PAE-paging guest (CR0.PG, CR4.PAE, not IA-32e mode) with "enable EPT"."""
    base = dict(CPU_BASED_VM_EXEC_CONTROL=PROC | (1 << 31), SECONDARY_VM_EXEC_CONTROL=EPT, EPT_POINTER=EPTP,
                VM_ENTRY_CONTROLS=ENTRY & ~IA32E, GUEST_CS_AR_BYTES=0xc09b,
                GUEST_PDPTR0=0x200001, GUEST_PDPTR1=0, GUEST_PDPTR2=0, GUEST_PDPTR3=0)
    base.update(kw)
    return base


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_pdpte_reserved_bits(n):
    field, check = f"GUEST_PDPTR{n}", f"GUEST_PDPTE{n}_RESERVED"
    assert v(**pae(**{field: 0x200001})) == ()
    for bit in (1, 2, 5, 6, 7, 8, 46, 63):
        p = only(check, pa_width=46, **pae(**{field: 0x200001 | (1 << bit)}))
        assert p.qual == 2
    for bit in (3, 4, 9, 10, 11, 45):  # PWT, PCD, ignored, address
        assert v(pa_width=46, **pae(**{field: 0x200001 | (1 << bit)})) == ()
    assert v(**pae(**{field: 0x1e6 | (1 << 63)})) == ()  # not present: unchecked


def test_pdptes_only_with_pae_paging_and_ept():
    bad = 0x200003
    assert v(**pae(GUEST_PDPTR1=bad, SECONDARY_VM_EXEC_CONTROL=0)) == ()  # EPT off (from CR3: not modelled)
    assert v(**pae(GUEST_PDPTR1=bad, GUEST_CR4=CR4 & ~PAE)) == ()
    assert v(**ug(**{k: x for k, x in pae(GUEST_PDPTR1=bad, GUEST_CR0=CR0 & ~PG).items()
                     if k not in ("CPU_BASED_VM_EXEC_CONTROL", "SECONDARY_VM_EXEC_CONTROL", "EPT_POINTER")})) == ()
    assert v(**pae(GUEST_PDPTR1=bad, VM_ENTRY_CONTROLS=ENTRY, GUEST_CS_AR_BYTES=0xa09b)) == ()
