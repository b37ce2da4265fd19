/* Trace records on the trace channel (core/lib/serial.c); see trace.h for the line format. */
#include <stdarg.h>
#include "lib.h"
#include "trace.h"

static u64 trace_seq;

void trace(const char *type, const char *fmt, ...)
{
	char line[320 + 1]; /* 319 characters of record at most, then the newline */
	const int room = (int)sizeof(line) - 1;
	int n = snprintf(line, (size_t)room, TRACE_SENTINEL " %d %s seq=%lu", TRACE_MAJOR, type,
			 trace_seq++);
	if (n > room - 1)
		n = room - 1;
	if (fmt[0] && n < room - 1) {
		line[n++] = ' ';
		va_list ap;
		va_start(ap, fmt);
		n += vsnprintf(line + n, (size_t)(room - n), fmt, ap); /* the length it wanted */
		va_end(ap);
		if (n > room - 1)
			n = room - 1;
	}
	/* One write per record, length known (no NUL in a record: %c is not used): the disk channel
	 * writes its last sector once per record. */
	line[n++] = '\n';
	serial_write_n(line, (size_t)n);
}
