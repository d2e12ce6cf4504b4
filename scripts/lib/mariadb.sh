# shellcheck shell=bash
# Project-local MariaDB server: no system service, no TCP port, no password prompt.
# Used by scripts/stack (DIR = var/mysql) and tests/integration/env.sh (DIR = a
# temp dir), so several instances can run at once.
#
# Layout under DIR:
#   data/              datadir (mariadb-install-db)
#   mysqld.sock        unix socket (--skip-networking: no TCP at all)
#   mysqld.pid         pid file written by mariadbd
#   mysqld.log         error log
#   billing.password   generated password of the application user (mode 600)
#
# The admin account is the invoking OS user via unix_socket authentication
# (mariadb-install-db --auth-root-authentication-method=socket), so scripts connect
# as `mariadb -S DIR/mysqld.sock -u $(id -un)` without any password.
#
# Functions: mdb_init DIR, mdb_start DIR [mariadbd args...], mdb_stop DIR,
# mdb_running DIR, mdb_admin DIR [mariadb args...], mdb_setup_app DIR [DB [USER]],
# mdb_password DIR, mdb_up DIR [DB [USER]] (init + start + setup).
# Needs scripts/lib/common.sh.

mdb_socket() { printf '%s\n' "$1/mysqld.sock"; }
mdb_pidfile() { printf '%s\n' "$1/mysqld.pid"; }
mdb_log() { printf '%s\n' "$1/mysqld.log"; }
mdb_pwfile() { printf '%s\n' "$1/billing.password"; }

mdb_running() {
	pidfile_alive "$(mdb_pidfile "$1")" mariadbd
}

# mdb_admin DIR [args...]: mariadb client as the admin (socket auth) account.
mdb_admin() {
	local dir=$1
	shift
	mariadb --no-defaults --socket="$(mdb_socket "$dir")" --user="$(id -un)" "$@"
}

# mdb_init DIR: create the datadir once (no-op if it exists).
mdb_init() {
	local dir=$1 user
	user=$(id -un)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [[ -d "$dir/data/mysql" ]]; then
		return 0
	fi
	rm -rf "$dir/data"
	log "initializing MariaDB datadir $dir/data"
	if ! mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" \
		--auth-root-authentication-method=socket --auth-root-socket-user="$user" \
		--skip-test-db >"$dir/install.log" 2>&1; then
		tail_log "$dir/install.log" 30
		die "mariadb-install-db failed (see $dir/install.log)"
	fi
}

# mdb_start DIR [extra mariadbd args...]: start mariadbd unless it already runs,
# then wait until it answers (60 s).
mdb_start() {
	local dir=$1 sock pidfile logf user pid i
	shift
	dir=$(cd "$dir" && pwd)
	sock=$(mdb_socket "$dir")
	pidfile=$(mdb_pidfile "$dir")
	logf=$(mdb_log "$dir")
	user=$(id -un)
	if (( ${#sock} > 107 )); then
		die "socket path too long for a unix socket (${#sock} > 107): $sock"
	fi
	if mdb_running "$dir"; then
		log "MariaDB already running (pid $(pid_read "$pidfile"))"
	else
		[[ -d "$dir/data/mysql" ]] || die "no datadir in $dir (run mdb_init first)"
		rm -f "$pidfile" "$sock"
		# Private temp dir: /tmp is shared with other processes that may clean it.
		mkdir -p "$dir/tmp"
		log "starting MariaDB in $dir"
		# --user: mariadbd refuses to run as root without it; as non-root it is a no-op.
		setsid mariadbd --no-defaults \
			--datadir="$dir/data" --socket="$sock" --pid-file="$pidfile" \
			--log-error="$logf" --user="$user" \
			--skip-networking --skip-name-resolve --tmpdir="$dir/tmp" \
			--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
			--innodb-buffer-pool-size=128M --max-connections=200 \
			"$@" </dev/null >>"$logf" 2>&1 &
		pid=$!
	fi
	for ((i = 0; i < 600; i++)); do
		if mdb_admin "$dir" --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		if [[ -n "${pid:-}" ]] && ! pid_alive "$pid"; then
			wait "$pid" 2>/dev/null || true
			tail_log "$logf" 30
			die "mariadbd exited during startup (see $logf)"
		fi
		sleep 0.1
	done
	tail_log "$logf" 30
	die "MariaDB in $dir did not answer within 60 s"
}

# mdb_stop DIR: SIGTERM via pid file, SIGKILL after 60 s. Safe to call twice.
mdb_stop() {
	local dir=$1
	stop_pidfile "$(mdb_pidfile "$dir")" mariadbd MariaDB 60 TERM
	rm -f "$(mdb_socket "$dir")"
}

# mdb_password DIR: print the application user's password, generating it once.
mdb_password() {
	local f
	f=$(mdb_pwfile "$1")
	if [[ ! -s "$f" ]]; then
		(umask 077 && openssl rand -hex 24 >"$f")
	fi
	cat "$f"
}

# mdb_setup_app DIR [DB [USER]]: create database DB (utf8mb4) and USER@localhost
# with the password from mdb_password, GRANT ALL on DB.*. Idempotent.
mdb_setup_app() {
	local dir=$1 db=${2:-billing} user=${3:-billing} pw
	[[ "$db" =~ ^[A-Za-z0-9_]+$ && "$user" =~ ^[A-Za-z0-9_]+$ ]] ||
		die "bad database or user name: $db / $user"
	pw=$(mdb_password "$dir")
	mdb_admin "$dir" <<-SQL
		CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
		CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$pw';
		ALTER USER '$user'@'localhost' IDENTIFIED BY '$pw';
		GRANT ALL PRIVILEGES ON \`$db\`.* TO '$user'@'localhost';
		FLUSH PRIVILEGES;
	SQL
}

# mdb_up DIR [DB [USER]] [-- mariadbd args...]: init + start + setup.
mdb_up() {
	local dir=$1 db=${2:-billing} user=${3:-billing}
	shift $(($# < 3 ? $# : 3))
	[[ "${1:-}" == "--" ]] && shift
	mdb_init "$dir"
	mdb_start "$dir" "$@"
	mdb_setup_app "$dir" "$db" "$user"
}
