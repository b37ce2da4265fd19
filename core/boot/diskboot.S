/*
 * diskboot: the loader on the disk the harness boots Bochs from (harness/bootdisk.py).
 * It loads the image the way a Multiboot1 loader does, with the BIOS only, in a few hundred
 * thousand instructions where GRUB's ISO takes about 80 million (most of a Bochs boot).
 *
 * The disk's layout and the addresses it uses: core/include/boot_disk.def.
 * Steps: read the loader's second sector and the header; read the command line; copy the image's
 * bytes to their load address in pieces (INT 13h AH=42h into a bounce buffer, then INT 15h
 * AH=87h, which reaches any address below 16 MiB); clear the image's zero-filled part the same way; build a
 * Multiboot1 information structure holding only the command line (flags bit 2); enter 32-bit
 * protected mode with flat segments, A20 on, paging off, interrupts off, EAX = 2BADB002H,
 * EBX = its address, and jump to the entry point: the machine state the Multiboot specification
 * gives (section "Machine state"), which core/boot/boot.S expects from every loader.
 * On a read or copy failure it writes "diskboot: ..." to port E9H (Bochs's emulator log) and
 * asks Bochs to stop (port 8900H "Shutdown"), so the run ends at once instead of timing out.
 */
#define BOOT_DISK(name, value) .equ BD_##name, value;
#include "boot_disk.def"
#undef BOOT_DISK
#include "multiboot.h"
#define HDR(off)        (BD_HEADER_PA + BD_##off)

        .code16
        .section .text
        .global _start
_start:
        cli
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $0x7c00, %sp
        ljmp    $0, $1f
1:      sti
        cld
        movb    %dl, drive

        /* The loader's second sector, then the header. */
        movw    $1, %cx
        xorl    %eax, %eax
        incl    %eax
        movw    $0x7e00, %bx
        xorw    %dx, %dx
        call    read
        movw    $1, %cx
        movl    $BD_HEADER_LBA, %eax
        movw    $BD_HEADER_PA, %bx
        xorw    %dx, %dx
        call    read
        jmp     second

/* read: CX sectors from LBA EAX to DX:BX (INT 13h AH=42h); changes SI. */
read:   movw    %cx, dap_count
        movw    %bx, dap_off
        movw    %dx, dap_seg
        movl    %eax, dap_lba
        movw    $dap, %si
        movb    $0x42, %ah
        movb    drive, %dl
        int     $0x13
        movw    $msg_read, %si
        jc      fail
        ret

/* fail: the message at SI to port E9H, then Bochs's shutdown port. */
fail:   movw    $0xe9, %dx
        call    puts
        movw    $0x8900, %dx
        movw    $msg_shutdown, %si
        call    puts
9:      hlt
        jmp     9b
puts:   lodsb
        testb   %al, %al
        jz      8f
        outb    %al, %dx
        jmp     puts
8:      ret

msg_magic:      .asciz "diskboot: no vmx-diff header in sector 2\n"
msg_read:       .asciz "diskboot: disk read failed\n"
msg_copy:       .asciz "diskboot: copy above 1 MiB failed\n"
msg_shutdown:   .asciz "Shutdown"
drive:          .byte 0
        .balign 2
piece:          .word 0
        .balign 4
dap:            .byte 0x10, 0
dap_count:      .word 0
dap_off:        .word 0
dap_seg:        .word 0
dap_lba:        .long 0, 0

        .org BD_SECTOR - 2
        .byte 0x55, 0xaa                /* boot signature */

second:
        cmpl    $BD_MAGIC, HDR(H_MAGIC)
        movw    $msg_magic, %si
        jne     fail
        movw    HDR(H_CMD_SECTORS), %cx
        movl    HDR(H_CMD_LBA), %eax
        xorw    %bx, %bx
        movw    $(BD_CMDLINE_PA >> 4), %dx
        call    read

        /* The image's bytes, a piece at a time. */
        movl    HDR(H_LOAD), %edi
        movl    HDR(H_IMAGE_LBA), %ebp
        movl    HDR(H_IMAGE_SECTORS), %esi
