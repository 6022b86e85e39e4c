/*
 * fuzz_migname: migration file names, as the folder scan and `migrate new`
 * read them.
 *
 * Invariants: the display version is always given and is the name's
 * leading digits (NNN_ or a Flyway V<n>__ prefix) or the name up to its
 * first dot; a name the naming rule accepts is lower-case letters, digits
 * and underscores only.
 */
#include "config.h"

#include "fuzz.h"
#include "migfile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = fuzz_cstr(data, size), *version;
	const char *p, *why;

	version = migfile_version(name);
	fuzz_check(version != NULL, "a version always");
	fuzz_check(strlen(version) <= strlen(name), "the version is part of the name");
	fuzz_check(strstr(name, version) == name || strstr(name, version) == name + 1,
		   "the version starts the name (after a V)");
	free(version);
	why = migfile_name_problem(name);
	if (why == NULL) {
		fuzz_check(name[0] != '\0', "an accepted name is not empty");
		for (p = name; *p != '\0'; p++)
			fuzz_check((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
					   *p == '_',
				   "an accepted name is [a-z0-9_]");
	}
	free(name);
	return 0;
}
