/*
 * Multiboot facts (Multiboot specification 0.6.96 and Multiboot2 specification 2.0): the header
 * magics the image carries (core/boot/boot.S), the magics a loader hands over in EAX, and the
 * information fields the image reads (the command line only; core/main.c).  Plain #defines:
 * included by C and by assembly (core/boot/diskboot.S is a Multiboot1 loader).
 */
#ifndef MULTIBOOT_H
#define MULTIBOOT_H

#define MB2_HEADER_MAGIC  0xe85250d6
#define MB1_HEADER_MAGIC  0x1badb002
#define MB1_BOOT_MAGIC    0x2badb002    /* EAX from a Multiboot1 loader ("Machine state") */
#define MB2_BOOT_MAGIC    0x36d76289    /* EAX from a Multiboot2 loader */
#define MB1_INFO_CMDLINE  (1 << 2)      /* flags bit 2: cmdline (offset 16) is valid */
#define MB1_INFO_CMDLINE_OFFSET 16
#define MB2_TAG_CMDLINE   1

#endif
