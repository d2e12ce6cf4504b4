# shellcheck shell=bash
# Install what the project needs on Debian 12, only when something is missing.
#   deps_install        Debian packages (apt-get) + npm packages (npm ci)
#   deps_apt            Debian packages only
#   deps_npm            node_modules from package-lock.json only
# Needs scripts/lib/common.sh. Runs as root (or with sudo available).

DEPS_APT_PACKAGES=(
	build-essential autoconf automake libtool pkg-config
	libfcgi-dev libmariadb-dev libcurl4-openssl-dev libjson-c-dev check libssl-dev libsodium-dev
	mariadb-server mariadb-client galera-4 nginx curl wrk
	python3 python3-aiosmtpd
	clang libclang-rt-14-dev
	chromium libcairo2-dev libpango1.0-dev libjpeg-dev fonts-dejavu-core poppler-utils
	openssl ca-certificates procps iproute2
)

# pkgs_missing NAME...: print the names dpkg does not report as "install ok installed".
pkgs_missing() {
	local -A ok=()
	local name status p
	# one dpkg-query for all names (unknown names only produce a message on stderr)
	while IFS=' ' read -r name status; do
		[[ "$status" == "install ok installed" ]] && ok[${name%%:*}]=1
	done < <(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true)
	for p in "$@"; do
		[[ -n "${ok[$p]:-}" ]] || printf '%s\n' "$p"
	done
}

deps_as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

deps_apt() {
	local pkgs=("${DEPS_APT_PACKAGES[@]}") missing=()
	# Node.js: keep whatever node the machine already has (it may come from another
	# repository, whose nodejs bundles npm and conflicts with Debian's npm).
	if ! command -v node >/dev/null 2>&1; then
		pkgs+=(nodejs npm)
	elif ! command -v npm >/dev/null 2>&1; then
		pkgs+=(npm)
	fi
	mapfile -t missing < <(pkgs_missing "${pkgs[@]}")
	if ((${#missing[@]} == 0)); then
		return 0
	fi
	log "installing Debian packages: ${missing[*]}"
	deps_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	deps_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}"
}

# deps_npm: `npm ci` when node_modules is missing or older than package-lock.json.
# The lock's hash is kept in node_modules/.billing-lock-sha256 after a good install.
# Browsers are never downloaded: playwright-core ships none and the tests use
# /usr/bin/chromium.
deps_npm() {
	local root=$BILLING_ROOT want have=""
	[[ -f "$root/package-lock.json" ]] || return 0
	want=$(sha256sum "$root/package-lock.json" "$root/package.json" | sha256sum | cut -d' ' -f1)
	if [[ -r "$root/node_modules/.billing-lock-sha256" ]]; then
		have=$(cat "$root/node_modules/.billing-lock-sha256")
	fi
	if [[ "$want" == "$have" && -d "$root/node_modules/playwright-core" ]]; then
		return 0
	fi
	log "installing npm packages (npm ci)"
	(cd "$root" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
	printf '%s\n' "$want" >"$root/node_modules/.billing-lock-sha256"
}

deps_install() {
	deps_apt
	deps_npm
}
