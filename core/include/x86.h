/* Thin wrappers around x86 instructions the core needs. */
#ifndef VMXDIFF_X86_H
#define VMXDIFF_X86_H

#include "types.h"

#define X86_CR0_PE BIT(0)
#define X86_CR0_NE BIT(5)
#define X86_CR0_PG BIT(31)
#define X86_CR0_NW BIT(29)
#define X86_CR0_CD BIT(30)
#define X86_CR4_VMXE BIT(13)
#define X86_RFLAGS_CF BIT(0)
#define X86_RFLAGS_ZF BIT(6)
#define CPUID1_ECX_VMX BIT(5)

#define FEATURE_CONTROL_LOCKED BIT(0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_FS_BASE 0xc0000100

static inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

#define DEFINE_CR(n)                                                      \
	static inline u64 read_cr##n(void)                                    \
	{                                                                     \
		u64 v;                                                            \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));                     \
		return v;                                                         \
	}                                                                     \
	static inline void write_cr##n(u64 v) { asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

static inline void sgdt(struct desc_ptr *p) { asm volatile("sgdt %0" : "=m"(*p)); }
static inline void sidt(struct desc_ptr *p) { asm volatile("sidt %0" : "=m"(*p)); }
static inline u16 read_tr(void)
{
	u16 v;
	asm volatile("str %0" : "=r"(v));
	return v;
}

/* A fault taken inside a *_safe() accessor: vector < 0 means none. */
struct fault_info {
	int vector;
	u64 error_code;
};

/* rdmsr that reports #GP instead of ending the run (exception-table fixup). */
bool rdmsr_safe(u32 msr, u64 *val, struct fault_info *fault);

#endif
