/*
 * Boot: Multiboot2 and Multiboot1 headers, 32-bit entry, identity paging of
 * the first 1 GiB with 2 MiB pages, switch to IA-32e (long) mode, jump to C.
 * GRUB (multiboot2) and QEMU -kernel (multiboot1, ELF32 copy) both enter at
 * _start in 32-bit protected mode with paging off.
 */
#include "multiboot.h"
#define MB2_MAGIC      MB2_HEADER_MAGIC
#define MB1_MAGIC      MB1_HEADER_MAGIC
#define MB1_FLAGS      0x00000000
#define CR4_PAE        (1 << 5)
#define CR0_PE         (1 << 0)
#define CR0_NE         (1 << 5)
#define CR0_PG         (1 << 31)
#define MSR_EFER       0xc0000080
#define EFER_LME       (1 << 8)

        .section .multiboot, "a"
        .balign 8
mb2_header:
        .long MB2_MAGIC
        .long 0                                 /* architecture: i386 */
        .long mb2_header_end - mb2_header
        .long -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
        .word 0, 0                              /* end tag */
        .long 8
mb2_header_end:
        .balign 4
mb1_header:
        .long MB1_MAGIC
        .long MB1_FLAGS
        .long -(MB1_MAGIC + MB1_FLAGS)

        .section .text.boot, "ax"
        .code32
        .global _start
_start:
        cli
        cld
        movl    $boot_stack_top, %esp
        movl    %eax, boot_magic
        movl    %ebx, boot_info

        lgdt    gdt_ptr32
        movw    $0x10, %cx
        movw    %cx, %ds
        movw    %cx, %es
        movw    %cx, %ss
        movw    %cx, %fs
        movw    %cx, %gs

        /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB | PS|RW|P. */
        movl    $pdpt, %eax
        orl     $0x3, %eax
        movl    %eax, pml4
        movl    $pd, %eax
        orl     $0x3, %eax
        movl    %eax, pdpt
        xorl    %ecx, %ecx
1:      movl    %ecx, %eax
        shll    $21, %eax
        orl     $0x83, %eax
        movl    %eax, pd(, %ecx, 8)
        movl    $0, pd+4(, %ecx, 8)
        incl    %ecx
        cmpl    $512, %ecx
        jne     1b

        movl    $pml4, %eax
        movl    %eax, %cr3
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        wrmsr
        movl    %cr0, %eax
        orl     $(CR0_PG | CR0_PE | CR0_NE), %eax
        movl    %eax, %cr0
        ljmp    $0x08, $long_entry

        .code64
long_entry:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        movabsq $boot_stack_top, %rsp
        xorq    %rbp, %rbp
        movl    boot_magic, %edi
        movl    boot_info, %esi
        call    kmain
2:      cli
        hlt
        jmp     2b

        .section .data
        .balign 16
        .global gdt
gdt:
        .quad 0x0000000000000000                /* 0x00 null */
        .quad 0x00af9b000000ffff                /* 0x08 64-bit code, accessed */
        .quad 0x00cf93000000ffff                /* 0x10 flat data, accessed */
        .quad 0x00cf9b000000ffff                /* 0x18 32-bit code (unused) */
        .quad 0, 0                              /* 0x20 TSS, filled in by C */
        .global gdt_end
gdt_end:
gdt_ptr32:
        .word gdt_end - gdt - 1
        .long gdt
boot_magic:
        .long 0
boot_info:
        .long 0

        .section .bss
        .balign 4096
        .global pml4, pdpt
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4096
        .balign 16
boot_stack:
        .skip 16384
        .global boot_stack_top
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
