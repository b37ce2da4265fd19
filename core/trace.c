/* Trace records on the trace channel (core/lib/serial.c); see trace.h for the line format. */
#include <stdarg.h>
#include "lib.h"
#include "trace.h"
#include "smp.h"

enum {
#define TRACE_BIN(name, value) TB_##name = (u64)(value),
#include "trace_bin.def"
#undef TRACE_BIN
};

static u64 trace_seq;

#define LINE_ROOM TB_LINE_ROOM /* a record is 399 characters at most, then the newline */
#define BODY_ROOM TB_BODY_ROOM /* its key=value part 319 at most (an AP's buffered record as well) */

/* The record head; the binary stream's header names this string, so the decoder formats the head
 * with the image's own format (trace_bin.def). */
static const char head_fmt[] = TRACE_SENTINEL " %d %s seq=%lu";
static const char build_id[] = BUILD_ID;

/* "@VT <major> <TYPE> seq=<n>" into line; its length. */
static int trace_head(char *line, const char *type)
{
	int n = snprintf(line, LINE_ROOM, head_fmt, TRACE_MAJOR, type, trace_seq++);
	return n > LINE_ROOM - 1 ? LINE_ROOM - 1 : n;
}

/* One write per record, its length known (no NUL in a record: %c is not used): the disk channel
 * writes its last sector once per record. */
static void trace_send(char *line, int n)
{
	line[n++] = '\n';
	serial_write_n(line, (size_t)n);
}

/* ---- binary records (trace_bin.def): the arguments, not the text ---- */

extern const char __rodata_start[], __rodata_end[];

struct tb {
	u8 *p, *end;
	bool over; /* the payload did not fit */
};

static inline __attribute__((always_inline)) void tb_byte(struct tb *b, u8 c)
{
	if (b->p < b->end)
		*b->p++ = c;
	else
		b->over = true;
}

static inline __attribute__((always_inline)) void tb_varint(struct tb *b, u64 v)
{
	while (v >= 0x80) {
		tb_byte(b, (u8)(v | 0x80));
		v >>= 7;
	}
	tb_byte(b, (u8)v);
}

/* A string: its address where it is the image's read-only data, else its bytes (at most max:
 * a record shows no more of it). */
