#!/usr/bin/env bash
# test.sh: the whole test suite, as CI runs it.
#
# Installs the Debian packages that are missing, then:
#   1. builds with warnings as errors and runs the tests that need no
#      server (unit suites, fuzz replays, the command line's own checks);
#   2. builds with AddressSanitizer + UndefinedBehaviorSanitizer (and
#      warnings as errors) and runs the whole `make check`;
#   3. checks the formatting;
#   4. fuzzes each harness of tests/fuzz for 30 s with clang's libFuzzer
#      (`make fuzz`, one per core at a time) when clang with libFuzzer is
#      there; a crash or a broken invariant fails the run;
#   5. runs `make distcheck` (the tarball builds out of tree and passes the
#      tests of step 1) and checks that the tarball holds every file git
#      tracks.
# Every PostgreSQL server a test needs is started by tests/pg-harness in a
# temporary folder and removed afterwards. Builds live in _build/.
#
#   scripts/test.sh            everything
#   scripts/test.sh --quick    the plain build and the whole `make check`
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

quick=0
[ "${1:-}" = --quick ] && quick=1

# shellcheck disable=SC2086
need_packages $PGDBM_PACKAGES
bootstrap
jobs=$(nproc)
start=$(date +%s)

run_suite() { # name [make variables]
	local name=$1
	shift
	echo "== $name: make check${1:+ (${1%%=*} set)}"
	if ! make -C "_build/$name" -j"$jobs" check "$@" >"_build/$name.check.log" 2>&1; then
		grep -E '^(FAIL|ERROR|XPASS)' "_build/$name.check.log" || true
		cat "_build/$name/test-suite.log" 2>/dev/null | tail -n 200
		echo "== $name: FAILED (full log in _build/$name.check.log)"
		exit 1
	fi
	grep -E '^# (TOTAL|PASS|SKIP|FAIL)' "_build/$name.check.log" | tr '\n' ' '
	echo
}

echo "== werror: build"
build_in werror --enable-werror
if [ "$quick" = 1 ]; then
	run_suite werror
	echo "== quick run passed in $(( $(date +%s) - start ))s"
	exit 0
fi
quick_tests=$(make -s -C _build/werror print-quick-tests)
run_suite werror TESTS="$quick_tests"

echo "== sanitizers: build"
build_in sanitizers --enable-werror --enable-sanitizers --enable-debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_suite sanitizers

echo "== format-check"
make -C _build/werror format-check

echo "== fuzz"
if [ "$(make -s -C _build/werror fuzz-available)" = yes ]; then
	make -s -C _build/werror fuzz FUZZ_SECONDS=30 FUZZ_JOBS="$jobs"
else
	echo "clang with libFuzzer not found: fuzzing skipped (Debian: clang libclang-rt-dev)"
fi

echo "== distcheck"
if ! make -C _build/werror -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror \
	AM_MAKEFLAGS="TESTS='$quick_tests'" >_build/distcheck.log 2>&1; then
	tail -n 80 _build/distcheck.log
	echo "== distcheck FAILED (full log in _build/distcheck.log)"
	exit 1
fi
grep -E '^(=+|.*archives ready)' _build/distcheck.log | tail -n 3
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# what git tracks and the tarball lacks (the CI entry point and git's own files aside)
	missing=$(comm -23 <(git ls-files | sort) \
		<(tar tzf _build/werror/pgdbm-console-*.tar.gz | sed 's|^[^/]*/||' | sort) |
		grep -vxE '\.ci/run|\.gitignore|m4/\.keep' || true)
	if [ -n "$missing" ]; then
		echo "== the tarball lacks files git tracks (add them to EXTRA_DIST):"
		echo "$missing"
		exit 1
	fi
	echo "the tarball holds every file git tracks"
fi

echo "== all passed in $(( $(date +%s) - start ))s"
