/*
 * tui_text: measuring, cleaning and cutting text for the screen.
 * See include/tui_text.h.
 *
 * The scan takes one character at a time as safetext classifies it (the
 * rules every terminal output shares: mbrtowc in a UTF-8 locale, one byte
 * otherwise), maps it to what is shown (itself, a space for white space,
 * '?' for control characters and what cannot be shown), and appends it
 * while it fits. When the rest does not fit, the output is cut
 * back so that the ellipsis fits too.
 */
#include "config.h"

#include "tui_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "safetext.h"

/* One decoded character: its bytes (or replacement), width and kind. */
struct piece {
	const char *bytes;
	size_t len;	/* bytes consumed from the input */
	size_t out_len; /* bytes to write */
	int width;
	bool space;
};

static void
next_piece(const char *p, const struct tui_text_opts *o, struct piece *pc)
{
	struct safetext_char c;

	safetext_next(p, SAFETEXT_MAX_CHAR, o->utf8, &c);
	pc->bytes = p;
	pc->len = c.kind == SAFETEXT_PARTIAL ? 1 : c.len;
	pc->out_len = pc->len;
	pc->width = c.width;
	pc->space = false;
	switch (c.kind) {
	case SAFETEXT_PRINT:
		break;
	case SAFETEXT_SPACE:
	case SAFETEXT_NEWLINE:
	case SAFETEXT_TAB:
		pc->bytes = " ";
		pc->out_len = 1;
		pc->width = 1;
		pc->space = true;
		break;
	case SAFETEXT_REPLACED:
	case SAFETEXT_PARTIAL:
		pc->bytes = "?";
		pc->out_len = 1;
		pc->width = 1;
		break;
	}
}

int
tui_text_fit(const char *in, int width, const struct tui_text_opts *o, char *out, size_t size)
{
	return tui_text_fit_rest(in, width, o, out, size, NULL);
}

int
tui_text_fit_rest(const char *in, int width, const struct tui_text_opts *o, char *out, size_t size,
		  const char **rest)
{
	size_t len = 0;
	int used = 0;
	/* where the output stood when it last had room for the ellipsis */
	size_t safe_len = 0;
	int safe_used = 0;
	bool last_space = false, cut = false;
	int ell_w = o->ellipsis != NULL ? o->ellipsis_width : 0;
	const char *p = in, *safe_p = in;

	if (rest != NULL)
		*rest = in;
	if (size == 0)
		return 0;
	out[0] = '\0';
	if (width <= 0 || in == NULL)
		return 0;
	if (o->collapse) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
	}
	while (*p != '\0') {
		struct piece pc;
		const char *at = p;

		next_piece(p, o, &pc);
		p += pc.len;
		if (o->collapse && pc.space) {
			if (last_space)
				continue;
			last_space = true;
		} else {
			last_space = false;
		}
		if (used + pc.width > width || len + pc.out_len + 1 > size) {
			cut = true;
			p = at;
			break;
		}
		memcpy(out + len, pc.bytes, pc.out_len);
		len += pc.out_len;
		used += pc.width;
		if (used + ell_w <= width && len + (o->ellipsis ? strlen(o->ellipsis) : 0) < size) {
			safe_len = len;
			safe_used = used;
			safe_p = p;
		}
	}
	if (rest != NULL)
		*rest = cut && o->ellipsis != NULL ? safe_p : p;
	if (o->collapse && !cut) {
		/* drop a trailing collapsed space */
		while (len > 0 && out[len - 1] == ' ') {
			len--;
			used--;
		}
	}
	if (cut && o->ellipsis != NULL && ell_w <= width) {
		len = safe_len;
		used = safe_used;
		memcpy(out + len, o->ellipsis, strlen(o->ellipsis));
		len += strlen(o->ellipsis);
		used += ell_w;
	}
	out[len] = '\0';
	return used;
}

int
tui_text_width(const char *in, const struct tui_text_opts *o)
{
	const char *p = in;
	bool last_space = false;
	int used = 0;

	if (in == NULL)
		return 0;
	while (*p != '\0') {
		struct piece pc;

		next_piece(p, o, &pc);
		p += pc.len;
		if (o->collapse && pc.space) {
			if (last_space)
				continue;
			last_space = true;
		} else {
			last_space = false;
		}
		used += pc.width;
	}
	return used;
}

bool
tui_text_contains(const char *haystack, const char *needle)
{
	size_t n = strlen(needle), i;
	const char *h;

	if (n == 0)
		return true;
	for (h = haystack; *h != '\0'; h++) {
		for (i = 0; i < n && h[i] != '\0'; i++) {
			if (tolower((unsigned char)h[i]) != tolower((unsigned char)needle[i]))
				break;
		}
		if (i == n)
			return true;
		if (h[i] == '\0' && i < n)
			return false;
	}
	return false;
}
