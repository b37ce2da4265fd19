/*
 * The host's local APIC in xAPIC mode (MMIO at the IA32_APIC_BASE address),
 * for scenarios that need real external interrupts and NMIs: a fixed
 * self-IPI, a self-NMI, IRR/ISR inspection, EOI, and the host taking a
 * pending interrupt (or an NMI) through a gate installed only for that.
 *
 * Everything is undone by lapic_close(): the MMIO mapping (PDPT slot 3 of
 * the host's page tables, 3-4 GiB, absent at boot), SVR and TPR, the host
 * IDT gates, and NMI blocking (an IRET).  Host RFLAGS.IF stays 0 outside
 * lapic_host_take().  SDM Vol. 3 "Advanced Programmable Interrupt
 * Controller (APIC)": "Local APIC Register Address Map", "Interrupt Command
 * Register (ICR)", "IRR, ISR and TMR", "Signaling Interrupt Servicing
 * Completion", "Spurious-Interrupt Vector Register".
 */
#ifndef VMXDIFF_LAPIC_H
#define VMXDIFF_LAPIC_H

#include "types.h"

/* Register offsets (SDM "Local APIC Register Address Map"). */
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ISR 0x100
#define LAPIC_IRR 0x200
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
/* ICR low dword fields (SDM "Interrupt Command Register (ICR)"). */
#define LAPIC_ICR_DM_FIXED (0u << 8)
#define LAPIC_ICR_DM_NMI (4u << 8)
#define LAPIC_ICR_BUSY (1u << 12) /* delivery status: send pending */
#define LAPIC_ICR_ASSERT (1u << 14)
#define LAPIC_ICR_SELF (1u << 18) /* destination shorthand 01b */
#define LAPIC_SVR_ENABLE (1u << 8)
/* LVT timer register and divide configuration (SDM "APIC Timer"): bit 16 mask, bits 18:17
 * timer mode (00b one-shot); divide value in bits 3, 1:0 (0011b: divide by 16). */
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_LVT_TIMER_ONESHOT (0u << 17)
#define LAPIC_TIMER_DIVIDE_16 0x3u
#define IA32_APIC_BASE_ENABLE BIT(11)
#define IA32_APIC_BASE_X2APIC BIT(10)
#define CPUID_1_ECX_X2APIC BIT(21) /* CPUID.01H:ECX[21]: the processor supports x2APIC mode */
/* x2APIC mode (SDM "Extended XAPIC (x2APIC)"): register at xAPIC offset R is MSR
 * X2APIC_MSR_BASE + R/16 ("x2APIC Register Address Space"); the ICR is one 64-bit MSR
 * (destination in bits 63:32); SELF IPI (MSR 83FH) takes the vector in bits 7:0. */
#define X2APIC_MSR_BASE 0x800
#define X2APIC_MSR(reg) (X2APIC_MSR_BASE + ((reg) >> 4))
#define LAPIC_SELF_IPI 0x3f0 /* x2APIC only: MSR 83FH */

/* While open: switch the APIC to x2APIC mode (false, *why set, where CPUID.01H:ECX[21]
 * is 0).  lapic_read/lapic_write/lapic_irr/lapic_isr/lapic_eoi/lapic_host_take then use
 * the MSRs.  lapic_close() goes back through the disabled state (SDM "State Changes From
 * xAPIC Mode to x2APIC Mode": x2APIC -> xAPIC only through disabled), which resets the
 * APIC, and writes back every xAPIC register it saved before the switch. */
bool lapic_x2apic_enter(const char **why);
bool lapic_in_x2apic(void);
/* x2APIC mode: a fixed self-IPI through the SELF IPI MSR, or through the ICR MSR with the
 * "self" shorthand. */
void lapic_x2apic_self_ipi(u8 vector);
void lapic_x2apic_icr_self(u8 vector);
/* Open the APIC: false with *why set when it cannot be used (no xAPIC). */
bool lapic_open(const char **why);
/* Put everything back (see above); any interrupt of `vector` still pending
 * or in service is taken by the host and EOI'd first.  Idempotent. */
void lapic_close(u8 vector);
u64 lapic_mmio(void); /* the MMIO address (valid while open) */
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 value);
u32 lapic_icr_hi_self(void); /* ICR high dword naming this APIC (physical destination) */
/* Send a fixed self-IPI / an NMI to this APIC; false if the ICR stays busy. */
bool lapic_self_ipi(u8 vector);
bool lapic_self_nmi(void);
bool lapic_irr(u8 vector);
bool lapic_isr(u8 vector);
void lapic_eoi(void);
/* Host-side delivery: install a gate for `vector` (and one for NMI), set
 * RFLAGS.IF for a bounded number of instructions, clear it, restore the
 * gates.  Returns how many interrupts of `vector` the host took (its handler
 * EOIs each). */
u32 lapic_host_take(u8 vector);
/* After a VM exit, what the APIC shows for `vector` (the bits below, which the guests report in
 * RAX): in IRR, in ISR (then EOI'd), and whether the host took what was still pending. */
#define LAPIC_OBS_IRR 1
#define LAPIC_OBS_ISR 2
#define LAPIC_OBS_HOST_TOOK 4
#define LAPIC_OBS_HOST_NMI 8 /* set by callers that count host NMIs (lapic_host_nmis) */
u64 lapic_observe(u8 vector);
/* The APIC timer (SDM "APIC Timer"): one-shot, `vector`, unmasked, the divide configuration
 * `divide` and the initial count `count` (0 stops it).  The first call saves the LVT timer
 * register, the divide configuration and the initial count; lapic_close() stops the timer
 * and writes them back before it takes what is left of its vector. */
void lapic_timer_oneshot(u8 vector, u32 divide, u32 count);
/* NMIs the host took through its temporary NMI gate since lapic_open(). */
u32 lapic_host_nmis(void);
/* Install / remove the temporary host NMI gate (counts, then IRET). */
void lapic_nmi_gate(bool on);
/* Execute an IRET in the host (ends NMI blocking), with the NMI gate in
 * place so an NMI that was pending is counted, not fatal. */
void lapic_nmi_unblock(void);

#endif
