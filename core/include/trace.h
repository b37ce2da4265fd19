/*
 * Serial trace records.  Every record is one line:
 *     @VT <major> <TYPE> seq=<n> key=value ...
 * seq rises by one per record over the whole boot, so lost lines show.
 * Records of CPU N != 0 (core/smp.c) have "cpu=N" right after seq.
 * The format is documented in README.md ("Trace format").
 */
#ifndef VMXDIFF_TRACE_H
#define VMXDIFF_TRACE_H

#include "types.h"

#define TRACE_MAJOR 2
#define TRACE_SENTINEL "@VT"

/* Emit one record; fmt formats the key=value part (may be "").  On an AP the record
 * goes to that CPU's buffer and gets "cpu=N" after seq when the BSP prints it (smp.h). */
void trace(const char *type, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One record with this body, now, on the BSP's channel (the next seq). */
void trace_emit(const char *type, const char *body);
/* The binary stream's header (trace_bin.def): written once by serial_to_disk(). */
void trace_binary_header(void);

#endif
