/*
 * The vCPU: VMCS set-up, vcpu_run() and the VMCS dump.  A 64-bit guest
 * shares the host's CR3, GDT and IDT and runs on its own stack.
 */
#include "lib.h"
#include "trace.h"
#include "vmx.h"
#include "desc.h"
#include "model.h"
#include "smp.h"

/* The assembly in entry.S hard-codes these offsets. */
_Static_assert(offsetof(struct vcpu, regs.rax) == 0, "entry.S VCPU_RAX");
_Static_assert(offsetof(struct vcpu, regs.rdi) == 40, "entry.S VCPU_RDI");
_Static_assert(offsetof(struct vcpu, regs.r15) == 112, "entry.S VCPU_R15");
_Static_assert(offsetof(struct vcpu, regs.cr2) == 120, "entry.S VCPU_CR2");
_Static_assert(offsetof(struct vcpu, host_rsp) == 128, "entry.S VCPU_HOST_RSP");
_Static_assert(offsetof(struct vcpu, launched) == 136, "entry.S VCPU_LAUNCHED");

static const struct {
	const char *name;
	u32 nr;
	bool len_defined;
} exit_reasons[] = {
#define EXIT_REASON(name, nr, len) { #name, nr, len },
#include "exit_reasons.def"
#undef EXIT_REASON
};

/* exit_info.def: the information fields an exit defines beyond the qualification and the
 * interruption information (those two are in every EXIT record); a row with a condition
 * (EXIT_INFO_WHEN) defines its field only when the qualification's bits lo..hi are `value`. */
static const struct {
	u32 reason, field;
	bool when;
	u8 lo, hi;
	u64 value;
} exit_info_rows[] = {
#define INFO_LAYOUT(l, undef, title)
#define INFO_FIELD(l, f, lo, hi)
#define INFO_VALUE(l, f, n, v)
#define EXIT_INFO(r, fld, l) { EXIT_REASON_##r, fld, false, 0, 0, 0 },
#define EXIT_INFO_WHEN(r, fld, l, ql, qf, v) \
	{ EXIT_REASON_##r, fld, true, INFO_##ql##_##qf##_LO, INFO_##ql##_##qf##_HI, INFO_##ql##_##qf##_##v },
#define EXIT_INFO_KEY(fld, key)
#define EXIT_LEN_EVENT(r, fld, type)
#include "exit_info.def"
#undef EXIT_INFO
#undef EXIT_INFO_WHEN
#undef EXIT_INFO_KEY
#undef EXIT_LEN_EVENT
};
static const struct {
	u32 field;
	const char *key;
} exit_info_keys[] = {
#define EXIT_INFO(r, fld, l)
#define EXIT_INFO_WHEN(r, fld, l, ql, qf, v)
#define EXIT_INFO_KEY(fld, key) { fld, #key },
#define EXIT_LEN_EVENT(r, fld, type)
#include "exit_info.def"
#undef EXIT_INFO
#undef EXIT_INFO_WHEN
#undef EXIT_INFO_KEY
#undef EXIT_LEN_EVENT
};
/* exit_info.def EXIT_LEN_EVENT: interruption types whose exits define the instruction length. */
static const struct {
	u32 reason, field, type;
} exit_len_events[] = {
#define EXIT_INFO(r, fld, l)
#define EXIT_INFO_WHEN(r, fld, l, ql, qf, v)
#define EXIT_INFO_KEY(fld, key)
#define EXIT_LEN_EVENT(r, fld, type) { EXIT_REASON_##r, fld, INFO_INTR_INFO_TYPE_##type },
#include "exit_info.def"
#undef INFO_LAYOUT
#undef INFO_FIELD
#undef INFO_VALUE
#undef EXIT_INFO
#undef EXIT_INFO_WHEN
#undef EXIT_INFO_KEY
#undef EXIT_LEN_EVENT
};

static void read_exit_extra(struct vcpu_exit *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_info_rows); i++) {
		u32 f = exit_info_rows[i].field;
		if (exit_info_rows[i].reason != e->reason || f == EXIT_QUALIFICATION || f == VM_EXIT_INTR_INFO)
			continue;
		if (exit_info_rows[i].when &&
		    ((e->qual >> exit_info_rows[i].lo) & ((2ULL << (exit_info_rows[i].hi - exit_info_rows[i].lo)) - 1)) !=
			    exit_info_rows[i].value)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(exit_info_keys); k++) {
			if (exit_info_keys[k].field != f || e->n_extra >= EXIT_EXTRA_MAX)
				continue;
			e->extra[e->n_extra].key = exit_info_keys[k].key;
			e->extra[e->n_extra++].value = vmcs_read(f);
		}
	}
}

