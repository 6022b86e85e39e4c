/*
 * checksum: pgdbm's migration checksum (research/pgdbm.md section 3.4).
 *
 * Three steps, each mirroring what Python does for pgdbm:
 *  1. decode: strict UTF-8 as Python's codec accepts it (no overlong forms,
 *     no surrogates, nothing above U+10FFFF); the first bad sequence is
 *     reported with Python's reason and its byte offset;
 *  2. universal newlines: CRLF and lone CR become LF (pgdbm opens files in
 *     text mode); the hash step repeats CRLF -> LF, a no-op on decoded text;
 *  3. strip Python white space at both ends, SHA-256 the UTF-8, hex.
 *
 * Invariants: text handed to checksum_text() and checksum_strip() is valid
 * UTF-8 (the strip walks code points backwards); NUL bytes are ordinary
 * characters here, so every length is explicit.
 */
#include "config.h"

#include "checksum.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* ------------------------------------------------------------------------
 * UTF-8
 * ------------------------------------------------------------------------ */

/*
 * Length of the well-formed sequence at s (avail bytes left), or 0 with
 * *reason set in the words Python's decoder uses.
 */
static size_t
utf8_seq(const unsigned char *s, size_t avail, const char **reason)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c < 0xC2 || c > 0xF4) {
		*reason = "invalid start byte";
		return 0;
	}
	if (c < 0xE0) {
		need = 2;
	} else if (c < 0xF0) {
		need = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else {
		need = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	}
	for (i = 1; i < need; i++) {
		if (i >= avail) {
			*reason = "unexpected end of data";
			return 0;
		}
		if (s[i] < lo || s[i] > hi) {
			*reason = "invalid continuation byte";
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return need;
}

/* 1-based line of byte offset, counting LF, CRLF and lone CR as breaks. */
static size_t
line_of(const char *bytes, size_t offset)
{
	size_t line = 1, i;

	for (i = 0; i < offset; i++) {
		if (bytes[i] == '\n')
			line++;
		else if (bytes[i] == '\r' && !(i + 1 < offset && bytes[i + 1] == '\n'))
			line++;
	}
	return line;
}

bool
checksum_utf8_valid(const char *bytes, size_t len, struct checksum_utf8_error *err)
{
	const unsigned char *s = (const unsigned char *)bytes;
	size_t i = 0;

	while (i < len) {
		const char *reason = NULL;
		size_t n = utf8_seq(s + i, len - i, &reason);

		if (n == 0) {
			err->offset = i;
			err->line = line_of(bytes, i);
			err->reason = reason;
			return false;
		}
		i += n;
	}
	return true;
}

char *
checksum_normalise(const char *bytes, size_t len, size_t *text_len, struct checksum_utf8_error *err)
{
	char *out;
	size_t i, n = 0;

	if (!checksum_utf8_valid(bytes, len, err))
		return NULL;
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (bytes[i] == '\r') {
			out[n++] = '\n';
			if (i + 1 < len && bytes[i + 1] == '\n')
				i++;
		} else {
			out[n++] = bytes[i];
		}
	}
	out[n] = '\0';
	*text_len = n;
	return out;
}

/* ------------------------------------------------------------------------
 * White space
 * ------------------------------------------------------------------------ */

/* Python's str.isspace() code points (Py_UNICODE_ISSPACE), as ranges. */
static const struct {
	unsigned long lo, hi;
} space_ranges[] = {
	{ 0x0009, 0x000D }, { 0x001C, 0x0020 }, { 0x0085, 0x0085 }, { 0x00A0, 0x00A0 },
	{ 0x1680, 0x1680 }, { 0x2000, 0x200A }, { 0x2028, 0x2029 }, { 0x202F, 0x202F },
	{ 0x205F, 0x205F }, { 0x3000, 0x3000 },
};

static bool
is_space(unsigned long cp)
{
	size_t i;

	for (i = 0; i < sizeof space_ranges / sizeof space_ranges[0]; i++) {
		if (cp >= space_ranges[i].lo && cp <= space_ranges[i].hi)
			return true;
	}
	return false;
}

size_t
checksum_space_len(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *reason;
	unsigned long cp;
	size_t n;

	if (len == 0)
		return 0;
	n = utf8_seq(u, len, &reason);
	switch (n) {
	case 1:
		cp = u[0];
		break;
	case 2:
		cp = ((u[0] & 0x1Ful) << 6) | (u[1] & 0x3Ful);
		break;
	case 3:
		cp = ((u[0] & 0x0Ful) << 12) | ((u[1] & 0x3Ful) << 6) | (u[2] & 0x3Ful);
		break;
	default:
		return 0; /* no white space needs four bytes; bad bytes are not space */
	}
	return is_space(cp) ? n : 0;
}

void
checksum_strip(const char *text, size_t len, size_t *start, size_t *end)
{
	size_t b = 0, e = len, n;

	while (b < e && (n = checksum_space_len(text + b, e - b)) > 0)
		b += n;
	while (e > b) {
		size_t q = e - 1;

		while (q > b && ((unsigned char)text[q] & 0xC0) == 0x80)
			q--;
		if (checksum_space_len(text + q, e - q) != e - q)
			break;
		e = q;
	}
	*start = b;
	*end = e;
}

/* ------------------------------------------------------------------------
 * Hash
 * ------------------------------------------------------------------------ */

void
checksum_text(const char *text, size_t len, char hex[CHECKSUM_HEX_SIZE])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0, i;
	size_t b, e, seg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL)
		xalloc_fail("out of memory (EVP_MD_CTX_new)");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		xalloc_fail("libcrypto cannot start a SHA-256 digest");
	checksum_strip(text, len, &b, &e);
	/* Feed the stripped text with each CRLF's CR left out. */
	for (seg = b; b < e; b++) {
		if (text[b] == '\r' && b + 1 < e && text[b + 1] == '\n') {
			EVP_DigestUpdate(ctx, text + seg, b - seg);
			seg = b + 1;
		}
	}
	EVP_DigestUpdate(ctx, text + seg, e - seg);
	if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 32)
		xalloc_fail("libcrypto cannot finish a SHA-256 digest");
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < md_len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0F];
	}
	hex[2 * md_len] = '\0';
}

bool
checksum_bytes(const char *bytes, size_t len, char hex[CHECKSUM_HEX_SIZE],
	       struct checksum_utf8_error *err)
{
	size_t text_len;
	char *text = checksum_normalise(bytes, len, &text_len, err);

	if (text == NULL)
		return false;
	checksum_text(text, text_len, hex);
	free(text);
	return true;
}