2:      testl   %esi, %esi
        jz      3f
        movw    $BD_PIECE_SECTORS, %cx
        cmpl    $BD_PIECE_SECTORS, %esi
        jae     4f
        movw    %si, %cx
4:      movw    %cx, piece
        pushl   %esi
        movl    %ebp, %eax
        xorw    %bx, %bx
        movw    $(BD_BOUNCE_PA >> 4), %dx
        call    read
        movw    piece, %cx
        shlw    $8, %cx                 /* sectors -> words */
        movl    $BD_BOUNCE_PA, %eax
        call    copy
        popl    %esi
        movzwl  piece, %ecx
        addl    %ecx, %ebp
        subl    %ecx, %esi
        shll    $9, %ecx                /* sectors -> bytes */
        addl    %ecx, %edi
        jmp     2b

        /* The zero-filled part (.bss), from a piece of zeros. */
3:      movw    $(BD_ZERO_PA >> 4), %ax
        movw    %ax, %es
        xorw    %di, %di
        movw    $(BD_PIECE_SECTORS * 256), %cx
        xorw    %ax, %ax
        rep stosw
        movw    %ax, %es
        movl    HDR(H_ZERO_PA), %edi
        movl    HDR(H_ZERO_BYTES), %esi
5:      testl   %esi, %esi
        jz      6f
        movl    $(BD_PIECE_SECTORS * 512), %ecx
        cmpl    %ecx, %esi
        jae     7f
        movl    %esi, %ecx
7:      pushl   %ecx
        shrl    $1, %ecx
        movl    $BD_ZERO_PA, %eax
        call    copy
        popl    %ecx
        addl    %ecx, %edi
        subl    %ecx, %esi
        jmp     5b

        /* Multiboot1 information: the command line only. */
6:      movl    $MB1_INFO_CMDLINE, BD_MBI_PA
        movl    $BD_CMDLINE_PA, BD_MBI_PA + MB1_INFO_CMDLINE_OFFSET

        cli
        inb     $0x92, %al              /* A20 on (fast A20 gate), no reset */
        orb     $2, %al
        andb    $0xfe, %al
        outb    %al, $0x92
        lgdt    gdt_ptr
        movl    %cr0, %eax
        orb     $1, %al
        movl    %eax, %cr0
        ljmpl   $0x08, $pm32

        .code32
pm32:   movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movw    %ax, %ss
        movl    HDR(H_ENTRY), %ecx
        movl    $MB1_BOOT_MAGIC, %eax
        movl    $BD_MBI_PA, %ebx
        jmp     *%ecx

        .code16
/* copy: CX words from physical EAX to physical EDI (INT 15h AH=87h); keeps ESI and EDI. */
copy:   movw    %ax, src_desc + 2
        shrl    $16, %eax
        movb    %al, src_desc + 4
        movb    %ah, src_desc + 7
        movl    %edi, %eax
        movw    %ax, dst_desc + 2
        shrl    $16, %eax
        movb    %al, dst_desc + 4
        movb    %ah, dst_desc + 7
        pushl   %esi
        pushl   %edi
        movw    $move_gdt, %si
        movb    $0x87, %ah
        int     $0x15
        popl    %edi
        popl    %esi
        jc      1f
        ret
1:      movw    $msg_copy, %si
        jmp     fail

        .balign 8
/* INT 15h AH=87h descriptor table: dummy, GDT (BIOS), source, destination, BIOS CS, BIOS SS. */
move_gdt:       .quad 0, 0
src_desc:       .word 0xffff, 0
                .byte 0, 0x93, 0, 0
dst_desc:       .word 0xffff, 0
                .byte 0, 0x93, 0, 0
                .quad 0, 0
gdt:            .quad 0
                .quad 0x00cf9a000000ffff        /* 0x08: flat 32-bit code */
                .quad 0x00cf92000000ffff        /* 0x10: flat data */
gdt_ptr:        .word gdt_ptr - gdt - 1
                .long gdt

        .org BD_LOADER_SECTORS * BD_SECTOR
