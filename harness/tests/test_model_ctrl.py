"""SDM "Checks on VMX Controls" (core/model/checks_ctrl.c) on the host, both sides of every boundary.

Expected values come from the SDM text quoted in core/include/entry_checks_ctrl.def; the golden
VMCS and capability MSRs of bochs30-skylake_x (modelkit) are only the starting point, and
capability-dependent rules are tested with explicit caps={...}.
"""
import pytest

from harness.tests.modelkit import CAPS, GOLDEN, PA_WIDTH, predict

PIN = GOLDEN["PIN_BASED_VM_EXEC_CONTROL"]
PROC = GOLDEN["CPU_BASED_VM_EXEC_CONTROL"]
EXIT = GOLDEN["VM_EXIT_CONTROLS"]
ENTRY = GOLDEN["VM_ENTRY_CONTROLS"]
PAGE = 0x150000  # any 4 KiB-aligned address below MAXPHYADDR
HIGH = 1 << PA_WIDTH  # the first bit beyond MAXPHYADDR
TOP = 1 << (PA_WIDTH - 1)  # the highest bit within it

# pin-based
EXT_INTR, NMI_EXITING, VIRTUAL_NMIS, PREEMPTION_TIMER, POSTED = 1 << 0, 1 << 3, 1 << 5, 1 << 6, 1 << 7
# primary processor-based
TSC_OFFSET, TPR_SHADOW, NMI_WINDOW, IO_BITMAPS, MTF, MSR_BITMAPS, SECONDARY = (
    1 << 3, 1 << 21, 1 << 22, 1 << 25, 1 << 27, 1 << 28, 1 << 31)
# secondary
APIC_ACCESSES, EPT, X2APIC, VPID, UG, APIC_REG, VID, VMFUNC, SHADOWING, PML, MBE, SPP = (
    1 << 0, 1 << 1, 1 << 4, 1 << 5, 1 << 7, 1 << 8, 1 << 9, 1 << 13, 1 << 14, 1 << 17, 1 << 22, 1 << 23)
# exit / entry
ACK_INTR, SAVE_TIMER = 1 << 15, 1 << 22
ENTRY_SMM, DEACT_DUAL = 1 << 10, 1 << 11
GOOD_EPTP = PAGE | (3 << 3) | 6  # 4-level walk, WB (EPT_VPID_CAP bits 6 and 14)


def v(**kw):
    return predict(**kw).violated


def sec(bits, **kw):
    """Secondary controls `bits` with "activate secondary controls"."""
    return v(CPU_BASED_VM_EXEC_CONTROL=kw.pop("proc", PROC) | SECONDARY, SECONDARY_VM_EXEC_CONTROL=bits, **kw)


def test_golden_clean_and_caps_as_expected():
    assert v() == ()
    assert CAPS["IA32_VMX_BASIC"] & (1 << 55)  # TRUE_* MSRs in use


# ---- reserved bits of the control fields ----

@pytest.mark.parametrize("field,true_msr,check", [
    ("PIN_BASED_VM_EXEC_CONTROL", "IA32_VMX_TRUE_PINBASED_CTLS", "CTRL_PIN_RESERVED"),
    ("CPU_BASED_VM_EXEC_CONTROL", "IA32_VMX_TRUE_PROCBASED_CTLS", "CTRL_PROC_RESERVED"),
    ("VM_EXIT_CONTROLS", "IA32_VMX_TRUE_EXIT_CTLS", "CTRL_EXIT_RESERVED"),
    ("VM_ENTRY_CONTROLS", "IA32_VMX_TRUE_ENTRY_CTLS", "CTRL_ENTRY_RESERVED"),
])
def test_reserved_bits_follow_the_capability_msr(field, true_msr, check):
    # Bit 30 chosen must-be-1 (allowed-0 = 1) then must-be-0 (allowed-1 = 0), all else as golden.
    g = GOLDEN[field]
    cap = CAPS[true_msr]
    must1, may1 = cap & 0xffffffff, cap >> 32
    caps = {true_msr: (must1 | (1 << 30)) | ((may1 | (1 << 30)) << 32)}
    assert v(caps=caps, **{field: g | (1 << 30)}) == ()
    assert v(caps=caps, **{field: g & ~(1 << 30)}) == (check,)
    caps = {true_msr: (must1 & ~(1 << 30)) | ((may1 & ~(1 << 30)) << 32)}
    assert v(caps=caps, **{field: g & ~(1 << 30)}) == ()
    assert v(caps=caps, **{field: g | (1 << 30)}) == (check,)


