/* Trace records on the trace channel (core/lib/serial.c); see trace.h for the line format. */
#include <stdarg.h>
#include "lib.h"
#include "trace.h"
#include "smp.h"

static u64 trace_seq;

#define LINE_ROOM 400 /* a record is 399 characters at most, then the newline */
#define BODY_ROOM 320 /* its key=value part 319 at most (an AP's buffered record as well) */

/* "@VT <major> <TYPE> seq=<n>" into line; its length. */
static int trace_head(char *line, const char *type)
{
	int n = snprintf(line, LINE_ROOM, TRACE_SENTINEL " %d %s seq=%lu", TRACE_MAJOR, type, trace_seq++);
	return n > LINE_ROOM - 1 ? LINE_ROOM - 1 : n;
}

/* One write per record, its length known (no NUL in a record: %c is not used): the disk channel
 * writes its last sector once per record. */
static void trace_send(char *line, int n)
{
	line[n++] = '\n';
	serial_write_n(line, (size_t)n);
}

void trace_emit(const char *type, const char *body)
{
	char line[LINE_ROOM + 1];
	int n = trace_head(line, type);
	if (body[0] && n < LINE_ROOM - 1) {
		n += snprintf(line + n, (size_t)(LINE_ROOM - n), " %s", body);
		if (n > LINE_ROOM - 1)
			n = LINE_ROOM - 1;
	}
	trace_send(line, n);
}

void trace(const char *type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	u32 cpu = smp_this_cpu();
	if (cpu) { /* an AP: its buffer, printed by the BSP with cpu=N (core/smp.c) */
		char body[BODY_ROOM];
		vsnprintf(body, sizeof(body), fmt, ap);
		va_end(ap);
		smp_trace_buffer(cpu, type, body);
		return;
	}
	/* The BSP formats straight into the line: the same bytes as trace_emit(type, body). */
	char line[LINE_ROOM + 1];
	int n = trace_head(line, type);
	if (n < LINE_ROOM - 1) {
		int room = LINE_ROOM - (n + 1);
		if (room > BODY_ROOM)
			room = BODY_ROOM;
		int want = vsnprintf(line + n + 1, (size_t)room, fmt, ap);
		if (want > 0) { /* an empty body gets no separating space */
			line[n] = ' ';
			n += 1 + (want < room - 1 ? want : room - 1);
		}
	}
	va_end(ap);
	trace_send(line, n);
}
