/*
 * replay: run a fuzz harness over its corpus without libFuzzer.
 *
 * `make check` builds every harness with this driver (any compiler, the
 * sanitizers when configured with them) and runs it over
 * $srcdir/tests/fuzz/corpus/FUZZ_TARGET, so the seeds and every input that
 * once broke an invariant (kept in the corpus as a regression) are checked
 * on each build, and the harnesses keep compiling. Arguments, when given,
 * are files or folders to run instead.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET names the corpus folder"
#endif

/* Run one file through the harness; -1 when it cannot be read. */
static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (size == cap) {
			cap = cap ? cap * 2 : 4096;
			data = realloc(data, cap);
			fuzz_check(data != NULL, "out of memory");
		}
		n = fread(data + size, 1, cap - size, f);
		size += n;
	} while (n > 0);
	fclose(f);
	/* an exact-size copy, as libFuzzer passes it, so that overreads show */
	{
		uint8_t *exact = malloc(size > 0 ? size : 1);

		fuzz_check(exact != NULL, "out of memory");
		if (size > 0)
			memcpy(exact, data, size);
		free(data);
		LLVMFuzzerTestOneInput(exact, size);
		free(exact);
	}
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of a folder, in name order; returns how many or -1. */
static int
run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;
	int count = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		fuzz_check(names != NULL, "out of memory");
		names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		fuzz_check(names[n] != NULL, "out of memory");
		sprintf(names[n], "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, cmp_names);
	for (i = 0; i < n; i++) {
		if (count >= 0 && run_file(names[i]) == 0)
			count++;
		else
			count = -1;
		free(names[i]);
	}
	free(names);
	return count;
}

static int
run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return S_ISDIR(st.st_mode) ? run_dir(path) : run_file(path) == 0 ? 1 : -1;
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("srcdir");
	char *dir;
	int i, n, total = 0;

	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			if ((n = run_path(argv[i])) < 0)
				return 1;
			total += n;
		}
	} else {
		dir = malloc(strlen(srcdir != NULL ? srcdir : ".") + 64);
		fuzz_check(dir != NULL, "out of memory");
		sprintf(dir, "%s/tests/fuzz/corpus/%s", srcdir != NULL ? srcdir : ".", FUZZ_TARGET);
		n = run_path(dir);
		free(dir);
		if (n < 0)
			return 1;
		total = n;
	}
	if (total == 0) {
		fprintf(stderr, "replay %s: no input\n", FUZZ_TARGET);
		return 1;
	}
	printf("replay %s: %d inputs, every invariant held\n", FUZZ_TARGET, total);
	return 0;
}