def test_reserved_bits_use_the_non_true_msr_without_basic_55():
    # IA32_VMX_BASIC[55] = 0: IA32_VMX_PINBASED_CTLS decides, the TRUE MSR is ignored.
    caps = {"IA32_VMX_BASIC": CAPS["IA32_VMX_BASIC"] & ~(1 << 55),
            "IA32_VMX_PINBASED_CTLS": 0x16 | (0x3f << 32), "IA32_VMX_TRUE_PINBASED_CTLS": 0}
    # (the other non-TRUE MSRs then make golden default1 bits must-be-1: look at the pin check only)
    assert "CTRL_PIN_RESERVED" not in v(caps=caps, PIN_BASED_VM_EXEC_CONTROL=0x16)
    assert "CTRL_PIN_RESERVED" in v(caps=caps, PIN_BASED_VM_EXEC_CONTROL=0x16 | POSTED)
    assert "CTRL_PIN_RESERVED" in v(caps=caps, PIN_BASED_VM_EXEC_CONTROL=0x06)
    # with BASIC[55] = 1 the TRUE MSR decides: bit 4 left flexible there
    caps = {"IA32_VMX_TRUE_PINBASED_CTLS": 0x06 | (0xff << 32)}
    assert v(caps=caps, PIN_BASED_VM_EXEC_CONTROL=0x06) == ()


def test_secondary_reserved_only_with_activate_secondary():
    bit = 1 << 30  # allowed-1 clear in IA32_VMX_PROCBASED_CTLS2 of the canned platform
    assert not (CAPS["IA32_VMX_PROCBASED_CTLS2"] >> 32) & bit
    assert v(SECONDARY_VM_EXEC_CONTROL=bit) == ()  # "no checks are performed" without bit 31
    assert sec(bit) == ("CTRL_PROC2_RESERVED",)
    assert sec(1 << 2) == ()  # descriptor-table exiting: allowed
    assert sec(0) == ()


# ---- CR3 targets, bitmaps ----

def test_cr3_target_count():
    assert (CAPS["IA32_VMX_MISC"] >> 16) & 0x1ff == 4  # the canned platform supports 4 (as the SDM's "4")
    assert v(CR3_TARGET_COUNT=4) == ()
    assert v(CR3_TARGET_COUNT=5) == ("CTRL_CR3_TARGET_COUNT",)


def _misc_cr3(n):
    return {"IA32_VMX_MISC": (CAPS["IA32_VMX_MISC"] & ~(0x1ff << 16)) | (n << 16)}


@pytest.mark.parametrize("supported", [0, 1, 256])
def test_cr3_target_count_bound_is_vmx_misc(supported):
    """SDM: "Future processors may support a different number of CR3-target values. Software should
    read the VMX capability MSR IA32_VMX_MISC to determine the number of values supported" (bits
    24:16).  KVM's nested VMX reports 0 (IA32_VMX_MISC 0x20000165) and refuses a count of 4."""
    assert predict(caps=_misc_cr3(supported), CR3_TARGET_COUNT=supported).violated == ()
    p = predict(caps=_misc_cr3(supported), CR3_TARGET_COUNT=supported + 1)
    assert p.violated == ("CTRL_CR3_TARGET_COUNT",) and p.outcome == "vmfail_valid" and p.error == 7


@pytest.mark.parametrize("field,which", [("IO_BITMAP_A", "A"), ("IO_BITMAP_B", "B")])
def test_io_bitmap_addresses(field, which):
    p = PROC | IO_BITMAPS
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, **{field: PAGE}) == ()
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, **{field: PAGE | 1}) == (f"CTRL_IO_BITMAP_{which}_ALIGN",)
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, **{field: PAGE | 0x800}) == (f"CTRL_IO_BITMAP_{which}_ALIGN",)
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, **{field: PAGE | TOP}) == ()
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, **{field: PAGE | HIGH}) == (f"CTRL_IO_BITMAP_{which}_WIDTH",)
    assert v(**{field: PAGE | HIGH | 1}) == ()  # "use I/O bitmaps" is 0


