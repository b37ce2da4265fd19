/* Host GDT layout (boot.S) and the descriptor-table setup in idt.c. */
#ifndef VMXDIFF_DESC_H
#define VMXDIFF_DESC_H

#include "types.h"
#include "x86.h"

#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x20

extern struct tss64 host_tss;
void desc_init(void);
/* The host's own GDTR and IDTR (limits as built, not as a VM exit left them). */
struct desc_ptr desc_host_gdtr(void);
struct desc_ptr desc_host_idtr(void);
/* Reload GDTR and IDTR after a VM exit (it leaves both limits at FFFFH). */
void desc_restore(void);
/* Arm an exception-table fixup for the next instruction with an extable entry. */
void fault_arm(struct fault_info *f);
void fault_disarm(void);

#endif
