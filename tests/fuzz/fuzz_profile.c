/*
 * fuzz_profile: the YAML profile loader on arbitrary text.
 *
 * Invariants: the loader returns a profile exactly when it reported no
 * error; every error is a diagnostic unless PROFILE_MAX_DIAGS are kept;
 * every diagnostic names the file, a line and column that are not
 * negative and a message; a returned profile has at least one database,
 * each with a label; freeing clears the caller's pointer. Relative folders
 * resolve against a folder that does not exist, so nothing on disk is
 * touched beyond a failing stat().
 *
 * Inputs are capped at FUZZ_PROFILE_MAX bytes: deep bracket nesting
 * (`name: [[[[...`) costs libyaml time that grows with the square of the
 * depth, a known problem fixed separately (issue 14 point 4); the cap keeps
 * each run short so the fuzzer looks elsewhere.
 */
#include "config.h"

#include "fuzz.h"
#include "profile.h"
#include "strbuf.h"

#define FUZZ_PROFILE_MAX 8192

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile_diags diags;
	struct profile *p;
	size_t i, kept_errors = 0;

	if (size > FUZZ_PROFILE_MAX)
		return 0;
	memset(&diags, 0, sizeof diags);
	p = profile_load_string((const char *)data, size, "fuzz.yaml", "/nonexistent-pgdbm-fuzz",
				&diags);
	fuzz_check((p == NULL) == (diags.n_errors > 0), "a profile exactly when no error");
	fuzz_check(diags.n <= PROFILE_MAX_DIAGS, "at most PROFILE_MAX_DIAGS kept");
	for (i = 0; i < diags.n; i++) {
		const struct profile_diag *d = &diags.v[i];
		struct strbuf sb = STRBUF_INIT;

		kept_errors += d->severity == PROFILE_ERROR;

		fuzz_check(d->file != NULL && d->msg != NULL,
			   "a diagnostic names file and message");
		fuzz_check(d->line >= 0 && d->col >= 0, "line and column are not negative");
		profile_diag_format(d, &sb);
		fuzz_check(strstr(strbuf_str(&sb), "fuzz.yaml") == strbuf_str(&sb),
			   "a formatted diagnostic starts with the file");
		strbuf_free(&sb);
	}
	/* every error is kept, unless the list is full (the rest are counted) */
	fuzz_check(kept_errors == diags.n_errors ||
			   (kept_errors < diags.n_errors && diags.n == PROFILE_MAX_DIAGS),
		   "every error is a diagnostic unless the list is full");
	if (p != NULL) {
		fuzz_check(p->n_databases >= 1, "a loaded profile has a database");
		for (i = 0; i < p->n_databases; i++)
			fuzz_check(p->databases[i].label != NULL &&
					   p->databases[i].label[0] != '\0',
				   "every database has a label");
		profile_free(&p);
		fuzz_check(p == NULL, "profile_free clears the pointer");
	}
	profile_diags_free(&diags);
	return 0;
}