def test_msr_bitmap_address():
    p = PROC | MSR_BITMAPS
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, MSR_BITMAP=PAGE) == ()
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, MSR_BITMAP=PAGE | 1) == ("CTRL_MSR_BITMAP_ALIGN",)
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, MSR_BITMAP=PAGE | TOP) == ()
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, MSR_BITMAP=PAGE | HIGH) == ("CTRL_MSR_BITMAP_WIDTH",)
    assert v(MSR_BITMAP=1) == ()


# ---- TPR shadow, APIC virtualization ----

def test_virtual_apic_address_and_tpr_threshold():
    p = PROC | TPR_SHADOW
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, VIRTUAL_APIC_PAGE_ADDR=PAGE) == ()
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, VIRTUAL_APIC_PAGE_ADDR=PAGE | 1) == ("CTRL_VIRTUAL_APIC_ALIGN",)
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, VIRTUAL_APIC_PAGE_ADDR=PAGE | TOP) == ()
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, VIRTUAL_APIC_PAGE_ADDR=PAGE | HIGH) == ("CTRL_VIRTUAL_APIC_WIDTH",)
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, VIRTUAL_APIC_PAGE_ADDR=PAGE, TPR_THRESHOLD=0xf) == ()
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, VIRTUAL_APIC_PAGE_ADDR=PAGE, TPR_THRESHOLD=0x10) == ("CTRL_TPR_THRESHOLD_HIGH",)
    assert v(CPU_BASED_VM_EXEC_CONTROL=p, VIRTUAL_APIC_PAGE_ADDR=PAGE, TPR_THRESHOLD=0x80000000) == (
        "CTRL_TPR_THRESHOLD_HIGH",)
    # "... and the virtual-interrupt delivery VM-execution control is 0": with VID the rule is off.
    assert sec(VID, proc=p, VIRTUAL_APIC_PAGE_ADDR=PAGE, TPR_THRESHOLD=0x10,
               PIN_BASED_VM_EXEC_CONTROL=PIN | EXT_INTR) == ()
    assert v(TPR_THRESHOLD=0x10, VIRTUAL_APIC_PAGE_ADDR=1) == ()  # no TPR shadow


def test_virtual_nmis_and_nmi_window():
    assert v(PIN_BASED_VM_EXEC_CONTROL=PIN | VIRTUAL_NMIS) == ("CTRL_VIRTUAL_NMIS_NEED_NMI_EXITING",)
    assert v(PIN_BASED_VM_EXEC_CONTROL=PIN | VIRTUAL_NMIS | NMI_EXITING) == ()
    assert v(PIN_BASED_VM_EXEC_CONTROL=PIN | NMI_EXITING) == ()
    assert v(CPU_BASED_VM_EXEC_CONTROL=PROC | NMI_WINDOW) == ("CTRL_NMI_WINDOW_NEEDS_VIRTUAL_NMIS",)
    assert v(CPU_BASED_VM_EXEC_CONTROL=PROC | NMI_WINDOW,
             PIN_BASED_VM_EXEC_CONTROL=PIN | VIRTUAL_NMIS | NMI_EXITING) == ()


def test_apic_access_address():
    assert sec(APIC_ACCESSES, APIC_ACCESS_ADDR=PAGE) == ()
    assert sec(APIC_ACCESSES, APIC_ACCESS_ADDR=PAGE | 1) == ("CTRL_APIC_ACCESS_ALIGN",)
    assert sec(APIC_ACCESSES, APIC_ACCESS_ADDR=PAGE | TOP) == ()
    assert sec(APIC_ACCESSES, APIC_ACCESS_ADDR=PAGE | HIGH) == ("CTRL_APIC_ACCESS_WIDTH",)
    # secondary controls not activated: the bit is treated as 0
    assert v(SECONDARY_VM_EXEC_CONTROL=APIC_ACCESSES, APIC_ACCESS_ADDR=1) == ()


@pytest.mark.parametrize("bit,check", [(X2APIC, "CTRL_X2APIC_NEEDS_TPR_SHADOW"),
                                       (APIC_REG, "CTRL_APIC_REG_VIRT_NEEDS_TPR_SHADOW"),
                                       (VID, "CTRL_VID_NEEDS_TPR_SHADOW")])
