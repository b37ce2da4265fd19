/*
 * entry_fail_side_* - what a VM-entry failure during or after loading guest
 * state leaves alone.  SDM "VM-Entry Failures During or After Loading Guest
 * State": the exit reason and exit qualification are written, and "All
 * other VM-exit information fields are unmodified"; "The valid bit in the
 * VM-entry interruption-information field is not cleared"; "The guest-state
 * area is not modified"; "No MSRs are saved into the VM-exit MSR-store area".
 *
 * A prior exit gives the VM-exit information fields distinctive values,
 * the IDT-vectoring fields included: an exit during event delivery (SDM
 * "Information for VM Exits That Occur During Event Delivery").
 *   entry_fail_side_guest: the guest loads DS with selector 0xfff8, beyond
 *     its GDT limit: #GP(0xfff8) (SDM "MOV": "If segment selector index is
 *     outside descriptor table limits, #GP(selector)"), not intercepted
 *     (exception-bitmap bit 13 is 0).  Its IDT is placed so that gate 13 lies
 *     at linear 0x40000000, which is not mapped (boot.S maps the first GiB):
 *     delivering the #GP raises #PF (read, not present: error code 0),
 *     intercepted.  A page fault during a contributory exception is handled
 *     serially (SDM "Conditions for Generating a Double Fault"): exit 0, #PF,
 *     qualification 0x40000000, IDT-vectoring information = the #GP (error
 *     code valid), IDT-vectoring error code 0xfff8.
 *   entry_fail_side_msr: the guest executes INT 80H with the IDT limit at
 *     7FFH: #GP(0x402) (vector 80H beyond the limit, IDT bit), intercepted:
 *     IDT-vectoring information = the software interrupt, VM-exit
 *     instruction length 2 (defined for exits during delivery of a software
 *     interrupt), so the length field holds a value the SDM defines.
 * The host
 * then arms an event injection (#UD, hardware exception), a VM-exit
 * MSR-store area with a marker value, and one failure, and resumes:
 *   entry_fail_side_guest  RFLAGS bit 1 clear: exit 33, qualification 0
 *   entry_fail_side_msr    MSR-load entry 1 names IA32_FS_BASE: exit 34,
 *                          qualification 1 (SDM "Loading MSRs")
 * Every field the rules cover is read before and after the failed entry and
 * traced as a KEEP record (field, before, after); the harness requires
 * before == after for each (harness/compare.py).
 */
#include "scenario.h"

/* entry_fail_side_guest: gate 13 of the guest IDT at the first unmapped
 * linear address, #GP not intercepted. */
#define SIDE_UNMAPPED 0x40000000ULL
static bool side_setup_guest(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_IDTR_BASE, SIDE_UNMAPPED - 16 * INFO_INTR_INFO_VECTOR_GP);
	vmcs_write(GUEST_IDTR_LIMIT, 0xfff);
	vmcs_write(EXCEPTION_BITMAP, vmcs_read(EXCEPTION_BITMAP) & ~BIT(INFO_INTR_INFO_VECTOR_GP));
	return true;
}
/* entry_fail_side_msr: vector 80H beyond the IDT limit. */
#define SIDE_INT_VECTOR 0x80
static bool side_setup_msr(struct scenario_ctx *ctx)
{
	(void)ctx;
	vmcs_write(GUEST_IDTR_LIMIT, SIDE_INT_VECTOR * 16 - 1);
	return true;
}

void guest_entry_fail_side(void);
asm(".text\n.global guest_entry_fail_side\nguest_entry_fail_side:\n"
    "mov $0xfff8, %eax\n"
    GUEST_LABEL(entry_fail_side_guest, fault)
    "mov %eax, %ds\n"
    "vmcall\n"
    "jmp guest_entry_fail_side\n");
void guest_entry_fail_side_int(void);
asm(".text\n.global guest_entry_fail_side_int\nguest_entry_fail_side_int:\n"
    GUEST_LABEL(entry_fail_side_msr, fault)
    "int $" STR(SIDE_INT_VECTOR) "\n"
    GUEST_LABEL(entry_fail_side_msr, after)
    "vmcall\n"
    "jmp guest_entry_fail_side_int\n");

struct msr_entry {
	u32 index, reserved;
	u64 value;
};
static struct msr_entry side_load[1] ALIGNED(16);
static struct msr_entry side_store[1] ALIGNED(16);
#define STORE_MARKER 0x5a5a5a5a5a5a5a5aULL

/* The fields the rules say stay as they were (read with VMREAD; one the
 * platform does not have is left out). */
static const u32 kept_fields[] = {
	VM_EXIT_INTR_INFO, VM_EXIT_INTR_ERROR_CODE, IDT_VECTORING_INFO_FIELD, IDT_VECTORING_ERROR_CODE,
	VM_EXIT_INSTRUCTION_LEN, VMX_INSTRUCTION_INFO, GUEST_LINEAR_ADDRESS,
	VM_ENTRY_INTR_INFO_FIELD,
	GUEST_RIP, GUEST_RSP, GUEST_RFLAGS, GUEST_CR0, GUEST_CR3, GUEST_CR4, GUEST_DR7,
	GUEST_CS_SELECTOR, GUEST_DS_SELECTOR, GUEST_INTERRUPTIBILITY_INFO, GUEST_ACTIVITY_STATE,
	GUEST_PENDING_DBG_EXCEPTIONS,
};
#define N_KEPT (sizeof(kept_fields) / sizeof(kept_fields[0]))

