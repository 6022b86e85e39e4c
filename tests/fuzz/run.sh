#!/usr/bin/env bash
# run.sh: fuzz each harness for a while with libFuzzer (`make fuzz`).
#
#   run.sh BINDIR CORPUSDIR SECONDS JOBS TARGET...
#
# BINDIR holds TARGET.fuzz for each target (built by `make fuzz-build`);
# CORPUSDIR/TARGET is the seed corpus in the tree, read only. Each target
# runs for SECONDS with its seeds and the inputs it found before (kept in
# BINDIR/work/TARGET, outside the tree), JOBS targets at a time. A crash, a
# broken invariant, a leak, an input slower than 10 s or a run out of memory
# fails the run: its log's end is printed with the input that did it
# (BINDIR/artifacts/TARGET-*), which belongs in the seed corpus once fixed,
# so that `make check` replays it from then on.
set -u
[ $# -ge 5 ] || { echo "usage: run.sh BINDIR CORPUSDIR SECONDS JOBS TARGET..." >&2; exit 2; }
bindir=$1 corpus=$2 seconds=$3 jobs=$4
shift 4
mkdir -p "$bindir/work" "$bindir/artifacts"

# one target, in the background: its status goes to BINDIR/work/TARGET.status
fuzz_one() {
	local t=$1 st
	mkdir -p "$bindir/work/$t"
	"$bindir/$t.fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$bindir/artifacts/$t-" \
		"$bindir/work/$t" "$corpus/$t" >"$bindir/work/$t.log" 2>&1
	st=$?
	echo "$st" >"$bindir/work/$t.status"
}

running=0
for t in "$@"; do
	[ -x "$bindir/$t.fuzz" ] || { echo "fuzz: no $bindir/$t.fuzz (make fuzz-build)" >&2; exit 2; }
	[ -d "$corpus/$t" ] || { echo "fuzz: no seed corpus $corpus/$t" >&2; exit 2; }
	rm -f "$bindir/work/$t.status"
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	echo "fuzz $t: ${seconds}s"
	fuzz_one "$t" &
	running=$((running + 1))
done
wait

failed=0
for t in "$@"; do
	st=$(cat "$bindir/work/$t.status" 2>/dev/null || echo "?")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$bindir/work/$t.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$bindir/work/$t.log" | tail -n 1)
	if [ "$st" = 0 ]; then
		echo "fuzz $t: ok, ${runs:-?} runs, ${cov:-cov: ?}, $(ls "$bindir/work/$t" | wc -l) inputs kept"
	else
		failed=$((failed + 1))
		echo "fuzz $t: FAILED (exit $st); the end of $bindir/work/$t.log:"
		tail -n 40 "$bindir/work/$t.log"
		ls "$bindir/artifacts/$t-"* 2>/dev/null | sed 's/^/  input: /'
	fi
done
[ "$failed" = 0 ] || { echo "fuzz: $failed target(s) failed"; exit 1; }
echo "fuzz: every target ran ${seconds}s without a failure"
