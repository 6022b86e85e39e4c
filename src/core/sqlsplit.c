/*
 * sqlsplit: the no-transaction marker, a statement splitter and a
 * transaction-block classifier for migration files.
 *
 * Marker. pgdbm searches the file for the regular expression
 * "^-- pgdbm:no-transaction(?=\s|$)" in multi-line mode: a line (start of
 * text or after LF) that begins with the marker, then Python white space or
 * the end of the text. No SQL awareness: inside a block comment it counts.
 *
 * Lexer. Tokens follow PostgreSQL's scanner closely enough to never mistake
 * where a statement ends:
 *   - white space is space, tab, LF, CR, FF and VT; "--" comments run to the
 *     end of the line, "/" "*" comments nest;
 *   - '...' with '' escapes; E'...' also takes backslash escapes (standard
 *     conforming strings are assumed on, PostgreSQL's default since 9.1);
 *     U&'...' and U&"..." behave like their plain forms;
 *   - "..." identifiers with "" escapes;
 *   - $tag$ ... $tag$ bodies, tag empty or [A-Za-z_\x80-\xff] then also
 *     digits; "$1" is a parameter; '$' inside an identifier (a$$b) belongs
 *     to the identifier;
 *   - an unterminated quote, comment or body runs to the end of the text.
 *
 * Splitter. A statement ends at ';' outside all of the above, outside
 * parentheses (CREATE RULE ... DO (a; b)) and outside the BEGIN ... END of
 * a CREATE [OR REPLACE] FUNCTION|PROCEDURE with a SQL-standard body
 * (BEGIN ATOMIC; CASE ... END nests inside it), the same heuristic psql
 * uses. The text between two statement ends, stripped of white space, is
 * the statement: comments before a statement belong to it. Statements with
 * no token besides ';' are dropped.
 *
 * We deliberately handle more than pgdbm's own splitter (0.4.0), which
 * ignores nesting of block comments, double-quoted identifiers, backslash
 * escapes in E'' strings, parentheses and BEGIN ATOMIC bodies, and keeps
 * comment-only statements: pgdbm splits such files wrongly and then sends
 * broken fragments to the server.
 *
 * Classifier. The statement's leading keywords (case-insensitive, unquoted
 * words only, so text in strings, comments, quoted identifiers and dollar
 * bodies never matches) select a row of the rule table; the row's check
 * looks further when the leading words are not enough. The rows follow the
 * callers of PostgreSQL's PreventInTransactionBlock() (PostgreSQL 12-17),
 * plus the statements that end the surrounding transaction. Run-time
 * conditions a text cannot show are not flagged: REINDEX or CLUSTER of a
 * partitioned table, DO blocks and procedures that COMMIT.
 */
#include "config.h"

#include "sqlsplit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "xalloc.h"

/* ------------------------------------------------------------------------
 * Marker
 * ------------------------------------------------------------------------ */

bool
sqlsplit_has_no_tx_marker(const char *text)
{
	size_t mlen = strlen(SQLSPLIT_NO_TX_MARKER);
	const char *p = text;

	for (;;) {
		if (strncmp(p, SQLSPLIT_NO_TX_MARKER, mlen) == 0) {
			const char *after = p + mlen;

			if (*after == '\0' || checksum_space_len(after, strlen(after)) > 0)
				return true;
		}
		p = strchr(p, '\n');
		if (p == NULL)
			return false;
		p++;
	}
}

/* ------------------------------------------------------------------------
 * Lexer
 * ------------------------------------------------------------------------ */

enum tok_kind {
	TOK_END,
	TOK_WORD,   /* unquoted identifier or keyword */
	TOK_QIDENT, /* "quoted identifier" */
	TOK_STRING, /* '...', E'...', U&'...' */
	TOK_DOLLAR, /* $tag$ ... $tag$ */
	TOK_NUMBER,
	TOK_PARAM, /* $1 */
	TOK_SEMI,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_OP, /* any other single character */
};

struct tok {
	enum tok_kind kind;
	size_t start, len;
	int line; /* 1-based line of the first byte */
};

