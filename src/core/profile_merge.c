/*
 * profile_merge: several profiles as one (`--profile` given more than once).
 *
 * The merged profile holds every database of the profiles, in order; the
 * databases move (their strings are not copied) and the profiles they came
 * from are freed. A label that more than one profile uses becomes
 * "<profile>/<label>" in each, <profile> being the profile's name, or its
 * file name without .yaml when names are missing or clash, or "profileN"
 * when even those clash. A label that still clashes refuses the merge.
 */
#include "config.h"

#include "profile.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "profile_int.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

/* How profile i is named in "<profile>/<label>": unique among the n (a
 * vector of n strings). */
static char **
merge_prefixes(struct profile *const *v, size_t n)
{
	char **pre = xcalloc(n + 1, sizeof *pre);
	size_t i, j;

	for (i = 0; i < n; i++)
		pre[i] = xstrdup(v[i]->name != NULL && v[i]->name[0] != '\0' ? v[i]->name : "");
	for (i = 0; i < n; i++) {
		bool clash = pre[i][0] == '\0';

		for (j = 0; j < n && !clash; j++)
			clash = j != i && v[j]->name != NULL && strcmp(pre[i], v[j]->name) == 0;
		if (clash) {
			free(pre[i]);
			pre[i] = profile_file_stem(v[i]->path != NULL ? v[i]->path : "profile");
		}
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(pre[i], pre[j]) == 0) {
				free(pre[i]);
				pre[i] = xasprintf("profile%zu", i + 1);
				break;
			}
		}
	}
	return pre;
}

struct profile *
profile_merge(struct profile **v, size_t n, char **error)
{
	struct profile *m;
	struct strbuf names = STRBUF_INIT, paths = STRBUF_INIT;
	char **pre;
	bool *clash;
	size_t i, j, k, total = 0, at = 0, n_pre = n;

	*error = NULL;
	if (n == 1) {
		m = v[0];
		v[0] = NULL;
		return m;
	}
	pre = merge_prefixes(v, n);
	m = xcalloc(1, sizeof *m);
	m->refresh_ms = v[0]->refresh_ms;
	m->read_only = true;
	m->dir = xstrdup(v[0]->dir);
	for (i = 0; i < n; i++)
		total += v[i]->n_databases;
	m->databases = xcalloc(total + 1, sizeof *m->databases);
	clash = xcalloc(total + 1, sizeof *clash);
	/* which labels another profile uses too (before any is renamed) */
	for (i = 0; i < n; i++) {
		for (j = 0; j < v[i]->n_databases; j++, at++) {
			size_t i2, j2;

			for (i2 = 0; i2 < n && !clash[at]; i2++) {
				for (j2 = 0; i2 != i && j2 < v[i2]->n_databases; j2++) {
					if (strcmp(v[i2]->databases[j2].label,
						   v[i]->databases[j].label) == 0) {
						clash[at] = true;
						break;
					}
				}
			}
		}
	}
	at = 0;
	for (i = 0; i < n; i++) {
		strbuf_addf(&names, "%s%s", i > 0 ? " + " : "", pre[i]);
		strbuf_addf(&paths, "%s%s", i > 0 ? ", " : "",
			    v[i]->path != NULL ? v[i]->path : "");
		m->read_only = m->read_only && v[i]->read_only;
		for (j = 0; j < v[i]->n_databases; j++, at++) {
			struct profile_database *d = &m->databases[at];

			*d = v[i]->databases[j];
			if (clash[at]) {
				char *l = xasprintf("%s/%s", pre[i], d->label);

				free(d->label);
				d->label = l;
			}
		}
	}
	free(clash);
	m->n_databases = total;
	m->name = strbuf_detach(&names);
	m->path = strbuf_detach(&paths);
	/* the databases belong to the merged profile now: free the arrays (their
	 * items were moved) and empty the fields through FIELD, the way
	 * profile_free_group() reads them, so that the compiler cannot take the typed
	 * stores for dead ones (strict aliasing) */
	for (i = 0; i < n; i++) {
		free(v[i]->databases);
		*PK_FIELD(v[i], offsetof(struct profile, databases), char *) = NULL;
		*PK_FIELD(v[i], offsetof(struct profile, n_databases), size_t) = 0;
		profile_free(&v[i]);
	}
	strvec_free(&pre, &n_pre);
	for (i = 0; i < total; i++) {
		for (k = 0; k < i; k++) {
			if (strcmp(m->databases[i].label, m->databases[k].label) == 0) {
				*error = xasprintf("the profiles %s name the database \"%s\" twice "
						   "(give each profile a distinct name)",
						   m->path, m->databases[i].label);
				profile_free(&m);
				return NULL;
			}
		}
	}
	return m;
}
