/*
 * The type-1.5 hypervisor (issue 11; the RVM1.5-on-Jailhouse seed): on every CPU the
 * running host code ("the OS") calls enable(); the hypervisor captures the caller's
 * context into the guest-state area and launches it, so enable() returns 0 in VMX
 * non-root operation.  The OS runs a workload whose instructions exit (CPUID, RDMSR and
 * WRMSR of IA32_TSC_AUX, OUT/IN on an unused port, a hypercall), each handled and traced
 * by the hypervisor; a "disable" hypercall makes the hypervisor restore the state from
 * the guest-state area, VMCLEAR, VMXOFF and return to the caller in root mode with a
 * return value (the number of exits it handled on that CPU).
 *
 * Barrier (every CPU, before any VMLAUNCH): "entered" (all CPUs called enable), then
 * VMXON and the VMCS, "initialised", then "activated" and VMLAUNCH.  Each wait is bounded
 * (parameter spins, PAUSE iterations): a CPU that does not arrive makes the others
 * return TO_ERR_TIMEOUT, never hang.
 *
 * What is checked (records per CPU; the AP's carry cpu=N):
 *  - EXIT records of the hypervisor (the usual format): the workload's exit sequence,
 *    declared in .expect with the assembler's labels, compared across platforms;
 *  - CALL name=enable|disable ret=N: what the OS got back;
 *  - KEEP field=ctx.<x>: the context before enable() and after disable() (callee-saved
 *    registers set to patterns, RSP, RFLAGS, CR0/CR2/CR3/CR4, DR7, GDTR/IDTR, the
 *    selectors, TR's descriptor rights (LAR), EFER, PAT, SYSENTER, SYSCALL, FS/GS/kernel
 *    GS bases, TSC_AUX): equal field by field.  Not readable by software, so not in the
 *    records: the segment registers' hidden parts (captured from the descriptors into the
 *    guest-state area and reloaded from them);
 *  - KEEP field=wl.<x>: the workload's results in root mode (before) and in non-root
 *    mode (after): equal.
 * Failure paths: takeover_vmx_on (VMX already on with a current VMCS: VMXON VMfailValid
 * 15), takeover_vmx_on_noptr (on, no current VMCS: VMfailInvalid), takeover_disable_off
 * (disable on CPUs that never enabled, VMX off: VMCALL #UD), takeover_disable_root (VMX on,
 * not ours: VMCALL VMfailValid 1), takeover_barrier_timeout (CPU 1 never calls enable).
 * IA32_FEATURE_CONTROL with VMX disabled is not testable: the lock bit (set by the
 * firmware, or by this image at boot on the BSP and by enable() on an AP) is cleared only
 * by a power-up reset, and WRMSR to a locked IA32_FEATURE_CONTROL raises #GP (SDM
 * "Enabling and Entering VMX Operation"); enable() returns TO_ERR_FEATURE_CONTROL there.
 */
#include "lib.h"
#include "scenario.h"
#include "desc.h"
#include "smp.h"

/* enable()/disable() return values (the CALL records). */
#define TO_OK 0
#define TO_ERR_TIMEOUT 1
#define TO_ERR_VMXON 2
#define TO_ERR_UD 3
#define TO_ERR_VMFAIL 4
#define TO_ERR_FEATURE_CONTROL 5
#define TO_ERR_ENTRY 6
/* Hypercalls (RAX at VMCALL) and the unused I/O port of the workload (COM3's base: no
 * device on any platform here). */
#define HC_ADD 0x4801
#define HC_DISABLE 0x4844
#define HC_ADD_A 0x1000
#define HC_ADD_B 0x234
#define TO_PORT 0x3e8
#define TO_TSC_AUX_VALUE 0x5a00

/* takeover_enable's capture (assembly offsets below). */
struct to_regs {
	u64 rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags, hv_stack_top;
};

/* The OS side of one CPU (takeover_roundtrip's offsets). */
struct to_os {
	u64 gpr[2][7]; /* before, after: rbx rbp r12 r13 r14 r15 rsp */
	u64 enable_ret, disable_ret, disable_rflags, flags, hc_ret;
	struct fault_info disable_fault;
	struct to_regs enter;
	u32 cpu;
	u64 ctx[2][32];
	bool has[2][32];
	u64 wl[2][16]; /* workload results: root, non-root */
};
_Static_assert(offsetof(struct to_os, enable_ret) == 112, "takeover_roundtrip");
_Static_assert(offsetof(struct to_os, flags) == 136, "takeover_roundtrip");
_Static_assert(offsetof(struct to_os, hc_ret) == 144, "takeover_roundtrip");
_Static_assert(offsetof(struct to_os, disable_fault) == 152, "takeover_roundtrip");
_Static_assert(offsetof(struct to_os, enter) == 168, "takeover_roundtrip");
_Static_assert(offsetof(struct to_regs, hv_stack_top) == 72, "takeover_enable");
#define TO_SKIP_ENABLE 1
#define TO_SKIP_DISABLE 2

/* The hypervisor's per-CPU state. */
struct hv_cpu {
	struct vcpu vcpu;
	struct scenario_ctx sctx;
	u64 cr4_orig;
	struct { u64 rip, cs, rflags, rsp, ss; } frame; /* IRETQ back to the OS (disable) */
	u8 stack[16384] ALIGNED(16);
};

static struct to_os tos[SMP_MAX_CPUS];
static struct hv_cpu hv[SMP_MAX_CPUS];
static u8 scratch_vmxon[SMP_MAX_CPUS][4096] ALIGNED(4096);
static u8 scratch_vmcs[SMP_MAX_CPUS][4096] ALIGNED(4096);
static volatile u32 bar_entered, bar_initialised, bar_activated, bar_failed;
static u32 hv_ncpus;
static u64 hv_spins;
static const char *hv_scenario;

void takeover_roundtrip(struct to_os *t);
u64 takeover_enable(struct to_regs *c);
void takeover_workload(u64 *res, u64 cpu);

/*
 * enable(): capture the callee-saved registers, the return point (RIP, and RSP after the
 * return) and RFLAGS, switch to the hypervisor's stack and call hv_enable(), which returns
 * only on failure (the OS then gets its error in root mode); on success the OS continues
 * at the return point in non-root mode with RAX = TO_OK.
 */
