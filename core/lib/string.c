/* The few libc string functions the image uses (gcc may emit memset/memcpy). */
#include "lib.h"

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b) { return strncmp(a, b, (size_t)-1); }

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

/* REP STOSB / REP MOVSB: one instruction instead of a loop of three per byte (every scenario
 * zeroes its 4 KiB VMCS region and its vcpu; README "Trace channels", "Where the time goes"). */
void *memset(void *d, int c, size_t n)
{
	void *p = d;
	size_t q = n / 8, r = n % 8;
	u64 v = (u8)c * 0x0101010101010101ULL;
	asm volatile("cld; rep stosq; mov %[r], %%rcx; rep stosb"
		     : "+D"(p), "+c"(q)
		     : "a"(v), [r] "r"(r)
		     : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *p = d;
	asm volatile("cld; rep movsb" : "+D"(p), "+S"(s), "+c"(n) : : "memory");
	return d;
}

/* Decimal or 0x-prefixed hexadecimal; *end points past the digits. */
u64 strtou64(const char *s, const char **end)
{
	u64 v = 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		v = v * base + d;
	}
	if (end)
		*end = s;
	return v;
}

/* Shell-style match of str[0..len) against pattern ('*' and '?' only). */
bool glob_match(const char *pattern, const char *str, size_t len)
{
	if (!*pattern)
		return len == 0;
	if (*pattern == '*') {
		for (size_t i = 0; i <= len; i++)
			if (glob_match(pattern + 1, str + i, len - i))
				return true;
		return false;
	}
	if (!len)
		return false;
	if (*pattern != '?' && *pattern != *str)
		return false;
	return glob_match(pattern + 1, str + 1, len - 1);
}
