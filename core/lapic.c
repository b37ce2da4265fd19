/* The host's local APIC (xAPIC MMIO): see core/include/lapic.h. */
#include "lib.h"
#include "x86.h"
#include "desc.h"
#include "lapic.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define PTE_P_RW 0x3ULL
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PDE_PS BIT(7)
#define GIB(n) ((u64)(n) << 30)
#define APIC_PDPT_SLOT 3 /* 3-4 GiB: the architectural default base FEE00000H lies here */
#define ICR_SPINS 100000
#define TAKE_SPINS 2000

static u64 apic_pd[512] ALIGNED(4096);
static bool is_open;
static u64 base; /* MMIO address, identity-mapped while open */
static u64 saved_pdpte;
static u32 saved_svr, saved_tpr;
static bool timer_saved;
static u32 saved_lvt_timer, saved_timer_divide, saved_timer_initial;
/* Counters the handlers below increment (one host CPU, RFLAGS.IF = 0 elsewhere). */
volatile u32 lapic_intr_count, lapic_nmi_count;
u64 lapic_eoi_addr;

/* Host handlers: count, EOI (interrupt only), return.  IRETQ also ends NMI blocking. */
void lapic_intr_stub(void);
void lapic_nmi_stub(void);
volatile u8 lapic_x2apic_on; /* x2APIC mode: EOI through the MSR */
asm(".text\n.global lapic_intr_stub\nlapic_intr_stub:\n"
    "pushq %rax\n"
    "pushq %rcx\n"
    "pushq %rdx\n"
    "lock incl lapic_intr_count(%rip)\n"
    "cmpb $0, lapic_x2apic_on(%rip)\n"
    "jne 1f\n"
    "movq lapic_eoi_addr(%rip), %rax\n"
    "movl $0, (%rax)\n"
    "jmp 2f\n"
    "1: movl $" STR(X2APIC_MSR(LAPIC_EOI)) ", %ecx\n"
    "xorl %eax, %eax\n"
    "xorl %edx, %edx\n"
    "wrmsr\n"
    "2: popq %rdx\n"
    "popq %rcx\n"
    "popq %rax\n"
    "iretq\n"
    ".global lapic_nmi_stub\nlapic_nmi_stub:\n"
    "lock incl lapic_nmi_count(%rip)\n"
    "iretq\n");

struct gate {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
} __attribute__((packed));

static struct gate *host_idt(void)
{
	struct desc_ptr p = desc_host_idtr();
	return (struct gate *)p.base;
}

static struct gate gate_for(void (*fn)(void), u8 ist)
{
	u64 off = (u64)fn;
	return (struct gate){ .off0 = (u16)off, .sel = GDT_CODE64, .ist = ist, .type = 0x8e,
			      .off1 = (u16)(off >> 16), .off2 = (u32)(off >> 32) };
}

static u64 *host_pdpt(void)
{
	u64 *pml4 = (u64 *)(read_cr3() & ~0xfffULL);
	return (u64 *)(pml4[0] & 0x000ffffffffff000ULL);
}

u64 lapic_mmio(void) { return base; }
u32 lapic_read(u32 reg)
{
	if (lapic_x2apic_on)
		return (u32)rdmsr(X2APIC_MSR(reg));
	return *(volatile u32 *)(base + reg);
}
void lapic_write(u32 reg, u32 value)
{
	if (lapic_x2apic_on)
		wrmsr(X2APIC_MSR(reg), value);
	else
		*(volatile u32 *)(base + reg) = value;
}
bool lapic_in_x2apic(void) { return lapic_x2apic_on; }

bool lapic_open(const char **why)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & BIT(9))) {
		*why = "no_local_apic";
		return false;
	}
	u64 msr = rdmsr(MSR_IA32_APIC_BASE);
	if (!(msr & IA32_APIC_BASE_ENABLE) || (msr & IA32_APIC_BASE_X2APIC)) {
		*why = (msr & IA32_APIC_BASE_X2APIC) ? "apic_in_x2apic_mode" : "apic_globally_disabled";
		return false;
	}
	u64 pa = msr & 0x000ffffffffff000ULL;
	if (pa < GIB(APIC_PDPT_SLOT) || pa >= GIB(APIC_PDPT_SLOT + 1)) {
		*why = "apic_base_outside_3_4_gib";
		return false;
	}
	u64 *pdpt = host_pdpt();
	saved_pdpte = pdpt[APIC_PDPT_SLOT];
	memset(apic_pd, 0, sizeof(apic_pd));
	apic_pd[(pa >> 21) & 511] = (pa & ~0x1fffffULL) | PDE_PS | PTE_PCD | PTE_PWT | PTE_P_RW;
	pdpt[APIC_PDPT_SLOT] = (u64)apic_pd | PTE_P_RW;
	write_cr3(read_cr3());
	base = pa;
	lapic_eoi_addr = base + LAPIC_EOI;
	saved_svr = lapic_read(LAPIC_SVR);
	saved_tpr = lapic_read(LAPIC_TPR);
	lapic_write(LAPIC_SVR, saved_svr | LAPIC_SVR_ENABLE);
	lapic_write(LAPIC_TPR, 0);
	lapic_intr_count = lapic_nmi_count = 0;
	timer_saved = false;
	is_open = true;
	return true;
}