def test_apic_virtualization_needs_tpr_shadow(bit, check):
    pin = PIN | EXT_INTR
    assert sec(bit, PIN_BASED_VM_EXEC_CONTROL=pin) == (check,)
    assert sec(bit, proc=PROC | TPR_SHADOW, VIRTUAL_APIC_PAGE_ADDR=PAGE, PIN_BASED_VM_EXEC_CONTROL=pin) == ()


def test_x2apic_mode_excludes_apic_accesses():
    base = dict(proc=PROC | TPR_SHADOW, VIRTUAL_APIC_PAGE_ADDR=PAGE, APIC_ACCESS_ADDR=PAGE)
    assert sec(X2APIC | APIC_ACCESSES, **base) == ("CTRL_X2APIC_VS_APIC_ACCESSES",)
    assert sec(X2APIC, **base) == ()
    assert sec(APIC_ACCESSES, **base) == ()


def test_vid_needs_external_interrupt_exiting():
    base = dict(proc=PROC | TPR_SHADOW, VIRTUAL_APIC_PAGE_ADDR=PAGE)
    assert sec(VID, **base) == ("CTRL_VID_NEEDS_EXT_INTR_EXITING",)
    assert sec(VID, PIN_BASED_VM_EXEC_CONTROL=PIN | EXT_INTR, **base) == ()


# ---- posted interrupts ----

def posted(**kw):
    d = dict(proc=PROC | TPR_SHADOW, VIRTUAL_APIC_PAGE_ADDR=PAGE, PIN_BASED_VM_EXEC_CONTROL=PIN | EXT_INTR | POSTED,
             VM_EXIT_CONTROLS=EXIT | ACK_INTR, POSTED_INTR_NV=0xf2, POSTED_INTR_DESC_ADDR=PAGE)
    bits = kw.pop("bits", VID)
    d.update(kw)
    return sec(bits, **d)


def test_posted_interrupts():
    assert posted() == ()
    assert posted(bits=0) == ("CTRL_POSTED_INTR_NEEDS_VID",)
    assert posted(VM_EXIT_CONTROLS=EXIT) == ("CTRL_POSTED_INTR_NEEDS_ACK_INTR",)
    assert posted(POSTED_INTR_NV=0xff) == ()
    assert posted(POSTED_INTR_NV=0x100) == ("CTRL_POSTED_INTR_VECTOR",)
    assert posted(POSTED_INTR_DESC_ADDR=PAGE + 0x40) == ()  # bits 5:0 only, not 4 KiB alignment
    assert posted(POSTED_INTR_DESC_ADDR=PAGE + 0x20) == ("CTRL_POSTED_INTR_DESC_ALIGN",)
    assert posted(POSTED_INTR_DESC_ADDR=PAGE + 1) == ("CTRL_POSTED_INTR_DESC_ALIGN",)
    assert posted(POSTED_INTR_DESC_ADDR=PAGE | TOP) == ()
    assert posted(POSTED_INTR_DESC_ADDR=PAGE | HIGH) == ("CTRL_POSTED_INTR_DESC_WIDTH",)


# ---- VPID, EPT ----

def test_vpid_nonzero():
    assert sec(VPID, VIRTUAL_PROCESSOR_ID=0) == ("CTRL_VPID_ZERO",)
    assert sec(VPID, VIRTUAL_PROCESSOR_ID=1) == ()
    assert v(VIRTUAL_PROCESSOR_ID=0, SECONDARY_VM_EXEC_CONTROL=VPID) == ()


def ept(eptp=GOOD_EPTP, caps=None, bits=0, **kw):
    return sec(EPT | bits, EPT_POINTER=eptp, caps=caps, **kw)


def test_eptp_memory_type():
    cap = CAPS["IA32_VMX_EPT_VPID_CAP"]
    assert ept() == ()
    assert ept(GOOD_EPTP & ~7) == ()  # UC, bit 8 of the canned caps
    for t in (1, 2, 3, 4, 5, 7):
        assert ept((GOOD_EPTP & ~7) | t) == ("CTRL_EPTP_MEMTYPE",)
    assert ept(caps={"IA32_VMX_EPT_VPID_CAP": cap & ~(1 << 14)}) == ("CTRL_EPTP_MEMTYPE",)
    assert ept(GOOD_EPTP & ~7, caps={"IA32_VMX_EPT_VPID_CAP": cap & ~(1 << 8)}) == ("CTRL_EPTP_MEMTYPE",)


