/*
 * Host descriptor tables (GDT from boot.S, TSS, IDT) and the exception
 * dispatcher.  An exception in host mode is either expected by a *_safe()
 * accessor (exception-table fixup) or ends the run with a FAULT record.
 */
#include "lib.h"
#include "trace.h"
#include "x86.h"
#include "desc.h"
#include "smp.h"

struct fault_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

struct extable_entry {
	u64 insn, fixup;
};

struct idt_entry {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
} __attribute__((packed));

extern u64 gdt[], gdt_end[];
extern const u64 isr_table[32];
extern const struct extable_entry __extable_start[], __extable_end[];

struct tss64 host_tss ALIGNED(16);
static struct idt_entry idt[256] ALIGNED(16);
static u8 nmi_stack[4096] ALIGNED(16);
static struct fault_info *armed_fault;

/* A 64-bit available TSS (type 9), present, in GDT slot GDT_TSS; then LTR. */
static void tss_load(u64 *g, struct tss64 *tss, u8 *ist_stack, size_t ist_size)
{
	u64 base = (u64)tss;
	u64 limit = sizeof(*tss) - 1;

	tss->iomap_base = sizeof(*tss);
	tss->ist[0] = (u64)ist_stack + ist_size;
	g[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
			 ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	g[GDT_TSS / 8 + 1] = base >> 32;
	asm volatile("ltr %w0" : : "r"((u16)GDT_TSS));
}

void desc_init(void)
{
	tss_load(gdt, &host_tss, nmi_stack, sizeof(nmi_stack));

	for (int v = 0; v < 32; v++) {
		u64 off = isr_table[v];
		idt[v] = (struct idt_entry){ .off0 = (u16)off, .sel = GDT_CODE64,
					     .ist = v == 2 || v == 8 ? 1 : 0, .type = 0x8e,
					     .off1 = (u16)(off >> 16), .off2 = (u32)(off >> 32) };
	}
	desc_restore();
}

/* An AP (core/smp.c): the BSP's GDT copied (its TSS slot rewritten), loaded with CS reloaded by
 * a far return, the data segments, its own TSS and the shared IDT. */
void desc_init_ap(struct percpu *p)
{
	_Static_assert(sizeof(p->gdt) == GDT_ENTRIES * 8, "GDT copy");
	memcpy(p->gdt, gdt, sizeof(p->gdt));
	struct desc_ptr g = { sizeof(p->gdt) - 1, (u64)p->gdt };
	asm volatile("lgdt %0\n"
		     "pushq %1\n"
		     "leaq 1f(%%rip), %%rax\n"
		     "pushq %%rax\n"
		     "lretq\n"
		     "1: mov %2, %%eax\n"
		     "mov %%eax, %%ds\nmov %%eax, %%es\nmov %%eax, %%ss\nmov %%eax, %%fs\nmov %%eax, %%gs\n"
		     : : "m"(g), "i"((u64)GDT_CODE64), "i"(GDT_DATA) : "rax", "memory");
	memset(&p->tss, 0, sizeof(p->tss));
	tss_load(p->gdt, &p->tss, p->nmi_stack, sizeof(p->nmi_stack));
	struct desc_ptr i = desc_host_idtr();
	asm volatile("lidt %0" : : "m"(i));
}

struct desc_ptr desc_host_gdtr(void)
{
	u32 cpu = smp_this_cpu();
	if (cpu)
		return (struct desc_ptr){ sizeof(smp_percpu[cpu].gdt) - 1, (u64)smp_percpu[cpu].gdt };
	return (struct desc_ptr){ (u16)((u64)gdt_end - (u64)gdt - 1), (u64)gdt };
}

struct tss64 *desc_host_tss(void)
{
	u32 cpu = smp_this_cpu();
	return cpu ? &smp_percpu[cpu].tss : &host_tss;
}

struct desc_ptr desc_host_idtr(void)
{
	return (struct desc_ptr){ sizeof(idt) - 1, (u64)idt };
}

/*
 * A VM exit sets the GDTR and IDTR limits to FFFFH (SDM "Loading Host
 * Segment and Descriptor-Table Registers"); only the bases come from the
 * host-state area.  Reload both so nothing a VM exit changed survives it.
 */
void desc_restore(void)
{
	struct desc_ptr g = desc_host_gdtr(), i = desc_host_idtr();
	asm volatile("lgdt %0" : : "m"(g));
	asm volatile("lidt %0" : : "m"(i));
}

/* The armed fault of this CPU (the BSP's in a plain variable, an AP's in its percpu). */
static struct fault_info **armed_slot(void)
{
	u32 cpu = smp_this_cpu();
	return cpu ? &smp_percpu[cpu].armed_fault : &armed_fault;
}

void fault_arm(struct fault_info *f)
{
	f->vector = -1;
	f->error_code = 0;
	*armed_slot() = f;
}

void fault_disarm(void) { *armed_slot() = NULL; }

void idt_dispatch(struct fault_frame *f)
{
	struct fault_info *armed = *armed_slot();
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
		if (e->insn == f->rip && armed) {
			armed->vector = (int)f->vector;
			armed->error_code = f->error_code;
			f->rip = e->fixup;
			return;
		}
	}
	u64 cr2;
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	trace("FAULT", "vector=%lu error_code=%#lx rip=%#lx rsp=%#lx cr2=%#lx", f->vector,
	      f->error_code, f->rip, f->rsp, cr2);
	trace("FINISH", "status=FAULT");
	platform_exit(3);
}

bool rdmsr_safe(u32 msr, u64 *val, struct fault_info *fault)
{
	u32 lo = 0, hi = 0;
	fault_arm(fault);
	asm volatile("1: rdmsr\n2:\n"
		     ".pushsection .extable, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
		     : "+a"(lo), "+d"(hi)
		     : "c"(msr)
		     : "memory");
	fault_disarm();
	*val = ((u64)hi << 32) | lo;
	return fault->vector < 0;
}

void desc_host_iret(void)
{
	asm volatile("mov %%rsp, %%rax\n"
		     "pushq %0\n"
		     "pushq %%rax\n"
		     "pushfq\n"
		     "pushq %1\n"
		     "lea 1f(%%rip), %%rax\n"
		     "pushq %%rax\n"
		     "iretq\n"
		     "1: nop; nop; nop; nop\n"
		     :
		     : "i"(GDT_DATA), "i"(GDT_CODE64)
		     : "rax", "memory", "cc");
}
