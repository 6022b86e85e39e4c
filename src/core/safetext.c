/*
 * safetext: one classification of characters for every terminal output.
 * See include/safetext.h.
 *
 * ASCII is classified by byte. In a UTF-8 locale a byte above 0x7f starts
 * a multi-byte character that mbrtowc() decodes with a fresh state (UTF-8
 * carries no state between characters); C1 controls are refused by code
 * point before the locale is asked whether the rest is white space or
 * printable (wcwidth() < 0: not printable). So are the bidirectional
 * controls that reorder what follows them (embeddings, overrides,
 * isolates, the Arabic letter mark): the locale calls them printable, but a
 * name holding one can show as another name ("Trojan Source").
 */
#include "config.h"

#include "safetext.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

bool
safetext_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* U+061C, U+202A..U+202E, U+2066..U+2069: they change the order text is shown in. */
static bool
bidi_control(wchar_t wc)
{
	return wc == 0x061c || (wc >= 0x202a && wc <= 0x202e) || (wc >= 0x2066 && wc <= 0x2069);
}

void
safetext_next(const char *p, size_t avail, bool utf8, struct safetext_char *c)
{
	unsigned char b = (unsigned char)*p;
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w;

	c->len = 1;
	c->width = 1;
	if (b < 0x80 || !utf8) {
		if (b == '\n')
			c->kind = SAFETEXT_NEWLINE;
		else if (b == '\t')
			c->kind = SAFETEXT_TAB;
		else if (b == ' ' || b == '\r' || b == '\v' || b == '\f')
			c->kind = SAFETEXT_SPACE;
		else if (b < 0x20 || b >= 0x7f)
			c->kind = SAFETEXT_REPLACED;
		else
			c->kind = SAFETEXT_PRINT;
		return;
	}
	memset(&st, 0, sizeof st);
	n = mbrtowc(&wc, p, avail, &st);
	if (n == (size_t)-2) {
		c->kind = SAFETEXT_PARTIAL;
		c->len = avail;
		return;
	}
	if (n == (size_t)-1 || n == 0) {
		c->kind = SAFETEXT_REPLACED;
		return;
	}
	c->len = n;
	if ((wc >= 0x80 && wc <= 0x9f) || bidi_control(wc)) {
		c->kind = SAFETEXT_REPLACED;
	} else if (iswspace((wint_t)wc)) {
		c->kind = SAFETEXT_SPACE;
	} else {
		w = wcwidth(wc);
		c->kind = w < 0 ? SAFETEXT_REPLACED : SAFETEXT_PRINT;
		c->width = w < 0 ? 1 : w;
	}
}

size_t
safetext_add(struct strbuf *sb, const char *in, size_t len, unsigned flags)
{
	bool utf8 = (flags & SAFETEXT_UTF8) != 0;
	size_t i = 0;

	while (i < len) {
		struct safetext_char c;
		size_t run = i;

		/* printable ASCII, the common case, in one copy */
		while (run < len && in[run] >= 0x20 && in[run] < 0x7f)
			run++;
		if (run > i) {
			strbuf_add(sb, in + i, run - i);
			i = run;
			continue;
		}
		safetext_next(in + i, len - i, utf8, &c);
		switch (c.kind) {
		case SAFETEXT_PRINT:
			strbuf_add(sb, in + i, c.len);
			break;
		case SAFETEXT_NEWLINE:
		case SAFETEXT_TAB:
			strbuf_addc(sb, (flags & SAFETEXT_LINES) ? in[i] : ' ');
			break;
		case SAFETEXT_SPACE:
			strbuf_addc(sb, ' ');
			break;
		case SAFETEXT_PARTIAL:
			if (flags & SAFETEXT_STREAM)
				return i;
			strbuf_addc(sb, SAFETEXT_REPLACEMENT);
			break;
		case SAFETEXT_REPLACED:
			strbuf_addc(sb, SAFETEXT_REPLACEMENT);
			break;
		}
		i += c.len;
	}
	return i;
}

char *
safetext_dup(const char *s, unsigned flags)
{
	struct strbuf sb = STRBUF_INIT;

	if (s == NULL)
		s = "";
	safetext_add(&sb, s, strlen(s), flags);
	return strbuf_detach(&sb);
}