def test_eptp_walk_length():
    cap = CAPS["IA32_VMX_EPT_VPID_CAP"]
    four, five, three = GOOD_EPTP, (GOOD_EPTP & ~0x38) | (4 << 3), (GOOD_EPTP & ~0x38) | (2 << 3)
    assert ept(four) == ()
    assert ept(three) == ("CTRL_EPTP_WALK_LENGTH",)
    assert ept(five, caps={"IA32_VMX_EPT_VPID_CAP": cap & ~(1 << 7)}) == ("CTRL_EPTP_WALK_LENGTH",)
    assert ept(five, caps={"IA32_VMX_EPT_VPID_CAP": cap | (1 << 7)}) == ()
    assert ept(four, caps={"IA32_VMX_EPT_VPID_CAP": cap & ~(1 << 6)}) == ("CTRL_EPTP_WALK_LENGTH",)


def test_eptp_accessed_dirty_reserved_and_width():
    cap = CAPS["IA32_VMX_EPT_VPID_CAP"]
    assert ept(GOOD_EPTP | (1 << 6), caps={"IA32_VMX_EPT_VPID_CAP": cap | (1 << 21)}) == ()
    assert ept(GOOD_EPTP | (1 << 6), caps={"IA32_VMX_EPT_VPID_CAP": cap & ~(1 << 21)}) == ("CTRL_EPTP_AD",)
    for b in (7, 8, 11):
        assert ept(GOOD_EPTP | (1 << b)) == ("CTRL_EPTP_RESERVED",)
    assert ept(GOOD_EPTP | (1 << 12)) == ()
    assert ept(GOOD_EPTP | TOP) == ()
    assert ept(GOOD_EPTP | HIGH) == ("CTRL_EPTP_WIDTH",)
    assert v(EPT_POINTER=7) == ()  # EPT off: no EPTP checks


def test_controls_that_need_ept():
    assert sec(UG) == ("CTRL_UNRESTRICTED_NEEDS_EPT",)
    assert ept(bits=UG) == ()
    assert sec(MBE) == ("CTRL_MODE_BASED_EXEC_NEEDS_EPT",)
    assert ept(bits=MBE) == ()
    assert sec(SPP, caps={"IA32_VMX_PROCBASED_CTLS2": CAPS["IA32_VMX_PROCBASED_CTLS2"] | (SPP << 32)}) == (
        "CTRL_SPP_NEEDS_EPT",)
    assert ept(bits=SPP, caps={"IA32_VMX_PROCBASED_CTLS2": CAPS["IA32_VMX_PROCBASED_CTLS2"] | (SPP << 32)}) == ()


def test_pml():
    assert sec(PML, PML_ADDRESS=PAGE) == ("CTRL_PML_NEEDS_EPT",)
    assert ept(bits=PML, PML_ADDRESS=PAGE) == ()
    assert ept(bits=PML, PML_ADDRESS=PAGE | 1) == ("CTRL_PML_ALIGN",)
    assert ept(bits=PML, PML_ADDRESS=PAGE | TOP) == ()
    assert ept(bits=PML, PML_ADDRESS=PAGE | HIGH) == ("CTRL_PML_WIDTH",)


# ---- VM functions, VMCS shadowing ----

