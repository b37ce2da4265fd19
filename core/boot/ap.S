/*
 * Application-processor start-up (core/smp.c copies ap_tramp_start..ap_tramp_end
 * to SMP_TRAMPOLINE_PA and sends INIT-SIPI-SIPI with vector SMP_TRAMPOLINE_PA >> 12).
 * The AP starts in real mode at CS = SMP_TRAMPOLINE_PA >> 4, IP = 0 (SDM "MP
 * Initialization Protocol Algorithm"): load the GDT and CR3 the BSP wrote into the
 * copy, protected mode, PAE, EFER.LME, paging (long mode), then the image's 64-bit
 * code: take a CPU number, its stack, and call smp_ap_main(cpu).
 */
#include "smp.h"

#define TRAMP(sym) (SMP_TRAMPOLINE_PA + (sym) - ap_tramp_start)

        .section .rodata
        .balign 16
        .global ap_tramp_start, ap_tramp_end, ap_tramp_gdtr, ap_tramp_cr3
        .code16
ap_tramp_start:
        cli
        cld
        movw    %cs, %ax
        movw    %ax, %ds
        lgdtl   (ap_tramp_gdtr - ap_tramp_start)
        movl    %cr0, %eax
        orl     $1, %eax                        /* CR0.PE */
        movl    %eax, %cr0
        ljmpl   $0x18, $TRAMP(ap_tramp32)       /* the GDT's flat 32-bit code segment */

        .code32
ap_tramp32:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movl    %cr4, %eax
        orl     $(1 << 5), %eax                 /* CR4.PAE */
        movl    %eax, %cr4
        movl    TRAMP(ap_tramp_cr3), %eax
        movl    %eax, %cr3
        movl    $0xc0000080, %ecx               /* IA32_EFER.LME */
        rdmsr
        orl     $(1 << 8), %eax
        wrmsr
        movl    %cr0, %eax
        orl     $((1 << 31) | (1 << 5) | 1), %eax       /* PG, NE, PE */
        movl    %eax, %cr0
        ljmp    $0x08, $ap_long_entry

        .balign 8
ap_tramp_gdtr:
        .word   0
        .long   0
        .balign 4
ap_tramp_cr3:
        .long   0
ap_tramp_end:

        .text
        .code64
ap_long_entry:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        movl    $1, %eax
        lock xaddl %eax, smp_next_cpu(%rip)     /* CPU number: 1, 2, ... in arrival order */
        cmpl    $SMP_MAX_CPUS, %eax
        jae     9f
        movl    %eax, %edi
        movl    %eax, %ecx
        imulq   $SMP_AP_STACK, %rcx
        leaq    smp_ap_stacks(%rip), %rsp       /* CPU n's stack: slot n - 1, top at n * size */
        addq    %rcx, %rsp
        xorl    %ebp, %ebp
        call    smp_ap_main
9:      cli
        hlt
        jmp     9b

        .section .note.GNU-stack, "", @progbits
