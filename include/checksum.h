/*
 * checksum: pgdbm's migration checksum, bit for bit.
 *
 * pgdbm reads a migration file as UTF-8 text in universal-newline mode (CRLF
 * and lone CR become LF), then hashes the text with CRLF replaced by LF and
 * leading and trailing white space stripped by Python's str.strip(), as
 * SHA-256 in lower-case hex (research/pgdbm.md section 3.4). The hash covers
 * the raw template text: placeholders are not rendered first.
 *
 * Vocabulary: "bytes" are a file's raw contents; "text" is what pgdbm holds
 * after decoding, i.e. valid UTF-8 with universal newlines applied. The
 * migration engine executes the text (rendered), never the bytes.
 *
 * "White space" is Python's: U+0009-U+000D, U+001C-U+001F, U+0020, U+0085,
 * U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. The
 * byte order mark U+FEFF is not white space, so a BOM is hashed.
 *
 * Ownership: checksum_normalise() returns a string the caller frees; every
 * other function writes into caller-provided storage.
 */
#ifndef PGDBM_CHECKSUM_H
#define PGDBM_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>

/* 64 lower-case hex digits and a NUL. */
#define CHECKSUM_HEX_SIZE 65

/* Where and why bytes are not UTF-8 (pgdbm aborts reading such a file). */
struct checksum_utf8_error {
	size_t offset;	    /* byte offset of the sequence that does not decode */
	size_t line;	    /* 1-based line of that byte (universal newlines) */
	const char *reason; /* Python's words: "invalid start byte", ... */
};

/* True when bytes are strict UTF-8 as Python decodes it; else fills *err. */
bool checksum_utf8_valid(const char *bytes, size_t len, struct checksum_utf8_error *err);

/*
 * Decode bytes the way pgdbm reads a file: validate UTF-8 and turn CRLF and
 * lone CR into LF. Returns the text (NUL-terminated, malloc'd; *text_len is
 * its length, which may include NUL bytes) or NULL with *err filled.
 */
char *checksum_normalise(const char *bytes, size_t len, size_t *text_len,
			 struct checksum_utf8_error *err);

/*
 * The length of the white space code point at s (1 to 3 bytes), or 0 when s
 * does not start with one. s holds len bytes of valid UTF-8.
 */
size_t checksum_space_len(const char *s, size_t len);

/* text[*start, *end) is text without leading and trailing white space. */
void checksum_strip(const char *text, size_t len, size_t *start, size_t *end);

/*
 * pgdbm's checksum of already decoded text (valid UTF-8): CRLF to LF,
 * strip, SHA-256, lower-case hex into hex.
 */
void checksum_text(const char *text, size_t len, char hex[CHECKSUM_HEX_SIZE]);

/*
 * The whole rule on a file's raw bytes. Returns false with *err filled when
 * the bytes are not UTF-8 (hex is then left untouched).
 */
bool checksum_bytes(const char *bytes, size_t len, char hex[CHECKSUM_HEX_SIZE],
		    struct checksum_utf8_error *err);

#endif
