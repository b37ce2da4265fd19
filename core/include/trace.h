/*
 * Serial trace records.  Every record is one line:
 *     @VT <major> <TYPE> seq=<n> key=value ...
 * seq rises by one per record over the whole boot, so lost lines show.
 * The format is documented in README.md ("Trace format").
 */
#ifndef VMXDIFF_TRACE_H
#define VMXDIFF_TRACE_H

#include "types.h"

#define TRACE_MAJOR 2
#define TRACE_SENTINEL "@VT"

/* Emit one record; fmt formats the key=value part (may be ""). */
void trace(const char *type, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
