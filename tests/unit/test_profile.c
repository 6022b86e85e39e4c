/*
 * test_profile: the profile loader, driven by fixture files.
 *
 * tests/data/profiles/good/NAME.yaml loads and dumps to NAME.expected.
 * tests/data/profiles/bad/NAME.yaml starts with "# expect: LINE:COL: TEXT":
 * loading fails, and the first error is at LINE:COL and contains TEXT.
 * Set PGDBM_TEST_REGEN=1 to rewrite the .expected files after a deliberate
 * change (then review the diff).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "conninfo.h"
#include "profile.h"
#include "strbuf.h"
#include "testutil.h"

static const char *
rel(const struct profile *p, const char *path)
{
	size_t n = strlen(p->dir);

	if (path != NULL && strncmp(path, p->dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

#define S(x) ((x) != NULL ? (x) : "(null)")

static void
dump_profile(const struct profile *p, struct strbuf *sb)
{
	size_t i, j;

	strbuf_addf(sb, "profile name=%s refresh_ms=%lld read_only=%d databases=%zu\n", p->name,
		    (long long)p->refresh_ms, p->read_only, p->n_databases);
	for (i = 0; i < p->n_databases; i++) {
		const struct profile_database *db = &p->databases[i];

		strbuf_addf(sb, "database %s\n", db->label);
		strbuf_addf(
			sb,
			"  conninfo=%s service=%s application_name=%s read_only=%d has_password=%d\n",
			S(db->conninfo), S(db->service), db->application_name, db->read_only,
			db->has_password);
		strbuf_addf(sb,
			    "  pool min=%d max=%d acquire_timeout_ms=%lld max_lifetime_ms=%lld "
			    "max_idle_ms=%lld health_check_ms=%lld\n",
			    db->pool.min, db->pool.max, (long long)db->pool.acquire_timeout_ms,
			    (long long)db->pool.max_lifetime_ms, (long long)db->pool.max_idle_ms,
			    (long long)db->pool.health_check_ms);
		strbuf_addf(sb,
			    "  warn_at=%d connect_timeout_ms=%lld statement_timeout_ms=%lld "
			    "lock_timeout_ms=%lld idle_in_transaction_timeout_ms=%lld\n",
			    db->warn_at, (long long)db->connect_timeout_ms,
			    (long long)db->statement_timeout_ms, (long long)db->lock_timeout_ms,
			    (long long)db->idle_in_transaction_timeout_ms);
		strbuf_addf(sb, "  alerts idle_in_transaction_ms=%lld waiting_ms=%lld\n",
			    (long long)db->alerts.idle_in_transaction_ms,
			    (long long)db->alerts.waiting_ms);
		for (j = 0; j < db->n_modules; j++)
			strbuf_addf(sb, "  module name=%s schema=%s table=%s migrations=%s\n",
				    db->modules[j].name, db->modules[j].schema,
				    db->modules[j].table, rel(p, db->modules[j].migrations));
		if (db->tenants.present)
			strbuf_addf(sb,
				    "  tenants prefix=%s migrations=%s table=%s concurrency=%d "
				    "canaries=%d on_failure=%d registry=%s archive_prefix=%s\n",
				    db->tenants.prefix, rel(p, db->tenants.migrations),
				    db->tenants.table, db->tenants.concurrency,
				    db->tenants.canaries, (int)db->tenants.on_failure,
				    S(db->tenants.registry), db->tenants.archive_prefix);
		for (j = 0; j < db->n_apps; j++)
			strbuf_addf(sb, "  app application_name=%s pool_max=%d\n",
				    db->apps[j].application_name, db->apps[j].pool_max);
		if (db->pgbouncer != NULL)
			strbuf_addf(sb, "  pgbouncer=%s\n", db->pgbouncer);
	}
}

static void
test_good_fixtures(void **state)
{
	char *dir = tu_src_path("tests/data/profiles/good");
	char **names;
	size_t n = tu_list_dir(dir, ".yaml", &names), i;
	int failures = 0;

	(void)state;
	assert_true(n >= 5);
	for (i = 0; i < n; i++) {
		struct profile_diags diags = { NULL, 0, 0 };
		struct strbuf got = STRBUF_INIT;
		char *path = xasprintf("%s/%s", dir, names[i]);
		char *exp_path = xasprintf("%s/%.*s.expected", dir, (int)(strlen(names[i]) - 5),
					   names[i]);
		struct profile *p = profile_load(path, &diags);
		char *want;

		if (p == NULL) {
			struct strbuf e = STRBUF_INIT;

			profile_diag_format(&diags.v[0], &e);
			print_error("%s: failed to load: %s\n", names[i], strbuf_str(&e));
			strbuf_free(&e);
			failures++;
		} else {
			dump_profile(p, &got);
			if (getenv("PGDBM_TEST_REGEN") != NULL)
				tu_write_file(exp_path, strbuf_str(&got));
			want = tu_read_file(exp_path, NULL);
			if (want == NULL || strcmp(want, strbuf_str(&got)) != 0) {
				print_error("%s: model differs from %s\n--- got\n%s--- want\n%s\n",
					    names[i], exp_path, strbuf_str(&got), S(want));
				failures++;
			}
			free(want);
		}
		profile_free(&p);
		assert_null(p);
		profile_diags_free(&diags);
		strbuf_free(&got);
		free(path);
		free(exp_path);
	}
	tu_free_names(names, n);
	free(dir);
	assert_int_equal(failures, 0);
}

/* "# expect: 12:5: some text" -> line, col, text */
static int
parse_expect(const char *text, int *line, int *col, char **want)
{
	const char *p = strstr(text, "# expect: ");
	const char *end;
	int consumed = 0;

	if (p != text)
		return -1;
	p += strlen("# expect: ");
	if (sscanf(p, "%d:%d: %n", line, col, &consumed) != 2 || consumed == 0)
		return -1;
	p += consumed;
	end = strchr(p, '\n');
	*want = xstrndup(p, end ? (size_t)(end - p) : strlen(p));
	return 0;
}

