/*
 * SMP: the BSP brings up the application processors (INIT-SIPI-SIPI through
 * the xAPIC) for the scenarios that declare .cpus > 1, only those.  Each AP
 * enters at a real-mode trampoline below 1 MiB (core/boot/ap.S), goes to long
 * mode on the BSP's page tables, takes a CPU number (1, 2, ... in the order
 * they arrive), loads its own GDT and TSS (the BSP's GDT layout), runs the
 * scenario's per-CPU function and parks with IF=0 in HLT.  The next SMP
 * scenario starts them again from INIT, so no AP state outlives a scenario.
 *
 * An AP's trace records go to its own buffer, not to COM1: the BSP prints
 * them, CPU by CPU, after the APs are done (one writer on the serial port;
 * per-CPU order kept; seq still rises by one over the boot).  Every record
 * of CPU N != 0 carries "cpu=N" right after seq; the BSP's are unchanged.
 */
#ifndef VMXDIFF_SMP_H
#define VMXDIFF_SMP_H

#define SMP_MAX_CPUS 4
#define SMP_AP_STACK 16384 /* each AP's C stack (core/boot/ap.S) */
#define SMP_TRAMPOLINE_PA 0x8000 /* SIPI vector 08H: CS = 0800H, IP = 0 */
/* Interrupt command register, low half (SDM "Interrupt Command Register (ICR)"). */
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_ASSERT (1u << 14)
#define ICR_ALL_BUT_SELF (3u << 18)

#ifndef __ASSEMBLER__
#include "types.h"
#include "x86.h"
#include "desc.h"

#define SMP_TRACE_BUF 32768

enum smp_state { SMP_OFFLINE, SMP_ALIVE, SMP_RUNNING, SMP_DONE, SMP_EXITED };

/* One CPU's own data.  The GDT comes first: the CPU number is found from GDTR.base. */
struct percpu {
	u64 gdt[GDT_ENTRIES]; /* the BSP's layout (boot.S), this CPU's TSS in slot GDT_TSS */
	struct tss64 tss;
	u32 cpu, apic_id;
	volatile u32 state; /* enum smp_state */
	int exit_code; /* platform_exit() on this AP: the code the BSP ends the run with */
	struct fault_info *armed_fault;
	u32 trace_len, trace_lost;
	char trace[SMP_TRACE_BUF]; /* "TYPE cpu=N key=value...\n" records without seq */
	u8 nmi_stack[4096] ALIGNED(16);
	u8 exit_stack[8192] ALIGNED(16);
	u8 guest_stack[16384] ALIGNED(16);
	u8 vmxon[4096] ALIGNED(4096);
	u8 vmcs[4096] ALIGNED(4096);
} ALIGNED(4096);

extern struct percpu smp_percpu[SMP_MAX_CPUS]; /* [0] is the BSP's (only its vmxon/vmcs are used) */
extern volatile u32 smp_started; /* an AP was ever started: this_cpu() must look */

/* This CPU's number: 0 on the BSP (and always before any AP started). */
static inline u32 smp_this_cpu(void)
{
	if (!smp_started)
		return 0;
	struct desc_ptr g;
	sgdt(&g);
	u64 off = g.base - (u64)smp_percpu;
	return off < sizeof(smp_percpu) ? (u32)(off / sizeof(struct percpu)) : 0;
}

/* Run fn(cpu, arg) on CPUs 0..ncpus-1 (the BSP is CPU 0), APs started afresh.  Returns
 * false without running anything if fewer than ncpus-1 APs arrived (*why says so). */
bool smp_run(u32 ncpus, void (*fn)(u32 cpu, void *arg), void *arg, const char **why);
/* An AP's trace record (trace.c), printed by the BSP after the APs are done. */
void smp_trace_buffer(u32 cpu, const char *type, const char *body);
/* platform_exit() on an AP: park it; the BSP ends the run with the code after printing its records. */
void NORETURN smp_ap_exit(u32 cpu, int code);
/* Spin with PAUSE until *p == want or the bound (iterations) runs out; true if reached. */
bool smp_wait_eq(volatile u32 *p, u32 want, u64 bound);
void smp_delay(u64 pause_iterations);
/* An IPI (ICR low half, physical destination) to CPU cpu's local APIC; false if not delivered. */
bool smp_ipi(u32 cpu, u32 icr_lo);
bool smp_wait_ge(volatile u32 *p, u32 want, u64 bound);
#endif
#endif
