/*
 * units: parse and format durations, percentages and sizes.
 * See include/units.h.
 */
#include "config.h"

#include "units.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Parse a non-negative decimal number with at most 3 fractional digits. */
static const char *
parse_decimal(const char **sp, int64_t *milli)
{
	const char *s = *sp;
	int64_t whole = 0, frac = 0;
	int fdigits = 0;
	bool any = false;

	while (*s >= '0' && *s <= '9') {
		if (whole > INT64_MAX / 10 / 1000 / 1000)
			return "is too large";
		whole = whole * 10 + (*s++ - '0');
		any = true;
	}
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (fdigits == 3)
				return "has more than 3 decimal places";
			frac = frac * 10 + (*s++ - '0');
			fdigits++;
			any = true;
		}
		if (fdigits == 0)
			return "has a decimal point without digits after it";
	}
	if (!any)
		return NULL;
	while (fdigits++ < 3)
		frac *= 10;
	*milli = whole * 1000 + frac;
	*sp = s;
	return NULL;
}

const char *
units_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *name;
		int64_t ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	const char *expect = "expected a duration with a unit, such as 500ms, 2s, 1m or 1h";
	int64_t total = 0;
	const char *p = s;

	if (s == NULL || *s == '\0')
		return expect;
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return NULL;
	}
	while (*p != '\0') {
		int64_t milli = -1;
		const char *why = parse_decimal(&p, &milli);
		size_t best = 0, i;
		int64_t unit = 0;

		if (why != NULL || milli < 0)
			return expect;
		for (i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t n = strlen(units[i].name);

			if (strncmp(p, units[i].name, n) == 0 && n > best &&
			    !(p[n] >= 'a' && p[n] <= 'z')) {
				best = n;
				unit = units[i].ms;
			}
		}
		if (best == 0)
			return expect;
		p += best;
		if (milli > (INT64_MAX / 4 - total) / unit)
			return "is too large";
		total += milli * unit / 1000;
		if (milli * unit % 1000 != 0)
			return "is finer than one millisecond";
	}
	*ms = total;
	return NULL;
}

const char *
units_parse_percent(const char *s, int *permille)
{
	const char *expect = "expected a percentage such as 80%";
	int64_t milli = -1;
	const char *p = s;

	if (s == NULL || parse_decimal(&p, &milli) != NULL || milli < 0 || strcmp(p, "%") != 0)
		return expect;
	if (milli % 100 != 0)
		return "has more than one decimal place";
	if (milli > 100000)
		return "is above 100%";
	*permille = (int)(milli / 100);
	return NULL;
}

char *
units_format_duration(int64_t ms, char *buf, size_t size)
{
	static const struct {
		char name;
		int64_t ms;
	} units[] = { { 'd', 86400000 }, { 'h', 3600000 }, { 'm', 60000 }, { 's', 1000 } };
	size_t i;

	if (ms < 0)
		ms = 0;
	if (ms < 1000) {
		snprintf(buf, size, "%lldms", (long long)ms);
		return buf;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (ms >= units[i].ms) {
			int64_t a = ms / units[i].ms;
			int64_t rest = ms % units[i].ms;

			if (i + 1 < sizeof units / sizeof units[0] && rest >= units[i + 1].ms)
				snprintf(buf, size, "%lld%c%lld%c", (long long)a, units[i].name,
					 (long long)(rest / units[i + 1].ms), units[i + 1].name);
			else
				snprintf(buf, size, "%lld%c", (long long)a, units[i].name);
			return buf;
		}
	}
	return buf;
}

char *
units_format_bytes(int64_t bytes, char *buf, size_t size)
{
	static const char *const names[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%lldB", (long long)bytes);
		return buf;
	}
	while (v >= 1024.0 && i < 4) {
		v /= 1024.0;
		i++;
	}
	snprintf(buf, size, v < 10.0 ? "%.1f%s" : "%.0f%s", v, names[i]);
	return buf;
}
