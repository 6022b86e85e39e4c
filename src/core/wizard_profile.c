/*
 * wizard_profile: the profile of a wizard result.
 *
 * The YAML follows the pattern's shape (an owned pool, one shared pool with
 * service modules and maybe tenants, a database per service, or the
 * library's embedded and standalone databases), with the answers that
 * regenerate it and the pool the load band sizes in comments; it names its
 * migration folders relative to its own file. wizard_write() creates those
 * folders (each with a down/ folder) and then the file, never replacing one
 * unless asked; wizard_verdict() loads it back and says what `profile
 * check` would say.
 */
#include "config.h"

#include "wizard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "profile.h"
#include "strbuf.h"
#include "strvec.h"
#include "wizard_int.h"
#include "xalloc.h"

#define CONNINFO_FMT	      "postgresql://app@localhost:5432/%s"
#define PROFILE_INDENT_MODULE "      - "

/* ------------------------------------------------------------------------
 * The YAML
 * ------------------------------------------------------------------------ */

static void
add_folder(struct wizard_result *r, const char *folder)
{
	strvec_add_unique(&r->folders, &r->n_folders, folder);
}

static void
yaml_module(struct strbuf *sb, struct wizard_result *r, const char *name, const char *schema,
	    const char *folder)
{
	char *path = xasprintf("migrations/%s", folder);

	strbuf_addf(sb, PROFILE_INDENT_MODULE "{ name: %s, schema: %s, migrations: %s }\n", name,
		    schema, path);
	add_folder(r, path);
	free(path);
}

/* The service modules of a database the services share. */
static void
yaml_service_modules(struct strbuf *sb, struct wizard_result *r, unsigned layout, char **svc,
		     size_t n_svc)
{
	size_t i;

	if (layout & WIZARD_LAYOUT_SHARED_SCHEMA) {
		strbuf_adds(sb, "      # the services share their tables in one schema (a "
				"manager without schema: module public)\n");
		yaml_module(sb, r, WIZARD_SHARED_SCHEMA, WIZARD_SHARED_SCHEMA,
			    WIZARD_SHARED_SCHEMA);
		return;
	}
	for (i = 0; i < n_svc; i++)
		yaml_module(sb, r, svc[i], svc[i], svc[i]);
}

/* An application pool: who uses it and how pgdbm names it, then the row. */
static void
yaml_app(struct strbuf *sb, const struct wizard_result *r, const char *who, const char *name)
{
	strbuf_addf(sb,
		    "    apps:\n"
		    "      # %s\n"
		    "      # DatabaseConfig(min_connections=%d, max_connections=%d)\n"
		    "      - { application_name: %s, pool_max: %d }\n",
		    who, r->pool_min, r->pool_max, name, r->pool_max);
}

static void
yaml_database(struct strbuf *sb, const char *label, const char *dbname)
{
	strbuf_addf(sb, "  %s:\n    conninfo: \"" CONNINFO_FMT "\"\n    modules:\n", label, dbname);
}

void
wizard_profile_generate(struct wizard_result *r, unsigned layout)
{
	const struct wizard_pattern_def *p = &wizard_tree_patterns[r->pattern];
	const struct wizard_step *path = r->reasons;
	size_t n_path = r->n_reasons;
	const char *database = wizard_steps_value(path, n_path, "database");
	const char *library = wizard_steps_value(path, n_path, "library");
	const char *prefix = wizard_steps_value(path, n_path, "tenant_prefix");
	struct strbuf sb = STRBUF_INIT;
	char **svc = NULL, *app;
	size_t n_svc = 0, i;

	strvec_split(&svc, &n_svc, wizard_steps_value(path, n_path, "services"), ',', STRVEC_TRIM);

	strbuf_addf(&sb,
		    "# pgdbm-console wizard: %s\n# %s.\n# Regenerate with:\n#   "
		    "pgdbm-console wizard",
		    p->name, p->when);
	for (i = 0; i < n_path; i++)
		strbuf_addf(&sb, " \\\n#     --answer %s=%s", path[i].question->key, path[i].value);
	strbuf_adds(&sb, "\n# The conninfo values are placeholders to edit. A profile never needs "
			 "a\n# password: libpq reads ~/.pgpass, PGPASSWORD and the other PG* "
			 "variables.\n");
	strbuf_addf(&sb, "name: %s\ndatabases:\n", p->id);

	if (p->shape & WIZARD_SHAPE_OWNED) {
		yaml_database(&sb, database, database);
		strbuf_adds(&sb, "      # an owned pool without schema: module default, ledger "
				 "public.schema_migrations\n");
		yaml_module(&sb, r, "default", "public", svc[0]);
		yaml_app(&sb, r,
			 "the service's own pool (pgdbm: app_pool when the config has no schema)",
			 "app_pool");
	} else if (p->shape & WIZARD_SHAPE_SHARED) {
		yaml_database(&sb, database, database);
		yaml_service_modules(&sb, r, layout, svc, n_svc);
		if (p->shape & WIZARD_SHAPE_TENANTS) {
			strbuf_addf(&sb,
				    "    tenants:\n"
				    "      # tenant ID lives in schema %sID with its own ledger\n"
				    "      prefix: %s\n"
				    "      migrations: %s\n",
				    prefix, prefix, WIZARD_TENANT_FOLDER);
			add_folder(r, WIZARD_TENANT_FOLDER);
		}
		yaml_app(
			&sb, r,
			p->shape & WIZARD_SHAPE_TENANTS
				? "one shared pool for the services and every tenant (pgdbm: app_pool)"
				: "one shared pool for every service (pgdbm: app_pool, no schema)",
			"app_pool");
	} else if (p->shape & WIZARD_SHAPE_DB_PER_SERVICE) {
		for (i = 0; i < n_svc; i++) {
			char *dbname = xasprintf("%s_db", svc[i]);
			char *pool = xasprintf("%s_pool", svc[i]);

			yaml_database(&sb, svc[i], dbname);
			yaml_module(&sb, r, svc[i], svc[i], svc[i]);
			yaml_app(&sb, r, "the service's own pool (pgdbm: <schema>_pool)", pool);
			free(pool);
			free(dbname);
		}
	} else if (p->shape & WIZARD_SHAPE_DUAL) {
		strbuf_addf(&sb, "  # embedded: the library on the host application's shared "
				 "pool, in its own schema\n");
		yaml_database(&sb, "embedded", database);
		yaml_module(&sb, r, library, library, library);
		yaml_service_modules(&sb, r, layout, svc, n_svc);
		yaml_app(&sb, r,
			 "the host's shared pool, used by the library too (pgdbm: app_pool)",
			 "app_pool");
		strbuf_addf(&sb, "  # standalone: the library owns its database and pool\n");
		yaml_database(&sb, "standalone", library);
		yaml_module(&sb, r, library, library, library);
		app = xasprintf("%s_pool", library);
		yaml_app(&sb, r, "the library's own pool (pgdbm: <schema>_pool)", app);
		free(app);
	}
	strvec_free(&svc, &n_svc);
	r->profile = strbuf_detach(&sb);
}

