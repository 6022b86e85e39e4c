/*
 * fuzz: what the fuzz harnesses share.
 *
 * Each harness in tests/fuzz defines LLVMFuzzerTestOneInput(), libFuzzer's
 * entry point, over one parser of untrusted text (a profile, a migration
 * file, a file name, an identifier). It feeds the input to the module and
 * checks the module's documented invariants, aborting with a message when
 * one breaks, so that libFuzzer (`make fuzz`, clang) and the replay driver
 * (`make check`, any compiler) both report it as a crash.
 *
 * Ownership: fuzz_cstr() returns a malloc'd copy the caller frees.
 */
#ifndef PGDBM_FUZZ_H
#define PGDBM_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with what broke when ok is false. */
static inline void
fuzz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

/* The input as a C string (it ends at its first NUL byte, if any). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	fuzz_check(s != NULL, "out of memory");
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