static void tb_str(struct tb *b, const char *s, size_t max)
{
	if (!s)
		s = "(null)"; /* as core/lib/fmt.c prints it */
	if (s >= __rodata_start && s < __rodata_end) {
		tb_varint(b, (u64)s << 1);
		return;
	}
	size_t n = 0;
	while (n < max && s[n])
		n++;
	tb_varint(b, (u64)n << 1 | TB_STR_INLINE);
	if ((size_t)(b->end - b->p) < n) {
		b->over = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		b->p[i] = (u8)s[i];
	b->p += n;
}

/* buf has 3 bytes of room before the payload [buf + 3, b->p): tag and length go there. */
static void tb_send(u8 *buf, const struct tb *b, u8 tag)
{
	size_t len = (size_t)(b->p - (buf + 3)); /* < RECORD_MAX < 2^14: two length bytes at most */
	u8 *start;
	if (len < 0x80) {
		start = buf + 1;
		start[1] = (u8)len;
	} else {
		start = buf;
		start[1] = (u8)(len | 0x80);
		start[2] = (u8)(len >> 7);
	}
	start[0] = tag;
	serial_write_record(start, (size_t)(b->p - start));
}

static void tb_body_record(const char *type, const char *body)
{
	u8 buf[3 + TB_RECORD_MAX];
	struct tb b = { buf + 3, buf + sizeof(buf), false };
	tb_varint(&b, trace_seq++);
	tb_str(&b, type, LINE_ROOM);
	tb_str(&b, body, LINE_ROOM);
	tb_send(buf, &b, TB_TAG_BODY); /* cannot overflow: 2 strings of LINE_ROOM at most */
}

/*
 * The conversions of a format, in order, as core/lib/fmt.c walks it: 's' string, 'c' character,
 * 'd' int, 'D' s64, 'u' unsigned (%u %x), 'U' u64 (%lu %lx %zu %p); '%%' and unknown conversions
 * take no argument.  Kept per format (a direct-mapped cache by address: the formats are string
 * literals), so a record costs a walk of its arguments, not of its ~160 format characters.  Only
 * the BSP writes binary records, and no handler that returns traces, so nothing races here.
 */
#define FMT_CACHE 64
#define FMT_CONVS 24
static struct fmt_convs {
	const char *fmt;
	u8 n; /* FMT_CONVS + 1: more than FMT_CONVS conversions (walked each time instead) */
	char conv[FMT_CONVS];
} fmt_cache[FMT_CACHE];

static void fmt_compile(const char *fmt, struct fmt_convs *c)
{
	c->fmt = NULL;
	u8 n = 0;
	for (const char *f = fmt; *f; f++) {
		if (*f != '%')
			continue;
		f++;
		if (*f == '#')
			f++;
		if (*f == '0')
			f++;
		while (*f >= '0' && *f <= '9')
			f++;
		int longs = 0;
		while (*f == 'l' || *f == 'z') {
			longs++;
			f++;
		}
		char k = 0;
		switch (*f) {
		case 's':
		case 'c':
			k = *f;
			break;
		case 'd':
		case 'i':
			k = longs ? 'D' : 'd';
			break;
		case 'u':
		case 'x':
			k = longs ? 'U' : 'u';
			break;
		case 'p':
			k = 'U';
			break;
		case '\0':
			f--; /* a lone '%' at the end */
			break;
		default: /* '%%' and unknown conversions take no argument */
			break;
		}
		if (!k)
			continue;
		if (n == FMT_CONVS) {
			n++;
			break;
		}
		c->conv[n++] = k;
	}
	c->n = n;
	c->fmt = fmt;
}

/* One TAG_FMT record: the type, the format and the arguments.  false (nothing written, seq
 * unchanged) if they do not fit in RECORD_MAX or the format has too many conversions. */
static bool tb_fmt_record(const char *type, const char *fmt, va_list ap)
{
	struct fmt_convs *c = &fmt_cache[((u64)fmt >> 3) % FMT_CACHE];
	if (c->fmt != fmt)
		fmt_compile(fmt, c);
	if (c->n > FMT_CONVS)
		return false;
	u8 buf[3 + TB_RECORD_MAX];
	struct tb b = { buf + 3, buf + sizeof(buf), false };
	tb_varint(&b, trace_seq);
	tb_str(&b, type, LINE_ROOM);
	tb_str(&b, fmt, LINE_ROOM);
	for (u8 i = 0; i < c->n; i++) {
		switch (c->conv[i]) {
		case 's':
			tb_str(&b, va_arg(ap, const char *), BODY_ROOM);
			break;
		case 'c':
			tb_byte(&b, (u8)va_arg(ap, int));
			break;
		case 'd': {
			s64 v = va_arg(ap, int);
			tb_varint(&b, (u64)v << 1 ^ (u64)(v >> 63));
			break;
		}
		case 'D': {
			s64 v = va_arg(ap, s64);
			tb_varint(&b, (u64)v << 1 ^ (u64)(v >> 63));
			break;
		}
		case 'u':
			tb_varint(&b, va_arg(ap, unsigned));
			break;
		default: /* 'U' */
			tb_varint(&b, va_arg(ap, u64));
			break;
		}
	}
	if (b.over)
		return false;
	trace_seq++;
	tb_send(buf, &b, TB_TAG_FMT);
	return true;
}

/* The binary stream's header (trace_bin.def), once, when the channel starts. */
void trace_binary_header(void)
{
	u8 buf[3 + 64];
	struct tb b = { buf + 3, buf + sizeof(buf), false };
	for (int i = 0; i < 8; i++)
		tb_byte(&b, (u8)((u64)TB_MAGIC >> (8 * i)));
	/* the build id inline, then by reference; the head format; the major version */
	size_t n = sizeof(build_id) - 1;
	tb_varint(&b, (u64)n << 1 | TB_STR_INLINE);
	for (size_t i = 0; i < n; i++)
		tb_byte(&b, (u8)build_id[i]);
	tb_str(&b, build_id, 0);
	tb_str(&b, head_fmt, 0);
	tb_varint(&b, TRACE_MAJOR);
	serial_write_record(buf + 3, (size_t)(b.p - (buf + 3)));
}

void trace_emit(const char *type, const char *body)
{
	if (serial_binary()) {
		tb_body_record(type, body);
		return;
	}
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
	if (serial_binary()) {
		va_list aq;
		va_copy(aq, ap);
		bool sent = tb_fmt_record(type, fmt, aq);
		va_end(aq);
		if (!sent) { /* arguments too long for one record: the text, as TAG_BODY */
			char body[BODY_ROOM];
			vsnprintf(body, sizeof(body), fmt, ap);
			tb_body_record(type, body);
		}
		va_end(ap);
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
