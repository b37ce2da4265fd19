/* Trace records on COM1; see trace.h for the line format. */
#include <stdarg.h>
#include "lib.h"
#include "trace.h"
#include "smp.h"

static u64 trace_seq;

void trace_emit(const char *type, const char *body)
{
	char line[400];
	int n = snprintf(line, sizeof(line), TRACE_SENTINEL " %d %s seq=%lu", TRACE_MAJOR, type, trace_seq++);
	if (body[0] && n < (int)sizeof(line) - 1)
		snprintf(line + n, sizeof(line) - (size_t)n, " %s", body);
	serial_write(line);
	serial_write("\n");
}

void trace(const char *type, const char *fmt, ...)
{
	char body[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	u32 cpu = smp_this_cpu();
	if (cpu) /* an AP: its buffer, printed by the BSP with cpu=N (core/smp.c) */
		smp_trace_buffer(cpu, type, body);
	else
		trace_emit(type, body);
}