asm(".text\n.global takeover_enable\ntakeover_enable:\n"
    "mov %rbx, 0(%rdi)\nmov %rbp, 8(%rdi)\nmov %r12, 16(%rdi)\nmov %r13, 24(%rdi)\n"
    "mov %r14, 32(%rdi)\nmov %r15, 40(%rdi)\n"
    "lea 8(%rsp), %rax\nmov %rax, 48(%rdi)\n"
    "mov (%rsp), %rax\nmov %rax, 56(%rdi)\n"
    "pushfq\npop %rax\nmov %rax, 64(%rdi)\n"
    "mov %rsp, %rax\nmov 72(%rdi), %rsp\npush %rax\npush %rax\n"
    "call hv_enable\n"
    "pop %rcx\npop %rsp\nret\n");

/*
 * The OS's round trip on one CPU: callee-saved registers set to patterns, the context
 * read (before), enable(), the workload and a hypercall in non-root mode, disable() (a
 * VMCALL with CF = ZF = 0, so that a VMfail shows; #UD is caught by the exception table),
 * the context read again (after).  Flags skip enable() or disable() (failure paths).
 */
asm(".text\n.global takeover_roundtrip\ntakeover_roundtrip:\n"
    "push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\nsub $8, %rsp\n"
    "mov %rdi, %r15\n"
    "movabs $0x5a5a0000000000b1, %rbx\nmovabs $0x5a5a0000000000b2, %rbp\n"
    "movabs $0x5a5a0000000000c1, %r12\nmovabs $0x5a5a0000000000c2, %r13\n"
    "movabs $0x5a5a0000000000c3, %r14\n"
    "mov %r15, %rdi\ncall takeover_ctx_before\n"
    "mov %rbx, 0(%r15)\nmov %rbp, 8(%r15)\nmov %r12, 16(%r15)\nmov %r13, 24(%r15)\n"
    "mov %r14, 32(%r15)\nmov %r15, 40(%r15)\nmov %rsp, 48(%r15)\n"
    "testq $" STR(TO_SKIP_ENABLE) ", 136(%r15)\njnz 2f\n"
    "lea 168(%r15), %rdi\ncall takeover_enable\n"
    "mov %rax, 112(%r15)\ntest %rax, %rax\njnz 3f\n"
    "mov %r15, %rdi\ncall takeover_guest_work\n"
    "mov $" STR(HC_ADD) ", %eax\nmov $" STR(HC_ADD_A) ", %edi\nmov $" STR(HC_ADD_B) ", %esi\n"
    "mov $0, %edx\nmov $0, %ecx\n"
    GUEST_LABEL(takeover, hc) "vmcall\n"
    "mov %rax, 144(%r15)\n"
    "2: testq $" STR(TO_SKIP_DISABLE) ", 136(%r15)\njnz 3f\n"
    "lea 152(%r15), %rdi\ncall fault_arm\n"
    "mov $" STR(HC_DISABLE) ", %eax\nmov $0, %edi\nmov $0, %esi\nmov $0, %edx\nmov $0, %ecx\n"
    "test %eax, %eax\n"
    GUEST_LABEL(takeover, disable) "vmcall\n"
    GUEST_LABEL(takeover, disable_resume)
    "pushfq\npopq 128(%r15)\nmov %rax, 120(%r15)\n"
    "call fault_disarm\n"
    "3: mov %rbx, 56(%r15)\nmov %rbp, 64(%r15)\nmov %r12, 72(%r15)\nmov %r13, 80(%r15)\n"
    "mov %r14, 88(%r15)\nmov %r15, 96(%r15)\nmov %rsp, 104(%r15)\n"
    "mov %r15, %rdi\ncall takeover_ctx_after\n"
    "add $8, %rsp\npop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n"
    ".pushsection .extable, \"a\"\n.balign 8\n.quad label__takeover__disable, label__takeover__disable_resume\n"
    ".popsection\n");

/*
 * The workload (rdi = results, rsi = CPU number), run once in root mode and once in
 * non-root mode.  Before each exiting instruction RAX, RCX, RDX, RSI and RDI (the traced
 * registers) hold chosen values.  Encodings (SDM Vol. 2): CPUID 0F A2, RDMSR 0F 32,
 * WRMSR 0F 30, OUT DX,AL EE, IN AL,DX EC.
 */
#define ZERO_TRACED "mov $0, %ecx\nmov $0, %edx\nmov $0, %esi\nmov $0, %edi\n"
asm(".text\n.global takeover_workload\ntakeover_workload:\n"
    "push %rbx\npush %r12\npush %r13\npush %r14\n"
    "mov %rdi, %r12\nmov %rsi, %r13\n"
    "mov $0, %eax\n" ZERO_TRACED
    GUEST_LABEL(takeover, cpuid0) "cpuid\n"
    "mov %rax, 0(%r12)\nmov %rbx, 8(%r12)\nmov %rcx, 16(%r12)\nmov %rdx, 24(%r12)\n"
    "mov $1, %eax\n" ZERO_TRACED
    GUEST_LABEL(takeover, cpuid1) "cpuid\n"
    "mov %rax, 32(%r12)\nmov %rbx, 40(%r12)\nmov %rcx, 48(%r12)\nmov %rdx, 56(%r12)\n"
    "mov $0, %eax\n" ZERO_TRACED "mov $" STR(MSR_IA32_TSC_AUX) ", %ecx\n"
    GUEST_LABEL(takeover, rdmsr0) "rdmsr\n"
    "shl $32, %rdx\nor %rdx, %rax\nmov %rax, 64(%r12)\nmov %rax, %r14\n"
    "lea " STR(TO_TSC_AUX_VALUE) "(%r13), %rax\n" ZERO_TRACED "mov $" STR(MSR_IA32_TSC_AUX) ", %ecx\n"
    GUEST_LABEL(takeover, wrmsr0) "wrmsr\n"
    "mov $0, %eax\n" ZERO_TRACED "mov $" STR(MSR_IA32_TSC_AUX) ", %ecx\n"
    GUEST_LABEL(takeover, rdmsr1) "rdmsr\n"
    "shl $32, %rdx\nor %rdx, %rax\nmov %rax, 72(%r12)\n"
    "mov %r14, %rax\n" ZERO_TRACED "mov %r14, %rdx\nshr $32, %rdx\nmov $" STR(MSR_IA32_TSC_AUX) ", %ecx\n"
    GUEST_LABEL(takeover, wrmsr1) "wrmsr\n"
    "lea 0xa5(%r13), %eax\n" ZERO_TRACED "mov $" STR(TO_PORT) ", %edx\n"
    GUEST_LABEL(takeover, out0) "outb %al, %dx\n"
    "mov $0, %eax\n" ZERO_TRACED "mov $" STR(TO_PORT) ", %edx\n"
    GUEST_LABEL(takeover, in0) "inb %dx, %al\n"
    "movzbl %al, %eax\nmov %rax, 80(%r12)\n"
    "pop %r14\npop %r13\npop %r12\npop %rbx\nret\n");