static void
test_bad_fixtures(void **state)
{
	char *dir = tu_src_path("tests/data/profiles/bad");
	char **names;
	size_t n = tu_list_dir(dir, ".yaml", &names), i;
	int failures = 0;

	(void)state;
	assert_true(n >= 40);
	for (i = 0; i < n; i++) {
		struct profile_diags diags = { NULL, 0, 0 };
		char *path = xasprintf("%s/%s", dir, names[i]);
		char *text = tu_read_file(path, NULL);
		char *want = NULL;
		int line = -1, col = -1;
		struct profile *p;

		assert_non_null(text);
		if (parse_expect(text, &line, &col, &want) != 0) {
			print_error("%s: no '# expect: LINE:COL: TEXT' first line\n", names[i]);
			failures++;
		} else {
			p = profile_load(path, &diags);
			if (p != NULL) {
				print_error("%s: loaded, expected an error\n", names[i]);
				failures++;
				profile_free(&p);
			} else if (diags.n_errors == 0 || diags.n == 0) {
				print_error("%s: failed without a diagnostic\n", names[i]);
				failures++;
			} else {
				const struct profile_diag *d = &diags.v[0];
				size_t k;

				for (k = 0; k < diags.n && d->severity != PROFILE_ERROR; k++)
					d = &diags.v[k];
				if (d->line != line || d->col != col ||
				    strstr(d->msg, want) == NULL || strcmp(d->file, path) != 0) {
					print_error("%s: got %d:%d: %s\n  want %d:%d: ...%s...\n",
						    names[i], d->line, d->col, d->msg, line, col,
						    want);
					failures++;
				}
			}
		}
		profile_diags_free(&diags);
		free(want);
		free(text);
		free(path);
	}
	tu_free_names(names, n);
	free(dir);
	assert_int_equal(failures, 0);
}

