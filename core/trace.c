/* Trace records on COM1; see trace.h for the line format. */
#include <stdarg.h>
#include "lib.h"
#include "trace.h"

static u64 trace_seq;

void trace(const char *type, const char *fmt, ...)
{
	char line[320];
	int n = snprintf(line, sizeof(line), TRACE_SENTINEL " %d %s seq=%lu", TRACE_MAJOR, type,
			 trace_seq++);
	if (fmt[0] && n < (int)sizeof(line) - 1) {
		line[n++] = ' ';
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	serial_write(line);
	serial_write("\n");
}