#define WL_COUNT 11
static const char *const wl_names[WL_COUNT] = {
	"cpuid0_eax", "cpuid0_ebx", "cpuid0_ecx", "cpuid0_edx", "cpuid1_eax", "cpuid1_ebx",
	"cpuid1_ecx", "cpuid1_edx", "tsc_aux", "tsc_aux_written", "in_port",
};

void takeover_guest_work(struct to_os *t);
void takeover_guest_work(struct to_os *t) { takeover_workload(t->wl[1], t->cpu); }

/* The hypercall service (the root-mode reference calls it directly). */
static u64 hc_add(u64 a, u64 b) { return a + b; }

/* ---- the context read before enable() and after disable() -------------------------- */

static const char *const ctx_names[] = {
	"cr0", "cr2", "cr3", "cr4", "dr7", "rflags", "gdtr_base", "gdtr_limit", "idtr_base",
	"idtr_limit", "cs", "ss", "ds", "es", "fs", "gs", "tr", "ldtr", "tr_ar",
	"efer", "pat", "sysenter_cs", "sysenter_esp", "sysenter_eip", "star", "lstar", "cstar",
	"fmask", "fs_base", "gs_base", "kernel_gs_base", "tsc_aux",
};
static const u32 ctx_msrs[] = {
	MSR_IA32_EFER, MSR_IA32_PAT, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR, MSR_IA32_FMASK, MSR_IA32_FS_BASE,
	MSR_IA32_GS_BASE, MSR_IA32_KERNEL_GS_BASE, MSR_IA32_TSC_AUX,
};
#define CTX_FIRST_MSR 19
_Static_assert(ARRAY_SIZE(ctx_names) == CTX_FIRST_MSR + ARRAY_SIZE(ctx_msrs), "ctx table");
_Static_assert(ARRAY_SIZE(ctx_names) <= 32, "to_os.ctx");

