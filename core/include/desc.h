/* Host GDT layout (boot.S) and the descriptor-table setup in idt.c. */
#ifndef VMXDIFF_DESC_H
#define VMXDIFF_DESC_H

#include "types.h"
#include "x86.h"

#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x20
#define GDT_ENTRIES 6 /* null, code64, data, code32, TSS (two slots): boot.S */

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3, iomap_base;
} __attribute__((packed));

/* A guest's 64-bit interrupt gate (type EH, DPL 0) to `handler` through the host's code selector,
 * as the two qwords of IDT entry `v` (SDM Vol. 3 "64-Bit Mode IDT"). */
#define IDT_GATE_INTERRUPT64 0xeULL
#define IDT_GATE_PRESENT BIT(47)
static inline void idt_gate64(u64 *idt, unsigned v, u64 handler, bool present)
{
	idt[2 * v] = (handler & 0xffff) | ((u64)GDT_CODE64 << 16) | (IDT_GATE_INTERRUPT64 << 40) |
		     (present ? IDT_GATE_PRESENT : 0) | ((handler >> 16) & 0xffff) << 48;
	idt[2 * v + 1] = handler >> 32;
}

/* Assembler text: 256 guest IDT stubs named `stubs`, 16 bytes apart (CALL rel32 is 5 bytes), each
 * calling `common`.  There: RDI = the vector (from the stub's return address); RSI = the error code,
 * popped, when the frame is 48 bytes below R8 (the stack top the guest set), -1 when it is 40 bytes
 * (no error code).  The text ends at local label 2, where the caller's handler body continues with
 * the frame (RIP, CS, RFLAGS, ...) at (%rsp). */
#define GUEST_GATE_STUBS(stubs, common)                                                            \
	".text\n.balign 16\n.global " #stubs "\n" #stubs ":\n"                                         \
	".rept 256\n.balign 16\ncall " #common "\n.endr\n" #common ":\n"                              \
	"pop %rdi\nlea " #stubs "+5(%rip), %rsi\nsub %rsi, %rdi\nshr $4, %rdi\n"                     \
	"mov %r8, %rsi\nsub %rsp, %rsi\ncmp $48, %rsi\njne 1f\npop %rsi\njmp 2f\n"                  \
	"1: cmp $40, %rsi\njne 2f\nmov $-1, %rsi\n2: "

extern struct tss64 host_tss;
void desc_init(void);
struct percpu;
/* An AP's own GDT (the BSP's layout, its own TSS), loaded with its TSS and the shared IDT. */
void desc_init_ap(struct percpu *p);
/* This CPU's GDTR and IDTR (limits as built, not as a VM exit left them) and TSS. */
struct desc_ptr desc_host_gdtr(void);
struct desc_ptr desc_host_idtr(void);
struct tss64 *desc_host_tss(void);
/* Reload GDTR and IDTR after a VM exit (it leaves both limits at FFFFH). */
void desc_restore(void);
/* IRETQ to the next instruction, same stack and RFLAGS: ends blocking by NMI (SDM "NMI Handling":
 * the processor "blocks delivery of subsequent NMIs until the next execution of the IRET
 * instruction"); a pending NMI is taken right after it. */
void desc_host_iret(void);
/* Arm an exception-table fixup for the next instruction with an extable entry. */
void fault_arm(struct fault_info *f);
void fault_disarm(void);

#endif