void vcpu_read_exit(struct vcpu_exit *e)
{
	e->reason_full = (u32)vmcs_read(VM_EXIT_REASON);
	e->reason = (u32)INFO_GET(EXIT_REASON, BASIC, e->reason_full);
	e->entry_fail = e->reason_full & VMX_ENTRY_FAILURE;
	e->qual = vmcs_read(EXIT_QUALIFICATION);
	e->rip = vmcs_read(GUEST_RIP);
	e->len = vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	e->intr_info = vmcs_read(VM_EXIT_INTR_INFO);
	e->intr_err = vmcs_read(VM_EXIT_INTR_ERROR_CODE);
	e->idt_info = vmcs_read(IDT_VECTORING_INFO_FIELD);
	e->idt_err = vmcs_read(IDT_VECTORING_ERROR_CODE);
	read_exit_extra(e);
}

const char *exit_reason_name(u32 reason)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_reasons); i++)
		if (exit_reasons[i].nr == reason)
			return exit_reasons[i].name;
	return "UNKNOWN";
}

bool exit_len_defined(const struct vcpu_exit *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_reasons); i++)
		if (exit_reasons[i].nr == e->reason && exit_reasons[i].len_defined)
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(exit_len_events); i++) {
		if (exit_len_events[i].reason != e->reason)
			continue;
		u64 info = exit_len_events[i].field == VM_EXIT_INTR_INFO ? e->intr_info : e->idt_info;
		if (INFO_GET(INTR_INFO, VALID, info) && INFO_GET(INTR_INFO, TYPE, info) == exit_len_events[i].type)
			return true;
	}
	return false;
}

static u8 exit_stack[8192] ALIGNED(16);
_Static_assert(sizeof(((struct percpu *)0)->exit_stack) == sizeof(exit_stack), "AP exit stack");

/* Default guest segment: flat, base 0, limit 4 GiB, given access rights. */
static void guest_segment(u32 selector_field, u16 sel, u32 ar)
{
	u32 i = (selector_field - GUEST_ES_SELECTOR) / 2;
	vmcs_write(selector_field, sel);
	vmcs_write(GUEST_ES_BASE + 2 * i, 0);
	vmcs_write(GUEST_ES_LIMIT + 2 * i, 0xffffffff);
	vmcs_write(GUEST_ES_AR_BYTES + 2 * i, ar);
}

static u64 *ctl_slot(struct vcpu *v, u32 field, u64 **cap)
{
	switch (field) {
	case PIN_BASED_VM_EXEC_CONTROL:
		*cap = &vmx_caps.pin;
		return &v->pin;
	case CPU_BASED_VM_EXEC_CONTROL:
		*cap = &vmx_caps.proc;
		return &v->proc;
	case SECONDARY_VM_EXEC_CONTROL:
		*cap = &vmx_caps.proc2;
		return &v->proc2;
	case VM_EXIT_CONTROLS:
		*cap = &vmx_caps.exit;
		return &v->exit_ctl;
	case VM_ENTRY_CONTROLS:
		*cap = &vmx_caps.entry;
		return &v->entry_ctl;
	}
	return NULL;
}

/*
 * Set control bits (adjusted by the capability MSR's allowed-0/allowed-1
 * settings, SDM appendix "VMX Capability Reporting Facility") and write
 * the field.  Returns false, changing nothing, if a bit is not allowed.
 */
