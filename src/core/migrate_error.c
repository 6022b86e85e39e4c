/*
 * migrate_error: the errors of the migration engine (see include/migrate.h)
 * and where in a migration file they happened.
 *
 * A struct mig_error is a server error taken apart (message, detail,
 * hint, SQLSTATE) or a connection that failed, with the file and line it
 * is about. The line comes from the error position the server gives,
 * counted in characters of the script sent: a script is the file with its
 * placeholders filled (which keeps the file's lines), maybe after a
 * prefix of our own ("BEGIN;\n", other tenants' files). Without a
 * position, the failing statement is the one after those that answered
 * (a simple-protocol script answers once per statement, in order), as the
 * file splits into statements. Nothing is run again to find it.
 */
#include "config.h"

#include "migrate.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "migrate_int.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "xalloc.h"

void
mig_error_clear(struct mig_error *e)
{
	free(e->file);
	free(e->message);
	free(e->detail);
	free(e->hint);
	free(e->sqlstate);
	memset(e, 0, sizeof *e);
}

void
mig_error_format(const struct mig_error *e, struct strbuf *out)
{
	if (e->file != NULL && e->line > 0)
		strbuf_addf(out, "%s:%d: ", e->file, e->line);
	else if (e->file != NULL)
		strbuf_addf(out, "%s: ", e->file);
	strbuf_adds(out, e->message != NULL ? e->message : "failed");
	if (e->sqlstate != NULL && e->sqlstate[0] != '\0')
		strbuf_addf(out, " (SQLSTATE %s)", e->sqlstate);
	if (e->detail != NULL && e->detail[0] != '\0')
		strbuf_addf(out, "\n  DETAIL: %s", e->detail);
	if (e->hint != NULL && e->hint[0] != '\0')
		strbuf_addf(out, "\n  HINT: %s", e->hint);
}

void
mig_error_from_reply(struct mig_error *e, const struct conn_reply *reply, const char *file)
{
	const PGresult *res = reply->error;

	mig_error_clear(e);
	e->file = mig_dup(file);
	if (reply->conn_error != NULL) {
		e->message = xasprintf("connection lost: %s", reply->conn_error);
		e->connection = true;
		return;
	}
	/* the primary message as the server wrote it (JSON gives it back exactly) */
	e->message = mig_dup(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	e->detail = mig_dup(PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
	e->hint = mig_dup(PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
	e->sqlstate = mig_dup(PQresultErrorField(res, PG_DIAG_SQLSTATE));
	if (e->message == NULL)
		e->message = conn_reply_error_text(reply, CONN_ERROR_FULL);
}

const char *
mig_reply_sqlstate(const struct conn_reply *reply)
{
	const char *s = reply->error ? PQresultErrorField(reply->error, PG_DIAG_SQLSTATE) : NULL;

	return s != NULL ? s : "";
}

int
mig_position_line(const char *sent, long prefix_chars, long position)
{
	const unsigned char *p = (const unsigned char *)sent;
	long before = position - 1 - prefix_chars, seen = 0, chars = 0;
	int line = 1;

	if (position < 1 || before < 0)
		return 0;
	/* past the prefix: to the first byte of character prefix_chars + 1 */
	for (; *p != '\0'; p++) {
		if ((*p & 0xC0) != 0x80 && seen++ == prefix_chars)
			break;
	}
	/* the newlines among the `before` characters in front of the error */
	for (; *p != '\0' && chars < before; p++) {
		if ((*p & 0xC0) != 0x80)
			chars++;
		if (*p == '\n')
			line++;
	}
	return line;
}

int
mig_error_line(const struct conn_reply *reply, const char *sent, long prefix_chars)
{
	const char *pos;

	if (reply->error == NULL)
		return 0;
	pos = PQresultErrorField(reply->error, PG_DIAG_STATEMENT_POSITION);
	if (pos == NULL)
		return 0;
	return mig_position_line(sent, prefix_chars, atol(pos));
}

int
migrate_error_line(const struct conn_reply *reply, const char *sent, size_t prefix_chars,
		   int prefix_stmts, const char *rendered)
{
	struct sqlsplit_list stmts;
	int i, answered = 0, line;

	if (reply->error == NULL)
		return 0;
	line = mig_error_line(reply, sent, (long)prefix_chars);
	if (line > 0 || PQresultErrorField(reply->error, PG_DIAG_STATEMENT_POSITION) != NULL)
		return line;
	/* one answer per statement (a COPY's data phase is not one) */
	for (i = 0; i < reply->n && reply->results[i] != reply->error; i++)
		answered += PQresultStatus(reply->results[i]) != PGRES_COPY_OUT;
	if (i == reply->n || answered < prefix_stmts)
		return 0;
	sqlsplit_split(rendered, &stmts);
	line = (size_t)(answered - prefix_stmts) < stmts.n
		       ? stmts.v[answered - prefix_stmts].sql_line
		       : 0;
	sqlsplit_list_free(&stmts);
	return line;
}
