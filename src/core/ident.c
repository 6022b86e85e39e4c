/*
 * ident: pgdbm's identifier rule, PostgreSQL's reserved words, quoting.
 * See include/ident.h.
 */
#include "config.h"

#include "ident.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/*
 * Keywords that cannot be a schema name without quotes: PostgreSQL's
 * categories R (reserved) and T (reserved, can be function or type name),
 * as pg_get_keywords() lists them in PostgreSQL 15. Sorted for bsearch.
 */
static const char *const reserved_words[] = {
	"all",
	"analyse",
	"analyze",
	"and",
	"any",
	"array",
	"as",
	"asc",
	"asymmetric",
	"authorization",
	"binary",
	"both",
	"case",
	"cast",
	"check",
	"collate",
	"collation",
	"column",
	"concurrently",
	"constraint",
	"create",
	"cross",
	"current_catalog",
	"current_date",
	"current_role",
	"current_schema",
	"current_time",
	"current_timestamp",
	"current_user",
	"default",
	"deferrable",
	"desc",
	"distinct",
	"do",
	"else",
	"end",
	"except",
	"false",
	"fetch",
	"for",
	"foreign",
	"freeze",
	"from",
	"full",
	"grant",
	"group",
	"having",
	"ilike",
	"in",
	"initially",
	"inner",
	"intersect",
	"into",
	"is",
	"isnull",
	"join",
	"lateral",
	"leading",
	"left",
	"like",
	"limit",
	"localtime",
	"localtimestamp",
	"natural",
	"not",
	"notnull",
	"null",
	"offset",
	"on",
	"only",
	"or",
	"order",
	"outer",
	"overlaps",
	"placing",
	"primary",
	"references",
	"returning",
	"right",
	"select",
	"session_user",
	"similar",
	"some",
	"symmetric",
	"table",
	"tablesample",
	"then",
	"to",
	"trailing",
	"true",
	"union",
	"unique",
	"user",
	"using",
	"variadic",
	"verbose",
	"when",
	"where",
	"window",
	"with",
};

static int
ident_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

const char *
ident_problem(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return "is empty";
	if (!is_alpha(s[0]) && s[0] != '_') {
		if (is_digit(s[0]))
			return "starts with a digit (must start with a letter or underscore)";
		return "must start with an ASCII letter or underscore";
	}
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (is_alpha(c) || is_digit(c) || c == '_')
			continue;
		if ((unsigned char)c >= 0x80)
			return "contains a non-ASCII character (only A-Z, a-z, 0-9 and _ are allowed)";
		if (c == '\n' || c == '\r' || c == '\t' || c == ' ')
			return "contains white space (only A-Z, a-z, 0-9 and _ are allowed)";
		if (c == '"' || c == '\'')
			return "contains a quote (only A-Z, a-z, 0-9 and _ are allowed)";
		if (c == '-')
			return "contains a hyphen (only A-Z, a-z, 0-9 and _ are allowed)";
		return "contains a character other than A-Z, a-z, 0-9 and _";
	}
	if (i > IDENT_MAX_LEN)
		return "is longer than 63 characters";
	return NULL;
}

bool
ident_is_reserved(const char *s)
{
	return bsearch(s, reserved_words, sizeof reserved_words / sizeof reserved_words[0],
		       sizeof reserved_words[0], ident_cmp) != NULL;
}

const char *
ident_unquoted_problem(const char *s, const char *upper_why, const char *reserved_why)
{
	const char *why = ident_problem(s);
	const char *p;

	if (why != NULL)
		return why;
	for (p = s; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			return upper_why;
	}
	if (ident_is_reserved(s))
		return reserved_why;
	return NULL;
}

const char *
ident_ledger_problem(const char *s)
{
	return ident_unquoted_problem(s,
				      "contains upper case (pgdbm writes the ledger name unquoted, "
				      "so PostgreSQL would fold it to lower case)",
				      "is a reserved word in PostgreSQL (pgdbm writes the ledger "
				      "name unquoted)");
}

const char *
ident_prefix_problem(const char *s)
{
	const char *p;

	if (s[0] == '\0')
		return "is empty";
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return "must start with a lower-case letter or underscore";
	if (strlen(s) >= IDENT_MAX_LEN)
		return "is longer than 62 characters (a tenant id needs at least one)";
	for (p = s; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_'))
			return "may contain only a-z, 0-9 and _ (schema names are written "
			       "unquoted)";
	}
	return NULL;
}

bool
ident_prefixes_overlap(const char *a, const char *b)
{
	return strncmp(a, b, strlen(a)) == 0 || strncmp(b, a, strlen(b)) == 0;
}

char *
ident_quote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addc(&sb, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			strbuf_addc(&sb, '"');
		strbuf_addc(&sb, *s);
	}
	strbuf_addc(&sb, '"');
	return strbuf_detach(&sb);
}

char *
ident_literal(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	if (strchr(s, '\\') != NULL)
		strbuf_addc(&sb, 'E');
	strbuf_addc(&sb, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			strbuf_addc(&sb, *s);
		strbuf_addc(&sb, *s);
	}
	strbuf_addc(&sb, '\'');
	return strbuf_detach(&sb);
}
