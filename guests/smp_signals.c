/*
 * INIT and SIPI as VM exits (issue 10), two CPUs: CPU 1 runs a guest in VMX non-root
 * operation, CPU 0 (the BSP) sends it the signal through the local APIC.
 *  - smp_exit_init: the guest halts; INIT -> exit reason 3 (SDM "Other Causes of VM Exits":
 *    "INIT signals. INIT signals cause VM exits"), qualification 0, RIP after the HLT
 *    (the guest was in the HLT activity state).
 *  - smp_exit_sipi: the guest is entered in the wait-for-SIPI activity state (IA32_VMX_MISC
 *    bit 8 enumerates it); SIPI -> exit reason 4 with the SIPI's vector in the exit
 *    qualification ("Start-up IPIs (SIPIs). SIPIs cause VM exits. If a logical processor is
 *    not in the wait-for-SIPI activity state when a SIPI arrives, no VM exit occurs and the
 *    SIPI is discarded"; "Exit Qualification for VM Exits": SIPI, bits 7:0 the vector).
 * After the exit CPU 1 leaves VMX operation and says so (CALL name=vmxoff): an INIT that
 * stayed pending would reset it there.
 * Nothing hangs: the guest runs with the VMX-preemption timer (exit 52 if no signal came;
 * skipped where the timer is missing), and every wait is bounded.
 */
#include "lib.h"
#include "scenario.h"
#include "desc.h"
#include "smp.h"

#define SIG_TIMER 0x400000 /* preemption-timer ticks: a bound, never expected to expire */
#define SIG_WAIT 20000000ULL
#define SIG_SETTLE 200000ULL /* PAUSEs between "guest about to wait" and the IPI */
#define SIPI_VECTOR 0x9a
#define SIPI_TRIES 8

static volatile u32 sig_ready, sig_done;
static const char *sig_name;
static int sig_kind; /* 0 INIT, 1 SIPI */
static struct vcpu sig_vcpu;
static u32 sig_exits;

void guest_smp_exit_init(void);
asm(".text\n.global guest_smp_exit_init\nguest_smp_exit_init:\n"
    "movl $1, sig_ready(%rip)\n"
    GUEST_LABEL(smp_exit_init, hlt) "hlt\n"
    GUEST_LABEL(smp_exit_init, halted) "vmcall\n"
    "jmp label__smp_exit_init__halted\n");
void guest_smp_exit_sipi(void);
asm(".text\n.global guest_smp_exit_sipi\nguest_smp_exit_sipi:\n"
    GUEST_LABEL(smp_exit_sipi, start) "vmcall\n"
    "jmp label__smp_exit_sipi__start\n");

static void sig_guest_cpu(void)
{
	struct scenario_ctx ctx = { .vcpu = &sig_vcpu, .name = sig_name, .no_dump = true };
	u64 cr4 = read_cr4();
	struct fault_info f;
	u64 fc;
	if (!rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc, &f))
		return;
	if (!(fc & FEATURE_CONTROL_LOCKED))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4((cr4 | vmx_caps.cr4_fixed0 | X86_CR4_VMXE) & vmx_caps.cr4_fixed1);
	u8 *region = smp_percpu[1].vmxon;
	*(u32 *)region = (u32)vmx_caps.basic & 0x7fffffff;
	if (vmx_on((u64)region).kind != VMX_SUCCEED) {
		trace("CALL", "name=vmxon ret=0x1");
		return;
	}
	vcpu_init(&sig_vcpu, sig_kind ? guest_smp_exit_sipi : guest_smp_exit_init,
		  (u64)smp_percpu[1].guest_stack + sizeof(smp_percpu[1].guest_stack));
	vcpu_set_ctl(&sig_vcpu, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_PREEMPTION_TIMER);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, SIG_TIMER);
	if (sig_kind) {
		vmcs_write(GUEST_ACTIVITY_STATE, 3); /* wait-for-SIPI (SDM "Guest Non-Register State") */
		sig_ready = 1;
	}
	struct vcpu_exit e = vcpu_run(&sig_vcpu);
	scenario_trace_result(&ctx, &e, false);
	sig_exits = sig_vcpu.exits;
	vmx_clear((u64)sig_vcpu.vmcs);
	vmx_off(); /* INIT is blocked in VMX root operation: the next scenario starts this AP with it */
	write_cr4(cr4);
	/* Still here after VMXOFF: the INIT the exit consumed did not stay pending (SDM "Other
	 * Causes of VM Exits": the processor "performs none of the operations normally associated
	 * with these events"), or it would reset this CPU now. */
	trace("CALL", "name=vmxoff ret=0x0");
}

