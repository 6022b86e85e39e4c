/*
 * conninfo: checks and redaction of libpq connection strings.
 * See include/conninfo.h.
 *
 * A string libpq accepts is shown from libpq's own parse, its password
 * replaced. A string it refuses cannot be parsed by libpq, yet libpq's
 * message about it quotes the string, or the token it stumbled on, which
 * may be the password; so the password is found here by reading the text
 * the way libpq does, generously:
 *
 *   URI      postgresql://user:PASSWORD@host/db?password=PASSWORD
 *            the user information ends at the last '@' (a password may
 *            hold a raw '@' or '/'; libpq stops at the first, so each
 *            piece between them is a secret too); query values whose key
 *            is "password"
 *   keywords password=PASSWORD, password='PASS WORD'; an unquoted value
 *            takes the words after it that are not key=value (libpq
 *            stumbles on them); dbname=URI-or-keywords is read in turn
 *
 * Each password text found (as written, and decoded) is a secret. In a
 * message, the whole string becomes its masked form; then, since libpq
 * quotes whatever it echoes of its input ("..."), each quoted part loses
 * every secret of four bytes or more it holds, and becomes "********" when
 * it is a shorter secret as a whole. Outside quotes the message is
 * libpq's own text: a secret found there ("unterminated", "password") is
 * more likely one of its words.
 */
#include "config.h"

#include "conninfo.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "strvec.h"

#define MASK "********"

/* ------------------------------------------------------------------------
 * Finding passwords in text
 * ------------------------------------------------------------------------ */

/* One part of the string to replace: [start, end) becomes `with`. */
struct span {
	size_t start, end;
	char *with;
};

struct found {
	struct span *spans;
	size_t n_spans;
	char **secrets; /* strvec, each once */
	size_t n_secrets;
};

/* [p, p + n), which holds no NUL, as a secret unless it is empty. */
static void
add_secret(struct found *f, const char *p, size_t n)
{
	char *s;

	if (n == 0)
		return;
	s = xstrndup(p, n);
	strvec_add_unique(&f->secrets, &f->n_secrets, s);
	free(s);
}

static void
add_span(struct found *f, size_t start, size_t end, char *with)
{
	f->spans = xreallocarray(f->spans, f->n_spans + 1, sizeof *f->spans);
	f->spans[f->n_spans].start = start;
	f->spans[f->n_spans].end = end;
	f->spans[f->n_spans].with = with;
	f->n_spans++;
}

static void
found_free(struct found *f)
{
	size_t i;

	for (i = 0; i < f->n_spans; i++)
		free(f->spans[i].with);
	free(f->spans);
	strvec_free(&f->secrets, &f->n_secrets);
}

static bool
is_uri(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

static int
hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A percent-encoded token as a secret, as written and decoded. */
static void
add_uri_secret(struct found *f, const char *p, size_t n)
{
	struct strbuf d = STRBUF_INIT;
	size_t i;

	add_secret(f, p, n);
	for (i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n && hex(p[i + 1]) >= 0 && hex(p[i + 2]) >= 0) {
			strbuf_addc(&d, (char)(hex(p[i + 1]) * 16 + hex(p[i + 2])));
			i += 2;
		} else {
			strbuf_addc(&d, p[i]);
		}
	}
	if (d.len > 0 && memchr(d.data, '\0', d.len) == NULL)
		add_secret(f, d.data, d.len);
	strbuf_free(&d);
}

/* Is [p, p + n) the key "password", percent-decoded? */
static bool
uri_key_is_password(const char *p, size_t n)
{
	char key[16];
	size_t i, k = 0;

	for (i = 0; i < n && k < sizeof key - 1; i++) {
		if (p[i] == '%' && i + 2 < n && hex(p[i + 1]) >= 0 && hex(p[i + 2]) >= 0) {
			key[k++] = (char)(hex(p[i + 1]) * 16 + hex(p[i + 2]));
			i += 2;
		} else {
			key[k++] = p[i];
		}
	}
	key[k] = '\0';
	return i == n && strcmp(key, "password") == 0;
}

/* The first of '@' and '/' in [p, end), or NULL. */
static const char *
piece_end(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '@' || *p == '/')
			return p;
	}
	return NULL;
}