/* ------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------ */

/* mkdir path unless it is a folder already; records what it made. */
static int
make_dir(const char *path, char ***created, size_t *n_created, char **err)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		*err = xasprintf("%s exists and is not a folder", path);
		return -1;
	}
	if (mkdir(path, 0777) != 0) {
		if (errno == EEXIST)
			return 0;
		*err = xasprintf("cannot create the folder %s: %s", path, strerror(errno));
		return -1;
	}
	strvec_add(created, n_created, path);
	return 0;
}

/* Every folder of base/rel, one level at a time, then base/rel/down. */
static int
make_folder(const char *base, const char *rel, char ***created, size_t *n_created, char **err)
{
	char *full = base != NULL ? xasprintf("%s/%s", base, rel) : xstrdup(rel);
	size_t skip = base != NULL ? strlen(base) + 1 : 0;
	char *p, *down;
	int rc = 0;

	for (p = full + skip; rc == 0 && (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		rc = make_dir(full, created, n_created, err);
		*p = '/';
	}
	if (rc == 0)
		rc = make_dir(full, created, n_created, err);
	down = xasprintf("%s/down", full);
	if (rc == 0)
		rc = make_dir(down, created, n_created, err);
	free(down);
	free(full);
	return rc;
}

int
wizard_write(const struct wizard_result *r, const char *path, bool force, char ***created,
	     size_t *n_created, char **err)
{
	const char *slash = strrchr(path, '/');
	char *base = NULL;
	struct stat st;
	size_t i, len;
	FILE *f;
	int rc = 0;

	*created = NULL;
	*n_created = 0;
	*err = NULL;
	if (stat(path, &st) == 0 && !force)
		return 1;
	if (slash != NULL)
		base = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	for (i = 0; rc == 0 && i < r->n_folders; i++)
		rc = make_folder(base, r->folders[i], created, n_created, err);
	free(base);
	if (rc != 0)
		return -1;

	f = fopen(path, force ? "w" : "wx");
	if (f == NULL) {
		if (errno == EEXIST)
			return 1;
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	len = strlen(r->profile);
	if (fwrite(r->profile, 1, len, f) != len) {
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

char *
wizard_verdict(const char *path, bool *loads)
{
	struct profile_diags diags = { NULL, 0, 0 };
	struct profile *p = profile_load(path, &diags);
	struct strbuf sb = STRBUF_INIT;
	size_t i, modules = 0, tenants = 0;

	*loads = p != NULL;
	if (p != NULL) {
		for (i = 0; i < p->n_databases; i++) {
			modules += p->databases[i].n_modules;
			tenants += p->databases[i].tenants.present;
		}
		strbuf_addf(&sb, "profile check passed: profile %s, %zu database%s (",
			    p->name != NULL ? p->name : "?", p->n_databases,
			    p->n_databases == 1 ? "" : "s");
		for (i = 0; i < p->n_databases; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", p->databases[i].label);
		strbuf_addf(&sb, "), %zu module%s%s", modules, modules == 1 ? "" : "s",
			    tenants > 0 ? ", tenants" : "");
	} else {
		strbuf_adds(&sb, "profile check FAILED: the written profile does not load");
	}
	for (i = 0; i < diags.n; i++) {
		strbuf_adds(&sb, "\n");
		profile_diag_format(&diags.v[i], &sb);
	}
	profile_free(&p);
	profile_diags_free(&diags);
	return strbuf_detach(&sb);
}