#define SEG_READ(seg)                                                  \
	({                                                             \
		u16 v_;                                                \
		asm volatile("mov %%" #seg ", %0" : "=r"(v_));          \
		(u64)v_;                                               \
	})
static inline u64 read_cr2(void)
{
	u64 v;
	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline u64 read_dr7(void)
{
	u64 v;
	asm volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}
static inline u16 read_ldtr(void)
{
	u16 v;
	asm volatile("sldt %0" : "=r"(v));
	return v;
}

static void ctx_read(struct to_os *t, int when)
{
	u64 *c = t->ctx[when];
	bool *h = t->has[when];
	struct desc_ptr g, i;
	u64 fl, lar = 0;
	sgdt(&g);
	sidt(&i);
	asm volatile("pushfq\npop %0" : "=r"(fl));
	asm volatile("lar %1, %0" : "=r"(lar) : "r"((u64)read_tr()) : "cc");
	u64 v[CTX_FIRST_MSR] = { read_cr0(), read_cr2(), read_cr3(), read_cr4(), read_dr7(), fl, g.base, g.limit,
				 i.base, i.limit, SEG_READ(cs), SEG_READ(ss), SEG_READ(ds), SEG_READ(es),
				 SEG_READ(fs), SEG_READ(gs), read_tr(), read_ldtr(), lar };
	for (int k = 0; k < CTX_FIRST_MSR; k++) {
		c[k] = v[k];
		h[k] = true;
	}
	for (size_t k = 0; k < ARRAY_SIZE(ctx_msrs); k++) {
		struct fault_info f;
		h[CTX_FIRST_MSR + k] = rdmsr_safe(ctx_msrs[k], &c[CTX_FIRST_MSR + k], &f);
	}
}
void takeover_ctx_before(struct to_os *t);
void takeover_ctx_before(struct to_os *t) { ctx_read(t, 0); }
void takeover_ctx_after(struct to_os *t);
void takeover_ctx_after(struct to_os *t) { ctx_read(t, 1); }

/* ---- the hypervisor ----------------------------------------------------------------- */

/* Wait (bounded) until counter reaches hv_ncpus; false on timeout or if a CPU failed. */
static bool barrier(volatile u32 *counter)
{
	for (u64 i = 0; i < hv_spins; i++) {
		if (*counter >= hv_ncpus)
			return true;
		if (bar_failed)
			return false;
		asm volatile("pause" ::: "memory");
	}
	return *counter >= hv_ncpus;
}

/* IA32_FEATURE_CONTROL and the CR0/CR4 fixed bits, so VMXON may run (SDM "Enabling and
 * Entering VMX Operation"). */
static bool vmx_prepare(void)
{
	struct fault_info f;
	u64 fc;
	if (!rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc, &f))
		return false;
	if (!(fc & FEATURE_CONTROL_LOCKED))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return false;
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4((read_cr4() | vmx_caps.cr4_fixed0 | X86_CR4_VMXE) & vmx_caps.cr4_fixed1);
	return true;
}

/* Hidden parts from the GDT descriptor a selector names (SDM "Segment Descriptors"); a
 * null selector is unusable.  Access rights in the VMCS layout ("Guest Register State"). */
static void guest_seg(u32 sel_field, u16 sel, bool system)
{
	u32 k = (sel_field - GUEST_ES_SELECTOR) / 2;
	struct desc_ptr g;
	sgdt(&g);
	u64 base = 0, limit = 0, ar = 0x10000;
	if (sel & ~7u) {
		const u64 *d = (const u64 *)(g.base + (sel & ~7u));
		u64 lo = d[0];
		limit = (lo & 0xffff) | ((lo >> 32) & 0xf0000);
		if (lo & BIT(55))
			limit = (limit << 12) | 0xfff;
		base = ((lo >> 16) & 0xffffff) | ((lo >> 32) & 0xff000000);
		if (system)
			base |= d[1] << 32;
		ar = ((lo >> 40) & 0xff) | (((lo >> 52) & 0xf) << 12);
	}
	vmcs_write(sel_field, sel);
	vmcs_write(GUEST_ES_BASE + 2 * k, base);
	vmcs_write(GUEST_ES_LIMIT + 2 * k, limit);
	vmcs_write(GUEST_ES_AR_BYTES + 2 * k, ar);
}

static void hv_trace_vmfail(struct hv_cpu *h, const char *insn, struct vmx_outcome o)
{
	struct vcpu_exit e = { .kind = RESULT_VMFAIL, .insn = insn, .fail = o };
	h->sctx.no_dump = true;
	scenario_trace_result(&h->sctx, &e, false);
}

static void hv_leave(struct hv_cpu *h)
{
	vmx_clear((u64)h->vcpu.vmcs);
	vmx_off();
	write_cr4(h->cr4_orig);
}

static void NORETURN hv_fatal(const char *what, u32 reason)
{
	trace("FATAL", "what=%s scenario=%s reason=%u", what, hv_scenario, reason);
	trace("FINISH", "status=FATAL");
	platform_exit(4);
}

static void NORETURN takeover_resume(struct vcpu_regs *r, void *frame)
{
	asm volatile("mov %%rsi, %%rsp\n"
		     "mov %c[rax](%%rdi), %%rax\nmov %c[rbx](%%rdi), %%rbx\nmov %c[rcx](%%rdi), %%rcx\n"
		     "mov %c[rdx](%%rdi), %%rdx\nmov %c[rsi](%%rdi), %%rsi\nmov %c[rbp](%%rdi), %%rbp\n"
		     "mov %c[r8](%%rdi), %%r8\nmov %c[r9](%%rdi), %%r9\nmov %c[r10](%%rdi), %%r10\n"
		     "mov %c[r11](%%rdi), %%r11\nmov %c[r12](%%rdi), %%r12\nmov %c[r13](%%rdi), %%r13\n"
		     "mov %c[r14](%%rdi), %%r14\nmov %c[r15](%%rdi), %%r15\nmov %c[rdi](%%rdi), %%rdi\n"
		     "iretq\n"
		     :
		     : "D"(r), "S"(frame), [rax] "i"(offsetof(struct vcpu_regs, rax)),
		       [rbx] "i"(offsetof(struct vcpu_regs, rbx)), [rcx] "i"(offsetof(struct vcpu_regs, rcx)),
		       [rdx] "i"(offsetof(struct vcpu_regs, rdx)), [rsi] "i"(offsetof(struct vcpu_regs, rsi)),
		       [rdi] "i"(offsetof(struct vcpu_regs, rdi)), [rbp] "i"(offsetof(struct vcpu_regs, rbp)),
		       [r8] "i"(offsetof(struct vcpu_regs, r8)), [r9] "i"(offsetof(struct vcpu_regs, r9)),
		       [r10] "i"(offsetof(struct vcpu_regs, r10)), [r11] "i"(offsetof(struct vcpu_regs, r11)),
		       [r12] "i"(offsetof(struct vcpu_regs, r12)), [r13] "i"(offsetof(struct vcpu_regs, r13)),
		       [r14] "i"(offsetof(struct vcpu_regs, r14)), [r15] "i"(offsetof(struct vcpu_regs, r15))
		     : "memory");
	__builtin_unreachable();
}

/*
 * disable: the OS's state as the guest-state area holds it at its VMCALL (CR0/CR4 as its
 * read shadows show them; what a VM exit loaded from the host-state area: DR7, SYSENTER,
 * FS/GS bases, GDTR/IDTR limits, CR2 from the exit path), VMCLEAR, VMXOFF, then IRETQ to
 * the instruction after the VMCALL with RAX = ret.
 */
static void NORETURN hv_disable(struct hv_cpu *h, u64 ret)
{
	struct vcpu *v = &h->vcpu;
	u64 m0 = vmcs_read(CR0_GUEST_HOST_MASK), m4 = vmcs_read(CR4_GUEST_HOST_MASK);
	u64 cr0 = (vmcs_read(GUEST_CR0) & ~m0) | (vmcs_read(CR0_READ_SHADOW) & m0);
	u64 cr4 = (vmcs_read(GUEST_CR4) & ~m4) | (vmcs_read(CR4_READ_SHADOW) & m4);
	u64 cr3 = vmcs_read(GUEST_CR3), dr7 = vmcs_read(GUEST_DR7);
	u64 sys_cs = vmcs_read(GUEST_SYSENTER_CS), sys_esp = vmcs_read(GUEST_SYSENTER_ESP);
	u64 sys_eip = vmcs_read(GUEST_SYSENTER_EIP);
	u64 fs_base = vmcs_read(GUEST_FS_BASE), gs_base = vmcs_read(GUEST_GS_BASE);
	struct desc_ptr g = { (u16)vmcs_read(GUEST_GDTR_LIMIT), vmcs_read(GUEST_GDTR_BASE) };
	struct desc_ptr i = { (u16)vmcs_read(GUEST_IDTR_LIMIT), vmcs_read(GUEST_IDTR_BASE) };
	u16 ds = (u16)vmcs_read(GUEST_DS_SELECTOR), es = (u16)vmcs_read(GUEST_ES_SELECTOR);
	u16 fs = (u16)vmcs_read(GUEST_FS_SELECTOR), gs = (u16)vmcs_read(GUEST_GS_SELECTOR);
	u16 tr = (u16)vmcs_read(GUEST_TR_SELECTOR), ldtr = (u16)vmcs_read(GUEST_LDTR_SELECTOR);
	h->frame.rip = vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	h->frame.cs = vmcs_read(GUEST_CS_SELECTOR);
	h->frame.rflags = vmcs_read(GUEST_RFLAGS);
	h->frame.rsp = vmcs_read(GUEST_RSP);
	h->frame.ss = vmcs_read(GUEST_SS_SELECTOR);
	vmx_clear((u64)v->vmcs);
	vmx_off();
	write_cr0(cr0);
	write_cr4(cr4);
	if (read_cr3() != cr3)
		write_cr3(cr3);
	asm volatile("lgdt %0\nlidt %1" : : "m"(g), "m"(i));
	asm volatile("mov %0, %%ds\nmov %1, %%es\nmov %2, %%fs\nmov %3, %%gs"
		     : : "r"((u32)ds), "r"((u32)es), "r"((u32)fs), "r"((u32)gs));
	wrmsr(MSR_IA32_FS_BASE, fs_base);
	wrmsr(MSR_IA32_GS_BASE, gs_base);
	if (read_tr() != tr) { /* a VM exit loaded the host's TR selector: reload the OS's */
		u64 *d = (u64 *)(g.base + (tr & ~7u));
		d[0] &= ~BIT(41); /* available again: LTR faults on a busy TSS */
		asm volatile("ltr %w0" : : "r"(tr));
	}
	if (read_ldtr() != ldtr)
		asm volatile("lldt %w0" : : "r"(ldtr));
	asm volatile("mov %0, %%dr7" : : "r"(dr7));
	wrmsr(MSR_IA32_SYSENTER_CS, sys_cs);
	wrmsr(MSR_IA32_SYSENTER_ESP, sys_esp);
	wrmsr(MSR_IA32_SYSENTER_EIP, sys_eip);
	asm volatile("mov %0, %%cr2" : : "r"(v->regs.cr2));
	v->regs.rax = ret;
	takeover_resume(&v->regs, &h->frame);
}

/* I/O on the guest's behalf, from the exit qualification (exit_info.def IO layout). */
static void hv_io(struct vcpu_regs *r, u64 qual)
{
	u16 port = (u16)INFO_GET(IO, PORT, qual);
	u64 size = INFO_GET(IO, SIZE, qual);
	if (INFO_GET(IO, STRING, qual))
		hv_fatal("takeover_string_io", EXIT_REASON_IO_INSTRUCTION);
	if (INFO_GET(IO, DIRECTION, qual) == INFO_IO_DIRECTION_IN) {
		if (size == INFO_IO_SIZE_BYTE)
			r->rax = (r->rax & ~0xffULL) | inb(port);
		else if (size == INFO_IO_SIZE_WORD) {
			u16 x;
			asm volatile("inw %1, %0" : "=a"(x) : "Nd"(port));
			r->rax = (r->rax & ~0xffffULL) | x;
		} else {
			u32 x;
			asm volatile("inl %1, %0" : "=a"(x) : "Nd"(port));
			r->rax = x;
		}
	} else if (size == INFO_IO_SIZE_BYTE)
		outb(port, (u8)r->rax);
	else if (size == INFO_IO_SIZE_WORD)
		outw(port, (u16)r->rax);
	else
		outl(port, (u32)r->rax);
}

/* Handle exits until disable; returns only if the first entry failed. */
static u64 hv_run(struct hv_cpu *h)
{
	struct vcpu *v = &h->vcpu;
	struct vcpu_regs *r = &v->regs;
	for (;;) {
		struct vcpu_exit e = vcpu_run(v);
		if (e.kind == RESULT_VMFAIL || e.entry_fail) {
			scenario_trace_result(&h->sctx, &e, false);
			if (v->launched) /* the OS has run on since enable(): nowhere to return to */
				hv_fatal("takeover_entry_failed_after_launch", e.reason);
			hv_leave(h);
			return TO_ERR_ENTRY;
		}
		bool disable = e.reason == EXIT_REASON_VMCALL && r->rax == HC_DISABLE;
		bool known = e.reason == EXIT_REASON_CPUID || e.reason == EXIT_REASON_MSR_READ ||
			     e.reason == EXIT_REASON_MSR_WRITE || e.reason == EXIT_REASON_IO_INSTRUCTION ||
			     (e.reason == EXIT_REASON_VMCALL && r->rax == HC_ADD);
		scenario_trace_result(&h->sctx, &e, known && !disable);
		if (disable)
			hv_disable(h, v->exits);
		if (!known)
			hv_fatal("takeover_unexpected_exit", e.reason);
		struct fault_info f;
		u32 a, b, c, d;
		u64 val;
		switch (e.reason) {
		case EXIT_REASON_CPUID:
			cpuid((u32)r->rax, (u32)r->rcx, &a, &b, &c, &d);
			r->rax = a, r->rbx = b, r->rcx = c, r->rdx = d;
			break;
		case EXIT_REASON_MSR_READ:
			if (!rdmsr_safe((u32)r->rcx, &val, &f))
				hv_fatal("takeover_rdmsr_fault", e.reason);
			r->rax = (u32)val, r->rdx = val >> 32;
			break;
		case EXIT_REASON_MSR_WRITE: /* only the workload's harmless MSR passes */
			if ((u32)r->rcx != MSR_IA32_TSC_AUX)
				hv_fatal("takeover_wrmsr_refused", e.reason);
			wrmsr((u32)r->rcx, (r->rdx << 32) | (u32)r->rax);
			break;
		case EXIT_REASON_IO_INSTRUCTION:
			hv_io(r, e.qual);
			break;
		default: /* HC_ADD */
			r->rax = hc_add(r->rdi, r->rsi);
		}
		vcpu_skip_instruction(v, &e);
	}
}

/* The guest-state area from the captured context and the live registers. */
static void hv_guest_state(struct hv_cpu *h, const struct to_regs *c, u64 cr0_orig)
{
	struct desc_ptr g, i;
	sgdt(&g);
	sidt(&i);
	u64 m0 = vmx_caps.cr0_fixed0 | ~vmx_caps.cr0_fixed1, m4 = vmx_caps.cr4_fixed0 | ~vmx_caps.cr4_fixed1;
	vmcs_write(GUEST_CR0, read_cr0());
	vmcs_write(CR0_GUEST_HOST_MASK, m0);
	vmcs_write(CR0_READ_SHADOW, cr0_orig);
	vmcs_write(GUEST_CR4, read_cr4());
	vmcs_write(CR4_GUEST_HOST_MASK, m4);
	vmcs_write(CR4_READ_SHADOW, h->cr4_orig);
	vmcs_write(GUEST_CR3, read_cr3());
	vmcs_write(GUEST_DR7, read_dr7());
	vmcs_write(GUEST_RSP, c->rsp);
	vmcs_write(GUEST_RIP, c->rip);
	vmcs_write(GUEST_RFLAGS, c->rflags);
	guest_seg(GUEST_ES_SELECTOR, (u16)SEG_READ(es), false);
	guest_seg(GUEST_CS_SELECTOR, (u16)SEG_READ(cs), false);
	guest_seg(GUEST_SS_SELECTOR, (u16)SEG_READ(ss), false);
	guest_seg(GUEST_DS_SELECTOR, (u16)SEG_READ(ds), false);
	guest_seg(GUEST_FS_SELECTOR, (u16)SEG_READ(fs), false);
	guest_seg(GUEST_GS_SELECTOR, (u16)SEG_READ(gs), false);
	guest_seg(GUEST_TR_SELECTOR, read_tr(), true);
	guest_seg(GUEST_LDTR_SELECTOR, read_ldtr(), true);
	vmcs_write(GUEST_FS_BASE, rdmsr(MSR_IA32_FS_BASE));
	vmcs_write(GUEST_GS_BASE, rdmsr(MSR_IA32_GS_BASE));
	vmcs_write(GUEST_GDTR_BASE, g.base);
	vmcs_write(GUEST_GDTR_LIMIT, g.limit);
	vmcs_write(GUEST_IDTR_BASE, i.base);
	vmcs_write(GUEST_IDTR_LIMIT, i.limit);
	vmcs_write(GUEST_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_write(GUEST_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_write(GUEST_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	struct fault_info f;
	u64 dbg;
	vmcs_write(GUEST_IA32_DEBUGCTL, rdmsr_safe(MSR_IA32_DEBUGCTL, &dbg, &f) ? dbg : 0);
	struct vcpu_regs *r = &h->vcpu.regs;
	memset(r, 0, sizeof(*r));
	r->rax = TO_OK; /* enable() returns 0 in non-root mode */
	r->rbx = c->rbx, r->rbp = c->rbp, r->r12 = c->r12, r->r13 = c->r13, r->r14 = c->r14, r->r15 = c->r15;
	r->cr2 = read_cr2();
}

u64 hv_enable(struct to_regs *c);
u64 hv_enable(struct to_regs *c)
{
	u32 cpu = smp_this_cpu();
	struct hv_cpu *h = &hv[cpu];
	__atomic_add_fetch(&bar_entered, 1, __ATOMIC_SEQ_CST);
	if (!barrier(&bar_entered))
		return TO_ERR_TIMEOUT;
	u64 cr0_orig = read_cr0();
	h->cr4_orig = read_cr4();
	if (!vmx_prepare()) {
		__atomic_add_fetch(&bar_failed, 1, __ATOMIC_SEQ_CST);
		return TO_ERR_FEATURE_CONTROL;
	}
	u8 *region = smp_percpu[cpu].vmxon;
	*(u32 *)region = (u32)vmx_caps.basic & 0x7fffffff;
	struct vmx_outcome o = vmx_on((u64)region);
	if (o.kind != VMX_SUCCEED) {
		hv_trace_vmfail(h, "VMXON", o);
		write_cr0(cr0_orig);
		write_cr4(h->cr4_orig); /* VMX was already on (not ours): CR4.VMXE stays 1 */
		__atomic_add_fetch(&bar_failed, 1, __ATOMIC_SEQ_CST);
		return TO_ERR_VMXON;
	}
	vcpu_init(&h->vcpu, NULL, (u64)smp_percpu[cpu].guest_stack + sizeof(smp_percpu[cpu].guest_stack));
	if (!vcpu_set_ctl(&h->vcpu, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_UNCOND_IO_EXITING)) {
		hv_leave(h);
		__atomic_add_fetch(&bar_failed, 1, __ATOMIC_SEQ_CST);
		return TO_ERR_ENTRY;
	}
	hv_guest_state(h, c, cr0_orig);
	__atomic_add_fetch(&bar_initialised, 1, __ATOMIC_SEQ_CST);
	if (!barrier(&bar_initialised)) {
		hv_leave(h);
		write_cr0(cr0_orig);
		return TO_ERR_TIMEOUT;
	}
	__atomic_add_fetch(&bar_activated, 1, __ATOMIC_SEQ_CST);
	return hv_run(h);
}

/* ---- the scenarios ------------------------------------------------------------------- */

/* VMX off; on with a current VMCS; on without one; on with a current VMCS that a VM entry
 * launched (a foreign hypervisor between two VM exits). */
enum to_vmx { TO_VMX_OFF, TO_VMX_ON_PTR, TO_VMX_ON_NOPTR, TO_VMX_ON_LAUNCHED };
struct to_variant {
	enum to_vmx vmx; /* VMX state every CPU has when it calls enable()/disable() */
	u64 flags[SMP_MAX_CPUS]; /* TO_SKIP_* per CPU */
	bool workload;
};

/* Bring this CPU into the variant's VMX state (the BSP is in the catalog's VMX operation
 * with a current VMCS; an AP starts with VMX off). */
static bool vmx_state_enter(u32 cpu, enum to_vmx s)
{
	if (s == TO_VMX_ON_LAUNCHED) { /* one untraced entry: its guest's first instruction is VMCALL */
		extern void guest_fell_off(void);
		if (cpu && !vmx_state_enter(cpu, TO_VMX_ON_NOPTR))
			return false;
		vcpu_init(&hv[cpu].vcpu, guest_fell_off,
			  (u64)smp_percpu[cpu].guest_stack + sizeof(smp_percpu[cpu].guest_stack));
		struct vcpu_exit e = vcpu_run(&hv[cpu].vcpu);
		return e.kind == RESULT_EXIT && !e.entry_fail && e.reason == EXIT_REASON_VMCALL;
	}
	if (cpu == 0) {
		if (s == TO_VMX_ON_PTR)
			return true;
		u64 cur = 0;
		vmx_ptrst(&cur);
		if (cur != ~0ULL)
			vmx_clear(cur); /* the current-VMCS pointer becomes invalid */
		if (s == TO_VMX_OFF)
			vmx_off();
		return true;
	}
	if (s == TO_VMX_OFF)
		return true;
	if (!vmx_prepare())
		return false;
	u32 rev = (u32)vmx_caps.basic & 0x7fffffff;
	*(u32 *)scratch_vmxon[cpu] = rev;
	*(u32 *)scratch_vmcs[cpu] = rev;
	if (vmx_on((u64)scratch_vmxon[cpu]).kind != VMX_SUCCEED)
		return false;
	if (s == TO_VMX_ON_PTR)
		return vmx_clear((u64)scratch_vmcs[cpu]).kind == VMX_SUCCEED &&
		       vmx_ptrld((u64)scratch_vmcs[cpu]).kind == VMX_SUCCEED;
	return true;
}

static void vmx_state_leave(u32 cpu, enum to_vmx s)
{
	if (cpu == 0) {
		if (s == TO_VMX_OFF && vmx_on_catalog().kind != VMX_SUCCEED)
			hv_fatal("takeover_catalog_vmxon", 0);
		return; /* the next scenario's vcpu_init() makes a VMCS current again */
	}
	if (s != TO_VMX_OFF) {
		vmx_clear((u64)scratch_vmcs[cpu]);
		vmx_clear((u64)smp_percpu[cpu].vmcs);
		vmx_off(); /* INIT is blocked in VMX root operation: the next scenario starts the AP with it */
		write_cr4(read_cr4() & ~X86_CR4_VMXE);
	}
}

static void takeover_cpu(u32 cpu, void *arg)
{
	const struct to_variant *var = arg;
	struct to_os *t = &tos[cpu];
	struct hv_cpu *h = &hv[cpu];
	memset(t, 0, sizeof(*t));
	memset(&h->vcpu, 0, sizeof(h->vcpu));
	h->sctx = (struct scenario_ctx){ .vcpu = &h->vcpu, .name = hv_scenario, .no_dump = true };
	t->cpu = cpu;
	t->flags = var->flags[cpu];
	t->enter.hv_stack_top = (u64)h->stack + sizeof(h->stack);
	if (!vmx_state_enter(cpu, var->vmx)) {
		trace("CALL", "name=prepare ret=%#x", TO_ERR_VMXON);
		return;
	}
	if (var->workload)
		takeover_workload(t->wl[0], cpu);
	u64 hc_root = hc_add(HC_ADD_A, HC_ADD_B);
	takeover_roundtrip(t);
	if (!(t->flags & TO_SKIP_ENABLE))
		trace("CALL", "name=enable ret=%#lx", t->enable_ret);
	if (!(t->flags & TO_SKIP_DISABLE) && (t->enable_ret == TO_OK || (t->flags & TO_SKIP_ENABLE))) {
		u64 ret = t->disable_ret;
		if (t->disable_fault.vector >= 0) {
			ret = TO_ERR_UD;
		} else if (t->disable_rflags & (X86_RFLAGS_CF | X86_RFLAGS_ZF)) {
			struct vmx_outcome o = { .kind = VMX_FAIL_INVALID, .vector = -1 };
			if (t->disable_rflags & X86_RFLAGS_ZF) {
				u64 err = 0;
				__vmcs_read(VM_INSTRUCTION_ERROR, &err);
				o.kind = VMX_FAIL_VALID, o.error = (u32)err;
			}
			hv_trace_vmfail(h, "VMCALL", o);
			ret = TO_ERR_VMFAIL;
		}
		if (t->disable_fault.vector >= 0)
			trace("CALL", "name=disable ret=%#lx vector=%d", ret, t->disable_fault.vector);
		else
			trace("CALL", "name=disable ret=%#lx", ret);
	}
	static const char *const gpr[] = { "rbx", "rbp", "r12", "r13", "r14", "r15", "rsp" };
	for (int k = 0; k < 7; k++)
		trace("KEEP", "field=ctx.%s before=%#lx after=%#lx", gpr[k], t->gpr[0][k], t->gpr[1][k]);
	for (size_t k = 0; k < ARRAY_SIZE(ctx_names); k++)
		if (t->has[0][k] || t->has[1][k])
			trace("KEEP", "field=ctx.%s before=%#lx after=%#lx", ctx_names[k], t->ctx[0][k], t->ctx[1][k]);
	if (var->workload && t->enable_ret == TO_OK) {
		for (int k = 0; k < WL_COUNT; k++)
			trace("KEEP", "field=wl.%s before=%#lx after=%#lx", wl_names[k], t->wl[0][k], t->wl[1][k]);
		trace("KEEP", "field=wl.hc_add before=%#lx after=%#lx", hc_root, t->hc_ret);
	}
	vmx_state_leave(cpu, var->vmx);
}

static enum scenario_status takeover_run(struct scenario_ctx *ctx, const struct to_variant *var)
{
	hv_scenario = ctx->name;
	hv_ncpus = ctx->scenario->cpus;
	hv_spins = scenario_param(ctx, "spins");
	bar_entered = bar_initialised = bar_activated = bar_failed = 0;
	const char *why;
	if (!smp_run(hv_ncpus, takeover_cpu, (void *)var, &why)) {
		ctx->skip_reason = why;
		return SCN_SKIP;
	}
	trace("SETUP", "barrier_entered=%u barrier_initialised=%u barrier_activated=%u", bar_entered,
	      bar_initialised, bar_activated);
	u32 exits = 0;
	for (u32 c = 0; c < hv_ncpus; c++)
		exits += hv[c].vcpu.exits;
	ctx->vcpu->exits = exits;
	return SCN_DONE;
}

#define TAKEOVER(id, ...)                                                                        \
	static enum scenario_status body_##id(struct scenario_ctx *ctx)                          \
	{                                                                                        \
		static const struct to_variant var = { __VA_ARGS__ };                            \
		return takeover_run(ctx, &var);                                                  \
	}

TAKEOVER(takeover, .vmx = TO_VMX_OFF, .workload = true)
TAKEOVER(takeover_vmx_on, .vmx = TO_VMX_ON_PTR, .flags = { TO_SKIP_DISABLE, TO_SKIP_DISABLE })
TAKEOVER(takeover_vmx_on_noptr, .vmx = TO_VMX_ON_NOPTR, .flags = { TO_SKIP_DISABLE, TO_SKIP_DISABLE })
TAKEOVER(takeover_disable_off, .vmx = TO_VMX_OFF, .flags = { TO_SKIP_ENABLE, TO_SKIP_ENABLE })
TAKEOVER(takeover_disable_root, .vmx = TO_VMX_ON_LAUNCHED, .flags = { TO_SKIP_ENABLE, TO_SKIP_ENABLE })
TAKEOVER(takeover_barrier_timeout, .vmx = TO_VMX_OFF,
	 .flags = { 0, TO_SKIP_ENABLE | TO_SKIP_DISABLE })

/* Every CPU: the workload's exits in order, the hypercall, disable (not resumed: the
 * hypervisor returns to the OS in root mode), then what enable() and disable() returned
 * (disable: the exits it handled on that CPU, 10). */
#define TAKEOVER_EXPECT                                                                                         \
	"CPUID at=cpuid0 len=2 next=cpuid1 rax=0 rcx=0; CPUID at=cpuid1 len=2 next=rdmsr0 rax=1 rcx=0; "      \
	"MSR_READ at=rdmsr0 len=2 next=wrmsr0 rcx=" STR(MSR_IA32_TSC_AUX) "; "                                 \
	"MSR_WRITE at=wrmsr0 len=2 next=rdmsr1 rcx=" STR(MSR_IA32_TSC_AUX) "; "                                \
	"MSR_READ at=rdmsr1 len=2 next=wrmsr1 rcx=" STR(MSR_IA32_TSC_AUX) "; "                                 \
	"MSR_WRITE at=wrmsr1 len=2 next=out0 rcx=" STR(MSR_IA32_TSC_AUX) "; "                                  \
	"IO_INSTRUCTION at=out0 len=1 next=in0 qual={SIZE=BYTE,DIRECTION=OUT,OPERAND=DX,PORT=" STR(TO_PORT) "}; " \
	"IO_INSTRUCTION at=in0 len=1 next=hc qual={SIZE=BYTE,DIRECTION=IN,OPERAND=DX,PORT=" STR(TO_PORT) "}; "   \
	"VMCALL at=hc len=3 next=disable rax=" STR(HC_ADD) " rdi=" STR(HC_ADD_A) " rsi=" STR(HC_ADD_B) "; "     \
	"VMCALL at=disable len=3 end rax=" STR(HC_DISABLE) "; "                                                 \
	"CALL(enable) ret=" STR(TO_OK) "; CALL(disable) ret=10"
#define TAKEOVER_CITE                                                                                       \
	"SDM \"Enabling and Entering VMX Operation\", \"VMLAUNCH/VMRESUME\", \"Guest-State Area\", "          \
	"\"VM Exits Unconditionally\" (CPUID), \"Instructions That Cause VM Exits Conditionally\" (RDMSR/WRMSR " \
	"without MSR bitmaps, I/O with unconditional I/O exiting), \"Exit Qualification for I/O Instructions\", " \
	"\"VMCALL\", \"VMXOFF\"; encodings SDM Vol. 2: CPUID 0F A2, RDMSR 0F 32, WRMSR 0F 30, OUT DX,AL EE, "     \
	"IN AL,DX EC, VMCALL 0F 01 C1"

SCENARIO(takeover, .body = body_takeover, .cpus = 2, .requires = REQ_IO_EXITING, .params = "spins=50000000",
	 .expect = TAKEOVER_EXPECT, .cite = TAKEOVER_CITE);
SCENARIO(takeover_vmx_on, .body = body_takeover_vmx_on, .cpus = 2, .params = "spins=50000000",
	 .expect = "VMFAIL_VALID(VMXON_IN_VMX_ROOT) insn=VMXON; CALL(enable) ret=" STR(TO_ERR_VMXON),
	 .cite = "SDM Vol. 3 \"VMXON - Enter VMX Operation\" pseudo-code: \"ELSIF in VMX root operation THEN IF "
		 "current-VMCS pointer is not valid THEN VMfailInvalid; ELSE VMfail(VMXON executed in VMX root "
		 "operation)\" (a current VMCS on every CPU)");
SCENARIO(takeover_vmx_on_noptr, .body = body_takeover_vmx_on_noptr, .cpus = 2, .params = "spins=50000000",
	 .expect = "VMFAIL_INVALID insn=VMXON; CALL(enable) ret=" STR(TO_ERR_VMXON),
	 .cite = "SDM Vol. 3 \"VMXON - Enter VMX Operation\" pseudo-code: \"IF current-VMCS pointer is not valid "
		 "THEN VMfailInvalid\" (in VMX root operation, no current VMCS)");
SCENARIO(takeover_disable_off, .body = body_takeover_disable_off, .cpus = 2, .params = "spins=50000000",
	 .expect = "CALL(disable) ret=" STR(TO_ERR_UD) " vector=6",
	 .cite = "SDM Vol. 3 \"VMCALL - Call to VM Monitor\" pseudo-code: \"IF not in VMX operation THEN #UD\" "
		 "(a CPU that never enabled, VMX off)");
SCENARIO(takeover_disable_root, .body = body_takeover_disable_root, .cpus = 2, .params = "spins=50000000",
	 .expect = "VMFAIL_VALID(VMCALL_IN_VMX_ROOT) insn=VMCALL; CALL(disable) ret=" STR(TO_ERR_VMFAIL),
	 .cite = "SDM Vol. 3 \"VMCALL - Call to VM Monitor\" pseudo-code: in VMX root operation, outside SMM, "
		 "without the dual-monitor treatment (IA32_SMM_MONITOR_CTL valid bit 0): \"VMfail (VMCALL executed "
		 "in VMX root operation)\" (VMX on, not by the hypervisor, with a current VMCS a VM entry launched)");
SCENARIO(takeover_barrier_timeout, .body = body_takeover_barrier_timeout, .cpus = 2, .params = "spins=200000",
	 .expect = "CALL(enable) ret=" STR(TO_ERR_TIMEOUT) " cpu=0",
	 .cite = "the barrier's bound (parameter spins, PAUSE iterations): CPU 1 never calls enable(), CPU 0 "
		 "returns TO_ERR_TIMEOUT before VMXON and does not hang");