bool vcpu_set_ctl(struct vcpu *v, u32 field, u64 bits)
{
	u64 *cap, value;
	u64 *slot = ctl_slot(v, field, &cap);
	if (!slot || !vmx_adjust_ctl(*cap, *slot | bits, &value))
		return false;
	if (field == SECONDARY_VM_EXEC_CONTROL &&
	    !vcpu_set_ctl(v, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		return false;
	*slot = value;
	vmcs_write(field, value);
	return true;
}

void vcpu_init(struct vcpu *v, void (*guest)(void), u64 guest_stack_top)
{
	static u8 bsp_vmcs_region[4096] ALIGNED(4096);
	struct desc_ptr gdtr, idtr;
	u32 cpu = smp_this_cpu(); /* an AP (core/smp.c) has its own VMCS and exit stack */
	u8 *vmcs_region = cpu ? smp_percpu[cpu].vmcs : bsp_vmcs_region;
	u8 *stack = cpu ? smp_percpu[cpu].exit_stack : exit_stack;

	memset(v, 0, sizeof(*v));
	v->vmcs = vmcs_region;
	v->exit_stack_top = (u64)stack + sizeof(exit_stack) - 16;
	v->guest_stack_top = guest_stack_top;

	/*
	 * A fresh, clear, current VMCS (SDM "VMCS Life Cycle"), so no scenario
	 * sees what an earlier one left (a failed entry leaves most VM-exit
	 * information fields unmodified).  VMCLEAR first: it writes any VMCS
	 * data the processor keeps for the region back into memory, which
	 * must not land on top of the zeroed region.  Then zero it, set the
	 * revision identifier, VMCLEAR (launch state "clear") and VMPTRLD.
	 */
	struct vmx_outcome o = vmx_clear((u64)vmcs_region);
	if (o.kind == VMX_SUCCEED) {
		memset(vmcs_region, 0, sizeof(bsp_vmcs_region));
		*(u32 *)vmcs_region = (u32)vmx_caps.basic & 0x7fffffff;
		o = vmx_clear((u64)vmcs_region);
	}
	if (o.kind == VMX_SUCCEED)
		o = vmx_ptrld((u64)vmcs_region);
	if (o.kind != VMX_SUCCEED) {
		trace("FATAL", "what=vmclear_vmptrld outcome=%s err=%u", vmx_outcome_name(o.kind),
		      o.error);
		trace("FINISH", "status=FATAL");
		platform_exit(4);
	}

	/*
	 * Controls: only the bits the capability MSRs force to 1, plus a 64-bit
	 * host (exit control "host address-space size") and a 64-bit guest
	 * (entry control "IA-32e mode guest"); SDM "VM-Execution Controls",
	 * "VM-Exit Controls", "VM-Entry Controls".  No MSR or I/O bitmaps:
	 * every RDMSR/WRMSR exits, I/O instructions run unless a scenario asks.
	 */
	v->pin = v->proc = v->proc2 = v->exit_ctl = v->entry_ctl = 0;
	vcpu_set_ctl(v, PIN_BASED_VM_EXEC_CONTROL, 0);
	vcpu_set_ctl(v, CPU_BASED_VM_EXEC_CONTROL, 0);
	vcpu_set_ctl(v, VM_EXIT_CONTROLS, VM_EXIT_HOST_ADDR_SPACE_SIZE);
	vcpu_set_ctl(v, VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	/* Every guest exception exits, so a broken guest shows as reason 0. */
	vmcs_write(EXCEPTION_BITMAP, 0xffffffff);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(CR0_GUEST_HOST_MASK, 0);
	vmcs_write(CR4_GUEST_HOST_MASK, 0);

	/*
	 * Host state: what the CPU loads on every VM exit (SDM "Loading Host
	 * State").  RSP is the dedicated exit stack whose top slot holds the
	 * vcpu pointer; RIP is the assembly stub that saves guest GPRs.
	 */
	gdtr = desc_host_gdtr();
	idtr = desc_host_idtr();
	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, read_cr3());
	vmcs_write(HOST_CR4, read_cr4());
	vmcs_write(HOST_CS_SELECTOR, GDT_CODE64);
	vmcs_write(HOST_SS_SELECTOR, GDT_DATA);
	vmcs_write(HOST_DS_SELECTOR, GDT_DATA);
	vmcs_write(HOST_ES_SELECTOR, GDT_DATA);
	vmcs_write(HOST_FS_SELECTOR, GDT_DATA);
	vmcs_write(HOST_GS_SELECTOR, GDT_DATA);
	vmcs_write(HOST_TR_SELECTOR, GDT_TSS);
	vmcs_write(HOST_FS_BASE, 0);
	vmcs_write(HOST_GS_BASE, 0);
	vmcs_write(HOST_TR_BASE, (u64)desc_host_tss());
	vmcs_write(HOST_GDTR_BASE, gdtr.base);
	vmcs_write(HOST_IDTR_BASE, idtr.base);
	vmcs_write(HOST_IA32_SYSENTER_CS, 0);
	vmcs_write(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_write(HOST_IA32_SYSENTER_EIP, 0);
	*(u64 *)(v->exit_stack_top) = (u64)v;
	vmcs_write(HOST_RSP, v->exit_stack_top);
	vmcs_write(HOST_RIP, (u64)vmx_exit_stub);

	/*
	 * Guest state: a 64-bit flat guest at CPL 0 sharing the host's paging
	 * and descriptor tables, satisfying "Checks on the Guest-State Area".
	 */
	vmcs_write(GUEST_CR0, read_cr0());
	vmcs_write(GUEST_CR3, read_cr3());
	vmcs_write(GUEST_CR4, read_cr4());
	vmcs_write(CR0_READ_SHADOW, read_cr0());
	vmcs_write(CR4_READ_SHADOW, read_cr4());
	guest_segment(GUEST_CS_SELECTOR, GDT_CODE64, 0xa09b);
	guest_segment(GUEST_SS_SELECTOR, GDT_DATA, 0xc093);
	guest_segment(GUEST_DS_SELECTOR, GDT_DATA, 0xc093);
	guest_segment(GUEST_ES_SELECTOR, GDT_DATA, 0xc093);
	guest_segment(GUEST_FS_SELECTOR, GDT_DATA, 0xc093);
	guest_segment(GUEST_GS_SELECTOR, GDT_DATA, 0xc093);
	vmcs_write(GUEST_TR_SELECTOR, GDT_TSS);
	vmcs_write(GUEST_TR_BASE, (u64)desc_host_tss());
	vmcs_write(GUEST_TR_LIMIT, 0x67);
	vmcs_write(GUEST_TR_AR_BYTES, 0x8b);
	vmcs_write(GUEST_LDTR_SELECTOR, 0);
	vmcs_write(GUEST_LDTR_BASE, 0);
	vmcs_write(GUEST_LDTR_LIMIT, 0);
	vmcs_write(GUEST_LDTR_AR_BYTES, 0x10000); /* unusable */
	vmcs_write(GUEST_GDTR_BASE, gdtr.base);
	vmcs_write(GUEST_GDTR_LIMIT, gdtr.limit);
	vmcs_write(GUEST_IDTR_BASE, idtr.base);
	vmcs_write(GUEST_IDTR_LIMIT, idtr.limit);
	vmcs_write(GUEST_DR7, 0x400);
	vmcs_write(GUEST_RFLAGS, 0x2);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);

	/* The guest's own stack; a guest function that returns lands in
	 * guest_fell_off (a VMCALL loop) instead of running wild. */
	extern void guest_fell_off(void);
	u64 *sp = (u64 *)(guest_stack_top - 8);
	*sp = (u64)guest_fell_off;
	vmcs_write(GUEST_RSP, (u64)sp);
	vmcs_write(GUEST_RIP, (u64)guest);
}

/* The controls of every VM entry that succeeded in this boot (OR of the fields; the
 * secondary controls only where the primary "activate secondary controls" was 1), traced
 * once at the end (CTLUSED): results.json lists, per platform, which allowed controls ran. */
static u64 ctl_used[5];

static void note_ctl_used(void)
{
	static const u32 fields[5] = { PIN_BASED_VM_EXEC_CONTROL, CPU_BASED_VM_EXEC_CONTROL,
				       SECONDARY_VM_EXEC_CONTROL, VM_EXIT_CONTROLS, VM_ENTRY_CONTROLS };
	u64 proc = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		u64 v = 0;
		if (fields[i] == SECONDARY_VM_EXEC_CONTROL && !(proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
			continue;
		if (__vmcs_read(fields[i], &v).kind != VMX_SUCCEED)
			continue;
		if (fields[i] == CPU_BASED_VM_EXEC_CONTROL)
			proc = v;
		ctl_used[i] |= v;
	}
}

void vcpu_trace_ctl_used(void)
{
	trace("CTLUSED", "pin=%#lx proc=%#lx proc2=%#lx exit=%#lx entry=%#lx", ctl_used[0], ctl_used[1],
	      ctl_used[2], ctl_used[3], ctl_used[4]);
}

struct vcpu_exit vcpu_run(struct vcpu *v)
{
	struct vcpu_exit e = { .kind = RESULT_EXIT };
	e.insn = v->launched ? "VMRESUME" : "VMLAUNCH";

	u64 rflags = vmx_enter(v);
	if (!rflags)
		desc_restore(); /* the exit left GDTR/IDTR limits at FFFFH */
	if (rflags) {
		e.kind = RESULT_VMFAIL;
		e.fail.kind = VMX_SUCCEED;
		e.fail.vector = -1;
		if (rflags & X86_RFLAGS_CF) {
			e.fail.kind = VMX_FAIL_INVALID;
		} else if (rflags & X86_RFLAGS_ZF) {
			e.fail.kind = VMX_FAIL_VALID;
			e.fail.error = (u32)vmcs_read(VM_INSTRUCTION_ERROR);
		}
		v->vmfails++;
		return e;
	}
	v->exits++;
	vcpu_read_exit(&e);
	/* SDM "VMLAUNCH": the launch state becomes "launched" only when the
	 * entry succeeds, so a failed entry leaves it clear. */
	if (!e.entry_fail) {
		v->launched = 1;
		note_ctl_used();
	}
	return e;
}

void vcpu_skip_instruction(struct vcpu *v, const struct vcpu_exit *e)
{
	(void)v;
	vmcs_write(GUEST_RIP, e->rip + e->len);
}

/* vmcs_fields.def as data: the dump here and the sweep's GOLDEN/DIFF records (core/sweep.c). */
const struct vmcs_field_info vmcs_field_table[] = {
#define VMCS_FIELD(name, enc, ...) { #name, enc },
#include "vmcs_fields.def"
#undef VMCS_FIELD
};
const size_t vmcs_field_count = ARRAY_SIZE(vmcs_field_table);

/* Fields whose VMREAD failed with VMfailValid(UNSUPPORTED_VMCS_COMPONENT): the component does not
 * exist on this platform, for every VMCS of the boot (vmx.h vmcs_read_table_field). */
static bool field_unsupported[ARRAY_SIZE(vmcs_field_table)];

bool vmcs_read_table_field(size_t i, u64 *val)
{
	*val = 0;
	if (i >= ARRAY_SIZE(field_unsupported) || field_unsupported[i])
		return false;
	u64 v = 0;
	struct vmx_outcome o = __vmcs_read(vmcs_field_table[i].enc, &v);
	if (o.kind == VMX_SUCCEED) {
		*val = v;
		return true;
	}
	if (o.kind == VMX_FAIL_VALID && o.error == VMXERR_UNSUPPORTED_VMCS_COMPONENT)
		field_unsupported[i] = true;
	return false;
}

void vmcs_read_table(u64 *vals)
{
	struct fault_info f;
	fault_arm(&f);
	for (size_t i = 0; i < ARRAY_SIZE(field_unsupported); i++) {
		u64 v = 0, rflags;
		if (field_unsupported[i]) {
			vals[i] = 0;
			continue;
		}
		asm volatile(VMX_INSN("vmread %[f], %[v]")
			     : [fl] "=r"(rflags), [v] "+r"(v)
			     : [f] "r"((u64)vmcs_field_table[i].enc)
			     : "cc", "memory");
		if (f.vector >= 0 || (rflags & (X86_RFLAGS_CF | X86_RFLAGS_ZF))) {
			fault_disarm(); /* refused: the one-field path says how, and remembers it */
			vmcs_read_table_field(i, &vals[i]);
			fault_arm(&f);
			continue;
		}
		vals[i] = v;
	}
	fault_disarm();
}

/* The golden VMCS (core/sweep.c reads it once per boot and traces it as GOLDEN records): a dump
 * sends only the fields whose value differs from it, and counts the rest as "same". */
static const u64 *dump_base;
static const bool *dump_base_present;

void vcpu_set_dump_base(const u64 *vals, const bool *present)
{
	dump_base = vals;
	dump_base_present = present;
}

/* Every table field that this platform's VMREAD accepts and that differs from the golden VMCS
 * (all of them before the golden one is read); VMCSEND counts the fields equal to it. */
void vcpu_dump_vmcs(void)
{
	const struct vmcs_field_info *fields = vmcs_field_table;
	u32 unsupported = 0, same = 0;
	for (size_t i = 0; i < vmcs_field_count; i++) {
		u64 val;
		if (!vmcs_read_table_field(i, &val))
			unsupported++;
		else if (dump_base && dump_base_present[i] && dump_base[i] == val)
			same++;
		else
			trace("VMCS", "field=%s enc=%#x value=%#lx", fields[i].name, fields[i].enc, val);
	}
	/* The VM-entry MSR-load entries the dump's count and address name (at most
	 * 16), so `harness explain` can evaluate "Loading MSRs" from the trace. */
	u64 n = 0, addr = 0;
	if (__vmcs_read(VM_ENTRY_MSR_LOAD_COUNT, &n).kind == VMX_SUCCEED &&
	    __vmcs_read(VM_ENTRY_MSR_LOAD_ADDR, &addr).kind == VMX_SUCCEED && addr) {
		const struct model_msr_entry *e = (const void *)addr;
		for (u64 i = 0; i < n && i < 16; i++)
			trace("MSRLOAD", "n=%lu index=%#lx value=%#lx", i + 1,
			      (u64)e[i].reserved << 32 | e[i].index, e[i].value);
	}
	trace("VMCSEND", "fields=%zu unsupported=%u same=%u", vmcs_field_count, unsupported, same);
}