def test_vm_function_controls():
    assert CAPS["IA32_VMX_VMFUNC"] == 1  # EPTP switching only
    assert sec(VMFUNC, VM_FUNCTION_CONTROL=0) == ()
    assert sec(VMFUNC, VM_FUNCTION_CONTROL=2) == ("CTRL_VMFUNC_RESERVED",)
    assert sec(VMFUNC, VM_FUNCTION_CONTROL=2, caps={"IA32_VMX_VMFUNC": 3}) == ()
    assert v(VM_FUNCTION_CONTROL=2) == ()  # "enable VM functions" 0: no checks
    assert sec(VMFUNC, VM_FUNCTION_CONTROL=1, EPTP_LIST_ADDRESS=PAGE) == ("CTRL_EPTP_SWITCHING_NEEDS_EPT",)
    assert ept(bits=VMFUNC, VM_FUNCTION_CONTROL=1, EPTP_LIST_ADDRESS=PAGE) == ()
    assert ept(bits=VMFUNC, VM_FUNCTION_CONTROL=1, EPTP_LIST_ADDRESS=PAGE | 1) == ("CTRL_EPTP_LIST_ALIGN",)
    assert ept(bits=VMFUNC, VM_FUNCTION_CONTROL=1, EPTP_LIST_ADDRESS=PAGE | TOP) == ()
    assert ept(bits=VMFUNC, VM_FUNCTION_CONTROL=1, EPTP_LIST_ADDRESS=PAGE | HIGH) == ("CTRL_EPTP_LIST_WIDTH",)
    assert ept(bits=VMFUNC, VM_FUNCTION_CONTROL=0, EPTP_LIST_ADDRESS=1) == ()


@pytest.mark.parametrize("field,name", [("VMREAD_BITMAP", "VMREAD"), ("VMWRITE_BITMAP", "VMWRITE")])
def test_vmcs_shadowing_bitmaps(field, name):
    base = dict(VMREAD_BITMAP=PAGE, VMWRITE_BITMAP=PAGE)
    assert sec(SHADOWING, **base) == ()
    assert sec(SHADOWING, **{**base, field: PAGE | 1}) == (f"CTRL_{name}_BITMAP_ALIGN",)
    assert sec(SHADOWING, **{**base, field: PAGE | TOP}) == ()
    assert sec(SHADOWING, **{**base, field: PAGE | HIGH}) == (f"CTRL_{name}_BITMAP_WIDTH",)


# ---- VM-exit controls ----

def test_save_preemption_timer():
    assert v(VM_EXIT_CONTROLS=EXIT | SAVE_TIMER) == ("CTRL_SAVE_PREEMPTION_TIMER",)
    assert v(VM_EXIT_CONTROLS=EXIT | SAVE_TIMER, PIN_BASED_VM_EXEC_CONTROL=PIN | PREEMPTION_TIMER) == ()


@pytest.mark.parametrize("prefix,addr,count", [
    ("CTRL_EXIT_MSR_STORE", "VM_EXIT_MSR_STORE_ADDR", "VM_EXIT_MSR_STORE_COUNT"),
    ("CTRL_EXIT_MSR_LOAD", "VM_EXIT_MSR_LOAD_ADDR", "VM_EXIT_MSR_LOAD_COUNT"),
    ("CTRL_ENTRY_MSR_LOAD", "VM_ENTRY_MSR_LOAD_ADDR", "VM_ENTRY_MSR_LOAD_COUNT"),
])
def test_msr_area_addresses(prefix, addr, count):
    ok = [(0x174, 0)] * 2  # entries the VM-entry MSR-load area holds (IA32_SYSENTER_CS)

    def w(a, n, caps=None):
        return v(**{addr: a, count: n}, msr_load=ok, caps=caps)

    assert w(PAGE, 1) == ()
    assert w(PAGE | 1, 0) == ()  # "if the ... count field is non-zero"
    assert w(PAGE | 1, 1) == (f"{prefix}_ALIGN",)
    assert w(PAGE | 8, 1) == (f"{prefix}_ALIGN",)
    assert w(PAGE + 16, 1) == ()
    assert w(HIGH, 1) == (f"{prefix}_WIDTH",)
    # the last byte: address + count * 16 - 1
    assert w(HIGH - 16, 1) == ()
    assert w(HIGH - 16, 2) == (f"{prefix}_WIDTH",)
    assert w(HIGH - 0x100000, 0x10000) == ()
    assert w(HIGH - 0x100000, 0x10001) == (f"{prefix}_WIDTH",)
    # IA32_VMX_BASIC[48] = 1: no bits in 63:32
    b48 = {"IA32_VMX_BASIC": CAPS["IA32_VMX_BASIC"] | (1 << 48)}
    assert w(0xfffffff0, 1, caps=b48) == ()
    assert w(0xfffffff0, 2, caps=b48) == (f"{prefix}_WIDTH",)
    assert w(1 << 32, 1, caps=b48) == (f"{prefix}_WIDTH",)
    assert w(1 << 32, 1) == ()


# ---- VM-entry controls: event injection ----