static void
test_examples_load(void **state)
{
	static const char *const required[] = {
		"simple.yaml", "shared-pool.yaml",	  "microservices.yaml",
		"saas.yaml",   "multiple-databases.yaml", "dual-mode.yaml",
		"demo.yaml",
	};
	char *dir = tu_src_path("profiles");
	char **names;
	size_t n = tu_list_dir(dir, ".yaml", &names), i, j;

	(void)state;
	for (j = 0; j < sizeof required / sizeof required[0]; j++) {
		for (i = 0; i < n && strcmp(names[i], required[j]) != 0; i++)
			;
		if (i == n)
			print_error("example profile %s is missing\n", required[j]);
		assert_true(i < n);
	}
	for (i = 0; i < n; i++) {
		struct profile_diags diags = { NULL, 0, 0 };
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct profile *p = profile_load(path, &diags);

		if (p == NULL || diags.n != 0) {
			struct strbuf e = STRBUF_INIT;

			if (diags.n > 0)
				profile_diag_format(&diags.v[0], &e);
			print_error("%s: %s\n", names[i], strbuf_str(&e));
			strbuf_free(&e);
		}
		assert_non_null(p);
		assert_int_equal(diags.n, 0);
		assert_true(p->n_databases >= 1);
		profile_free(&p);
		profile_diags_free(&diags);
		free(path);
	}
	tu_free_names(names, n);
	free(dir);
}

/* The full fixture with a password, at mode 0644 and 0600. */
static void
test_password_warning(void **state)
{
	char *tmp = tu_mkdtemp();
	char *path = xasprintf("%s/secret.yaml", tmp);
	struct profile_diags diags = { NULL, 0, 0 };
	struct profile *p;
	char *shown;

	(void)state;
	assert_int_equal(tu_write_file(path, "databases:\n  main:\n    conninfo: "
					     "\"host=db user=app password=hunter2 dbname=x\"\n"),
			 0);
	chmod(path, 0644);
	p = profile_load(path, &diags);
	assert_non_null(p);
	assert_true(p->databases[0].has_password);
	assert_int_equal(diags.n, 1);
	assert_int_equal(diags.v[0].severity, PROFILE_WARNING);
	assert_int_equal(diags.v[0].line, 3);
	assert_non_null(strstr(diags.v[0].msg, "readable by group or others"));
	assert_null(strstr(diags.v[0].msg, "hunter2"));
	shown = conninfo_redact(p->databases[0].conninfo);
	assert_null(strstr(shown, "hunter2"));
	assert_non_null(strstr(shown, "password=********"));
	free(shown);
	profile_free(&p);
	profile_diags_free(&diags);

	chmod(path, 0600);
	p = profile_load(path, &diags);
	assert_non_null(p);
	assert_int_equal(diags.n, 0);
	profile_free(&p);
	profile_diags_free(&diags);

	/* a URI password is found and redacted too */
	shown = conninfo_redact("postgresql://app:s3cr%65t@db:5432/x");
	assert_null(strstr(shown, "s3cr"));
	assert_non_null(strstr(shown, "password=********"));
	free(shown);

	tu_rm_rf(tmp);
	free(path);
	free(tmp);
}

static void
test_empty_and_binary(void **state)
{
	struct profile_diags diags = { NULL, 0, 0 };
	char *tmp = tu_mkdtemp();
	char *path = xasprintf("%s/empty.yaml", tmp);

	(void)state;
	tu_write_file(path, "");
	assert_null(profile_load(path, &diags));
	assert_int_equal(diags.n_errors, 1);
	assert_non_null(strstr(diags.v[0].msg, "empty"));
	profile_diags_free(&diags);

	assert_null(profile_load_string("databases:\n  a: {}\n\0x", 21, "mem.yaml", ".", &diags));
	assert_non_null(strstr(diags.v[0].msg, "NUL"));
	profile_diags_free(&diags);

	assert_null(profile_load(tmp, &diags)); /* a folder */
	assert_non_null(strstr(diags.v[0].msg, "not a regular file"));
	profile_diags_free(&diags);

	assert_null(profile_load("/nonexistent/x.yaml", &diags));
	assert_non_null(strstr(diags.v[0].msg, "cannot open"));
	profile_diags_free(&diags);

	tu_rm_rf(tmp);
	free(path);
	free(tmp);
}

