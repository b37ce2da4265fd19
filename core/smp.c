/*
 * Application processors (see smp.h): INIT-SIPI-SIPI through the local xAPIC
 * (SDM Vol. 3 "MP Initialization Protocol Algorithm for MP Systems" and
 * "Issuing Interprocessor Interrupts"), the per-CPU data, the APs' trace
 * buffers.  Nothing here runs unless a scenario with .cpus > 1 is selected:
 * the single-CPU catalog never touches the APIC, the trampoline page or the
 * page tables.
 */
#include "lib.h"
#include "trace.h"
#include "smp.h"

struct percpu smp_percpu[SMP_MAX_CPUS];
volatile u32 smp_started;
volatile u32 smp_next_cpu; /* core/boot/ap.S: lock xadd */
u8 smp_ap_stacks[(SMP_MAX_CPUS - 1) * SMP_AP_STACK] ALIGNED(16);

extern const u8 ap_tramp_start[], ap_tramp_end[], ap_tramp_gdtr[], ap_tramp_cr3[];
extern u64 pdpt[];

static volatile u32 *apic;
static u64 pd_apic[512] ALIGNED(4096); /* the 2 MiB page holding the xAPIC registers */
static void (*volatile smp_fn)(u32 cpu, void *arg);
static void *volatile smp_arg;
static volatile u32 smp_ncpus;
static volatile int smp_go; /* 0 wait, 1 run smp_fn, -1 park */

#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define ICR_DELIVERY_PENDING BIT(12)
#define APIC_BASE_MASK 0xfffff000ULL

/* Bounds, in PAUSE iterations (instructions, not time: Bochs's clock is its instruction count). */
#define WAIT_IPI 1000000ULL
#define WAIT_ARRIVE 20000000ULL
#define WAIT_DONE 20000000ULL
#define DELAY_INIT 20000ULL
#define DELAY_SIPI 2000ULL

bool smp_wait_eq(volatile u32 *p, u32 want, u64 bound)
{
	for (u64 i = 0; i < bound; i++) {
		if (*p == want)
			return true;
		asm volatile("pause" ::: "memory");
	}
	return *p == want;
}

bool smp_wait_ge(volatile u32 *p, u32 want, u64 bound)
{
	for (u64 i = 0; i < bound; i++) {
		if (*p >= want)
			return true;
		asm volatile("pause" ::: "memory");
	}
	return *p >= want;
}

void smp_delay(u64 n)
{
	for (u64 i = 0; i < n; i++)
		asm volatile("pause" ::: "memory");
}

/* Map the xAPIC page (uncached, PCD|PWT) with one 2 MiB page in the fourth GiB. */
static const char *apic_map(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_MASK;
	if (base < 0xc0000000ULL || base >= 0x100000000ULL)
		return "apic_base_outside_4th_gib";
	pd_apic[(base >> 21) & 511] = (base & ~0x1fffffULL) | 0x9b; /* P RW PWT PCD PS */
	pdpt[3] = (u64)pd_apic | 0x3;
	write_cr3(read_cr3());
	apic = (volatile u32 *)base;
	return NULL;
}

static bool apic_ipi_to(u32 dest, u32 lo)
{
	apic[APIC_ICR_HI / 4] = dest << 24;
	apic[APIC_ICR_LO / 4] = lo;
	for (u64 i = 0; i < WAIT_IPI; i++) {
		if (!(apic[APIC_ICR_LO / 4] & ICR_DELIVERY_PENDING))
			return true;
		asm volatile("pause" ::: "memory");
	}
	return false;
}

static bool apic_ipi(u32 lo) { return apic_ipi_to(0, lo); }

bool smp_ipi(u32 cpu, u32 icr_lo)
{
	return apic && cpu < SMP_MAX_CPUS && apic_ipi_to(smp_percpu[cpu].apic_id, icr_lo);
}

void NORETURN smp_ap_main(u32 cpu);
void NORETURN smp_ap_main(u32 cpu)
{
	struct percpu *p = &smp_percpu[cpu];
	desc_init_ap(p);
	write_cr0(read_cr0() & ~(X86_CR0_CD | X86_CR0_NW)); /* as the BSP (core/main.c) */
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	p->cpu = cpu;
	p->apic_id = b >> 24;
	p->state = SMP_ALIVE;
	while (!smp_go)
		asm volatile("pause" ::: "memory");
	if (smp_go > 0 && cpu < smp_ncpus) {
		p->state = SMP_RUNNING;
		smp_fn(cpu, smp_arg);
	}
	p->state = SMP_DONE;
	for (;;)
		asm volatile("cli; hlt");
}

