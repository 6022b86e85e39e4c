/*
 * conninfo: checks and redaction of libpq connection strings.
 * See include/conninfo.h.
 */
#include "config.h"

#include "conninfo.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

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
		msg = xstrdup(err);
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

char *
conninfo_redact(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	PQconninfoOption *opts, *o;
	char *err = NULL;

	opts = PQconninfoParse(s, &err);
	if (opts == NULL) {
		if (err != NULL)
			PQfreemem(err);
		return xstrdup("(invalid connection string)");
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (sb.len > 0)
			strbuf_addc(&sb, ' ');
		strbuf_adds(&sb, o->keyword);
		strbuf_addc(&sb, '=');
		if (strcmp(o->keyword, "password") == 0)
			strbuf_adds(&sb, "********");
		else
			add_value(&sb, o->val);
	}
	PQconninfoFree(opts);
	if (sb.len == 0)
		return xstrdup("(libpq defaults from the environment)");
	return strbuf_detach(&sb);
}
