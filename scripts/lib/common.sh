# shellcheck shell=bash
# Shared helpers for scripts/stack, scripts/check, tests/integration/env.sh and
# tests/bench/bench-http: logging, pid files, process stop, HTTP waits, nginx and
# billingd start/stop. Source it; it defines functions only (plus BILLING_ROOT).
#
# Every process we start is tracked by a pid file and stopped through it, never by
# name. A pid counts as "ours" only when /proc/PID/comm matches the expected
# program, so a stale pid file (e.g. after a reboot) never makes us signal some
# unrelated process.

if [[ -z "${BILLING_ROOT:-}" ]]; then
	BILLING_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fi

log() { printf '[%s] %s\n' "${LOG_TAG:-billing}" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# pid_read FILE: print the pid stored in FILE (nothing if missing/garbage).
pid_read() {
	local f=$1 pid=""
	[[ -r "$f" ]] || return 0
	read -r pid <"$f" 2>/dev/null || true
	[[ "$pid" =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
	return 0
}

# pid_alive PID [COMM]: true if PID runs (zombies count as dead) and, when COMM
# is given, its /proc/PID/comm equals COMM.
pid_alive() {
	local pid=$1 comm=${2:-} stat="" state name=""
	[[ -n "$pid" ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	# read, not $(cat ...): no fork, this runs in polling loops
	read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
	state=${stat##*) }
	state=${state%% *}
	[[ "$state" != Z && "$state" != X ]] || return 1
	if [[ -n "$comm" ]]; then
		read -r name 2>/dev/null <"/proc/$pid/comm" || return 1
		[[ "$name" == "$comm" ]] || return 1
	fi
	return 0
}

# pidfile_alive FILE [COMM]: true if FILE names a live process (see pid_alive).
pidfile_alive() {
	local pid
	pid=$(pid_read "$1")
	pid_alive "$pid" "${2:-}"
}

# proc_children PID: print the pids of PID's direct children.
proc_children() {
	local parent=$1 st stat rest ppid
	for st in /proc/[0-9]*/stat; do
		read -r stat 2>/dev/null <"$st" || continue
		rest=${stat##*) }
		# rest = "STATE PPID ..."
		ppid=${rest#* }
		ppid=${ppid%% *}
		if [[ "$ppid" == "$parent" ]]; then
			st=${st#/proc/}
			printf '%s\n' "${st%/stat}"
		fi
	done
}

# proc_rss_kb PID: resident set size in kB (0 if gone).
proc_rss_kb() {
	local v
	v=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)
	printf '%s\n' "${v:-0}"
}

# wait_gone PID COMM TIMEOUT_SECONDS: wait until PID is gone; false on timeout.
wait_gone() {
	local pid=$1 comm=$2 timeout=$3 i
	for ((i = 0; i < timeout * 10; i++)); do
		pid_alive "$pid" "$comm" || return 0
		sleep 0.1
	done
	! pid_alive "$pid" "$comm"
}

# stop_pidfile FILE COMM NAME [TIMEOUT] [SIGNAL]: stop the process named in FILE
# with SIGNAL (default TERM), SIGKILL it (and its children) after TIMEOUT seconds
# (default 20). Removes FILE. No-op (success) if nothing runs.
stop_pidfile() {
	local file=$1 comm=$2 name=$3 timeout=${4:-20} sig=${5:-TERM} pid kids k
	pid=$(pid_read "$file")
	if ! pid_alive "$pid" "$comm"; then
		rm -f "$file"
		return 0
	fi
	kids=$(proc_children "$pid" | tr '\n' ' ')
	log "stopping $name (pid $pid)"
	kill -s "$sig" "$pid" 2>/dev/null || true
	if ! wait_gone "$pid" "$comm" "$timeout"; then
		log "$name (pid $pid) still running after ${timeout}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$pid" "$comm" 5 || log "WARNING: $name (pid $pid) did not die"
	fi
	# children orphaned by a forced stop (billingd workers, nginx workers)
	for k in $kids; do
		if pid_alive "$k" "$comm"; then
			kill -KILL "$k" 2>/dev/null || true
		fi
	done
	rm -f "$file"
	return 0
}

# http_status URL [curl args...]: print the HTTP status code (000 on failure).
http_status() {
	local url=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true
}

# wait_http URL STATUS TIMEOUT_SECONDS: poll until URL answers STATUS.
wait_http() {
	local url=$1 want=$2 timeout=$3 i code=000
	for ((i = 0; i < timeout * 5; i++)); do
		code=$(http_status "$url")
		[[ "$code" == "$want" ]] && return 0
		sleep 0.2
	done
	log "$url answered $code (wanted $want) after ${timeout}s"
	return 1
}

# free_port: print a TCP port on 127.0.0.1 that is free right now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# port_in_use PORT: true if something listens on 127.0.0.1:PORT.
port_in_use() {
	python3 -c 'import socket, sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
sys.exit(0)' "$1"
}

# tail_log FILE [LINES]: print the tail of a log file, framed, to stderr.
tail_log() {
	local f=$1 n=${2:-40}
	if [[ -s "$f" ]]; then
		printf -- '----- last %s lines of %s -----\n' "$n" "$f" >&2
		tail -n "$n" "$f" >&2
		printf -- '----- end of %s -----\n' "$f" >&2
	fi
}

# --- nginx ---------------------------------------------------------------------
# Layout under PREFIX: nginx.conf, nginx.pid, error.log, access.log, tmp/.

# nginx_render PREFIX PORT SOCKET STATIC [WEBHOOK_SOCKET]: render nginx/dev.conf.in to
# PREFIX/nginx.conf (POST /stripe/webhook to WEBHOOK_SOCKET, billingd's webhook pool;
# to SOCKET when not given).
nginx_render() {
	local prefix=$1 port=$2 socket=$3 static=$4 webhook=${5:-$3}
	local tmpl="$BILLING_ROOT/nginx/dev.conf.in"
	[[ -r "$tmpl" ]] || die "missing $tmpl"
	mkdir -p "$prefix/tmp"
	prefix=$(cd "$prefix" && pwd)
	# '|' as sed delimiter: paths contain '/', never '|' (checked).
	local v
	for v in "$prefix" "$socket" "$static" "$webhook"; do
		[[ "$v" != *'|'* && "$v" != *'&'* ]] || die "path contains | or &: $v"
	done
	sed -e "s|@PREFIX@|$prefix|g" \
		-e "s|@PORT@|$port|g" \
		-e "s|@SOCKET@|$socket|g" \
		-e "s|@WEBHOOK_SOCKET@|$webhook|g" \
		-e "s|@STATIC@|$static|g" \
		-e "s|@USER@|$(id -un)|g" \
		"$tmpl" >"$prefix/nginx.conf.new"
	if grep -q '@[A-Z_]*@' "$prefix/nginx.conf.new"; then
		die "unreplaced placeholder in $prefix/nginx.conf.new"
	fi
	mv "$prefix/nginx.conf.new" "$prefix/nginx.conf"
}

nginx_cmd() {
	local prefix
	prefix=$(cd "$1" && pwd)
	shift
	nginx -p "$prefix/" -e "$prefix/error.log" -c "$prefix/nginx.conf" "$@"
}

# nginx_start PREFIX: start (or reload, if already running) nginx with
# PREFIX/nginx.conf. Returns non-zero (after printing the error log) on failure,
# e.g. when the port is taken.
nginx_start() {
	local prefix=$1 i
	if ! nginx_cmd "$prefix" -t -q 2>>"$prefix/error.log"; then
		tail_log "$prefix/error.log" 20
		log "nginx config test failed for $prefix/nginx.conf"
		return 1
	fi
	if pidfile_alive "$prefix/nginx.pid" nginx; then
		log "nginx running (pid $(pid_read "$prefix/nginx.pid")): reloading config"
		nginx_cmd "$prefix" -s reload
		return 0
	fi
	rm -f "$prefix/nginx.pid"
	# nginx daemonizes itself; keep our stdout/stderr out of it.
	if ! nginx_cmd "$prefix" </dev/null >>"$prefix/error.log" 2>&1; then
		tail_log "$prefix/error.log" 10
		log "nginx failed to start"
		return 1
	fi
	for ((i = 0; i < 50; i++)); do
		pidfile_alive "$prefix/nginx.pid" nginx && return 0
		sleep 0.1
	done
	tail_log "$prefix/error.log" 20
	log "nginx did not write $prefix/nginx.pid"
	return 1
}

# nginx_stop PREFIX: fast shutdown via the pid file.
nginx_stop() {
	stop_pidfile "$1/nginx.pid" nginx nginx 10 TERM
}

# --- billingd ------------------------------------------------------------------

# billingd_start BIN CONF LOG PIDFILE SOCKET [TIMEOUT]: start billingd in the
# background (own session, stdin from /dev/null, output appended to LOG) and wait
# until its pid file and socket exist.
billingd_start() {
	local bin=$1 conf=$2 logf=$3 pidfile=$4 sock=$5 timeout=${6:-30} pid i
	[[ -x "$bin" ]] || die "billingd not built: $bin"
	if pidfile_alive "$pidfile" billingd; then
		die "billingd already running (pid $(pid_read "$pidfile"))"
	fi
	rm -f "$pidfile"
	mkdir -p "$(dirname "$logf")"
	printf -- '--- %s starting %s -c %s\n' "$(date '+%F %T')" "$bin" "$conf" >>"$logf"
	setsid "$bin" -c "$conf" </dev/null >>"$logf" 2>&1 &
	pid=$!
	for ((i = 0; i < timeout * 10; i++)); do
		if ! pid_alive "$pid"; then
			wait "$pid" 2>/dev/null || true
			tail_log "$logf" 40
			die "billingd exited during startup (see $logf)"
		fi
		if [[ -S "$sock" ]] && pidfile_alive "$pidfile" billingd; then
			return 0
		fi
		sleep 0.1
	done
	tail_log "$logf" 40
	die "billingd did not create $sock and $pidfile within ${timeout}s"
}

# billingd_restart BIN CONF LOGFILE PIDFILE SOCK: a running billingd re-executes
# its binary on SIGHUP (a rebuild and a changed config count) without closing
# the socket, so nginx never answers 502; returns when none of the old workers
# is left. Starts billingd when it does not run.
billingd_restart() {
	local bin=$1 conf=$2 logf=$3 pidfile=$4 sock=$5 pid old k i left
	pid=$(pid_read "$pidfile")
	if ! pid_alive "$pid" billingd; then
		billingd_start "$bin" "$conf" "$logf" "$pidfile" "$sock"
		return
	fi
	old=$(proc_children "$pid" | tr '\n' ' ')
	log "reloading billingd (pid $pid) without closing its socket"
	kill -HUP "$pid" || die "cannot signal billingd $pid"
	for ((i = 0; i < 600; i++)); do
		pid_alive "$pid" billingd || {
			tail_log "$logf" 40
			die "billingd exited during reload (see $logf)"
		}
		left=0
		for k in $old; do
			pid_alive "$k" && left=1
		done
		if ((left == 0)) && [[ -n "$(proc_children "$pid")" ]]; then
			return 0
		fi
		sleep 0.1
	done
	tail_log "$logf" 40
	die "billingd did not replace its workers within 60 s"
}

# billingd_stop PIDFILE: graceful stop (SIGTERM), SIGKILL after 20 s.
billingd_stop() {
	stop_pidfile "$1" billingd billingd 20 TERM
}
