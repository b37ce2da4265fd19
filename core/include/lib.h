/* Serial console, formatting, string helpers and run termination. */
#ifndef VMXDIFF_LIB_H
#define VMXDIFF_LIB_H

#include <stdarg.h>
#include "types.h"

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s);
/* n bytes of s (no NUL among them): one write of the trace channel. */
void serial_write_n(const char *s, size_t n);
void serial_drain(void);
/* Send the trace to the memory channel (trace_mem.def) instead of COM1. */
void serial_to_memory(void);
/* Send the trace to the ATA disk of trace_disk.def; false if none answers.  The disk carries
 * binary records (trace_bin.def): serial_write() bytes become TAG_BYTES records there. */
bool serial_to_disk(void);
/* Does the channel carry binary records (trace_bin.def)?  Then trace.c writes whole records
 * with serial_write_record(). */
bool serial_binary(void);
void serial_write_record(const void *rec, size_t n);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
u64 strtou64(const char *s, const char **end);
bool glob_match(const char *pattern, const char *str, size_t len);

/* Write to port 0xe9 (emulator log marker). */
void debugcon_write(const char *s);
/* The same marker as one 32-bit OUT of a scenario's catalog index (marker.def, marker=id). */
void debugcon_mark(u32 index);

/* End the run: drain the UART, then ask the platform to stop. */
void NORETURN platform_exit(int code);

#endif
