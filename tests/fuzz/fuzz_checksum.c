/*
 * fuzz_checksum: pgdbm's file decoding and checksum on arbitrary bytes.
 *
 * Invariants: decoding succeeds exactly when the bytes are UTF-8 as Python
 * decodes them, and otherwise says where (an offset inside the input); the
 * decoded text has no CR left and decodes to itself again; the checksum is
 * 64 lower-case hex digits and the same from the bytes and from the text;
 * white space around the text does not change it; strip bounds stay in the
 * text.
 */
#include "config.h"

#include "checksum.h"
#include "fuzz.h"

static void
check_hex(const char *hex)
{
	size_t i;

	fuzz_check(strlen(hex) == 64, "64 hex digits");
	for (i = 0; i < 64; i++)
		fuzz_check((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f'),
			   "lower-case hex");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *bytes = (const char *)data;
	struct checksum_utf8_error err;
	char hex[CHECKSUM_HEX_SIZE], hex2[CHECKSUM_HEX_SIZE];
	char *text, *again, *padded;
	size_t len, len2, b, e;
	bool valid = checksum_utf8_valid(bytes, size, &err);

	text = checksum_normalise(bytes, size, &len, &err);
	fuzz_check((text != NULL) == valid, "decodes exactly when valid");
	if (text == NULL) {
		fuzz_check(err.offset < size, "the error is inside the input");
		fuzz_check(err.reason != NULL && err.line >= 1, "the error says why and where");
		fuzz_check(!checksum_bytes(bytes, size, hex, &err), "no checksum of invalid bytes");
		return 0;
	}
	fuzz_check(len <= size, "decoding never grows the text");
	fuzz_check(memchr(text, '\r', len) == NULL, "no CR after universal newlines");
	again = checksum_normalise(text, len, &len2, &err);
	fuzz_check(again != NULL && len2 == len && memcmp(again, text, len) == 0,
		   "decoding is idempotent");
	free(again);
	fuzz_check(checksum_bytes(bytes, size, hex, &err), "valid bytes have a checksum");
	check_hex(hex);
	checksum_text(text, len, hex2);
	fuzz_check(strcmp(hex, hex2) == 0, "the same checksum from bytes and text");
	checksum_strip(text, len, &b, &e);
	fuzz_check(b <= e && e <= len, "strip stays in the text");
	padded = malloc(len + 4);
	fuzz_check(padded != NULL, "out of memory");
	memcpy(padded, " \n", 2);
	if (len > 0)
		memcpy(padded + 2, text, len);
	memcpy(padded + 2 + len, "\t\n", 2);
	checksum_text(padded, len + 4, hex2);
	fuzz_check(strcmp(hex, hex2) == 0, "surrounding white space does not count");
	free(padded);
	free(text);
	return 0;
}
