/* Thin wrappers around x86 instructions the core needs. */
#ifndef VMXDIFF_X86_H
#define VMXDIFF_X86_H

#include "types.h"

#define X86_CR0_PE BIT(0)
#define X86_CR0_NE BIT(5)
#define X86_CR0_PG BIT(31)
#define X86_CR0_TS BIT(3)
#define X86_CR0_AM BIT(18)
#define X86_CR0_NW BIT(29)
#define X86_CR0_CD BIT(30)
#define X86_CR4_PAE BIT(5)
#define X86_CR4_PCE BIT(8)
#define X86_CR4_VMXE BIT(13)
#define X86_CR4_PCIDE BIT(17)
#define X86_CR4_OSXSAVE BIT(18)
#define X86_RFLAGS_CF BIT(0)
#define X86_RFLAGS_ZF BIT(6)
#define CPUID1_ECX_VMX BIT(5)

#define FEATURE_CONTROL_LOCKED BIT(0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)
/* Architectural MSRs the image, the sweep and the model name (SDM Vol. 4 "Model-Specific
 * Registers"); the VMX capability MSRs are in vmx_msrs.def.  #defines, so guests' assembly
 * can use them too (STR()). */
#define MSR_IA32_TIME_STAMP_COUNTER 0x10
#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_BIOS_UPDT_TRIG 0x79
#define MSR_IA32_BIOS_SIGN_ID 0x8b
#define MSR_IA32_SMM_MONITOR_CTL 0x9b
#define MSR_IA32_SMBASE 0x9e
#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_DEBUGCTL 0x1d9
#define MSR_IA32_PAT 0x277
#define MSR_IA32_MTRR_DEF_TYPE 0x2ff
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38f
#define MSR_IA32_S_CET 0x6a2
#define MSR_IA32_PKRS 0x6e1
#define MSR_IA32_BNDCFGS 0xd90
#define MSR_IA32_XSS 0xda0
#define MSR_IA32_EFER 0xc0000080
#define MSR_IA32_STAR 0xc0000081
#define MSR_IA32_LSTAR 0xc0000082
#define MSR_IA32_CSTAR 0xc0000083
#define MSR_IA32_FMASK 0xc0000084
#define MSR_IA32_FS_BASE 0xc0000100
#define MSR_IA32_GS_BASE 0xc0000101
#define MSR_IA32_KERNEL_GS_BASE 0xc0000102
#define MSR_IA32_TSC_AUX 0xc0000103

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
