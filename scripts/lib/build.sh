# shellcheck shell=bash
# Out-of-tree autotools builds of the project.
#
# Two build trees, both git-ignored (/build*/):
#   build/      --enable-werror --enable-sanitizers (ASan + UBSan): what scripts/check
#               and `make check` use, so every test runs against instrumented code.
#   build-run/  plain -O2 -g, no sanitizers: what scripts/stack runs and what
#               tests/bench/bench-http measures. ASan would make the demo 2-3x slower
#               and its memory use meaningless for benchmarks, and a separate tree
#               lets the stack and the tests be (re)built without reconfiguring
#               each other's tree.
#
#   build_autoreconf          autoreconf -fi when configure/Makefile.in are missing or stale
#   build_tree DIR [ARGS...]  configure DIR with ARGS (only if not yet configured with
#                             exactly those), then make -j$(nproc)
#   build_test_tree / build_run_tree   the two trees above
# Needs scripts/lib/common.sh.

BUILD_TEST_DIR="$BILLING_ROOT/build"
BUILD_RUN_DIR="$BILLING_ROOT/build-run"
BUILD_TEST_ARGS=(--enable-werror --enable-sanitizers)
BUILD_RUN_ARGS=()

build_autoreconf() {
	local src=$BILLING_ROOT lock
	lock="${TMPDIR:-/tmp}/billing-autoreconf-$(id -u).lock"
	(
		# one autoreconf at a time per machine (stack and check may run together)
		flock -w 600 9 || die "timeout waiting for $lock"
		if [[ ! -x "$src/configure" || ! -f "$src/Makefile.in" ||
			"$src/configure.ac" -nt "$src/configure" ||
			"$src/Makefile.am" -nt "$src/Makefile.in" ]]; then
			log "autoreconf -fi"
			mkdir -p "$src/m4"
			(cd "$src" && autoreconf -fi) || die "autoreconf failed"
		fi
	) 9>"$lock"
}

# build_configured_args DIR: print the configure arguments DIR was configured
# with, one per line, without -q/--quiet/--silent/--no-create/--no-recursion.
build_configured_args() {
	local dir=$1 raw a
	local -a args=()
	[[ -x "$dir/config.status" && -f "$dir/Makefile" ]] || return 1
	raw=$("$dir/config.status" --config 2>/dev/null) || return 1
	# config.status prints shell-quoted words
	eval "args=($raw)"
	for a in "${args[@]}"; do
		case "$a" in
		-q | --quiet | --silent | --no-create | --no-recursion) ;;
		*) printf '%s\n' "$a" ;;
		esac
	done
}

build_tree() {
	local dir=$1 want have
	shift
	build_autoreconf
	want=$(printf '%s\n' "$@")
	have=$(build_configured_args "$dir" || printf 'unconfigured\n')
	# an empty argument list prints one empty line; normalize both sides
	want=$(printf '%s' "$want" | sed '/^$/d')
	have=$(printf '%s' "$have" | sed '/^$/d')
	if [[ "$want" != "$have" ]]; then
		log "configuring $dir ($*)"
		mkdir -p "$dir"
		(cd "$dir" && "$BILLING_ROOT/configure" -q "$@") || {
			tail_log "$dir/config.log" 40
			die "configure failed in $dir"
		}
	fi
	log "building $dir"
	make -C "$dir" -j"$(nproc)" || die "build failed in $dir"
}

build_test_tree() { build_tree "$BUILD_TEST_DIR" "${BUILD_TEST_ARGS[@]}"; }
build_run_tree() { build_tree "$BUILD_RUN_DIR" "${BUILD_RUN_ARGS[@]}"; }
