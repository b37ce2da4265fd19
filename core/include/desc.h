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
/* Arm an exception-table fixup for the next instruction with an extable entry. */
void fault_arm(struct fault_info *f);
void fault_disarm(void);

#endif