static void
find_in_uri(const char *s, size_t base, struct found *f)
{
	const char *auth = strstr(s, "://") + 3;
	const char *first_at = strchr(auth, '@'), *at = NULL, *colon, *q, *amp, *p;

	/* the query begins at the first '?' after the user information (a
	 * password may hold a raw '?'); the user information ends at the last
	 * '@' before the query (a password may hold a raw '@'; a query value
	 * may too) */
	q = strchr(first_at != NULL ? first_at : auth, '?');
	for (p = first_at; p != NULL && (q == NULL || p < q); p = strchr(p + 1, '@'))
		at = p;
	if (at != NULL) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon != NULL && at > colon + 1) {
			const char *piece = colon + 1, *next;

			add_span(f, base + (size_t)(colon + 1 - s), base + (size_t)(at - s),
				 xstrdup(MASK));
			add_uri_secret(f, colon + 1, (size_t)(at - colon - 1));
			/* libpq ends the user information at the first '@', or at a
			 * '/' before it, and takes what follows for host, port and
			 * database: each piece is a secret on its own */
			for (; (next = piece_end(piece, at)) != NULL; piece = next + 1)
				add_uri_secret(f, piece, (size_t)(next - piece));
			if (piece != colon + 1)
				add_uri_secret(f, piece, (size_t)(at - piece));
		}
	}
	for (; q != NULL; q = amp) {
		const char *key = q + 1, *eq;
		size_t len;

		amp = strchr(key, '&');
		len = amp != NULL ? (size_t)(amp - key) : strlen(key);
		eq = memchr(key, '=', len);
		if (eq == NULL || !uri_key_is_password(key, (size_t)(eq - key)))
			continue;
		if (key + len > eq + 1) {
			add_span(f, base + (size_t)(eq + 1 - s), base + (size_t)(key + len - s),
				 xstrdup(MASK));
			add_uri_secret(f, eq + 1, (size_t)(key + len - eq - 1));
		}
	}
}

static void find_in(const char *s, size_t base, struct found *f);
static char *mask_text(const char *s, struct found *f);
static void add_value(struct strbuf *sb, const char *v);

/* The end of a keyword value starting at p; *text gets it unquoted. */
static const char *
keyword_value(const char *p, struct strbuf *text)
{
	if (*p == '\'') {
		for (p++; *p != '\0' && *p != '\''; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			strbuf_addc(text, *p);
		}
		return *p == '\'' ? p + 1 : p;
	}
	for (; *p != '\0' && !isspace((unsigned char)*p); p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		strbuf_addc(text, *p);
	}
	return p;
}

static void
find_in_keywords(const char *s, size_t base, struct found *f)
{
	const char *p = s;

	while (*p != '\0') {
		const char *key, *key_end, *val, *end;
		struct strbuf text = STRBUF_INIT;
		bool quoted;

		while (isspace((unsigned char)*p))
			p++;
		key = p;
		while (*p != '\0' && *p != '=' && !isspace((unsigned char)*p))
			p++;
		key_end = p;
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=')
			continue; /* not key=value: libpq stops here */
		p++;
		while (isspace((unsigned char)*p))
			p++;
		val = p;
		quoted = *p == '\'';
		end = keyword_value(p, &text);
		if ((size_t)(key_end - key) == 8 && strncmp(key, "password", 8) == 0) {
			add_secret(f, val, (size_t)(end - val));
			add_secret(f, text.data != NULL ? text.data : "", text.len);
			/* unquoted: the words up to the next key=value are its too */
			while (!quoted) {
				const char *w = end, *w_end;

				while (isspace((unsigned char)*w))
					w++;
				w_end = w;
				while (*w_end != '\0' && !isspace((unsigned char)*w_end))
					w_end++;
				if (w_end == w || memchr(w, '=', (size_t)(w_end - w)) != NULL)
					break;
				add_secret(f, w, (size_t)(w_end - w));
				end = w_end;
			}
			if (end > val)
				add_span(f, base + (size_t)(val - s), base + (size_t)(end - s),
					 xstrdup(MASK));
		} else if ((size_t)(key_end - key) == 6 && strncmp(key, "dbname", 6) == 0 &&
			   text.len > 0 && (is_uri(text.data) || strchr(text.data, '=') != NULL)) {
			/* a connection string of its own: its passwords, masked in place */
			struct found inner = { NULL, 0, NULL, 0 };
			struct strbuf q = STRBUF_INIT;
			char *m;
			size_t i;

			find_in(text.data, 0, &inner);
			if (inner.n_spans > 0) {
				m = mask_text(text.data, &inner);
				add_value(&q, m);
				free(m);
				add_span(f, base + (size_t)(val - s), base + (size_t)(end - s),
					 strbuf_detach(&q));
			}
			for (i = 0; i < inner.n_secrets; i++)
				add_secret(f, inner.secrets[i], strlen(inner.secrets[i]));
			found_free(&inner);
		}
		strbuf_free(&text);
		p = end;
	}
}

