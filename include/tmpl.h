/*
 * tmpl: pgdbm's placeholder rendering ("query preparation").
 *
 * pgdbm isolates schemas by rewriting SQL text before it is sent
 * (research/pgdbm.md section 2.4). Three placeholders exist:
 *
 *   {{schema}}   {{tables.NAME}}   {{tables.SCHEMA.NAME}}
 *
 * With a schema X configured they render as "X", "X".NAME and "SCHEMA".NAME;
 * without one, "{{schema}}." is deleted, the remaining {{schema}} becomes
 * public, {{tables.NAME}} becomes NAME and {{tables.SCHEMA.NAME}} still
 * "SCHEMA".NAME. Schema parts are double-quoted, table parts never are.
 *
 * Ownership: tmpl_render() hands the caller the rendered text or an error
 * message; both are malloc'd and freed by the caller.
 */
#ifndef PGDBM_TMPL_H
#define PGDBM_TMPL_H

/*
 * Render sql for a manager bound to schema (NULL or "" for a manager
 * without schema, as pgdbm treats an empty schema). Returns NULL and sets
 * *out on success. On error returns an English message that names the
 * placeholder and its line ("line 3: {{tables.1x}}: table name ...") and
 * sets *line to that 1-based line, or to 0 when the schema itself breaks
 * the identifier rule; *out is then NULL. Nothing is partially rendered.
 */
char *tmpl_render(const char *sql, const char *schema, char **out, int *line);

#endif
