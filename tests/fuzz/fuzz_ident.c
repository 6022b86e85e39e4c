/*
 * fuzz_ident: pgdbm's identifier rule and SQL identifier quoting.
 *
 * Invariants: an identifier the rule accepts is 1 to 63 ASCII letters,
 * digits and underscores, not starting with a digit; the stricter ledger
 * rule implies the plain one and refuses upper case and reserved words;
 * a schema-name prefix the prefix rule accepts is 1 to 62 lower-case
 * letters, digits and underscores, an identifier itself, and overlaps
 * itself and every prefix of it; quoting wraps in double quotes, doubles every quote inside, and reads
 * back to the input.
 */
#include "config.h"

#include "fuzz.h"
#include "ident.h"

static bool
word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *q, *back, *o, *half;
	const char *p;
	size_t n = strlen(s), quotes = 0;

	if (ident_problem(s) == NULL) {
		fuzz_check(n >= 1 && n <= 63, "1 to 63 characters");
		fuzz_check(!(s[0] >= '0' && s[0] <= '9'), "not starting with a digit");
		for (p = s; *p != '\0'; p++)
			fuzz_check(word_char(*p), "letters, digits and underscores");
	}
	(void)ident_is_reserved(s);
	if (ident_ledger_problem(s) == NULL) {
		fuzz_check(ident_problem(s) == NULL, "the ledger rule implies the plain one");
		fuzz_check(!ident_is_reserved(s), "no reserved word for a ledger");
		for (p = s; *p != '\0'; p++)
			fuzz_check(!(*p >= 'A' && *p <= 'Z'), "no upper case for a ledger");
	}
	if (ident_prefix_problem(s) == NULL) {
		fuzz_check(n >= 1 && n <= 62, "a prefix leaves room for an id");
		fuzz_check(ident_problem(s) == NULL, "a prefix is an identifier");
		for (p = s; *p != '\0'; p++)
			fuzz_check((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
					   *p == '_',
				   "a prefix is lower case, digits and underscores");
		half = strndup(s, n / 2);
		fuzz_check(half != NULL, "out of memory");
		fuzz_check(ident_prefixes_overlap(s, s), "a prefix overlaps itself");
		fuzz_check(ident_prefixes_overlap(s, half) && ident_prefixes_overlap(half, s),
			   "a prefix overlaps its own beginning, both ways");
		free(half);
	}
	for (p = s; *p != '\0'; p++)
		quotes += *p == '"';
	q = ident_quote(s);
	fuzz_check(strlen(q) == n + 2 + quotes, "quoting doubles the quotes and adds two");
	fuzz_check(q[0] == '"' && q[strlen(q) - 1] == '"', "wrapped in double quotes");
	/* read it back as PostgreSQL would */
	back = malloc(n + 1);
	fuzz_check(back != NULL, "out of memory");
	for (o = back, p = q + 1; p < q + strlen(q) - 1; p++) {
		if (*p == '"')
			p++;
		*o++ = *p;
	}
	*o = '\0';
	fuzz_check(strcmp(back, s) == 0, "the quoted identifier reads back");
	free(back);
	free(q);
	free(s);
	return 0;
}
