# shellcheck shell=bash
# Email pieces of a running stack, for scripts/stack and tests/integration/env.sh:
# the local SMTP catcher (scripts/lib/smtp-catcher.py: every message becomes a
# file in a Maildir) and the job runner billing-jobs (which runs the outbox
# mailer). Both are tracked by pid files and stopped through them.
#
#   smtp_catcher_start MAILDIR PORT PIDFILE LOG   start on 127.0.0.1:PORT, wait until
#                                                 it listens; non-zero if it cannot
#   smtp_catcher_stop PIDFILE
#   mail_config_append CONF PORT FROM             smtp_* lines for the catcher
#   jobs_start BIN CONF LOG PIDFILE               start billing-jobs, wait for its pid file
#   jobs_stop PIDFILE                             SIGTERM (it finishes the message in hand)
# Needs scripts/lib/common.sh.

# SMTP_CATCHER_HOST: the address it listens on (default 127.0.0.1; scripts/cluster
# uses its load balancer's address on the test bridge).
# Debian's python3 (python3-aiosmtpd); a pyenv python3 on PATH lacks aiosmtpd.
SMTP_CATCHER_PYTHON=${SMTP_CATCHER_PYTHON:-/usr/bin/python3}
SMTP_CATCHER_PY="$BILLING_ROOT/scripts/lib/smtp-catcher.py"

smtp_catcher_start() {
	local maildir=$1 port=$2 pidfile=$3 logf=$4 pid i
	if pidfile_alive "$pidfile" python3; then
		log "SMTP catcher already running (pid $(pid_read "$pidfile"))"
		return 1
	fi
	rm -f "$pidfile"
	mkdir -p "$maildir" "$(dirname "$logf")"
	setsid "$SMTP_CATCHER_PYTHON" "$SMTP_CATCHER_PY" --port "$port" \
		--host "${SMTP_CATCHER_HOST:-127.0.0.1}" \
		--maildir "$maildir" --pidfile "$pidfile" </dev/null >>"$logf" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		if ! pid_alive "$pid"; then
			wait "$pid" 2>/dev/null || true
			tail_log "$logf" 10
			return 1
		fi
		pidfile_alive "$pidfile" python3 && return 0
		sleep 0.1
	done
	tail_log "$logf" 10
	kill -TERM "$pid" 2>/dev/null || true
	return 1
}

smtp_catcher_stop() {
	stop_pidfile "$1" python3 "SMTP catcher" 10 TERM
}

mail_config_append() {
	local conf=$1 port=$2 from=$3
	cat >>"$conf" <<-EOF
		# Email: the local SMTP catcher (scripts/lib/smtp-catcher.py)
		smtp_url = smtp://127.0.0.1:$port
		smtp_tls = none
		smtp_from = $from
	EOF
}

jobs_start() {
	local bin=$1 conf=$2 logf=$3 pidfile=$4 pid i
	[[ -x "$bin" ]] || die "billing-jobs not built: $bin"
	if pidfile_alive "$pidfile" billing-jobs; then
		die "billing-jobs already running (pid $(pid_read "$pidfile"))"
	fi
	rm -f "$pidfile"
	mkdir -p "$(dirname "$logf")"
	printf -- '--- %s starting %s -c %s\n' "$(date '+%F %T')" "$bin" "$conf" >>"$logf"
	setsid "$bin" -c "$conf" -p "$pidfile" </dev/null >>"$logf" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		if ! pid_alive "$pid"; then
			wait "$pid" 2>/dev/null || true
			tail_log "$logf" 20
			die "billing-jobs exited during startup (see $logf)"
		fi
		pidfile_alive "$pidfile" billing-jobs && return 0
		sleep 0.1
	done
	tail_log "$logf" 20
	die "billing-jobs did not write $pidfile"
}

jobs_stop() {
	stop_pidfile "$1" billing-jobs billing-jobs 40 TERM
}

# smtp_catcher_up MAILDIR PIDFILE LOG PORTFILE [PORT]: start the catcher on PORT,
# or (no PORT) on a free loopback port, retried: another process may take the
# port between the probe and the bind. Writes the port to PORTFILE.
smtp_catcher_up() {
	local maildir=$1 pidfile=$2 logf=$3 portfile=$4 want=${5:-} port try
	for try in 1 2 3 4 5; do
		port=${want:-$(free_port)}
		if smtp_catcher_start "$maildir" "$port" "$pidfile" "$logf"; then
			printf '%s\n' "$port" >"$portfile"
			return 0
		fi
		[[ -z "$want" ]] || break
		log "SMTP catcher could not start on port $port (try $try)"
	done
	die "the SMTP catcher did not start (see $logf)"
}