static const char *field_name(u32 enc)
{
	for (size_t i = 0; i < vmcs_field_count; i++)
		if (vmcs_field_table[i].enc == enc)
			return vmcs_field_table[i].name;
	return "?";
}

static enum scenario_status side_body(struct scenario_ctx *ctx, bool msr_load)
{
	struct vcpu *v = ctx->vcpu;
	struct vcpu_exit e = vcpu_run(v);
	scenario_trace_result(ctx, &e, true);
	if (e.kind != RESULT_EXIT || e.entry_fail)
		return SCN_ABORT;

	/* Arm: an injected #UD, a VM-exit MSR-store area holding a marker, one failure. */
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, BIT(31) | INFO_SET(INTR_INFO, TYPE, INFO_INTR_INFO_TYPE_HW_EXCEPTION) |
						     INFO_SET(INTR_INFO, VECTOR, INFO_INTR_INFO_VECTOR_UD));
	side_store[0] = (struct msr_entry){ .index = MSR_IA32_SYSENTER_CS, .value = STORE_MARKER };
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, (u64)side_store);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 1);
	if (msr_load) {
		side_load[0] = (struct msr_entry){ .index = MSR_IA32_FS_BASE, .value = 0 };
		vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (u64)side_load);
		vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
	} else {
		vmcs_write(GUEST_RFLAGS, vmcs_read(GUEST_RFLAGS) & ~BIT(1) /* reserved, must be 1 */);
	}

	u64 before[N_KEPT];
	bool have[N_KEPT];
	for (size_t i = 0; i < N_KEPT; i++)
		have[i] = __vmcs_read(kept_fields[i], &before[i]).kind == VMX_SUCCEED;

	e = vcpu_run(v);
	scenario_trace_result(ctx, &e, false);
	if (e.kind != RESULT_EXIT)
		return SCN_DONE;
	for (size_t i = 0; i < N_KEPT; i++) {
		u64 after = 0;
		if (have[i] && __vmcs_read(kept_fields[i], &after).kind == VMX_SUCCEED)
			trace("KEEP", "field=%s before=%#lx after=%#lx", field_name(kept_fields[i]), before[i], after);
	}
	trace("KEEP", "field=VM_EXIT_MSR_STORE[0].value before=%#llx after=%#lx", STORE_MARKER, side_store[0].value);
	return SCN_DONE;
}

static enum scenario_status side_guest(struct scenario_ctx *ctx) { return side_body(ctx, false); }
static enum scenario_status side_msr(struct scenario_ctx *ctx) { return side_body(ctx, true); }

#define SIDE_FIRST_GUEST                                                                                 \
	"EXCEPTION_NMI at=fault qual=0x40000000 intr={VECTOR=PF,TYPE=HW_EXCEPTION,ERROR_VALID=1,~NMI_UNBLOCKING,VALID=1} " \
	"err=0 idt={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,~NMI_UNBLOCKING,VALID=1} idt_err=0xfff8 resumed"
#define SIDE_FIRST_MSR                                                                                   \
	"EXCEPTION_NMI at=fault len=fault..after intr={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,~NMI_UNBLOCKING,VALID=1} " \
	"err=0x402 idt={VECTOR=" STR(SIDE_INT_VECTOR) ",TYPE=SW_INTERRUPT,ERROR_VALID=0,~NMI_UNBLOCKING,VALID=1} resumed"
#define SIDE_CITE                                                                                         \
	"SDM \"VM-Entry Failures During or After Loading Guest State\" (exit reason and qualification "    \
	"written; all other VM-exit information fields unmodified; the VM-entry interruption-information " \
	"valid bit not cleared; the guest-state area not modified; no MSRs saved into the VM-exit "        \
	"MSR-store area); \"MOV\": #GP(selector) for a selector beyond the descriptor-table limit; "         \
	"\"Information for VM Exits That Occur During Event Delivery\" (IDT-vectoring = the event being "   \
	"delivered; bit 12 of both fields undefined)"

SCENARIO(entry_fail_side_guest, .guest = guest_entry_fail_side, .setup = side_setup_guest, .body = side_guest, .check = CHECK_GUEST_RFLAGS_BIT1,
	 .expect = SIDE_FIRST_GUEST "; ENTRY_FAIL(INVALID_STATE) qual=0 end",
	 .cite = SIDE_CITE "; \"Conditions for Generating a Double Fault\" (contributory then page fault: "
			   "serially); \"Exit Qualification for VM Exits\" (#PF: the linear address)");
SCENARIO(entry_fail_side_msr, .guest = guest_entry_fail_side_int, .setup = side_setup_msr, .body = side_msr, .check = CHECK_MSR_LOAD_FS_BASE,
	 .expect = SIDE_FIRST_MSR "; ENTRY_FAIL(MSR_LOAD_FAIL) qual=1 end",
	 .cite = SIDE_CITE "; \"Loading MSRs\" (IA32_FS_BASE may not be loaded; qualification = entry index from 1); "
		   "INT 80H (CD 80) beyond the IDT limit: #GP((80H << 3) | IDT); \"Information for VM Exits Due to "
		   "Instruction Execution\" (length defined for exits during delivery of a software interrupt)");