static bool icr_idle(void)
{
	for (u32 i = 0; i < ICR_SPINS; i++)
		if (!(lapic_read(LAPIC_ICR_LO) & LAPIC_ICR_BUSY))
			return true;
	return false;
}

u32 lapic_icr_hi_self(void) { return lapic_read(LAPIC_ID) & 0xff000000u; }

bool lapic_self_ipi(u8 vector)
{
	if (!icr_idle())
		return false;
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, LAPIC_ICR_SELF | LAPIC_ICR_ASSERT | LAPIC_ICR_DM_FIXED | vector);
	return icr_idle();
}

/* SDM "Interrupt Command Register (ICR)": the "self" shorthand is for fixed
 * interrupts only, so an NMI names this APIC's own ID (physical mode). */
bool lapic_self_nmi(void)
{
	if (!icr_idle())
		return false;
	lapic_write(LAPIC_ICR_HI, lapic_icr_hi_self());
	lapic_write(LAPIC_ICR_LO, LAPIC_ICR_ASSERT | LAPIC_ICR_DM_NMI);
	return icr_idle();
}

bool lapic_irr(u8 v) { return lapic_read(LAPIC_IRR + 0x10 * (v / 32)) & (1u << (v % 32)); }
bool lapic_isr(u8 v) { return lapic_read(LAPIC_ISR + 0x10 * (v / 32)) & (1u << (v % 32)); }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
u32 lapic_host_nmis(void) { return lapic_nmi_count; }

static struct gate saved_nmi_gate;
static bool nmi_gate_on;

void lapic_nmi_gate(bool on)
{
	struct gate *idt = host_idt();
	if (on && !nmi_gate_on) {
		saved_nmi_gate = idt[2];
		idt[2] = gate_for(lapic_nmi_stub, saved_nmi_gate.ist);
	} else if (!on && nmi_gate_on) {
		idt[2] = saved_nmi_gate;
	}
	nmi_gate_on = on;
}

u64 lapic_observe(u8 vector)
{
	u64 obs = (lapic_irr(vector) ? LAPIC_OBS_IRR : 0) | (lapic_isr(vector) ? LAPIC_OBS_ISR : 0);
	if (obs & LAPIC_OBS_ISR)
		lapic_eoi();
	if (lapic_irr(vector) && lapic_host_take(vector))
		obs |= LAPIC_OBS_HOST_TOOK;
	return obs;
}

u32 lapic_host_take(u8 vector)
{
	struct gate *idt = host_idt();
	struct gate saved = idt[vector];
	u32 before = lapic_intr_count, tpr = lapic_read(LAPIC_TPR);
	bool nmi_was_on = nmi_gate_on;
	idt[vector] = gate_for(lapic_intr_stub, 0);
	lapic_nmi_gate(true);
	/* Only this vector's priority class and above may be delivered here. */
	lapic_write(LAPIC_TPR, vector >= 0x20 ? ((vector >> 4) - 1) << 4 : 0);
	u64 n = TAKE_SPINS;
	asm volatile("sti\n1: dec %0\njnz 1b\ncli" : "+r"(n) : : "memory", "cc");
	lapic_write(LAPIC_TPR, tpr);
	idt[vector] = saved;
	lapic_nmi_gate(nmi_was_on);
	return lapic_intr_count - before;
}

void lapic_nmi_unblock(void)
{
	bool was_on = nmi_gate_on;
	lapic_nmi_gate(true);
	desc_host_iret();
	for (volatile int i = 0; i < 100; i++)
		;
	lapic_nmi_gate(was_on);
}

void lapic_timer_oneshot(u8 vector, u32 divide, u32 count)
{
	if (!timer_saved) {
		saved_lvt_timer = lapic_read(LAPIC_LVT_TIMER);
		saved_timer_divide = lapic_read(LAPIC_TIMER_DIVIDE);
		saved_timer_initial = lapic_read(LAPIC_TIMER_INITIAL);
		timer_saved = true;
	}
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_ONESHOT | vector);
	lapic_write(LAPIC_TIMER_DIVIDE, divide);
	lapic_write(LAPIC_TIMER_INITIAL, count);
}

