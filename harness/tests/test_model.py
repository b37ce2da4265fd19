"""The VM-entry model's frame (core/model/model.c) on the host, with SDM-derived expectations."""
from harness.tests.modelkit import GOLDEN, predict, vmxmodel


def test_golden_vmcs_enters_cleanly():
    p = predict()
    assert p.outcome == "vmsucceed" and p.violated == ()


def test_instruction_checks_come_first():
    # SDM "VMLAUNCH/VMRESUME": no current VMCS -> VMfailInvalid; launch state -> errors 4 and 5,
    # before any VMCS check (the RFLAGS violation below is never reported).
    assert predict(flags=0, GUEST_RFLAGS=0).outcome == "vmfail_invalid"
    p = predict(flags=vmxmodel.FLAG_CURRENT_VMCS | vmxmodel.FLAG_LAUNCHED, GUEST_RFLAGS=0)
    assert (p.outcome, p.error, p.violated) == ("vmfail_valid", 4, ())
    p = predict(flags=vmxmodel.FLAG_CURRENT_VMCS | vmxmodel.FLAG_VMRESUME, GUEST_RFLAGS=0)
    assert (p.outcome, p.error) == ("vmfail_valid", 5)


def test_phase_order_controls_host_guest_msr():
    # Controls (error 7) before host state (8) before guest state (exit 33) before MSR loading (34);
    # every violation is listed.
    p = predict(CR3_TARGET_COUNT=5, HOST_CS_SELECTOR=0, GUEST_RFLAGS=0)
    assert (p.outcome, p.error) == ("vmfail_valid", 7)
    assert set(p.violated) == {"CTRL_CR3_TARGET_COUNT", "HOST_CS_SELECTOR_ZERO", "GUEST_RFLAGS_BIT1"}
    p = predict(HOST_CS_SELECTOR=0, GUEST_RFLAGS=0)
    assert (p.outcome, p.error) == ("vmfail_valid", 8)
    assert predict(GUEST_RFLAGS=0).outcome == "exit_invalid_state"


def test_guest_qualification_and_msr_index():
    # "VM-Entry Failures During or After Loading Guest State": 4 for the VMCS link pointer.
    p = predict(VMCS_LINK_POINTER=0xfffffffffffff001)
    assert (p.outcome, p.qual) == ("exit_invalid_state", 4)
    p = predict(VM_ENTRY_MSR_LOAD_COUNT=3, msr_load=[(0x174, 0), (0x175, 0), (0xc0000101, 0)])
    assert (p.outcome, p.qual, p.violated) == ("exit_msr_load", 3, ("MSR_LOAD_FS_BASE",))
    # Only `count` entries are loaded.
    assert predict(VM_ENTRY_MSR_LOAD_COUNT=2, msr_load=[(0x174, 0), (0x175, 0), (0xc0000101, 0)]).outcome == "vmsucceed"


def test_cr3_target_count_boundary():
    assert predict(CR3_TARGET_COUNT=4).violated == ()
    assert predict(CR3_TARGET_COUNT=5).violated == ("CTRL_CR3_TARGET_COUNT",)


def test_rip_rule_is_bits_63_n_identical_not_canonical():
    # "bits 63:N must be identical" with N = 48: bit 47 alone passes, bit 48 alone fails.
    assert GOLDEN["VM_ENTRY_CONTROLS"] & (1 << 9)
    assert predict(GUEST_RIP=1 << 47, la_width=48).violated == ()
    assert predict(GUEST_RIP=1 << 48, la_width=48).violated == ("GUEST_RIP_HIGH_BITS",)
    assert predict(GUEST_RIP=0xffff000000000000, la_width=48).violated == ()
    assert predict(GUEST_RIP=1 << 56, la_width=57).violated == ()
    assert predict(GUEST_RIP=1 << 57, la_width=57).violated == ("GUEST_RIP_HIGH_BITS",)
