# bench/lib.sh: sourced by the benchmark scripts.

# bench_on_tmpfs GIB: put the throwaway cluster (and the script's temporary
# files) on /dev/shm when it has GIB GiB free. A cluster on disk makes the
# figures of DDL-heavy runs swing by 2-4x from one round to the next (the
# kernel writing back thousands of new relation files, fsync or not); on
# tmpfs both sides of the comparison run on the same quiet server. Says
# where the cluster is. BENCH_ON_DISK=1 keeps it on disk.
bench_on_tmpfs() {
	local need_kib=$(($1 * 1024 * 1024)) free_kib
	if [ "${BENCH_ON_DISK:-0}" != 1 ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
		free_kib=$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')
		if [ "${free_kib:-0}" -ge "$need_kib" ]; then
			export TMPDIR=/dev/shm
			echo "cluster on tmpfs (/dev/shm; BENCH_ON_DISK=1 puts it on disk)"
			return
		fi
	fi
	echo "cluster on disk (${TMPDIR:-/tmp})"
}