VALID, DELIVER = 1 << 31, 1 << 11


def inj(info, code=0, length=0, caps=None, **kw):
    return v(VM_ENTRY_INTR_INFO_FIELD=info, VM_ENTRY_EXCEPTION_ERROR_CODE=code,
             VM_ENTRY_INSTRUCTION_LEN=length, caps=caps, **kw)


def no_mtf():
    c = CAPS["IA32_VMX_TRUE_PROCBASED_CTLS"]
    return {"IA32_VMX_TRUE_PROCBASED_CTLS": c & ~(MTF << 32)}


def test_injection_needs_the_valid_bit():
    for info in (1 << 8, (2 << 8) | 3, (3 << 8) | 32, DELIVER | (3 << 8) | 6, (1 << 12) | (3 << 8) | 6):
        assert inj(info, code=0x10000, length=16) == ()


def test_interruption_type():
    assert inj(VALID | (1 << 8)) == ("CTRL_EVENT_TYPE_RESERVED",)
    assert inj(VALID | (7 << 8)) == ()  # MTF is supported: "other event", vector 0
    assert inj(VALID | (7 << 8), caps=no_mtf()) == ("CTRL_EVENT_TYPE_RESERVED",)


def test_vectors():
    assert inj(VALID | (2 << 8) | 2) == ()
    assert inj(VALID | (2 << 8) | 3) == ("CTRL_EVENT_NMI_VECTOR",)
    assert inj(VALID | (3 << 8) | 31) == ()
    assert inj(VALID | (3 << 8) | 32) == ("CTRL_EVENT_HW_EXCEPTION_VECTOR",)
    assert inj(VALID | (7 << 8) | 0) == ()
    assert inj(VALID | (7 << 8) | 1) == ("CTRL_EVENT_OTHER_VECTOR",)
    assert inj(VALID | (0 << 8) | 0xff, GUEST_RFLAGS=0x202) == ()  # external interrupt: any vector


def test_deliver_error_code():
    for vec in (8, 10, 11, 12, 13, 14, 17):
        assert inj(VALID | DELIVER | (3 << 8) | vec) == ()
        assert inj(VALID | (3 << 8) | vec) == ("CTRL_EVENT_ERROR_CODE_REQUIRED",)
    for vec in (0, 6, 7, 9, 15, 16, 18, 31):
        assert inj(VALID | (3 << 8) | vec) == ()
        assert inj(VALID | DELIVER | (3 << 8) | vec) == ("CTRL_EVENT_ERROR_CODE_FORBIDDEN",)
    assert inj(VALID | DELIVER | (2 << 8) | 2) == ("CTRL_EVENT_ERROR_CODE_FORBIDDEN",)  # not a HW exception
    assert inj(VALID | DELIVER | (4 << 8) | 13, length=2) == ("CTRL_EVENT_ERROR_CODE_FORBIDDEN",)
    # CR0.PE = 0 in the guest CR0 field: no error code, whatever the vector
    cr0 = GOLDEN["GUEST_CR0"] & ~1
    assert inj(VALID | DELIVER | (3 << 8) | 13, GUEST_CR0=cr0)[0] == "CTRL_EVENT_ERROR_CODE_FORBIDDEN"
    assert "CTRL_EVENT_ERROR_CODE_REQUIRED" not in inj(VALID | (3 << 8) | 13, GUEST_CR0=cr0)
    # IA32_VMX_BASIC[56] = 1: neither rule applies to hardware exceptions
    b56 = {"IA32_VMX_BASIC": CAPS["IA32_VMX_BASIC"] | (1 << 56)}
    assert inj(VALID | (3 << 8) | 13, caps=b56) == ()
    assert inj(VALID | DELIVER | (3 << 8) | 6, caps=b56) == ()
    assert inj(VALID | DELIVER | (2 << 8) | 2, caps=b56) == ("CTRL_EVENT_ERROR_CODE_FORBIDDEN",)


def test_reserved_bits_and_error_code_high_bits():
    assert inj(VALID | (3 << 8) | 6) == ()
    assert inj(VALID | (1 << 12) | (3 << 8) | 6) == ("CTRL_EVENT_RESERVED_BITS",)
    assert inj(VALID | (1 << 30) | (3 << 8) | 6) == ("CTRL_EVENT_RESERVED_BITS",)
    assert inj(VALID | DELIVER | (3 << 8) | 13, code=0xffff) == ()
    assert inj(VALID | DELIVER | (3 << 8) | 13, code=0x10000) == ("CTRL_EVENT_ERROR_CODE_HIGH",)