static void timer_restore(void)
{
	if (!timer_saved)
		return;
	lapic_write(LAPIC_TIMER_INITIAL, 0); /* stops it */
	lapic_write(LAPIC_LVT_TIMER, saved_lvt_timer | LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TIMER_DIVIDE, saved_timer_divide);
	lapic_write(LAPIC_LVT_TIMER, saved_lvt_timer);
	lapic_write(LAPIC_TIMER_INITIAL, saved_timer_initial);
	timer_saved = false;
}

/* The xAPIC registers software can write (SDM "Local APIC Register Address Map"), saved
 * before the switch to x2APIC mode and written back after the return to xAPIC mode: the
 * disabled state in between resets them.  LVT entries before SVR (a software-disabled
 * APIC forces their mask bits), the timer's initial count last (it starts the count). */
static const u16 xapic_saved_regs[] = { 0xd0 /* LDR */, 0xe0 /* DFR */, LAPIC_TPR,
					0x320, 0x330, 0x340, 0x350, 0x360, 0x370 /* LVT */,
					LAPIC_TIMER_DIVIDE, LAPIC_SVR, LAPIC_TIMER_INITIAL };
static u32 xapic_saved[sizeof(xapic_saved_regs) / sizeof(xapic_saved_regs[0])];
static u32 xapic_saved_id;

bool lapic_x2apic_enter(const char **why)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID_1_ECX_X2APIC)) {
		*why = "no_x2apic"; /* CPUID.01H:ECX[21] = 0; a skip reason is one token (END record) */
		return false;
	}
	timer_restore();
	for (u32 i = 0; i < sizeof(xapic_saved_regs) / sizeof(xapic_saved_regs[0]); i++)
		xapic_saved[i] = lapic_read(xapic_saved_regs[i]);
	xapic_saved_id = lapic_read(LAPIC_ID);
	wrmsr(MSR_IA32_APIC_BASE, rdmsr(MSR_IA32_APIC_BASE) | IA32_APIC_BASE_X2APIC);
	lapic_x2apic_on = 1;
	return true;
}

void lapic_x2apic_self_ipi(u8 vector) { wrmsr(X2APIC_MSR(LAPIC_SELF_IPI), vector); }
void lapic_x2apic_icr_self(u8 vector)
{
	wrmsr(X2APIC_MSR(LAPIC_ICR_LO), LAPIC_ICR_SELF | LAPIC_ICR_ASSERT | LAPIC_ICR_DM_FIXED | vector);
}

/* x2APIC -> disabled -> xAPIC, then the saved registers back. */
static void x2apic_leave(void)
{
	u64 msr = rdmsr(MSR_IA32_APIC_BASE);
	wrmsr(MSR_IA32_APIC_BASE, msr & ~(IA32_APIC_BASE_X2APIC | IA32_APIC_BASE_ENABLE));
	lapic_x2apic_on = 0;
	wrmsr(MSR_IA32_APIC_BASE, (msr & ~IA32_APIC_BASE_X2APIC) | IA32_APIC_BASE_ENABLE);
	if (lapic_read(LAPIC_ID) != xapic_saved_id)
		lapic_write(LAPIC_ID, xapic_saved_id);
	lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | LAPIC_SVR_ENABLE);
	for (u32 i = 0; i < sizeof(xapic_saved_regs) / sizeof(xapic_saved_regs[0]); i++)
		lapic_write(xapic_saved_regs[i], xapic_saved[i]);
}

void lapic_close(u8 vector)
{
	if (!is_open)
		return;
	timer_restore();
	if (lapic_x2apic_on) {
		/* Whatever of `vector` is left goes while still in x2APIC mode. */
		for (int i = 0; i < 4 && lapic_isr(vector); i++)
			lapic_eoi();
		if (lapic_irr(vector))
			lapic_host_take(vector);
		x2apic_leave();
	}
	for (int i = 0; i < 4 && lapic_isr(vector); i++)
		lapic_eoi();
	if (lapic_irr(vector))
		lapic_host_take(vector);
	lapic_nmi_unblock();
	lapic_write(LAPIC_TPR, saved_tpr);
	lapic_write(LAPIC_SVR, saved_svr);
	host_pdpt()[APIC_PDPT_SLOT] = saved_pdpte;
	write_cr3(read_cr3());
	is_open = false;
}