struct lexer {
	const char *s;
	size_t pos;
	int line;
};

static bool
is_pg_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_ident_start(char c)
{
	unsigned char u = (unsigned char)c;

	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

static bool
is_ident_cont(char c)
{
	return is_ident_start(c) || is_digit(c) || c == '$';
}

static void
move_to(struct lexer *lx, size_t to)
{
	for (; lx->pos < to; lx->pos++) {
		if (lx->s[lx->pos] == '\n')
			lx->line++;
	}
}

static size_t
line_comment_end(const char *s, size_t i)
{
	while (s[i] != '\0' && s[i] != '\n')
		i++;
	return i;
}

static size_t
block_comment_end(const char *s, size_t i)
{
	int depth = 0;

	while (s[i] != '\0') {
		if (s[i] == '/' && s[i + 1] == '*') {
			depth++;
			i += 2;
		} else if (s[i] == '*' && s[i + 1] == '/') {
			i += 2;
			if (--depth == 0)
				return i;
		} else {
			i++;
		}
	}
	return i;
}

/* End of the token quoted with q that opens at i; esc: backslash escapes. */
static size_t
quoted_end(const char *s, size_t i, char q, bool esc)
{
	for (i++; s[i] != '\0'; i++) {
		if (esc && s[i] == '\\' && s[i + 1] != '\0') {
			i++;
		} else if (s[i] == q) {
			if (s[i + 1] != q)
				return i + 1;
			i++;
		}
	}
	return i;
}

/* Length of the dollar-quote delimiter ($$ or $tag$) at i, or 0. */
static size_t
dollar_delim(const char *s, size_t i)
{
	size_t j = i + 1;

	if (is_ident_start(s[j])) {
		while (is_ident_start(s[j]) || is_digit(s[j]))
			j++;
	}
	return s[j] == '$' ? j + 1 - i : 0;
}

static size_t
dollar_end(const char *s, size_t i, enum tok_kind *kind)
{
	size_t d = dollar_delim(s, i), k;

	if (is_digit(s[i + 1])) {
		*kind = TOK_PARAM;
		for (k = i + 1; is_digit(s[k]); k++)
			;
		return k;
	}
	if (d == 0) {
		*kind = TOK_OP;
		return i + 1;
	}
	*kind = TOK_DOLLAR;
	for (k = i + d; s[k] != '\0'; k++) {
		if (s[k] == '$' && strncmp(s + k, s + i, d) == 0)
			return k + d;
	}
	return k;
}

static size_t
word_end(const char *s, size_t i, enum tok_kind *kind)
{
	char c = s[i];

	if ((c == 'e' || c == 'E') && s[i + 1] == '\'') {
		*kind = TOK_STRING;
		return quoted_end(s, i + 1, '\'', true);
	}
	if ((c == 'u' || c == 'U') && s[i + 1] == '&' && (s[i + 2] == '\'' || s[i + 2] == '"')) {
		*kind = s[i + 2] == '"' ? TOK_QIDENT : TOK_STRING;
		return quoted_end(s, i + 2, s[i + 2], false);
	}
	*kind = TOK_WORD;
	for (i++; is_ident_cont(s[i]); i++)
		;
	return i;
}

/* End of the token that starts at i (not white space, not a comment). */
static size_t
token_end(const char *s, size_t i, enum tok_kind *kind)
{
	char c = s[i];

	if (c == '\0') {
		*kind = TOK_END;
		return i;
	}
	if (c == '\'' || c == '"') {
		*kind = c == '"' ? TOK_QIDENT : TOK_STRING;
		return quoted_end(s, i, c, false);
	}
	if (c == '$')
		return dollar_end(s, i, kind);
	if (is_ident_start(c))
		return word_end(s, i, kind);
	if (is_digit(c) || (c == '.' && is_digit(s[i + 1]))) {
		*kind = TOK_NUMBER;
		for (i++; is_digit(s[i]) || is_ident_start(s[i]) || s[i] == '.'; i++)
			;
		return i;
	}
	*kind = c == ';' ? TOK_SEMI : c == '(' ? TOK_LPAREN : c == ')' ? TOK_RPAREN : TOK_OP;
	return i + 1;
}

/* The next token, after white space and comments. */
static void
lex_next(struct lexer *lx, struct tok *t)
{
	const char *s = lx->s;
	size_t i, end;

	for (;;) {
		i = lx->pos;
		if (is_pg_space(s[i]))
			end = i + 1;
		else if (s[i] == '-' && s[i + 1] == '-')
			end = line_comment_end(s, i);
		else if (s[i] == '/' && s[i + 1] == '*')
			end = block_comment_end(s, i);
		else
			break;
		move_to(lx, end);
	}
	t->start = i;
	t->line = lx->line;
	end = token_end(s, i, &t->kind);
	t->len = end - i;
	move_to(lx, end);
}

static char
ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Is the token the unquoted keyword kw (given in upper case)? */
static bool
tok_word_is(const char *s, const struct tok *t, const char *kw)
{
	size_t n = strlen(kw), j;

	if (t->kind != TOK_WORD || t->len != n)
		return false;
	for (j = 0; j < n; j++) {
		if (ascii_upper(s[t->start + j]) != kw[j])
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------------
 * Splitter
 * ------------------------------------------------------------------------ */

struct splitter {
	const char *sql;
	struct sqlsplit_list *out;
	size_t begin;	    /* start of the current statement's region */
	size_t ntok;	    /* tokens in the region, its final ';' aside */
	int first_line;	    /* line of the region's first token */
	size_t first_start; /* where that token starts */
	int paren;	    /* parenthesis depth */
	int atomic;	    /* BEGIN/CASE ... END depth inside a routine body */
	char lead[4];	    /* first tokens: c(reate) o(r) r(eplace) f(unction) p(rocedure) */
	size_t line_pos;    /* line cursor for statement starts */
	int line;
};

static int
line_at(struct splitter *sp, size_t pos)
{
	for (; sp->line_pos < pos; sp->line_pos++) {
		if (sp->sql[sp->line_pos] == '\n')
			sp->line++;
	}
	return sp->line;
}

static void
region_reset(struct splitter *sp, size_t begin)
{
	sp->begin = begin;
	sp->ntok = 0;
	sp->first_line = 0;
	sp->paren = 0;
	sp->atomic = 0;
	memset(sp->lead, 0, sizeof sp->lead);
}

static char
lead_code(const char *s, const struct tok *t)
{
	static const char *const words[] = { "CREATE", "OR", "REPLACE", "FUNCTION", "PROCEDURE" };
	static const char codes[] = "corfp";
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (tok_word_is(s, t, words[i]))
			return codes[i];
	}
	return '?';
}

/* CREATE [OR REPLACE] FUNCTION|PROCEDURE, as psql tells it. */
static bool
in_routine(const struct splitter *sp)
{
	const char *l = sp->lead;

	return l[0] == 'c' && (l[1] == 'f' || l[1] == 'p' ||
			       (l[1] == 'o' && l[2] == 'r' && (l[3] == 'f' || l[3] == 'p')));
}

static void
note_token(struct splitter *sp, const struct tok *t)
{
	if (sp->ntok == 0) {
		sp->first_line = t->line;
		sp->first_start = t->start;
	}
	if (sp->ntok < sizeof sp->lead)
		sp->lead[sp->ntok] = lead_code(sp->sql, t);
	sp->ntok++;
	if (t->kind == TOK_LPAREN)
		sp->paren++;
	else if (t->kind == TOK_RPAREN && sp->paren > 0)
		sp->paren--;
	if (t->kind != TOK_WORD || sp->paren > 0 || !in_routine(sp))
		return;
	if (tok_word_is(sp->sql, t, "BEGIN"))
		sp->atomic++;
	else if (tok_word_is(sp->sql, t, "CASE") && sp->atomic > 0)
		sp->atomic++;
	else if (tok_word_is(sp->sql, t, "END") && sp->atomic > 0)
		sp->atomic--;
}

/* Emit the region [sp->begin, end) as a statement unless it is empty. */
static void
flush(struct splitter *sp, size_t end)
{
	struct sqlsplit_list *out = sp->out;
	struct sqlsplit_stmt *st;
	size_t b, e;

	if (sp->ntok == 0)
		return;
	checksum_strip(sp->sql + sp->begin, end - sp->begin, &b, &e);
	/* Python white space outside ASCII lexes as a word but is stripped. */
	if (e == b || (e == b + 1 && sp->sql[sp->begin + b] == ';'))
		return;
	out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
	st = &out->v[out->n++];
	st->text = xstrndup(sp->sql + sp->begin + b, e - b);
	st->line = line_at(sp, sp->begin + b);
	st->sql_line = sp->first_line;
	if (sp->first_start < sp->begin + b) {
		/* the region's first token was white space to Python (U+001D,
		 * U+00A0...), stripped from the text: its first token is the
		 * first one from where the text starts */
		struct lexer lx = { sp->sql, sp->begin + b, st->line };
		struct tok t;

		lex_next(&lx, &t);
		st->sql_line = t.line;
	}
}

void
sqlsplit_split(const char *sql, struct sqlsplit_list *out)
{
	struct splitter sp;
	struct lexer lx = { sql, 0, 1 };
	struct tok t;

	out->v = NULL;
	out->n = 0;
	memset(&sp, 0, sizeof sp);
	sp.sql = sql;
	sp.out = out;
	sp.line = 1;
	region_reset(&sp, 0);
	for (lex_next(&lx, &t); t.kind != TOK_END; lex_next(&lx, &t)) {
		if (t.kind == TOK_SEMI && sp.paren == 0 && sp.atomic == 0) {
			flush(&sp, t.start + 1);
			region_reset(&sp, t.start + 1);
		} else {
			note_token(&sp, &t);
		}
	}
	flush(&sp, t.start);
}

void
sqlsplit_list_free(struct sqlsplit_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->v[i].text);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* ------------------------------------------------------------------------
 * Classifier
 * ------------------------------------------------------------------------ */

/* A statement's tokens (every token, ';' included). */
struct toks {
	const char *s;
	struct tok *v;
	size_t n;
};

static void
tokenize(const char *s, struct toks *t)
{
	struct lexer lx = { s, 0, 1 };
	struct tok k;

	t->s = s;
	t->v = NULL;
	t->n = 0;
	for (lex_next(&lx, &k); k.kind != TOK_END; lex_next(&lx, &k)) {
		t->v = xreallocarray(t->v, t->n + 1, sizeof *t->v);
		t->v[t->n++] = k;
	}
}

static bool
is_kw(const struct toks *t, size_t i, const char *kw)
{
	return i < t->n && tok_word_is(t->s, &t->v[i], kw);
}

static bool
is_kind(const struct toks *t, size_t i, enum tok_kind kind)
{
	return i < t->n && t->v[i].kind == kind;
}

static bool
is_char(const struct toks *t, size_t i, char c)
{
	return is_kind(t, i, TOK_OP) && t->s[t->v[i].start] == c;
}

/* The index after the parenthesised group opening at i (i itself if none). */
static size_t
skip_group(const struct toks *t, size_t i)
{
	int depth = 0;

	if (!is_kind(t, i, TOK_LPAREN))
		return i;
	for (; i < t->n; i++) {
		if (t->v[i].kind == TOK_LPAREN)
			depth++;
		else if (t->v[i].kind == TOK_RPAREN && --depth == 0)
			return i + 1;
	}
	return i;
}

/* PostgreSQL's parse_bool() false spellings: f, fa, ..., false, n, no, of, off, 0. */
static bool
is_false_value(const struct toks *t, size_t i)
{
	static const char *const falses[] = { "F", "FA", "FAL", "FALS", "FALSE",
					      "N", "NO", "OF",	"OFF",	"0" };
	const struct tok *k = &t->v[i];
	size_t start = k->start, len = k->len, j, m;

	if (k->kind == TOK_STRING && len >= 2 && t->s[start] == '\'') {
		start++;
		len -= 2;
	} else if (k->kind != TOK_WORD && k->kind != TOK_NUMBER) {
		return false;
	}
	for (j = 0; j < sizeof falses / sizeof falses[0]; j++) {
		if (strlen(falses[j]) != len)
			continue;
		for (m = 0; m < len && ascii_upper(t->s[start + m]) == falses[j][m]; m++)
			;
		if (m == len)
			return true;
	}
	return false;
}

enum opt_state {
	OPT_ABSENT,
	OPT_TRUE,
	OPT_FALSE
};

/* Option name in the "( name [=] [value], ... )" list opening at open. */
static enum opt_state
option_in(const struct toks *t, size_t open, const char *name)
{
	size_t end = skip_group(t, open), i;

	for (i = open + 1; i < end; i++) {
		size_t v = i + 1;

		if (!is_kw(t, i, name) || !(i == open + 1 || is_char(t, i - 1, ',')))
			continue;
		if (is_char(t, v, '='))
			v++;
		if (v >= end || is_char(t, v, ',') || is_kind(t, v, TOK_RPAREN))
			return OPT_TRUE;
		return is_false_value(t, v) ? OPT_FALSE : OPT_TRUE;
	}
	return OPT_ABSENT;
}

/* The '(' of the first "WITH (" from i on outside parentheses, or SIZE_MAX. */
static size_t
with_group(const struct toks *t, size_t i)
{
	while (i < t->n) {
		size_t after = skip_group(t, i);

		if (is_kw(t, i, "WITH") && is_kind(t, i + 1, TOK_LPAREN))
			return i + 1;
		i = after > i ? after : i + 1;
	}
	return SIZE_MAX;
}

/* Do the keywords a and b appear next to each other from i on? */
static bool
has_pair(const struct toks *t, size_t i, const char *a, const char *b)
{
	for (; i + 1 < t->n; i++) {
		if (is_kw(t, i, a) && is_kw(t, i + 1, b))
			return true;
	}
	return false;
}

/*
 * Checks: t holds the statement, i indexes the token after the row's
 * keywords, version is server_version_num. True: the statement offends.
 */

static bool
next_concurrently(const struct toks *t, size_t i, int version)
{
	(void)version;
	return is_kw(t, i, "CONCURRENTLY");
}

static bool
reindex_concurrently(const struct toks *t, size_t i, int version)
{
	(void)version;
	if (is_kind(t, i, TOK_LPAREN) && option_in(t, i, "CONCURRENTLY") == OPT_TRUE)
		return true;
	return is_kw(t, skip_group(t, i) + 1, "CONCURRENTLY");
}

static bool
reindex_many(const struct toks *t, size_t i, int version)
{
	(void)version;
	i = skip_group(t, i);
	return is_kw(t, i, "SCHEMA") || is_kw(t, i, "DATABASE") || is_kw(t, i, "SYSTEM");
}

static bool
cluster_all(const struct toks *t, size_t i, int version)
{
	(void)version;
	if (is_kw(t, i, "VERBOSE"))
		i++;
	i = skip_group(t, i);
	if (is_kw(t, i, "VERBOSE"))
		i++;
	return i >= t->n || is_kind(t, i, TOK_SEMI);
}

static bool
database_tablespace(const struct toks *t, size_t i, int version)
{
	(void)version;
	i++; /* the database name */
	if (is_kw(t, i, "SET") || is_kw(t, i, "WITH"))
		i++;
	return is_kw(t, i, "TABLESPACE");
}

static bool
add_value_before_12(const struct toks *t, size_t i, int version)
{
	return version < 120000 && has_pair(t, i, "ADD", "VALUE");
}

static bool
detach_concurrently(const struct toks *t, size_t i, int version)
{
	(void)version;
	for (; i + 1 < t->n; i++) {
		if (is_kw(t, i, "DETACH") && is_kw(t, i + 1, "PARTITION"))
			break;
	}
	for (i += 2; i < t->n; i++) {
		if (is_kw(t, i, "CONCURRENTLY"))
			return true;
	}
	return false;
}

static bool
creates_slot(const struct toks *t, size_t i, int version)
{
	size_t w = with_group(t, i);

	(void)version;
	if (w == SIZE_MAX)
		return true;
	return option_in(t, w, "CREATE_SLOT") != OPT_FALSE &&
	       option_in(t, w, "CONNECT") != OPT_FALSE;
}

static bool
refreshes(const struct toks *t, size_t i, int version)
{
	size_t w;

	(void)version;
	i++; /* the subscription name */
	if (is_kw(t, i, "REFRESH"))
		return true;
	if (!(is_kw(t, i, "SET") || is_kw(t, i, "ADD") || is_kw(t, i, "DROP")) ||
	    !is_kw(t, i + 1, "PUBLICATION"))
		return false;
	w = with_group(t, i + 2);
	return w == SIZE_MAX || option_in(t, w, "REFRESH") != OPT_FALSE;
}

static bool
alters_slot(const struct toks *t, size_t i, int version)
{
	(void)version;
	i++; /* the subscription name */
	if (!is_kw(t, i, "SET") || !is_kind(t, i + 1, TOK_LPAREN))
		return false;
	return option_in(t, i + 1, "FAILOVER") != OPT_ABSENT ||
	       option_in(t, i + 1, "TWO_PHASE") != OPT_ABSENT;
}

static bool
not_to_savepoint(const struct toks *t, size_t i, int version)
{
	(void)version;
	if (is_kw(t, i, "WORK") || is_kw(t, i, "TRANSACTION"))
		i++;
	return !is_kw(t, i, "TO");
}

#define NOT_IN_TX  " cannot run inside a transaction block"
#define NOT_ATOMIC ", so the ledger insert would no longer be atomic with the migration"

struct rule {
	const char *kw[3]; /* leading keywords, upper case; unused slots NULL */
	bool (*check)(const struct toks *t, size_t i, int version); /* NULL: always */
	const char *reason;
};

/* First matching row wins: longer prefixes come before shorter ones. */
static const struct rule rules[] = {
	{ { "CREATE", "INDEX", NULL }, next_concurrently, "CREATE INDEX CONCURRENTLY" NOT_IN_TX },
	{ { "CREATE", "UNIQUE", "INDEX" },
	  next_concurrently,
	  "CREATE INDEX CONCURRENTLY" NOT_IN_TX },
	{ { "DROP", "INDEX", NULL }, next_concurrently, "DROP INDEX CONCURRENTLY" NOT_IN_TX },
	{ { "REINDEX", NULL, NULL }, reindex_concurrently, "REINDEX ... CONCURRENTLY" NOT_IN_TX },
	{ { "REINDEX", NULL, NULL }, reindex_many, "REINDEX SCHEMA, DATABASE or SYSTEM" NOT_IN_TX },
	{ { "VACUUM", NULL, NULL }, NULL, "VACUUM" NOT_IN_TX },
	{ { "CLUSTER", NULL, NULL }, cluster_all, "CLUSTER without a table name" NOT_IN_TX },
	{ { "CREATE", "DATABASE", NULL }, NULL, "CREATE DATABASE" NOT_IN_TX },
	{ { "DROP", "DATABASE", NULL }, NULL, "DROP DATABASE" NOT_IN_TX },
	{ { "ALTER", "DATABASE", NULL },
	  database_tablespace,
	  "ALTER DATABASE ... SET TABLESPACE" NOT_IN_TX },
	{ { "CREATE", "TABLESPACE", NULL }, NULL, "CREATE TABLESPACE" NOT_IN_TX },
	{ { "DROP", "TABLESPACE", NULL }, NULL, "DROP TABLESPACE" NOT_IN_TX },
	{ { "ALTER", "SYSTEM", NULL }, NULL, "ALTER SYSTEM" NOT_IN_TX },
	{ { "DISCARD", "ALL", NULL }, NULL, "DISCARD ALL" NOT_IN_TX },
	{ { "ALTER", "TYPE", NULL },
	  add_value_before_12,
	  "ALTER TYPE ... ADD VALUE" NOT_IN_TX " before PostgreSQL 12" },
	{ { "ALTER", "TABLE", NULL },
	  detach_concurrently,
	  "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY" NOT_IN_TX },
	{ { "CREATE", "SUBSCRIPTION", NULL },
	  creates_slot,
	  "CREATE SUBSCRIPTION creates a replication slot unless WITH (create_slot = false) or "
	  "(connect = false), and" NOT_IN_TX },
	{ { "DROP", "SUBSCRIPTION", NULL },
	  NULL,
	  "DROP SUBSCRIPTION" NOT_IN_TX " when the subscription has a replication slot" },
	{ { "ALTER", "SUBSCRIPTION", NULL },
	  refreshes,
	  "ALTER SUBSCRIPTION ... REFRESH PUBLICATION, or SET/ADD/DROP PUBLICATION without "
	  "WITH (refresh = false)," NOT_IN_TX },
	{ { "ALTER", "SUBSCRIPTION", NULL },
	  alters_slot,
	  "ALTER SUBSCRIPTION ... SET (failover, two_phase) changes the replication slot and" NOT_IN_TX },
	{ { "COMMIT", "PREPARED", NULL }, NULL, "COMMIT PREPARED" NOT_IN_TX },
	{ { "ROLLBACK", "PREPARED", NULL }, NULL, "ROLLBACK PREPARED" NOT_IN_TX },
	{ { "PREPARE", "TRANSACTION", NULL },
	  NULL,
	  "PREPARE TRANSACTION would end pgdbm's transaction early" NOT_ATOMIC },
	{ { "BEGIN", NULL, NULL },
	  NULL,
	  "BEGIN inside pgdbm's transaction starts nothing, and the COMMIT that normally follows "
	  "would commit pgdbm's transaction early" NOT_ATOMIC },
	{ { "START", "TRANSACTION", NULL },
	  NULL,
	  "START TRANSACTION inside pgdbm's transaction starts nothing, and the COMMIT that "
	  "normally follows would commit pgdbm's transaction early" NOT_ATOMIC },
	{ { "COMMIT", NULL, NULL },
	  NULL,
	  "COMMIT would commit pgdbm's transaction early" NOT_ATOMIC },
	{ { "END", NULL, NULL }, NULL, "END would commit pgdbm's transaction early" NOT_ATOMIC },
	{ { "ROLLBACK", NULL, NULL },
	  not_to_savepoint,
	  "ROLLBACK would end pgdbm's transaction early" NOT_ATOMIC },
	{ { "ABORT", NULL, NULL }, NULL, "ABORT would end pgdbm's transaction early" NOT_ATOMIC },
};

/* The index after the row's keywords when they lead t, else 0. */
static size_t
match_keywords(const struct toks *t, const struct rule *r)
{
	size_t i;

	for (i = 0; i < 3 && r->kw[i] != NULL; i++) {
		if (!is_kw(t, i, r->kw[i]))
			return 0;
	}
	return i;
}

const char *
sqlsplit_tx_problem(const char *stmt, int server_version_num)
{
	struct toks t;
	const char *why = NULL;
	size_t r, next;

	tokenize(stmt, &t);
	for (r = 0; r < sizeof rules / sizeof rules[0] && why == NULL; r++) {
		next = match_keywords(&t, &rules[r]);
		if (next == 0)
			continue;
		if (rules[r].check == NULL || rules[r].check(&t, next, server_version_num))
			why = rules[r].reason;
	}
	free(t.v);
	return why;
}

bool
sqlsplit_scan_tx(const char *sql, int server_version_num, struct sqlsplit_problem *p)
{
	struct sqlsplit_list list;
	size_t i;

	memset(p, 0, sizeof *p);
	sqlsplit_split(sql, &list);
	for (i = 0; i < list.n && p->reason == NULL; i++) {
		p->reason = sqlsplit_tx_problem(list.v[i].text, server_version_num);
		if (p->reason != NULL) {
			p->index = i;
			p->line = list.v[i].sql_line;
			p->text = xstrdup(list.v[i].text);
		}
	}
	sqlsplit_list_free(&list);
	return p->reason != NULL;
}

void
sqlsplit_problem_free(struct sqlsplit_problem *p)
{
	free(p->text);
	memset(p, 0, sizeof *p);
}
