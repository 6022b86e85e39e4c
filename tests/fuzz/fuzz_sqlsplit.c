/*
 * fuzz_sqlsplit: the statement splitter and the transaction classifier on
 * arbitrary SQL.
 *
 * Invariants: every statement is non-empty and carries 1-based lines that
 * never go backwards, its first token's line not before its own; no line
 * is past the text's last line; the classifier's problem, when it reports
 * one, is one of the split statements with that statement's line; the
 * no-transaction marker check never crashes.
 */
#include "config.h"

#include "fuzz.h"
#include "sqlsplit.h"

static const int versions[] = { 0, 110000, 170000 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql = fuzz_cstr(data, size);
	struct sqlsplit_list list;
	struct sqlsplit_problem prob;
	int lines = 1, last = 1;
	size_t i, v;
	const char *p;

	for (p = sql; *p != '\0'; p++)
		lines += *p == '\n';
	(void)sqlsplit_has_no_tx_marker(sql);
	sqlsplit_split(sql, &list);
	for (i = 0; i < list.n; i++) {
		const struct sqlsplit_stmt *s = &list.v[i];

		fuzz_check(s->text != NULL && s->text[0] != '\0', "statements are not empty");
		fuzz_check(s->line >= last, "statement lines do not go backwards");
		fuzz_check(s->sql_line >= s->line, "the first token is not before the statement");
		fuzz_check(s->sql_line <= lines, "no line past the end of the text");
		last = s->line;
		for (v = 0; v < sizeof versions / sizeof versions[0]; v++)
			(void)sqlsplit_tx_problem(s->text, versions[v]);
	}
	for (v = 0; v < sizeof versions / sizeof versions[0]; v++) {
		if (sqlsplit_scan_tx(sql, versions[v], &prob)) {
			fuzz_check(prob.index < list.n, "the problem is one of the statements");
			fuzz_check(prob.line == list.v[prob.index].sql_line,
				   "the problem's line is its statement's");
			fuzz_check(strcmp(prob.text, list.v[prob.index].text) == 0,
				   "the problem's text is its statement");
			fuzz_check(prob.reason != NULL, "a problem has a reason");
			sqlsplit_problem_free(&prob);
		}
	}
	sqlsplit_list_free(&list);
	free(sql);
	return 0;
}
