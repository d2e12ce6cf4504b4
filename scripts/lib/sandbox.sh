# shellcheck shell=bash
# The bundled Stripe sandbox (scripts/sandbox/) for scripts/stack and
# tests/integration/env.sh: start on a free loopback port, stop by pid file.
# Source after scripts/lib/common.sh.
#
# Layout under DIR: state.json (the sandbox's objects), sandbox.pid, sandbox.log,
# url (the base URL it listens on).

SANDBOX_SECRET_KEY=sk_test_sandbox
SANDBOX_PUBLISHABLE_KEY=pk_test_sandbox

# sandbox_webhook_secret: print a fresh whsec_ secret.
sandbox_webhook_secret() { printf 'whsec_%s\n' "$(openssl rand -hex 24)"; }

# sandbox_start DIR WEBHOOK_URL WEBHOOK_SECRET [EXTRA ARGS...]: start the sandbox
# (own session, output to DIR/sandbox.log) on a free port; waits until it listens
# and writes its base URL to DIR/url (and prints it).
sandbox_start() {
	local dir=$1 hook=$2 secret=$3 pid i url="" skip
	shift 3
	command -v node >/dev/null || die "node is needed for the Stripe sandbox"
	mkdir -p "$dir"
	if pidfile_alive "$dir/sandbox.pid" node; then
		die "the Stripe sandbox already runs (pid $(pid_read "$dir/sandbox.pid"))"
	fi
	rm -f "$dir/sandbox.pid" "$dir/url"
	printf -- '--- %s starting the Stripe sandbox\n' "$(date '+%F %T')" >>"$dir/sandbox.log"
	skip=$(wc -l <"$dir/sandbox.log")
	setsid node "$BILLING_ROOT/scripts/sandbox/stripe-sandbox.mjs" --host 127.0.0.1 \
		--port 0 --state "$dir/state.json" --pid-file "$dir/sandbox.pid" \
		--secret-key "$SANDBOX_SECRET_KEY" --publishable-key "$SANDBOX_PUBLISHABLE_KEY" \
		--webhook-url "$hook" --webhook-secret "$secret" "$@" \
		</dev/null >>"$dir/sandbox.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 150; i++)); do
		if ! pid_alive "$pid"; then
			wait "$pid" 2>/dev/null || true
			tail_log "$dir/sandbox.log" 30
			die "the Stripe sandbox exited during startup (see $dir/sandbox.log)"
		fi
		url=$(tail -n "+$((skip + 1))" "$dir/sandbox.log" |
			sed -n 's/^stripe-sandbox listening on \(http:[^ ]*\).*$/\1/p' | tail -n 1)
		if [[ -n "$url" ]] && pidfile_alive "$dir/sandbox.pid" node &&
			[[ "$(http_status "$url/_sandbox/health")" == 200 ]]; then
			printf '%s\n' "$url" >"$dir/url"
			printf '%s\n' "$url"
			return 0
		fi
		sleep 0.1
	done
	tail_log "$dir/sandbox.log" 30
	kill -TERM "$pid" 2>/dev/null || true
	die "the Stripe sandbox did not start within 15 s"
}

# sandbox_stop DIR: SIGTERM (it saves its state), SIGKILL after 10 s.
sandbox_stop() {
	stop_pidfile "$1/sandbox.pid" node "Stripe sandbox" 10 TERM
	rm -f "$1/url"
}