/* Many errors in one file are all reported, and nothing is returned. */
static void
test_all_errors_reported(void **state)
{
	const char *text = "refresh: 5\n"
			   "databases:\n"
			   "  main:\n"
			   "    pool: { min: 9, max: 2 }\n"
			   "    warn_at: 50\n"
			   "    bogus: 1\n";
	struct profile_diags diags = { NULL, 0, 0 };

	(void)state;
	assert_null(profile_load_string(text, strlen(text), "m.yaml", ".", &diags));
	assert_int_equal(diags.n_errors, 4);
	assert_int_equal(diags.v[0].line, 1);
	assert_int_equal(diags.v[1].line, 4);
	assert_int_equal(diags.v[2].line, 5);
	assert_int_equal(diags.v[3].line, 6);
	profile_diags_free(&diags);
}

/*
 * tenants.registry names a table the console writes to and applications
 * read unquoted: upper case (folded) and reserved words are refused where
 * they are written.
 */
static void
test_registry_name_checked(void **state)
{
	static const struct {
		const char *registry, *why; /* why: NULL when accepted */
	} cases[] = {
		{ "public.tenants", NULL },
		{ "tenants", NULL },
		{ "order", "tenants.registry: \"order\" is a reserved word" },
		{ "public.Tenants", "tenants.registry: \"public.Tenants\" contains upper case" },
		{ "user.tenants", "tenants.registry: \"user.tenants\" is a reserved word" },
		{ "a.b.c", "tenants.registry" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct profile_diags diags = { NULL, 0, 0 };
		char *text = xasprintf("databases:\n  app:\n    conninfo: \"dbname=x\"\n"
				       "    tenants: { migrations: ., registry: %s }\n",
				       cases[i].registry);
		struct profile *p = profile_load_string(text, strlen(text), "m.yaml", ".", &diags);

		if (cases[i].why == NULL) {
			if (p == NULL)
				fail_msg("registry %s refused", cases[i].registry);
		} else {
			struct strbuf e = STRBUF_INIT;

			if (p != NULL)
				fail_msg("registry %s accepted", cases[i].registry);
			profile_diag_format(&diags.v[0], &e);
			if (strstr(strbuf_str(&e), cases[i].why) == NULL ||
			    strstr(strbuf_str(&e), ":4:") == NULL)
				fail_msg("registry %s: %s", cases[i].registry, strbuf_str(&e));
			strbuf_free(&e);
		}
		profile_free(&p);
		profile_diags_free(&diags);
		free(text);
	}
}

/*
 * A connection string where a mapping belongs (a common shorthand) is
 * named in the error without its password.
 */
static void
test_misplaced_conninfo_hides_password(void **state)
{
	static const char *const texts[] = {
		"databases:\n  app: \"postgresql://app:S3cretPW@db/x\"\n",
		"databases:\n  app: \"host=db password=S3cretPW dbname=x\"\n",
		"databases: \"host=db password=S3cretPW\"\n",
		"databases:\n  app:\n    pool: \"postgresql://a:S3cretPW@h/x\"\n",
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct profile_diags diags = { NULL, 0, 0 };
		bool said = false;

		assert_null(profile_load_string(texts[i], strlen(texts[i]), "m.yaml", ".", &diags));
		assert_true(diags.n_errors > 0);
		for (k = 0; k < diags.n; k++) {
			struct strbuf e = STRBUF_INIT;

			profile_diag_format(&diags.v[k], &e);
			if (strstr(strbuf_str(&e), "S3cretPW") != NULL)
				fail_msg("%s", strbuf_str(&e));
			said = said || strstr(strbuf_str(&e), "found \"") != NULL;
			strbuf_free(&e);
		}
		if (!said)
			fail_msg("no error says what it found in: %s", texts[i]);
		profile_diags_free(&diags);
	}
}

/*
 * Nesting thousands of levels deep is refused at the 65th level, at its
 * line and column, at once: libyaml's scanner costs time in the square of
 * the depth (it took 12 s for 64,000 '[' and over a minute for 100 KB).
 */
static void
check_deep(const char *open, size_t open_len, size_t n, int col)
{
	struct profile_diags diags = { NULL, 0, 0 };
	struct strbuf sb = STRBUF_INIT;
	struct timespec t0, t1;
	double ms;
	size_t i;

	strbuf_adds(&sb, "name: ");
	for (i = 0; i < n; i++)
		strbuf_add(&sb, open, open_len);
	strbuf_addc(&sb, '\n');
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_null(profile_load_string(sb.data, sb.len, "deep.yaml", ".", &diags));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("%zu x \"%s\" (%zu bytes): refused in %.1f ms\n", n, open, sb.len, ms);
	assert_int_equal(diags.n_errors, 1);
	assert_int_equal(diags.v[0].line, 1);
	assert_int_equal(diags.v[0].col, col);
	assert_non_null(strstr(diags.v[0].msg, "nesting deeper than 64 levels"));
	/* generous for a loaded machine: the limit is reached within 100 ms */
	assert_true(ms < 1000.0);
	profile_diags_free(&diags);
	strbuf_free(&sb);
}

static void
test_deep_nesting(void **state)
{
	(void)state;
	check_deep("[", 1, 64000, 70);
	check_deep("[", 1, 100 * 1024, 70);
	check_deep("{a: ", 4, 25000, 259);
	check_deep("[{a: ", 5, 20000, 163);
}

static void
test_find_order(void **state)
{
	char *tmp = tu_mkdtemp();
	char *cfg = xasprintf("%s/pgdbm-console", tmp);
	char *in_cfg = xasprintf("%s/prod.yaml", cfg);
	char *dflt = xasprintf("%s/default.yaml", cfg);
	char *why = NULL, *found;

	(void)state;
	mkdir(cfg, 0700);
	tu_write_file(in_cfg, "databases: {a: {}}\n");
	setenv("XDG_CONFIG_HOME", tmp, 1);
	unsetenv("PGDBM_CONSOLE_PROFILE");

	/* a name resolves in the configuration folder, with or without .yaml */
	found = profile_find("prod", &why);
	assert_string_equal(found, in_cfg);
	free(found);
	found = profile_find("prod.yaml", &why);
	assert_string_equal(found, in_cfg);
	free(found);

	/* nothing given, no default anywhere: an error that lists the places */
	found = profile_find(NULL, &why);
	assert_null(found);
	assert_non_null(strstr(why, "default.yaml"));
	free(why);

	/* then default.yaml in the configuration folder */
	tu_write_file(dflt, "databases: {a: {}}\n");
	found = profile_find(NULL, &why);
	assert_string_equal(found, dflt);
	free(found);

	/* the environment variable comes first */
	setenv("PGDBM_CONSOLE_PROFILE", "prod", 1);
	found = profile_find(NULL, &why);
	assert_string_equal(found, in_cfg);
	free(found);
	unsetenv("PGDBM_CONSOLE_PROFILE");

	/* an explicit path that does not exist is an error, not a search */
	found = profile_find("/no/such/profile.yaml", &why);
	assert_null(found);
	assert_non_null(strstr(why, "/no/such/profile.yaml"));
	free(why);

	tu_rm_rf(tmp);
	free(cfg);
	free(in_cfg);
	free(dflt);
	free(tmp);
}

struct keyset {
	char **v;
	size_t n;
};

static void
collect_key(void *arg, const char *path, const char *kind, const char *doc)
{
	struct keyset *ks = arg;

	(void)kind;
	assert_non_null(doc);
	assert_true(doc[0] != '\0');
	ks->v = xreallocarray(ks->v, ks->n + 1, sizeof *ks->v);
	ks->v[ks->n++] = xstrdup(path);
}

static bool
keyset_has(const struct keyset *ks, const char *key)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		if (strcmp(ks->v[i], key) == 0)
			return true;
	}
	return false;
}

