/*
 * profile_find: which profile file to load.
 *
 * A --profile value that names an existing file is that file; a bare name
 * (NAME or NAME.yaml, NAME.yml) is looked up in the per-user configuration
 * folder, then ./profiles, then the installed examples; without a value,
 * $PGDBM_CONSOLE_PROFILE, then default.yaml in the first two. When nothing
 * is found the answer lists every place tried.
 */
#include "config.h"

#include "profile.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "strbuf.h"
#include "xalloc.h"

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
config_dir(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/pgdbm-console", xdg);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.config/pgdbm-console", home);
	return NULL;
}

static char *
try_in(const char *dir, const char *name, struct strbuf *tried)
{
	const char *suffixes[] = { "", ".yaml", ".yml" };
	size_t i;

	for (i = 0; i < 3; i++) {
		char *cand = xasprintf("%s/%s%s", dir, name, suffixes[i]);

		if (is_file(cand))
			return cand;
		strbuf_addf(tried, "%s%s", tried->len ? ", " : "", cand);
		free(cand);
	}
	return NULL;
}

char *
profile_find(const char *arg, char **why)
{
	struct strbuf tried = STRBUF_INIT;
	const char *name = arg;
	char *cdir, *found = NULL;

	*why = NULL;
	if (name == NULL) {
		const char *env = getenv("PGDBM_CONSOLE_PROFILE");

		if (env != NULL && env[0] != '\0')
			name = env;
	}
	if (name != NULL) {
		if (is_file(name))
			return xstrdup(name);
		strbuf_adds(&tried, name);
		if (strchr(name, '/') != NULL) {
			*why = xasprintf("profile %s not found", name);
			strbuf_free(&tried);
			return NULL;
		}
	}
	cdir = config_dir();
	if (cdir != NULL)
		found = try_in(cdir, name != NULL ? name : "default", &tried);
	free(cdir);
	if (found == NULL)
		found = try_in("profiles", name != NULL ? name : "default", &tried);
#ifdef PGDBM_PROFILESDIR
	/* the installed examples, by name only */
	if (found == NULL && name != NULL)
		found = try_in(PGDBM_PROFILESDIR, name, &tried);
#endif
	if (found == NULL)
		*why = xasprintf("no profile found (tried %s); give one with --profile FILE",
				 strbuf_str(&tried));
	strbuf_free(&tried);
	return found;
}
