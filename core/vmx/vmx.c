/*
 * VMX instructions, capability MSRs and bring-up (SDM chapter "Introduction
 * to Virtual Machine Extensions", sections "Enabling and Entering VMX
 * Operation" and "Restrictions on VMX Operation").
 */
#include "lib.h"
#include "trace.h"
#include "vmx.h"
#include "desc.h"

struct vmx_caps vmx_caps;
static u8 vmxon_region[4096] ALIGNED(4096);
static u8 probe_vmcs[4096] ALIGNED(4096);

const char *vmx_outcome_name(enum vmx_outcome_kind kind)
{
	static const char *const names[] = { "succeed", "invalid", "valid", "fault" };
	return names[kind];
}

static u32 read_instruction_error(void)
{
	u64 v = 0;
	asm volatile("vmread %[f], %[v]" : [v] "=r"(v) : [f] "r"((u64)VM_INSTRUCTION_ERROR) : "cc");
	return (u32)v;
}

u64 vmx_vmxon_pointer(void) { return (u64)vmxon_region; }

/* Leave VMX operation, and enter it again with the catalog's VMXON region (a scenario that
 * runs its own VMX life cycle, guests/takeover.c, hands the BSP back as it found it). */
void vmx_off(void) { asm volatile("vmxoff" ::: "cc", "memory"); }
struct vmx_outcome vmx_on_catalog(void) { return vmx_on((u64)vmxon_region); }

struct vmx_outcome vmx_outcome_of(u64 rflags, const struct fault_info *f)
{
	struct vmx_outcome o = { .kind = VMX_SUCCEED, .vector = -1 };
	if (f->vector >= 0) {
		o.kind = VMX_FAULT;
		o.vector = f->vector;
		o.error_code = f->error_code;
	} else if (rflags & X86_RFLAGS_CF) {
		o.kind = VMX_FAIL_INVALID;
	} else if (rflags & X86_RFLAGS_ZF) {
		o.kind = VMX_FAIL_VALID;
		o.error = read_instruction_error();
	}
	return o;
}

struct vmx_outcome vmx_on(u64 pa)
{
	struct fault_info f;
	u64 rflags;
	fault_arm(&f);
	asm volatile(VMX_INSN("vmxon %[pa]") : [fl] "=r"(rflags) : [pa] "m"(pa) : "cc", "memory");
	fault_disarm();
	return vmx_outcome_of(rflags, &f);
}

struct vmx_outcome vmx_clear(u64 pa)
{
	struct fault_info f;
	u64 rflags;
	fault_arm(&f);
	asm volatile(VMX_INSN("vmclear %[pa]") : [fl] "=r"(rflags) : [pa] "m"(pa) : "cc", "memory");
	fault_disarm();
	return vmx_outcome_of(rflags, &f);
}

struct vmx_outcome vmx_ptrld(u64 pa)
{
	struct fault_info f;
	u64 rflags;
	fault_arm(&f);
	asm volatile(VMX_INSN("vmptrld %[pa]") : [fl] "=r"(rflags) : [pa] "m"(pa) : "cc", "memory");
	fault_disarm();
	return vmx_outcome_of(rflags, &f);
}

struct vmx_outcome vmx_ptrst(u64 *pa)
{
	struct fault_info f;
	u64 rflags;
	fault_arm(&f);
	asm volatile(VMX_INSN("vmptrst %[pa]") : [fl] "=r"(rflags), [pa] "=m"(*pa) : : "cc", "memory");
	fault_disarm();
	return vmx_outcome_of(rflags, &f);
}

struct vmx_outcome __vmcs_read(u32 field, u64 *val)
{
	struct fault_info f;
	u64 rflags, v = 0;
	fault_arm(&f);
	asm volatile(VMX_INSN("vmread %[f], %[v]") : [fl] "=r"(rflags), [v] "+r"(v) : [f] "r"((u64)field) : "cc", "memory");
	fault_disarm();
	*val = v;
	return vmx_outcome_of(rflags, &f);
}

struct vmx_outcome __vmcs_write(u32 field, u64 val)
{
	struct fault_info f;
	u64 rflags;
	fault_arm(&f);
	asm volatile(VMX_INSN("vmwrite %[v], %[f]") : [fl] "=r"(rflags) : [v] "r"(val), [f] "r"((u64)field) : "cc", "memory");
	fault_disarm();
	return vmx_outcome_of(rflags, &f);
}

static void NORETURN vmcs_fatal(const char *what, u32 field, struct vmx_outcome o)
{
	trace("FATAL", "what=%s field=%#x outcome=%s err=%u vector=%d", what, field,
	      vmx_outcome_name(o.kind), o.error, o.vector);
	trace("FINISH", "status=FATAL");
	platform_exit(4);
}

u64 vmcs_read(u32 field)
{
	u64 v;
	struct vmx_outcome o = __vmcs_read(field, &v);
	if (o.kind != VMX_SUCCEED)
		vmcs_fatal("vmread", field, o);
	return v;
}

void vmcs_write(u32 field, u64 val)
{
	struct vmx_outcome o = __vmcs_write(field, val);
	if (o.kind != VMX_SUCCEED)
		vmcs_fatal("vmwrite", field, o);
}

bool vmx_adjust_ctl(u64 cap, u64 desired, u64 *out)
{
	u32 must_be_1 = (u32)cap, may_be_1 = (u32)(cap >> 32);
	*out = (desired | must_be_1) & may_be_1;
	return (desired & ~(u64)may_be_1) == 0;
}

