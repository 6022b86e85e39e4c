# lib.sh: shared by scripts/test.sh and scripts/demo.sh (sourced, not run).

# Debian packages the build, the tests, the demo and the benchmarks need.
PGDBM_PACKAGES="build-essential autoconf automake pkg-config libpq-dev libyaml-dev
libncurses-dev libcmocka-dev libssl-dev postgresql postgresql-contrib pgbouncer tmux
clang-format procps util-linux jq pg-activity man-db groff-base clang libclang-rt-dev"

# The subset scripts/demo.sh needs: the build and a PostgreSQL server with pgbench.
PGDBM_DEMO_PACKAGES="build-essential autoconf automake pkg-config libpq-dev libyaml-dev
libncurses-dev libcmocka-dev libssl-dev postgresql postgresql-client procps"

# Install the packages that are missing (as root, or through sudo).
need_packages() {
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	echo "installing:$missing" >&2
	local sudo=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || { echo "need root or sudo to install:$missing" >&2; exit 2; }
		sudo=sudo
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Generate configure once (or again when its inputs changed).
bootstrap() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
		autoreconf -fi >/dev/null
	fi
	# out-of-tree builds need a clean source folder
	if [ -f config.status ]; then
		echo "note: removing the in-tree build (make distclean) for out-of-tree builds" >&2
		make distclean >/dev/null 2>&1 || true
	fi
}

# Configure and build in a folder under _build: build_in NAME CONFIGURE-ARGS...
build_in() {
	local name=$1
	shift
	mkdir -p "_build/$name"
	(
		cd "_build/$name" || exit 1
		if [ ! -f config.status ] || [ ../../configure -nt config.status ]; then
			../../configure -q "$@" >/dev/null || exit 1
		fi
		make -j"$(nproc)" >/dev/null
	)
}
