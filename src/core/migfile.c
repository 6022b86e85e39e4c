/*
 * migfile: discovery, naming and creation of migration files.
 *
 * Discovery mirrors pgdbm's find_migration_files():
 *   - the folder is listed, not walked: names ending in ".sql" (case-
 *     sensitive, so ".SQL" does not count, which is said) that do not
 *     start with '.';
 *   - an entry counts when it is a regular file after following symlinks
 *     (a directory, a FIFO or a dangling symlink is skipped, as Python's
 *     Path.is_file() skips it);
 *   - what is skipped although its name ends in ".sql" (a dot-file, a
 *     folder, a symlink to a folder, a broken symlink) or ".SQL" in
 *     another case is not an error but
 *     is said: the set lists one warning per entry, for the front ends to
 *     show (pgdbm skips them silently, and a migration that silently does
 *     not count is a surprise);
 *   - the file must resolve inside the resolved folder, else the scan fails
 *     naming it;
 *   - the content is decoded as pgdbm decodes it (checksum module): invalid
 *     UTF-8 fails the scan with the byte offset. We also refuse a NUL byte,
 *     which no libpq query string can carry;
 *   - apply order is strcmp() of the names, i.e. code point order: 10_a.sql
 *     sorts before 9_a.sql.
 * A missing folder is an error here (pgdbm logs a warning and finds
 * nothing): the console was told the folder exists, so its absence is news.
 *
 * Down scripts live in <folder>/down/ under the same name and are read with
 * the same rules; a missing one is normal.
 *
 * Naming follows pgdbm's CLI "migrate create": NNN_name.sql, NNN = largest
 * leading integer of the folder's *.sql names + 1, at least three digits.
 * We accept only names of [a-z0-9_] and do not lower-case for the user.
 */
#include "config.h"

#include "migfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msglog.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#define SQL_SUFFIX "sql"

/* ------------------------------------------------------------------------
 * Reading one script
 * ------------------------------------------------------------------------ */

/* Whether name ends in ".sql" (any_case: in any case, as ".SQL" or ".Sql"). */
static bool
has_sql_suffix(const char *name, bool any_case)
{
	size_t n = strlen(name);

	if (n < 4)
		return false;
	return any_case ? strcasecmp(name + n - 4, "." SQL_SUFFIX) == 0
			: strcmp(name + n - 4, "." SQL_SUFFIX) == 0;
}

/* Whole file into *buf (malloc'd, NUL-terminated); NULL or an error. */
static char *
read_all(const char *path, char **buf, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*buf = NULL;
	if (fd < 0)
		return xasprintf("%s: cannot open: %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			char *err = xasprintf("%s: cannot read: %s", path, strerror(errno));

			close(fd);
			strbuf_free(&sb);
			return err;
		}
		strbuf_add(&sb, chunk, (size_t)n);
	}
	close(fd);
	*len = sb.len;
	*buf = sb.len > 0 ? strbuf_detach(&sb) : xstrdup("");
	return NULL;
}

/* Is path, resolved, inside the resolved folder rfolder? */
static char *
check_inside(const char *path, const char *rfolder)
{
	char *rpath = realpath(path, NULL);
	size_t n = strlen(rfolder);
	char *err = NULL;

	if (rpath == NULL)
		return xasprintf("%s: cannot resolve: %s", path, strerror(errno));
	if (!(strncmp(rpath, rfolder, n) == 0 && (rpath[n] == '/' || rfolder[n - 1] == '/')))
		err = xasprintf("%s: resolves to %s, outside the migration folder %s", path, rpath,
				rfolder);
	free(rpath);
	return err;
}

/* Read and decode path into *s; NULL or an error naming the file. */
static char *
read_script(const char *path, const char *rfolder, struct migfile_script *s)
{
	struct checksum_utf8_error uerr;
	char *raw, *err, *nul;
	size_t raw_len;

	memset(s, 0, sizeof *s);
	if ((err = check_inside(path, rfolder)) != NULL)
		return err;
	if ((err = read_all(path, &raw, &raw_len)) != NULL)
		return err;
	s->text = checksum_normalise(raw, raw_len, &s->len, &uerr);
	free(raw);
	if (s->text == NULL)
		return xasprintf("%s: not valid UTF-8 at byte %zu (line %zu): %s", path,
				 uerr.offset, uerr.line, uerr.reason);
	nul = memchr(s->text, '\0', s->len);
	if (nul != NULL) {
		err = xasprintf("%s: contains a NUL character at offset %zu of the decoded text, "
				"which PostgreSQL cannot receive",
				path, (size_t)(nul - s->text));
		free(s->text);
		s->text = NULL;
		return err;
	}
	s->path = xstrdup(path);
	checksum_text(s->text, s->len, s->checksum);
	return NULL;
}