def test_instruction_length():
    for t in (4, 5, 6):
        assert inj(VALID | (t << 8) | 3, length=15) == ()
        assert inj(VALID | (t << 8) | 3, length=16) == ("CTRL_EVENT_INSTRUCTION_LENGTH",)
    misc = CAPS["IA32_VMX_MISC"]
    assert misc & (1 << 30)
    assert inj(VALID | (4 << 8) | 3, length=0) == ()
    assert inj(VALID | (4 << 8) | 3, length=0, caps={"IA32_VMX_MISC": misc & ~(1 << 30)}) == (
        "CTRL_EVENT_INSTRUCTION_LENGTH",)
    assert inj(VALID | (4 << 8) | 3, length=1, caps={"IA32_VMX_MISC": misc & ~(1 << 30)}) == ()
    assert inj(VALID | (3 << 8) | 6, length=16) == ()  # hardware exception: length not used


def test_entry_to_smm_and_dual_monitor_outside_smm():
    assert v(VM_ENTRY_CONTROLS=ENTRY | ENTRY_SMM) == ("CTRL_ENTRY_SMM",)
    assert v(VM_ENTRY_CONTROLS=ENTRY | DEACT_DUAL) == ("CTRL_ENTRY_DEACT_DUAL_MONITOR",)
    assert v(VM_ENTRY_CONTROLS=ENTRY) == ()


def test_every_ctrl_check_is_vmfail_valid_7():
    p = predict(VM_ENTRY_CONTROLS=ENTRY | DEACT_DUAL)
    assert (p.outcome, p.error) == ("vmfail_valid", 7)


def test_entry_smm_and_deactivate_cannot_both_be_1():
    both = predict(VM_ENTRY_CONTROLS=ENTRY | ENTRY_SMM | DEACT_DUAL).violated
    assert both == ("CTRL_ENTRY_SMM", "CTRL_ENTRY_DEACT_DUAL_MONITOR", "CTRL_ENTRY_SMM_AND_DEACT_BOTH")
    assert "CTRL_ENTRY_SMM_AND_DEACT_BOTH" not in v(VM_ENTRY_CONTROLS=ENTRY | ENTRY_SMM)
    assert "CTRL_ENTRY_SMM_AND_DEACT_BOTH" not in v(VM_ENTRY_CONTROLS=ENTRY | DEACT_DUAL)


PT_GPA, LOAD_RTIT, CLEAR_RTIT = 1 << 24, 1 << 18, 1 << 25


def test_pt_uses_guest_physical_addresses():
    caps = {"IA32_VMX_PROCBASED_CTLS2": CAPS["IA32_VMX_PROCBASED_CTLS2"] | (PT_GPA << 32),
            "IA32_VMX_TRUE_ENTRY_CTLS": CAPS["IA32_VMX_TRUE_ENTRY_CTLS"] | (LOAD_RTIT << 32),
            "IA32_VMX_TRUE_EXIT_CTLS": CAPS["IA32_VMX_TRUE_EXIT_CTLS"] | (CLEAR_RTIT << 32)}
    ok = dict(VM_ENTRY_CONTROLS=ENTRY | LOAD_RTIT, VM_EXIT_CONTROLS=EXIT | CLEAR_RTIT)
    assert ept(bits=PT_GPA, caps=caps, **ok) == ()
    assert sec(PT_GPA, caps=caps, **ok) == ("CTRL_PT_GPA_NEEDS_EPT",)
    assert ept(bits=PT_GPA, caps=caps, VM_ENTRY_CONTROLS=ENTRY, VM_EXIT_CONTROLS=EXIT | CLEAR_RTIT) == (
        "CTRL_PT_GPA_NEEDS_LOAD_RTIT_CTL",)
    assert ept(bits=PT_GPA, caps=caps, VM_ENTRY_CONTROLS=ENTRY | LOAD_RTIT, VM_EXIT_CONTROLS=EXIT) == (
        "CTRL_PT_GPA_NEEDS_CLEAR_RTIT_CTL",)
