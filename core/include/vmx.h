/*
 * VMX core: instruction wrappers, VMCS access, capabilities, the vCPU and
 * its run loop.  Numbers come only from the .def tables in this folder.
 */
#ifndef VMXDIFF_VMX_H
#define VMXDIFF_VMX_H

#include "types.h"
#include "x86.h"

enum vmcs_field {
#define VMCS_FIELD(name, enc, ...) name = enc,
#include "vmcs_fields.def"
#undef VMCS_FIELD
};

enum exit_reason {
#define EXIT_REASON(name, nr, len) EXIT_REASON_##name = nr,
#include "exit_reasons.def"
#undef EXIT_REASON
};

enum vmx_error {
#define VMX_ERROR(name, nr, text) VMXERR_##name = nr,
#include "vm_errors.def"
#undef VMX_ERROR
};

enum vmx_msr {
#define VMX_MSR(name, idx) MSR_##name = idx,
#include "vmx_msrs.def"
#undef VMX_MSR
};

enum entry_check_area { CHECK_AREA_CTRL, CHECK_AREA_HOST, CHECK_AREA_GUEST, CHECK_AREA_MSR };
enum entry_check_group {
#define ENTRY_CHECK_GROUP(name, area, section) CHECK_GROUP_##name,
#include "entry_check_groups.def"
#undef ENTRY_CHECK_GROUP
};

/* CHECK_NONE is 0 so a scenario that names no check needs no initializer;
 * entry_check_table[] is indexed by check - 1. */
enum entry_check {
	CHECK_NONE,
#define ENTRY_CHECK(name, group, qual, text, bochs) CHECK_##name,
#include "entry_checks.def"
#undef ENTRY_CHECK
};

struct entry_check_info {
	const char *name;
	enum entry_check_area area;
	enum entry_check_group group;
	u32 qual;
	const char *text;
};
extern const struct entry_check_info entry_check_table[];

/* Component encoding bits 14:13 give the width (SDM "Component Encoding"). */
#define VMCS_WIDTH(enc) (((enc) >> 13) & 3)
#define VMCS_WIDTH_16 0
#define VMCS_WIDTH_64 1
#define VMCS_WIDTH_32 2
#define VMCS_WIDTH_NATURAL 3
/* Bits 11:10 give the area: control, VM-exit information, guest, host. */
#define VMCS_AREA(enc) (((enc) >> 10) & 3)

_Static_assert(VMCS_WIDTH(GUEST_RIP) == VMCS_WIDTH_NATURAL, "GUEST_RIP is natural width");
_Static_assert(VMCS_WIDTH(VMCS_LINK_POINTER) == VMCS_WIDTH_64, "link pointer is 64-bit");
_Static_assert(VMCS_WIDTH(VM_EXIT_REASON) == VMCS_WIDTH_32, "exit reason is 32-bit");
_Static_assert(VMCS_WIDTH(GUEST_CS_SELECTOR) == VMCS_WIDTH_16, "selectors are 16-bit");
_Static_assert(VMCS_AREA(HOST_RIP) == 3 && VMCS_AREA(GUEST_RIP) == 2, "areas");
_Static_assert(EXIT_REASON_VMCALL == 18 && VMXERR_ENTRY_INVALID_CONTROL_FIELD == 7, "tables");

/* Control bits (control_bits.def): NAME is the mask, NAME_BIT the bit number. */
enum control_bit_number {
#define CONTROL_BIT(field, name, bit) name##_BIT = bit,
#include "control_bits.def"
#undef CONTROL_BIT
};
#define CONTROL_BIT(field, name, bit) static const u64 name = 1ULL << (bit);
#include "control_bits.def"
#undef CONTROL_BIT
/* Exit-information layouts (exit_info.def): INFO_<layout>_<field>_LO/_HI, named values
 * INFO_<layout>_<field>_<NAME>; INFO_SET(layout, field, v) places v in its field. */