void NORETURN smp_ap_exit(u32 cpu, int code)
{
	smp_percpu[cpu].exit_code = code;
	smp_percpu[cpu].state = SMP_EXITED;
	for (;;)
		asm volatile("cli; hlt");
}

void smp_trace_buffer(u32 cpu, const char *type, const char *body)
{
	struct percpu *p = &smp_percpu[cpu];
	char line[360];
	int n = snprintf(line, sizeof(line), "%s cpu=%u%s%s\n", type, cpu, body[0] ? " " : "", body);
	if (n < 0 || (u32)n >= sizeof(line) || p->trace_len + (u32)n > sizeof(p->trace)) {
		p->trace_lost++;
		return;
	}
	memcpy(p->trace + p->trace_len, line, (size_t)n);
	p->trace_len += (u32)n;
}

/* The BSP prints an AP's buffered records (each gets its seq now). */
static void flush(u32 cpu)
{
	struct percpu *p = &smp_percpu[cpu];
	char *s = p->trace, *end = p->trace + p->trace_len;
	while (s < end) {
		char *nl = s;
		while (nl < end && *nl != '\n')
			nl++;
		*nl = '\0';
		char *sp = strchr(s, ' ');
		if (sp)
			*sp = '\0';
		trace_emit(s, sp ? sp + 1 : "");
		s = nl + 1;
	}
	if (p->trace_lost)
		trace("TRACELOST", "cpu=%u records=%u", cpu, p->trace_lost);
	p->trace_len = p->trace_lost = 0;
}

static const char *bring_up(void)
{
	if (!smp_started) {
		const char *why = apic_map();
		if (why)
			return why;
		memcpy((void *)(u64)SMP_TRAMPOLINE_PA, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
		smp_started = 1;
	}
	/* The trampoline's GDTR (the BSP's GDT: its 32-bit code segment) and CR3. */
	struct desc_ptr g = desc_host_gdtr();
	u8 *t = (u8 *)(u64)SMP_TRAMPOLINE_PA;
	memcpy(t + (ap_tramp_gdtr - ap_tramp_start), &g, 6);
	u32 cr3 = (u32)read_cr3();
	memcpy(t + (ap_tramp_cr3 - ap_tramp_start), &cr3, 4);
	for (u32 i = 1; i < SMP_MAX_CPUS; i++) {
		smp_percpu[i].state = SMP_OFFLINE;
		smp_percpu[i].trace_len = smp_percpu[i].trace_lost = 0;
		smp_percpu[i].armed_fault = NULL;
	}
	smp_next_cpu = 1;
	smp_go = 0;
	asm volatile("mfence" ::: "memory");
	/* INIT (APs parked in HLT by the BIOS or by an earlier scenario), then two SIPIs. */
	if (!apic_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT))
		return "init_ipi_not_delivered";
	smp_delay(DELAY_INIT);
	for (int k = 0; k < 2; k++) {
		if (!apic_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | (SMP_TRAMPOLINE_PA >> 12)))
			return "sipi_not_delivered";
		smp_delay(DELAY_SIPI);
	}
	return NULL;
}

bool smp_run(u32 ncpus, void (*fn)(u32 cpu, void *arg), void *arg, const char **why)
{
	*why = NULL;
	if (ncpus < 1 || ncpus > SMP_MAX_CPUS) {
		*why = "cpus_above_smp_max";
		return false;
	}
	smp_fn = fn;
	smp_arg = arg;
	smp_ncpus = ncpus;
	if (ncpus > 1) {
		*why = bring_up();
		if (*why)
			return false;
		bool all = true;
		for (u32 i = 1; i < ncpus; i++)
			all &= smp_wait_ge(&smp_percpu[i].state, SMP_ALIVE, WAIT_ARRIVE);
		if (!all) {
			smp_go = -1;
			*why = "cpus_missing";
			return false;
		}
	}
	smp_go = 1;
	fn(0, arg);
	int code = -1;
	for (u32 i = 1; i < ncpus; i++) {
		struct percpu *p = &smp_percpu[i];
		if (!smp_wait_ge(&p->state, SMP_DONE, WAIT_DONE))
			trace("SMP", "what=ap_timeout cpu=%u state=%u", i, p->state);
		flush(i);
		if (p->state == SMP_EXITED && code < 0)
			code = p->exit_code;
	}
	if (code >= 0)
		platform_exit(code); /* an AP ended the run (FAULT, FATAL): its records are printed */
	return true;
}