static const struct {
	u32 bit;
	const char *name;
	u64 *cap;
	u64 ctl;
} requirements[] = {
	{ REQ_HLT_EXITING, "hlt_exiting", &vmx_caps.proc, CPU_BASED_HLT_EXITING },
	{ REQ_RDTSC_EXITING, "rdtsc_exiting", &vmx_caps.proc, CPU_BASED_RDTSC_EXITING },
	{ REQ_CR3_LOAD_EXITING, "cr3_load_exiting", &vmx_caps.proc, CPU_BASED_CR3_LOAD_EXITING },
	{ REQ_IO_EXITING, "unconditional_io_exiting", &vmx_caps.proc, CPU_BASED_UNCOND_IO_EXITING },
	{ REQ_SECONDARY, "secondary_controls", &vmx_caps.proc, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS },
};

/* Returns the first requirement bit this platform cannot meet, or 0. */
u32 vmx_missing_requirements(u32 requires)
{
	for (size_t i = 0; i < ARRAY_SIZE(requirements); i++) {
		if (!(requires & requirements[i].bit))
			continue;
		if (!((*requirements[i].cap >> 32) & requirements[i].ctl))
			return requirements[i].bit;
	}
	return 0;
}

const char *vmx_requirement_name(u32 bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(requirements); i++)
		if (requirements[i].bit == bit)
			return requirements[i].name;
	return "unknown";
}

/* Print every capability MSR this platform lets us read (fingerprint). */
static void trace_caps(void)
{
	static const struct {
		const char *name;
		u32 index;
	} msrs[] = {
#define VMX_MSR(name, idx) { #name, idx },
#include "vmx_msrs.def"
#undef VMX_MSR
	};
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++) {
		struct fault_info f;
		u64 v;
		_Static_assert(ARRAY_SIZE(msrs) <= ARRAY_SIZE(vmx_caps.msr_value), "msr_value");
		if (rdmsr_safe(msrs[i].index, &v, &f)) {
			trace("CAP", "msr=%s index=%#x value=%#lx", msrs[i].name, msrs[i].index, v);
			vmx_caps.msr_value[i] = v;
		} else
			trace("CAP", "msr=%s index=%#x absent=1 vector=%d", msrs[i].name, msrs[i].index,
			      f.vector);
	}
}

static bool novmx(const char *reason)
{
	trace("NOVMX", "reason=%s", reason);
	return false;
}

bool vmx_init(void)
{
	u32 a, b, c, d;
	struct fault_info f;
	u64 fc;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_VMX))
		return novmx("cpuid_vmx_clear");

	/* IA32_FEATURE_CONTROL: VMXON needs bit 2 (outside SMX) and the lock. */
	if (!rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc, &f))
		return novmx("feature_control_unreadable");
	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		fc |= FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
	} else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		return novmx("feature_control_locked_without_vmx");
	}

	trace_caps();
	/* The widths the entry checks use (SDM: MAXPHYADDR; linear-address width N). */
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		vmx_caps.pa_width = a & 0xff;
		vmx_caps.la_width = (a >> 8) & 0xff;
	} else {
		vmx_caps.pa_width = 36;
		vmx_caps.la_width = 48;
	}
	trace("CPUID", "pa_width=%u la_width=%u", vmx_caps.pa_width, vmx_caps.la_width);
	/* SDM "Capability Reporting Facility": TRUE_* MSRs exist if BASIC bit 55. */
	struct vmx_caps *k = &vmx_caps;
	k->basic = rdmsr(MSR_IA32_VMX_BASIC);
	bool true_ctls = k->basic & VMX_BASIC_TRUE_CTLS;
	k->pin = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	k->proc = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	k->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	k->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	k->misc = rdmsr(MSR_IA32_VMX_MISC);
	k->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	k->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	k->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	k->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	k->vmcs_enum = rdmsr(MSR_IA32_VMX_VMCS_ENUM);
	k->has_proc2 = (k->proc >> 32) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	if (k->has_proc2)
		k->proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);

	/* CR0 and CR4 must honour the fixed bits in VMX operation. */
	write_cr0((read_cr0() | k->cr0_fixed0) & k->cr0_fixed1);
	write_cr4((read_cr4() | k->cr4_fixed0 | X86_CR4_VMXE) & k->cr4_fixed1);

	u32 revision = (u32)k->basic & 0x7fffffff;
	*(u32 *)vmxon_region = revision;
	struct vmx_outcome o = vmx_on((u64)vmxon_region);
	if (o.kind != VMX_SUCCEED) {
		trace("VMXON", "outcome=%s err=%u vector=%d", vmx_outcome_name(o.kind), o.error,
		      o.vector);
		return novmx("vmxon_failed");
	}

	/* Verify VMCLEAR, VMPTRLD and VMPTRST on a scratch VMCS. */
	*(u32 *)probe_vmcs = revision;
	u64 current = 0;
	struct vmx_outcome oc = vmx_clear((u64)probe_vmcs);
	struct vmx_outcome ol = vmx_ptrld((u64)probe_vmcs);
	struct vmx_outcome os = vmx_ptrst(&current);
	bool ok = oc.kind == VMX_SUCCEED && ol.kind == VMX_SUCCEED && os.kind == VMX_SUCCEED &&
		  current == (u64)probe_vmcs;
	trace("VMXON", "outcome=succeed revision=%#x vmclear=%s vmptrld=%s vmptrst=%s current_ok=%d",
	      revision, vmx_outcome_name(oc.kind), vmx_outcome_name(ol.kind),
	      vmx_outcome_name(os.kind), ok);
	vmx_clear((u64)probe_vmcs);
	return ok ? true : novmx("vmcs_pointer_check_failed");
}
