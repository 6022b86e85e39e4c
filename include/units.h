/*
 * units: durations, percentages and sizes as people write and read them.
 *
 * Durations are one or more number-unit pairs: "500ms", "2s", "1.5s", "1m30s",
 * "2h"; units are ms, s, m, h and d; "0" alone means zero. Percentages are a
 * number followed by "%" ("80%", "92.5%"). Parsers return NULL on success or
 * a short English reason naming what was expected.
 */
#ifndef PGDBM_UNITS_H
#define PGDBM_UNITS_H

#include <stddef.h>
#include <stdint.h>

const char *units_parse_duration(const char *s, int64_t *ms);

/* Percent in tenths of a percent ("92.5%" gives 925) to avoid floats. */
const char *units_parse_percent(const char *s, int *permille);

/* "750ms", "2s", "1m30s", "2h5m", "3d4h": the two largest units, no spaces. */
char *units_format_duration(int64_t ms, char *buf, size_t size);

/* "512B", "4.0KiB", "1.2MiB", ... "3.4TiB". */
char *units_format_bytes(int64_t bytes, char *buf, size_t size);

#endif