/* docs/profiles.md lists exactly the keys the loader accepts. */
static void
test_keys_documented(void **state)
{
	struct keyset accepted = { NULL, 0 }, documented = { NULL, 0 };
	char *path = tu_src_path("docs/profiles.md");
	char *text = tu_read_file(path, NULL);
	char *line, *save = NULL;
	int failures = 0;
	size_t i;

	(void)state;
	assert_non_null(text);
	profile_keys_foreach(collect_key, &accepted);
	assert_true(accepted.n > 30);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *end;

		if (strncmp(line, "| `", 3) != 0)
			continue;
		end = strchr(line + 3, '`');
		assert_non_null(end);
		documented.v = xreallocarray(documented.v, documented.n + 1, sizeof *documented.v);
		documented.v[documented.n++] = xstrndup(line + 3, (size_t)(end - line - 3));
	}
	for (i = 0; i < accepted.n; i++) {
		if (!keyset_has(&documented, accepted.v[i])) {
			print_error("key %s is accepted but not documented in docs/profiles.md\n",
				    accepted.v[i]);
			failures++;
		}
	}
	for (i = 0; i < documented.n; i++) {
		if (!keyset_has(&accepted, documented.v[i])) {
			print_error("key %s is documented but the loader does not accept it\n",
				    documented.v[i]);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
	tu_free_names(accepted.v, accepted.n);
	tu_free_names(documented.v, documented.n);
	free(text);
	free(path);
}

/* Load a profile from text, named path (for the file-name prefixes). */
static struct profile *
load_text_profile(const char *text, const char *path)
{
	struct profile_diags diags = { NULL, 0, 0 };
	struct profile *p = profile_load_string(text, strlen(text), path, "/tmp", &diags);

	assert_int_equal(diags.n_errors, 0);
	profile_diags_free(&diags);
	assert_non_null(p);
	return p;
}

/* Several profiles: every database, clashing labels as profile/label. */
static void
test_merge(void **state)
{
	struct profile *v[3];
	struct profile *m;
	char *error = NULL;

	(void)state;
	v[0] = load_text_profile("name: east\nrefresh: 2s\nread_only: true\ndatabases:\n"
				 "  main: { conninfo: \"dbname=a\" }\n"
				 "  reports: { conninfo: \"dbname=r\" }\n",
				 "/tmp/east.yaml");
	v[1] = load_text_profile("name: west\nrefresh: 5s\ndatabases:\n"
				 "  main: { conninfo: \"dbname=b\", read_only: true }\n"
				 "  billing: { conninfo: \"dbname=c\" }\n",
				 "/tmp/west.yaml");
	/* no name: its file name stands for it */
	v[2] = load_text_profile("databases:\n  main: { conninfo: \"dbname=d\" }\n",
				 "/tmp/conf/third.yml");
	m = profile_merge(v, 3, &error);
	assert_null(error);
	assert_non_null(m);
	assert_null(v[0]);
	assert_null(v[1]);
	assert_null(v[2]);
	assert_int_equal(m->n_databases, 5);
	assert_string_equal(m->databases[0].label, "east/main");
	assert_string_equal(m->databases[0].conninfo, "dbname=a");
	assert_string_equal(m->databases[1].label, "reports");
	assert_string_equal(m->databases[2].label, "west/main");
	assert_string_equal(m->databases[3].label, "billing");
	assert_string_equal(m->databases[4].label, "third/main");
	assert_string_equal(m->name, "east + west + third");
	assert_string_equal(m->path, "/tmp/east.yaml, /tmp/west.yaml, /tmp/conf/third.yml");
	/* the first profile's interval; read-only stays per database */
	assert_int_equal(m->refresh_ms, 2000);
	assert_false(m->read_only);
	assert_true(m->databases[0].read_only);
	assert_true(m->databases[1].read_only);
	assert_true(m->databases[2].read_only);
	assert_false(m->databases[3].read_only);
	assert_non_null(profile_database(m, "west/main"));
	assert_null(profile_database(m, "main"));
	profile_free(&m);
}

/* One profile comes back as it is; names that clash fall back to file names. */
static void
test_merge_names(void **state)
{
	struct profile *v[2];
	struct profile *m, *one;
	char *error = NULL;

	(void)state;
	one = load_text_profile("name: solo\ndatabases:\n  main: { conninfo: \"\" }\n",
				"/tmp/solo.yaml");
	v[0] = one;
	m = profile_merge(v, 1, &error);
	assert_ptr_equal(m, one);
	assert_string_equal(m->databases[0].label, "main");
	assert_string_equal(m->name, "solo");
	profile_free(&m);

	v[0] = load_text_profile("name: same\ndatabases:\n  main: { conninfo: \"\" }\n",
				 "/tmp/a/prod.yaml");
	v[1] = load_text_profile("name: same\ndatabases:\n  main: { conninfo: \"\" }\n",
				 "/tmp/b/staging.yaml");
	m = profile_merge(v, 2, &error);
	assert_non_null(m);
	assert_string_equal(m->databases[0].label, "prod/main");
	assert_string_equal(m->databases[1].label, "staging/main");
	profile_free(&m);

	/* the same file twice: still told apart */
	v[0] = load_text_profile("name: same\ndatabases:\n  main: { conninfo: \"\" }\n",
				 "/tmp/a/prod.yaml");
	v[1] = load_text_profile("name: same\ndatabases:\n  main: { conninfo: \"\" }\n",
				 "/tmp/a/prod.yaml");
	m = profile_merge(v, 2, &error);
	assert_non_null(m);
	assert_string_equal(m->databases[0].label, "prod/main");
	assert_string_equal(m->databases[1].label, "profile2/main");
	profile_free(&m);
}

/* Labels that still clash after the renaming are an error, not a guess. */
static void
test_merge_clash(void **state)
{
	struct profile *v[2];
	struct profile *m;
	char *error = NULL;

	(void)state;
	v[0] = load_text_profile("name: x\ndatabases:\n  main: { conninfo: \"\" }\n"
				 "  x-main: { conninfo: \"\" }\n",
				 "/tmp/x.yaml");
	v[1] = load_text_profile("name: y\ndatabases:\n  main: { conninfo: \"\" }\n",
				 "/tmp/y.yaml");
	m = profile_merge(v, 2, &error);
	assert_non_null(m);
	assert_string_equal(m->databases[0].label, "x/main");
	assert_string_equal(m->databases[1].label, "x-main");
	assert_string_equal(m->databases[2].label, "y/main");
	profile_free(&m);

	/* a profile named profile2, then two named alike, one of them in profile2.yaml:
	 * the second falls back to its file name, then to its place (profile2) */
	{
		struct profile *w[3];

		w[0] = load_text_profile("name: profile2\ndatabases:\n  main: { conninfo: \"\" }\n",
					 "/tmp/a.yaml");
		w[1] = load_text_profile("name: dup\ndatabases:\n  main: { conninfo: \"\" }\n",
					 "/tmp/a/profile2.yaml");
		w[2] = load_text_profile("name: dup\ndatabases:\n  main: { conninfo: \"\" }\n",
					 "/tmp/b/x.yaml");
		m = profile_merge(w, 3, &error);
		assert_null(m);
		assert_non_null(error);
		assert_non_null(strstr(error, "\"profile2/main\" twice"));
		assert_null(w[0]);
		assert_null(w[1]);
		assert_null(w[2]);
	}
	free(error);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_fixtures),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_examples_load),
		cmocka_unit_test(test_password_warning),
		cmocka_unit_test(test_empty_and_binary),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_misplaced_conninfo_hides_password),
		cmocka_unit_test(test_registry_name_checked),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_find_order),
		cmocka_unit_test(test_keys_documented),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_names),
		cmocka_unit_test(test_merge_clash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