static void
find_in(const char *s, size_t base, struct found *f)
{
	if (is_uri(s))
		find_in_uri(s, base, f);
	else
		find_in_keywords(s, base, f);
}

/* s with the spans found in it replaced (spans are in order, apart). */
static char *
mask_text(const char *s, struct found *f)
{
	struct strbuf sb = STRBUF_INIT;
	size_t at = 0, i;

	for (i = 0; i < f->n_spans; i++) {
		if (f->spans[i].start < at)
			continue;
		strbuf_add(&sb, s + at, f->spans[i].start - at);
		strbuf_adds(&sb, f->spans[i].with);
		at = f->spans[i].end;
	}
	strbuf_adds(&sb, s + at);
	return strbuf_detach(&sb);
}

/* Every occurrence of `what` in sb replaced by `with`. */
static void
replace_all(struct strbuf *sb, const char *what, const char *with)
{
	struct strbuf out = STRBUF_INIT;
	size_t n = strlen(what);
	const char *p = strbuf_str(sb), *hit;

	if (n == 0)
		return;
	while ((hit = strstr(p, what)) != NULL) {
		strbuf_add(&out, p, (size_t)(hit - p));
		strbuf_adds(&out, with);
		p = hit + n;
	}
	strbuf_adds(&out, p);
	strbuf_free(sb);
	*sb = out;
}

/*
 * part without the secrets (longest first) it holds: each of four bytes or
 * more wherever it stands, a shorter one only when it is the whole part.
 */
static void
mask_secrets(struct strbuf *part, char *const *secrets, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strlen(secrets[i]) >= 4)
			replace_all(part, secrets[i], MASK);
		else if (strcmp(strbuf_str(part), secrets[i]) == 0)
			replace_all(part, secrets[i], MASK);
	}
}

/* The quoted parts of sb ("...") without the secrets they hold. */
static void
mask_quoted(struct strbuf *sb, char *const *secrets, size_t n)
{
	struct strbuf out = STRBUF_INIT, part = STRBUF_INIT;
	const char *p = strbuf_str(sb), *open, *close;

	while ((open = strchr(p, '"')) != NULL && (close = strchr(open + 1, '"')) != NULL) {
		strbuf_add(&out, p, (size_t)(open + 1 - p));
		strbuf_reset(&part);
		strbuf_add(&part, open + 1, (size_t)(close - open - 1));
		mask_secrets(&part, secrets, n);
		strbuf_adds(&out, strbuf_str(&part));
		strbuf_addc(&out, '"');
		p = close + 1;
	}
	strbuf_adds(&out, p);
	strbuf_free(&part);
	strbuf_free(sb);
	*sb = out;
}