static void sig_cpu(u32 cpu, void *arg)
{
	(void)arg;
	if (cpu == 1) {
		sig_guest_cpu();
		sig_done = 1;
		return;
	}
	if (cpu != 0)
		return;
	if (!smp_wait_eq(&sig_ready, 1, SIG_WAIT))
		return;
	smp_delay(SIG_SETTLE);
	if (!sig_kind) {
		smp_ipi(1, ICR_ASSERT | ICR_INIT);
		return;
	}
	/* A SIPI that arrives before the guest waits is discarded: send until the exit came. */
	for (int i = 0; i < SIPI_TRIES && !sig_done; i++) {
		smp_ipi(1, ICR_ASSERT | ICR_STARTUP | SIPI_VECTOR);
		smp_wait_eq(&sig_done, 1, SIG_WAIT / SIPI_TRIES);
	}
}

static enum scenario_status sig_body(struct scenario_ctx *ctx, int kind)
{
	if (!((vmx_caps.pin >> 32) & PIN_BASED_PREEMPTION_TIMER)) {
		ctx->skip_reason = "missing_preemption_timer";
		return SCN_SKIP;
	}
	if (kind && !(INFO_GET(VMX_MISC, ACT_WAIT_SIPI, vmx_caps.misc))) {
		ctx->skip_reason = "missing_wait_for_sipi_activity_state";
		return SCN_SKIP;
	}
	sig_name = ctx->name;
	sig_kind = kind;
	sig_ready = sig_done = 0;
	sig_exits = 0;
	const char *why;
	if (!smp_run(2, sig_cpu, NULL, &why)) {
		ctx->skip_reason = why;
		return SCN_SKIP;
	}
	ctx->vcpu->exits = sig_exits;
	return SCN_DONE;
}

static enum scenario_status body_init(struct scenario_ctx *ctx) { return sig_body(ctx, 0); }
static enum scenario_status body_sipi(struct scenario_ctx *ctx) { return sig_body(ctx, 1); }

SCENARIO(smp_exit_init, .body = body_init, .cpus = 2, .expect = "INIT_SIGNAL at=halted end cpu=1; CALL(vmxoff) ret=0 cpu=1",
	 .cite = "SDM \"Other Causes of VM Exits\" (INIT signals cause VM exits), \"Exit Qualification for VM "
		 "Exits\" (0 for INIT), \"Saving RIP, RSP, RFLAGS, and SSP\" (in the HLT state: the instruction after "
		 "HLT); the guest of CPU 1 halted, CPU 0 sends INIT (ICR delivery mode 101B)");
SCENARIO(smp_exit_sipi, .body = body_sipi, .cpus = 2,
	 .expect = "SIPI_SIGNAL at=start qual=" STR(SIPI_VECTOR) " end cpu=1; CALL(vmxoff) ret=0 cpu=1",
	 .cite = "SDM \"Other Causes of VM Exits\" (SIPIs cause VM exits in the wait-for-SIPI state), \"Exit "
		 "Qualification for VM Exits\" (SIPI: bits 7:0 the SIPI vector), \"Guest Non-Register State\" "
		 "(activity state 3, wait-for-SIPI; IA32_VMX_MISC bit 8); CPU 0 sends SIPI vector 9AH");
