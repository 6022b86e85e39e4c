#!/usr/bin/env bash
# screens: the README's screen captures still match the views (their tab
# bar, table headings and key bar), so they cannot go stale silently.
# scripts/screens.sh --update refreshes them.
set -u
srcdir=${srcdir:-.}
export README="$srcdir/README.md"
exec bash "$srcdir/scripts/screens.sh" --check
