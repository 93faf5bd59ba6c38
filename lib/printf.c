/* lib/printf.c - kvsnprintf/ksnprintf: a freestanding, bounded printf formatter.
 * Conversions %d %i %u %x %X %o %c %s %p %%, length modifiers hh h l ll z j t, flags - 0 + space #,
 * width and precision (number or '*'). Unknown conversions are copied literally. No libc. */
#include "lib/kernel.h"

#define F_LEFT	0x01	/* '-': pad on the right */
#define F_ZERO	0x02	/* '0': pad numbers with zeros */
#define F_PLUS	0x04	/* '+': always print a sign */
#define F_SPACE	0x08	/* ' ': space where a '+' would go */
#define F_ALT	0x10	/* '#': 0x / 0 prefix */

#define FMT_MAX 0x7fffffff	/* width and precision saturate here */

enum len_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct out {
	char *buf;
	size_t size;
	size_t pos;	/* bytes the full output has so far (may exceed size) */
};

struct spec {
	unsigned int flags;
	int width;	/* 0 = none */
	int prec;	/* -1 = none */
	enum len_mod len;
};

/* Append c, storing it only while there is room for it and the final NUL. */
static void out_char(struct out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

/* Append n copies of c; cost is bounded by the buffer, not by n. */
static void out_repeat(struct out *o, char c, size_t n)
{
	size_t i;

	for (i = 0; i < n && o->pos + 1 < o->size; i++)
		o->buf[o->pos++] = c;
	o->pos += n - i;
}

/* Append the n bytes at s. */
static void out_mem(struct out *o, const char *s, size_t n)
{
	while (n--)
		out_char(o, *s++);
}

/* Length of s, reading at most max bytes. */
static size_t bounded_strlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Parse a decimal number at *p (advancing it), saturating at FMT_MAX. */
static int parse_decimal(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		int d = **p - '0';

		v = (v > (FMT_MAX - d) / 10) ? FMT_MAX : v * 10 + d;
		(*p)++;
	}
	return v;
}

/* Parse flags at *p into sp->flags. */
static void parse_flags(const char **p, struct spec *sp)
{
	for (;; (*p)++) {
		switch (**p) {
		case '-': sp->flags |= F_LEFT; break;
		case '0': sp->flags |= F_ZERO; break;
		case '+': sp->flags |= F_PLUS; break;
		case ' ': sp->flags |= F_SPACE; break;
		case '#': sp->flags |= F_ALT; break;
		default: return;
		}
	}
}

/* Parse the width ('*' takes an int; negative means '-' flag) at *p. */
static void parse_width(const char **p, struct spec *sp, va_list *ap)
{
	if (**p == '*') {
		int w = va_arg(*ap, int);

		(*p)++;
		if (w < 0) {
			sp->flags |= F_LEFT;
			sp->width = (w < -FMT_MAX) ? FMT_MAX : -w;
		} else {
			sp->width = w;
		}
	} else {
		sp->width = parse_decimal(p);
	}
}

/* Parse an optional ".precision" at *p (negative '*' means none). */
static void parse_prec(const char **p, struct spec *sp, va_list *ap)
{
	sp->prec = -1;
	if (**p != '.')
		return;
	(*p)++;
	if (**p == '*') {
		int pr = va_arg(*ap, int);

		(*p)++;
		sp->prec = pr < 0 ? -1 : pr;
	} else {
		sp->prec = parse_decimal(p);
	}
}

/* Parse a length modifier at *p. */
static void parse_len(const char **p, struct spec *sp)
{
	sp->len = LEN_NONE;
	switch (**p) {
	case 'h':
		sp->len = LEN_H;
		if ((*p)[1] == 'h') {
			sp->len = LEN_HH;
			(*p)++;
		}
		break;
	case 'l':
		sp->len = LEN_L;
		if ((*p)[1] == 'l') {
			sp->len = LEN_LL;
			(*p)++;
		}
		break;
	case 'z': sp->len = LEN_Z; break;
	case 'j': sp->len = LEN_J; break;
	case 't': sp->len = LEN_T; break;
	default: return;
	}
	(*p)++;
}

/* Fetch a signed integer argument of the given length and return its magnitude; *neg gets the sign. */
static u64 fetch_signed(enum len_mod len, va_list *ap, bool *neg)
{
	s64 v;

	switch (len) {
	case LEN_HH: v = (signed char)va_arg(*ap, int); break;
	case LEN_H: v = (short)va_arg(*ap, int); break;
	case LEN_L: v = va_arg(*ap, long); break;
	case LEN_LL: v = va_arg(*ap, long long); break;
	case LEN_Z: case LEN_T: v = va_arg(*ap, ptrdiff_t); break;
	case LEN_J: v = va_arg(*ap, intmax_t); break;
	default: v = va_arg(*ap, int); break;
	}
	*neg = v < 0;
	return *neg ? -(u64)v : (u64)v;
}

/* Fetch an unsigned integer argument of the given length. */
static u64 fetch_unsigned(enum len_mod len, va_list *ap)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L: return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z: case LEN_T: return va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, uintmax_t);
	default: return va_arg(*ap, unsigned int);
	}
}