static int
longest_first(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

char *
conninfo_redact_message(const char *conninfo, const char *msg)
{
	struct found f = { NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	char *masked;

	if (msg == NULL)
		msg = "";
	if (conninfo == NULL)
		return xstrdup(msg);
	find_in(conninfo, 0, &f);
	strbuf_adds(&sb, msg);
	if (f.n_secrets > 0) {
		masked = mask_text(conninfo, &f);
		replace_all(&sb, conninfo, masked);
		free(masked);
		qsort(f.secrets, f.n_secrets, sizeof *f.secrets, longest_first);
		mask_quoted(&sb, f.secrets, f.n_secrets);
	}
	found_free(&f);
	return strbuf_detach(&sb);
}

char *
conninfo_check(const char *s, bool *has_password)
{
	PQconninfoOption *opts, *o;
	char *err = NULL;

	*has_password = false;
	opts = PQconninfoParse(s, &err);
	if (opts == NULL) {
		char *msg;
		size_t n;

		if (err == NULL)
			return xstrdup("out of memory while parsing the connection string");
		msg = conninfo_redact_message(s, err);
		PQfreemem(err);
		n = strlen(msg);
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		return msg;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0] != '\0')
			*has_password = true;
	}
	PQconninfoFree(opts);
	if (!*has_password && is_uri(s)) {
		/* a password libpq reads as something else ('/' in a URI's) */
		struct found f = { NULL, 0, NULL, 0 };

		find_in(s, 0, &f);
		*has_password = f.n_secrets > 0;
		found_free(&f);
	}
	return NULL;
}

/* Quote a value the way libpq's keyword=value syntax wants it. */
static void
add_value(struct strbuf *sb, const char *v)
{
	bool plain = v[0] != '\0';
	const char *p;

	for (p = v; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\'' || *p == '\\' || *p == '\t' || *p == '\n')
			plain = false;
	}
	if (plain) {
		strbuf_adds(sb, v);
		return;
	}
	strbuf_addc(sb, '\'');
	for (p = v; *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\')
			strbuf_addc(sb, '\\');
		strbuf_addc(sb, *p);
	}
	strbuf_addc(sb, '\'');
}

/*
 * Did part of the password land in other options? libpq ends a URI's user
 * information at the first '@', or at a '/' before it, and reads what
 * follows as host, port and database: then some secret found in the text
 * is not within the password libpq read.
 */
static bool
password_strayed(const struct found *f, const PQconninfoOption *opts)
{
	const char *pw = "";
	size_t i;

	for (; opts->keyword != NULL; opts++) {
		if (strcmp(opts->keyword, "password") == 0 && opts->val != NULL)
			pw = opts->val;
	}
	for (i = 0; i < f->n_secrets; i++) {
		if (strstr(pw, f->secrets[i]) == NULL)
			return true;
	}
	return false;
}

char *
conninfo_redact(const char *s)
{
	struct strbuf sb = STRBUF_INIT, part = STRBUF_INIT;
	struct found all = { NULL, 0, NULL, 0 };
	PQconninfoOption *opts, *o;
	char *err = NULL;
	bool strayed;

	opts = PQconninfoParse(s, &err);
	if (opts == NULL) {
		if (err != NULL)
			PQfreemem(err);
		return xstrdup("(invalid connection string)");
	}
	find_in(s, 0, &all);
	if (all.n_secrets > 1)
		qsort(all.secrets, all.n_secrets, sizeof *all.secrets, longest_first);
	strayed = password_strayed(&all, opts);
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (sb.len > 0)
			strbuf_addc(&sb, ' ');
		strbuf_adds(&sb, o->keyword);
		strbuf_addc(&sb, '=');
		if (strcmp(o->keyword, "password") == 0) {
			strbuf_adds(&sb, MASK);
		} else if (strcmp(o->keyword, "dbname") == 0 &&
			   (is_uri(o->val) || strchr(o->val, '=') != NULL)) {
			/* a connection string as the database name: without its passwords */
			struct found f = { NULL, 0, NULL, 0 };
			char *m;

			find_in(o->val, 0, &f);
			m = mask_text(o->val, &f);
			add_value(&sb, m);
			free(m);
			found_free(&f);
		} else if (strayed) {
			strbuf_reset(&part);
			strbuf_adds(&part, o->val);
			mask_secrets(&part, all.secrets, all.n_secrets);
			add_value(&sb, strbuf_str(&part));
		} else {
			add_value(&sb, o->val);
		}
	}
	strbuf_free(&part);
	found_free(&all);
	PQconninfoFree(opts);
	if (sb.len == 0)
		return xstrdup("(libpq defaults from the environment)");
	return strbuf_detach(&sb);
}