enum exit_info_layout_bits {
#define INFO_LAYOUT(l, undef, title)
#define INFO_FIELD(l, f, lo, hi) INFO_##l##_##f##_LO = lo, INFO_##l##_##f##_HI = hi,
#define INFO_VALUE(l, f, n, v) INFO_##l##_##f##_##n = v,
#define EXIT_INFO(r, fld, l)
#define EXIT_INFO_WHEN(r, fld, l, ql, qf, v)
#define EXIT_INFO_KEY(fld, key)
#define EXIT_LEN_EVENT(r, fld, type)
#include "exit_info.def"
#undef INFO_LAYOUT
#undef INFO_FIELD
#undef INFO_VALUE
#undef EXIT_INFO
#undef EXIT_INFO_WHEN
#undef EXIT_INFO_KEY
#undef EXIT_LEN_EVENT
};
#define INFO_SET(l, f, v) ((u64)(v) << INFO_##l##_##f##_LO)
#define INFO_GET(l, f, x) \
	(((u64)(x) >> INFO_##l##_##f##_LO) & ((2ULL << (INFO_##l##_##f##_HI - INFO_##l##_##f##_LO)) - 1))
#define VMX_BASIC_TRUE_CTLS BIT(55)
/* IA32_VMX_MISC (exit_info.def layout VMX_MISC): bit 29, VMWRITE may write any supported field,
 * VM-exit information fields included; activity state s (1..3) supported. */
#define VMX_MISC_VMWRITE_ANY INFO_SET(VMX_MISC, VMWRITE_ANY, 1)
#define VMX_MISC_ACTIVITY_BIT(s) BIT(INFO_VMX_MISC_ACT_HLT_LO + (s) - 1)
/* The exit reason field (exit_info.def layout EXIT_REASON): bit 31, VM-entry failure. */
#define VMX_ENTRY_FAILURE INFO_SET(EXIT_REASON, ENTRY_FAIL, 1)

/* Outcome of one VMX instruction (XTF's exinfo idea): one value. */
enum vmx_outcome_kind { VMX_SUCCEED, VMX_FAIL_INVALID, VMX_FAIL_VALID, VMX_FAULT };
struct vmx_outcome {
	enum vmx_outcome_kind kind;
	u32 error; /* VM-instruction error for VMX_FAIL_VALID */
	int vector; /* for VMX_FAULT */
	u64 error_code;
};
const char *vmx_outcome_name(enum vmx_outcome_kind kind);

/* The VMX capability MSRs of this platform, read once at bring-up. */
struct vmx_caps {
	u64 basic, misc, cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1, vmcs_enum;
	u64 pin, proc, proc2, exit, entry, ept_vpid;
	bool has_proc2, has_ept_vpid;
	u32 pa_width, la_width; /* CPUID.80000008H:EAX[7:0] and [15:8] */
	u64 msr_value[32]; /* every vmx_msrs.def MSR in table order, 0 if absent */
};
extern struct vmx_caps vmx_caps;

/* Capability requirements a scenario can state (skipped if missing). */
#define REQ_NONE 0
#define REQ_HLT_EXITING BIT(0)
#define REQ_RDTSC_EXITING BIT(1)
#define REQ_CR3_LOAD_EXITING BIT(2)
#define REQ_IO_EXITING BIT(3)
#define REQ_SECONDARY BIT(4)

/*
 * Guest GPRs, saved and restored by vmx_enter()/vmx_exit_stub in entry.S.
 * The offsets are part of the assembly contract: see the asserts in vcpu.c.
 */
struct vcpu_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 cr2;
};

struct vcpu {
	struct vcpu_regs regs; /* offset 0 */
	u64 host_rsp; /* C stack saved by vmx_enter() */
	u8 launched; /* VMLAUNCH if 0, VMRESUME if 1 */
	u8 pad[7];
	void *vmcs; /* 4 KiB, revision id at offset 0 */
	u64 exit_stack_top; /* dedicated host stack for VM exits */
	u64 pin, proc, proc2, exit_ctl, entry_ctl; /* controls to be written */
	u64 guest_stack_top;
	u32 exits; /* VM exits taken in this scenario */
	u32 vmfails;
};

/* What one call of vcpu_run() produced. */
enum vcpu_result_kind { RESULT_EXIT, RESULT_VMFAIL };
struct vcpu_exit {
	enum vcpu_result_kind kind;
	const char *insn; /* "VMLAUNCH" or "VMRESUME" */
	struct vmx_outcome fail; /* for RESULT_VMFAIL */
	u32 reason_full; /* VM_EXIT_REASON, bit 31 = entry failure */
	u32 reason; /* basic exit reason, bits 15:0 */
	bool entry_fail;
	u64 qual, rip, len, intr_info, intr_err;
	u64 idt_info, idt_err; /* IDT-vectoring information: an exit during event delivery */
	/* The information fields this exit defines besides these (exit_info.def EXIT_INFO rows),
	 * traced as "<key>=<value>": up to EXIT_EXTRA_MAX of them. */
	u8 n_extra;
	struct { const char *key; u64 value; } extra[3];
	/* Guest interruptibility and activity state as the exit saved them, traced as gintr= and
	 * gact= when a scenario body reads them into here and sets gstate. */
	bool gstate;
	u64 gintr, gact;
};
#define EXIT_EXTRA_MAX 3

/*
 * Each wrapper runs one VMX instruction with an exception-table entry (a
 * fault becomes VMX_FAULT) and captures RFLAGS right after it: CF set is
 * VMfailInvalid, ZF set is VMfailValid (SDM "Conventions" for VMX
 * instructions).  Use between fault_arm() and fault_disarm() (desc.h), with
 * an output operand [fl]; then vmx_outcome_of(rflags, &fault).
 */
#define VMX_INSN(insn) \
	"1: " insn "\n2: pushfq\n popq %[fl]\n" \
	".pushsection .extable, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
struct fault_info;
struct vmx_outcome vmx_outcome_of(u64 rflags, const struct fault_info *f);
/* The physical address of the image's own VMXON region (vmx_init()). */
u64 vmx_vmxon_pointer(void);

/* Instruction wrappers: each returns the outcome read from RFLAGS. */
struct vmx_outcome vmx_on(u64 pa);
struct vmx_outcome vmx_clear(u64 pa);
struct vmx_outcome vmx_ptrld(u64 pa);
struct vmx_outcome vmx_ptrst(u64 *pa);
struct vmx_outcome __vmcs_read(u32 field, u64 *val);
struct vmx_outcome __vmcs_write(u32 field, u64 val);
u64 vmcs_read(u32 field); /* ends the run on failure */
void vmcs_write(u32 field, u64 val); /* ends the run on failure */

void vmx_off(void);
struct vmx_outcome vmx_on_catalog(void);
/* Bring-up: returns false (after tracing why) if VMX cannot be used. */
bool vmx_init(void);
/* Control value desired|must-be-1, or false if a desired bit is not allowed. */
bool vmx_adjust_ctl(u64 cap_msr_value, u64 desired, u64 *out);
u32 vmx_missing_requirements(u32 requires);
const char *vmx_requirement_name(u32 bit);

/* vCPU: fresh VMCS with default host, guest and control state. */
void vcpu_init(struct vcpu *v, void (*guest)(void), u64 guest_stack_top);
bool vcpu_set_ctl(struct vcpu *v, u32 field, u64 bits);
void vcpu_write_controls(struct vcpu *v);
struct vcpu_exit vcpu_run(struct vcpu *v);
/* After a VM exit: the exit-information fields into e (as vcpu_run() records them). */
void vcpu_read_exit(struct vcpu_exit *e);
void vcpu_skip_instruction(struct vcpu *v, const struct vcpu_exit *e);
/* VMCS records for the fields that differ from the dump base (every field before it is set), then
 * VMCSEND with the count of fields equal to it (README "Trace format"). */
void vcpu_dump_vmcs(void);
void vcpu_set_dump_base(const u64 *vals, const bool *present);
void vcpu_trace_ctl_used(void); /* CTLUSED: the controls of the boot's successful VM entries */

/* vmcs_fields.def as data (core/vmx/vcpu.c). */
struct vmcs_field_info {
	const char *name;
	u32 enc;
};
extern const struct vmcs_field_info vmcs_field_table[];
extern const size_t vmcs_field_count;
/* VMREAD of vmcs_field_table[i] on the current VMCS: true with *val, or false (and *val = 0) where
 * this platform's VMREAD refuses the field.  A field refused once with VMfailValid(12) (unsupported
 * VMCS component) is not asked again in this boot: the VMCS dumps and the sweep's snapshots read
 * every table field after each case, and each refused VMREAD costs Bochs a log line. */
bool vmcs_read_table_field(size_t i, u64 *val);
/* Every table field at once into vals[vmcs_field_count] (0 where refused): the sweep's snapshot,
 * one arming of the fault fixup for all its VMREADs. */
void vmcs_read_table(u64 *vals);
const char *exit_reason_name(u32 reason);
struct vcpu_exit;
/* SDM field "VM-Exit Instruction Length": is it defined for this exit?  exit_reasons.def's
 * len_defined, or an exit_info.def EXIT_LEN_EVENT row (software exceptions, faults during
 * the delivery of a software interrupt or exception). */
bool exit_len_defined(const struct vcpu_exit *e);

/* Assembly (entry.S). Returns 0 after a VM exit, else RFLAGS of the VMfail. */
u64 vmx_enter(struct vcpu *v);
void vmx_exit_stub(void);

#endif