/* Write the digits of v in base (8, 10 or 16) backwards into the end of tmp; returns the count. */
static int to_digits(char *tmp_end, u64 v, unsigned int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	while (v) {
		*--tmp_end = digits[v % base];
		v /= base;
		n++;
	}
	return n;
}

/* Emit an integer: sign/prefix, precision zeros, digits, padded to the field width. */
static void fmt_int(struct out *o, const struct spec *sp, u64 mag, bool neg, unsigned int base,
		    bool upper, bool is_signed)
{
	char tmp[24], sign = 0;
	const char *prefix = "";
	int nd = to_digits(tmp + sizeof(tmp), mag, base, upper);
	size_t zeros, body, pad;

	if (is_signed)
		sign = neg ? '-' : (sp->flags & F_PLUS) ? '+' : (sp->flags & F_SPACE) ? ' ' : 0;
	if ((sp->flags & F_ALT) && base == 16 && mag)
		prefix = upper ? "0X" : "0x";
	zeros = (sp->prec > nd) ? (size_t)(sp->prec - nd) : 0;
	if (sp->prec < 0 && nd == 0)
		zeros = 1;	/* plain 0 prints as "0"; an explicit zero precision prints nothing */
	if ((sp->flags & F_ALT) && base == 8 && zeros == 0)
		zeros = 1;	/* '#' octal: leading digit must be 0 */
	body = (sign ? 1 : 0) + bounded_strlen(prefix, 2) + zeros + (size_t)nd;
	pad = ((size_t)sp->width > body) ? (size_t)sp->width - body : 0;
	if ((sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	out_mem(o, prefix, bounded_strlen(prefix, 2));
	out_repeat(o, '0', zeros);
	out_mem(o, tmp + sizeof(tmp) - nd, (size_t)nd);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

/* Emit the n bytes at s padded with spaces to the field width. */
static void fmt_padded(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	size_t pad = ((size_t)sp->width > n) ? (size_t)sp->width - n : 0;

	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	out_mem(o, s, n);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

/* Emit a %s argument: NULL prints "(null)"; precision bounds how much of s is read. */
static void fmt_str(struct out *o, const struct spec *sp, const char *s)
{
	size_t max = sp->prec < 0 ? (size_t)-1 : (size_t)sp->prec;

	if (!s)
		s = "(null)";
	fmt_padded(o, sp, s, bounded_strlen(s, max));
}

/* Emit a %p argument as 0x followed by 16 lowercase hex digits. */
static void fmt_ptr(struct out *o, const struct spec *sp, const void *p)
{
	char tmp[18];
	u64 v = (u64)(uintptr_t)p;
	int i;

	tmp[0] = '0';
	tmp[1] = 'x';
	for (i = 17; i >= 2; i--, v >>= 4)
		tmp[i] = "0123456789abcdef"[v & 15];
	fmt_padded(o, sp, tmp, sizeof(tmp));
}

/* Handle one conversion whose spec starts after '%' at *p; unknown ones are copied literally. */
static void fmt_one(struct out *o, const char **p, va_list *ap)
{
	const char *start = *p - 1;	/* the '%' */
	struct spec sp = { 0, 0, -1, LEN_NONE };
	bool neg = false;
	char c;

	parse_flags(p, &sp);
	parse_width(p, &sp, ap);
	parse_prec(p, &sp, ap);
	parse_len(p, &sp);
	c = **p;
	if (c)
		(*p)++;
	switch (c) {
	case 'd': case 'i': {
		u64 mag = fetch_signed(sp.len, ap, &neg);

		fmt_int(o, &sp, mag, neg, 10, false, true);
		break;
	}
	case 'u': fmt_int(o, &sp, fetch_unsigned(sp.len, ap), false, 10, false, false); break;
	case 'x': fmt_int(o, &sp, fetch_unsigned(sp.len, ap), false, 16, false, false); break;
	case 'X': fmt_int(o, &sp, fetch_unsigned(sp.len, ap), false, 16, true, false); break;
	case 'o': fmt_int(o, &sp, fetch_unsigned(sp.len, ap), false, 8, false, false); break;
	case 'c': {
		char ch = (char)va_arg(*ap, int);

		fmt_padded(o, &sp, &ch, 1);
		break;
	}
	case 's': fmt_str(o, &sp, va_arg(*ap, const char *)); break;
	case 'p': fmt_ptr(o, &sp, va_arg(*ap, const void *)); break;
	case '%': out_char(o, '%'); break;
	default: out_mem(o, start, (size_t)(*p - start)); break;
	}
}

/* Format into buf (NUL-terminated when size > 0); returns the full length, saturated at INT_MAX. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	const char *p = fmt;
	va_list args;

	va_copy(args, ap);
	while (*p) {
		if (*p != '%') {
			out_char(&o, *p++);
			continue;
		}
		p++;
		fmt_one(&o, &p, &args);
	}
	va_end(args);
	if (size > 0)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	return o.pos > FMT_MAX ? FMT_MAX : (int)o.pos;
}

/* As kvsnprintf, with variadic arguments. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
