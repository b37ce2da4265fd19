/*
 * A small vsnprintf: %s %c %d %i %u %x %p with l/ll/z modifiers, '#' for a
 * 0x prefix, and a zero-pad width.  Enough for trace records.
 */
#include "lib.h"

struct out {
	char *buf;
	size_t size, len;
};

static inline __attribute__((always_inline)) void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static inline __attribute__((always_inline)) void put_u64(struct out *o, u64 v, unsigned base, int width, bool zero)
{
	char tmp[24];
	int n = 0;
	/* Only bases 16 and 10: shifts, and a division by a constant (a multiply), instead of a
	 * 64-bit DIV per digit -- every trace record is formatted here (README "Trace channels"). */
	if (base == 16) {
		do {
			tmp[n++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
	} else {
		do {
			tmp[n++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
	}
	for (; width > n; width--)
		put(o, zero ? '0' : ' ');
	while (n)
		put(o, tmp[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		bool alt = false, zero = false;
		int width = 0, longs = 0;
		if (*fmt == '#') {
			alt = true;
			fmt++;
		}
		if (*fmt == '0') {
			zero = true;
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			longs++;
			fmt++;
		}
		u64 u;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				put(&o, *s);
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd':
		case 'i': {
			s64 v = longs ? va_arg(ap, s64) : va_arg(ap, int);
			if (v < 0) {
				put(&o, '-');
				v = -v;
			}
			put_u64(&o, (u64)v, 10, width, zero);
			break;
		}
		case 'u':
			u = longs ? va_arg(ap, u64) : va_arg(ap, unsigned);
			put_u64(&o, u, 10, width, zero);
			break;
		case 'p':
			alt = true;
			longs = 1;
			/* fall through */
		case 'x':
			u = longs ? va_arg(ap, u64) : va_arg(ap, unsigned);
			if (alt) {
				put(&o, '0');
				put(&o, 'x');
			}
			put_u64(&o, u, 16, width, zero);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void printk(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	serial_write(line);
}