static void
script_free(struct migfile_script *s)
{
	free(s->path);
	free(s->text);
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------------------
 * Scanning a folder
 * ------------------------------------------------------------------------ */

/* Regular file after following symlinks? (-1 with errno on other errors) */
static int
is_regular(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : -1;
	return S_ISREG(st.st_mode) ? 1 : 0;
}

/*
 * Sorted names of the folder's *.sql entries (dot-files included; any_case:
 * also names ending in .SQL or .Sql, to be warned about); NULL or an error.
 */
static char *
list_sql_names(const char *folder, bool any_case, char ***names, size_t *n)
{
	DIR *d = opendir(folder);
	struct dirent *e;

	*names = NULL;
	*n = 0;
	if (d == NULL)
		return xasprintf("%s: cannot open the migration folder: %s", folder,
				 strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (has_sql_suffix(e->d_name, any_case))
			strvec_add(names, n, e->d_name);
	}
	closedir(d);
	strvec_sort(*names, *n);
	return NULL;
}

/* Why path, which is not a regular file after following symlinks, is skipped. */
static char *
skip_reason(const char *path)
{
	struct stat lst, st;
	char target[PATH_MAX];
	ssize_t len;

	if (lstat(path, &lst) != 0)
		return xasprintf("%s: skipped: %s", path, strerror(errno));
	if (!S_ISLNK(lst.st_mode))
		return xasprintf("%s: skipped: %s, not a migration file", path,
				 S_ISDIR(lst.st_mode) ? "a folder (sub-folders are not searched)"
						      : "not a regular file");
	len = readlink(path, target, sizeof target - 1);
	target[len > 0 ? len : 0] = '\0';
	if (stat(path, &st) != 0)
		return errno == ELOOP
			       ? xasprintf("%s: skipped: a symlink loop", path)
			       : xasprintf("%s: skipped: a broken symlink (to %s)", path, target);
	return xasprintf("%s: skipped: a symlink to %s, not a migration file", path,
			 S_ISDIR(st.st_mode) ? "a folder" : "something that is not a regular file");
}

/* The down script of m, if there is one. */
static char *
read_down(const char *folder, const char *rfolder, struct migfile *m)
{
	char *path = xasprintf("%s/down/%s", folder, m->name);
	char *err = NULL;
	int reg = is_regular(path);

	if (reg < 0)
		err = xasprintf("%s: %s", path, strerror(errno));
	else if (reg == 0 && access(path, F_OK) == 0)
		err = xasprintf("%s: not a regular file", path);
	else if (reg == 1 && (err = read_script(path, rfolder, &m->down)) == NULL)
		m->has_down = true;
	free(path);
	return err;
}

/* Add folder/name to set unless it is a dot-file or not a regular file (then warn). */
static char *
add_migration(struct migfile_set *set, const char *rfolder, const char *name)
{
	char *path = xasprintf("%s/%s", set->folder, name);
	struct migfile *m;
	char *err = NULL;
	int reg;
	size_t s, e;

	if (name[0] == '.') {
		strvec_addf(&set->warnings, &set->n_warnings,
			    "%s: skipped: a dot-file (hidden: not a migration, for pgdbm either)",
			    path);
		free(path);
		return NULL;
	}
	if (!has_sql_suffix(name, false)) {
		strvec_addf(&set->warnings, &set->n_warnings,
			    "%s: skipped: only names ending in .sql (lower case) are migrations, "
			    "for pgdbm too; rename it to apply it",
			    path);
		free(path);
		return NULL;
	}
	reg = is_regular(path);
	if (reg <= 0) {
		if (reg < 0)
			err = xasprintf("%s: %s", path, strerror(errno));
		else
			strvec_push(&set->warnings, &set->n_warnings, skip_reason(path));
		free(path);
		return err;
	}
	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	m = &set->v[set->n++];
	memset(m, 0, sizeof *m);
	m->name = xstrdup(name);
	err = read_script(path, rfolder, &m->up);
	if (err == NULL) {
		checksum_strip(m->up.text, m->up.len, &s, &e);
		m->empty = s == e;
		m->no_transaction = sqlsplit_has_no_tx_marker(m->up.text);
		err = read_down(set->folder, rfolder, m);
	}
	free(path);
	return err;
}

char *
migfile_scan(const char *folder, struct migfile_set *set)
{
	struct stat st;
	char **names = NULL, *rfolder = NULL, *err;
	size_t n = 0, i;

	memset(set, 0, sizeof *set);
	if (stat(folder, &st) != 0)
		return xasprintf("%s: migration folder: %s", folder, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return xasprintf("%s: migration folder is not a folder", folder);
	rfolder = realpath(folder, NULL);
	if (rfolder == NULL)
		return xasprintf("%s: cannot resolve: %s", folder, strerror(errno));
	set->folder = xstrdup(folder);
	err = list_sql_names(folder, true, &names, &n);
	for (i = 0; i < n && err == NULL; i++)
		err = add_migration(set, rfolder, names[i]);
	strvec_free(&names, &n);
	free(rfolder);
	if (err != NULL)
		migfile_set_free(set);
	return err;
}

void
migfile_set_free(struct migfile_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		free(set->v[i].name);
		script_free(&set->v[i].up);
		script_free(&set->v[i].down);
	}
	strvec_free(&set->warnings, &set->n_warnings);
	free(set->v);
	free(set->folder);
	memset(set, 0, sizeof *set);
}

void
migfile_log_warnings(const struct migfile_set *set, struct msglog *log, const char *source)
{
	size_t i;

	for (i = 0; i < set->n_warnings; i++)
		msglog_add(log, MSG_WARNING, source, "%s", set->warnings[i]);
}

const struct migfile *
migfile_find(const struct migfile_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i].name, name) == 0)
			return &set->v[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------ */

static size_t
digit_run(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/*
 * pgdbm also tries "^(\d{8,14})_" between the two rules below; every name
 * it matches already matches the first rule, so it never decides anything.
 */
char *
migfile_version(const char *name)
{
	size_t n = digit_run(name);

	if (n > 0 && name[n] == '_')
		return xstrndup(name, n);
	if (name[0] == 'V') {
		n = digit_run(name + 1);
		if (n > 0 && strncmp(name + 1 + n, "__", 2) == 0)
			return xstrndup(name + 1, n);
	}
	return xstrndup(name, strcspn(name, "."));
}

const char *
migfile_name_problem(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0')
		return "is empty";
	for (p = name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
			continue;
		if (*p >= 'A' && *p <= 'Z')
			return "contains upper case (use lower-case letters, digits and _)";
		if (*p == ' ' || *p == '\t' || *p == '\n')
			return "contains white space (use lower-case letters, digits and _)";
		return "contains a character other than a-z, 0-9 and _";
	}
	/* "NNN_" + name + ".sql" must fit the ledger's VARCHAR(255). */
	if (strlen(name) > MIGFILE_NAME_MAX - 8)
		return "is too long (a migration file name must fit in 255 characters)";
	return NULL;
}

/* Largest leading integer among the folder's *.sql names (0 if none). */
static char *
largest_number(const char *folder, uintmax_t *max)
{
	char **names;
	size_t n, i;
	char *err = list_sql_names(folder, false, &names, &n);

	*max = 0;
	for (i = 0; i < n && err == NULL; i++) {
		size_t k, digits = digit_run(names[i]);
		uintmax_t v = 0;

		for (k = 0; k < digits; k++) {
			if (v > (UINTMAX_MAX - 9) / 10) {
				err = xasprintf("%s/%s: leading number too large", folder,
						names[i]);
				break;
			}
			v = v * 10 + (uintmax_t)(names[i][k] - '0');
		}
		if (v > *max)
			*max = v;
	}
	strvec_free(&names, &n);
	return err;
}

char *
migfile_next_name(const char *folder, const char *name, char **file)
{
	const char *why = migfile_name_problem(name);
	uintmax_t max;
	char *err;

	*file = NULL;
	if (why != NULL)
		return xasprintf("migration name \"%s\" %s", name, why);
	if ((err = largest_number(folder, &max)) != NULL)
		return err;
	*file = xasprintf("%03ju_%s.sql", max + 1, name);
	if (strlen(*file) > MIGFILE_NAME_MAX) {
		free(*file);
		*file = NULL;
		return xasprintf("migration name \"%s\" makes a file name longer than %d "
				 "characters",
				 name, MIGFILE_NAME_MAX);
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Creating
 * ------------------------------------------------------------------------ */

/* "2026-01-17T12:18:00+01:00" in local time. */
static void
iso_time(time_t now, char *buf, size_t size)
{
	struct tm tm;
	char zone[8];

	localtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof zone, "%z", &tm); /* +hhmm */
	if (strlen(zone) == 5)
		snprintf(buf + strlen(buf), size - strlen(buf), "%.3s:%.2s", zone, zone + 3);
}

/* pgdbm's description: name with '_' as ' ', in Python's str.title() case. */
static char *
title(const char *name)
{
	char *t = xstrdup(name), *p;
	bool after_letter = false;

	for (p = t; *p != '\0'; p++) {
		bool letter = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');

		if (*p == '_')
			*p = ' ';
		else if (letter && !after_letter && *p >= 'a')
			*p = (char)(*p - 'a' + 'A');
		after_letter = letter;
	}
	return t;
}

static char *
header(const char *file, const char *name, time_t now)
{
	char when[40];
	char *desc = title(name), *text;

	iso_time(now, when, sizeof when);
	text = xasprintf("-- Migration: %s\n"
			 "-- Created: %s\n"
			 "-- Description: %s\n"
			 "--\n"
			 "-- Write table names as {{tables.name}} so that they are created in the\n"
			 "-- module's schema; pgdbm and pgdbm-console render the placeholder.\n"
			 "-- Undo this migration in down/%s.\n"
			 "\n",
			 file, when, desc, file);
	free(desc);
	return text;
}

/* Create path exclusively with text; NULL or an error. */
static char *
write_new(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	char *err = NULL;

	if (fd < 0)
		return xasprintf("%s: %s", path,
				 errno == EEXIST ? "already exists; not overwriting"
						 : strerror(errno));
	while (off < len && err == NULL) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno != EINTR)
			err = xasprintf("%s: cannot write: %s", path, strerror(errno));
		else if (n > 0)
			off += (size_t)n;
	}
	if (close(fd) != 0 && err == NULL)
		err = xasprintf("%s: cannot write: %s", path, strerror(errno));
	if (err != NULL)
		unlink(path);
	return err;
}

static char *
ensure_down_folder(const char *folder)
{
	char *down = xasprintf("%s/down", folder);
	char *err = NULL;
	struct stat st;

	if (mkdir(down, 0777) != 0 && errno != EEXIST)
		err = xasprintf("%s: cannot create: %s", down, strerror(errno));
	else if (stat(down, &st) != 0 || !S_ISDIR(st.st_mode))
		err = xasprintf("%s: exists but is not a folder", down);
	free(down);
	return err;
}

char *
migfile_create(const char *folder, const char *name, time_t now, char **up_path, char **down_path)
{
	char *file = NULL, *up = NULL, *down = NULL, *text = NULL, *err;

	*up_path = NULL;
	if (down_path != NULL)
		*down_path = NULL;
	if ((err = migfile_next_name(folder, name, &file)) != NULL)
		return err;
	up = xasprintf("%s/%s", folder, file);
	down = xasprintf("%s/down/%s", folder, file);
	err = ensure_down_folder(folder);
	if (err == NULL && access(down, F_OK) == 0)
		err = xasprintf("%s: already exists; not overwriting", down);
	if (err == NULL) {
		text = header(file, name, now);
		err = write_new(up, text);
	}
	if (err == NULL && (err = write_new(down, "")) != NULL)
		unlink(up);
	if (err == NULL) {
		*up_path = up;
		up = NULL;
		if (down_path != NULL) {
			*down_path = down;
			down = NULL;
		}
	}
	free(file);
	free(up);
	free(down);
	free(text);
	return err;
}
