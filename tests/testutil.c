/*
 * testutil: file helpers for the cmocka suites. See testutil.h.
 */
#include "config.h"

#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

char *
tu_src_path(const char *rel)
{
	const char *srcdir = getenv("srcdir");

	return xasprintf("%s/%s", srcdir != NULL && srcdir[0] != '\0' ? srcdir : ".", rel);
}

char *
tu_read_file(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = xreallocarray(buf, cap, 1);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

int
tu_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
tu_list_dir(const char *dir, const char *suffix, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0, slen = strlen(suffix);
	char **v = NULL;

	*names = NULL;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len < slen ||
		    strcmp(e->d_name + len - slen, suffix) != 0)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof *v, cmp_names);
	*names = v;
	return n;
}

void
tu_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

char *
tu_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *t = xasprintf("%s/pgdbm-test-XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");

	if (mkdtemp(t) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
tu_rm_rf(const char *path)
{
	char *cmd = xasprintf("rm -rf '%s'", path);

	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
	free(cmd);
}
