# shellcheck shell=bash
# Shared helpers for deploy/*.sh. Sourced, never run: it defines functions and
# the PHISHX_STATE / PHISHX_CACHE locations, and changes no shell options.

PHISHX_STATE=${PHISHX_STATE:-$HOME/.local/state/phishx}
PHISHX_CACHE=${PHISHX_CACHE:-$HOME/.cache/phishx}

# PROG names the script in messages; each script sets it before sourcing.
PROG=${PROG:-phishx}

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }

die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

# check_port NAME VALUE: VALUE must be a TCP port number.
check_port() {
	if ! [[ $2 =~ ^[1-9][0-9]{0,4}$ ]] || (($2 > 65535)); then
		die "$1=$2 is not a TCP port number (1-65535)"
	fi
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# port_owner PORT: best-effort description of who listens on 127.0.0.1:PORT
# (or on all addresses), for error messages.
port_owner() {
	local line
	if command -v ss >/dev/null 2>&1; then
		line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n 1 || true)
		if [[ $line =~ users:\(\(\"([^\"]*)\",pid=([0-9]+) ]]; then
			printf '%s (pid %s)' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
			return
		fi
	fi
	printf 'another process'
}

# require_free_port NAME PORT: die with a clear message when the port is taken.
require_free_port() {
	if port_open "$2"; then
		die "127.0.0.1:$2 ($1) is already in use by $(port_owner "$2"); stop it or choose another port with $1"
	fi
}

# cmdline PID: the process's command line with spaces between arguments.
cmdline() {
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null
}

# pid_is PID PROGRAM CONFIG: PID is alive and its command line names both
# the server program and our config file, so a recycled pid, or the same
# server run from another state dir, is never mistaken for ours.
pid_is() {
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	kill -0 "$1" 2>/dev/null || return 1
	local cl
	cl=$(cmdline "$1")
	[[ $cl == *"$2"* && $cl == *"$3"* ]]
}

# find_pid PROGRAM CONFIG: the first live process that pid_is accepts.
find_pid() {
	local d pid
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
		if pid_is "$pid" "$1" "$2"; then
			printf '%s\n' "$pid"
			return 0
		fi
	done
	return 1
}

# running_pid PIDFILE PROGRAM CONFIG: print the pid of our running server.
# The pid file is the record; if it is missing or stale but a server started
# with this config file is alive (the pid file was deleted, or the server was
# started by hand), adopt it.
running_pid() {
	local pid=""
	[[ -f $1 ]] && pid=$(<"$1")
	if pid_is "$pid" "$2" "$3"; then
		printf '%s\n' "$pid"
		return 0
	fi
	if pid=$(find_pid "$2" "$3"); then
		printf '%s\n' "$pid" >"$1"
		printf '%s\n' "$pid"
		return 0
	fi
	rm -f "$1"
	return 1
}

# launch PIDFILE LOGFILE CMD...: start CMD in its own session, immune to the
# caller's hangup and Ctrl-C, stdout and stderr appended to LOGFILE. The pid
# file is written by the process itself just before it execs CMD, so it names
# the server and not a wrapper. The lock fd is not passed on: the server
# would hold the state dir's lock for its whole life.
launch() {
	local pidfile=$1 logfile=$2
	shift 2
	rm -f "$pidfile"
	# shellcheck disable=SC2016 # expanded by the inner shell
	nohup setsid bash -c 'echo "$$" >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
		"$pidfile" "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -s $pidfile ]] && return 0
		sleep 0.05
	done
	die "the server did not start; see $logfile"
}

# stop_pid PID NAME TIMEOUT_S: SIGTERM, wait up to TIMEOUT_S, then SIGKILL.
stop_pid() {
	local pid=$1 name=$2 timeout=$3 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < timeout * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	say "$name (pid $pid) still running ${timeout}s after SIGTERM; sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	die "$name (pid $pid) survived SIGKILL"
}

# lock DIR: serialize start/stop on one state dir (parallel test packages may
# restart a service at the same time). The lock is released on exit.
lock() {
	command -v flock >/dev/null 2>&1 || return 0
	exec 9>"$1/.lock"
	flock -w 300 9 || die "another deploy script has held $1/.lock for 5 minutes"
}

# as_root CMD...: run CMD as root, through sudo when we are not root.
as_root() {
	if [[ $(id -u) == 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "'$*' needs root and sudo is not installed; run it as root"
	fi
}

# apt_install PKG...: install Debian packages non-interactively.
apt_install() {
	command -v apt-get >/dev/null 2>&1 ||
		die "$* not installed and this is not a Debian-like system (no apt-get); install them by hand"
	say "installing $* with apt-get"
	as_root apt-get -q -o DPkg::Lock::Timeout=300 update >&2 ||
		die "apt-get update did not succeed"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
		-o DPkg::Lock::Timeout=300 install "$@" >&2 ||
		die "apt-get install $* did not succeed"
}

# tail_log FILE...: for error reports, the first errors and the last lines
# of each file that exists (a server that fails to start often logs its
# reason and then a long shutdown).
tail_log() {
	local f errs
	for f in "$@"; do
		[[ -s $f ]] || continue
		errs=$(grep -E -m 5 -A 2 '(ERROR|FATAL|<Error>|Exception:)' "$f" 2>/dev/null | head -n 20 || true)
		if [[ -n $errs ]]; then
			printf -- '--- first errors in %s ---\n%s\n' "$f" "$errs" >&2
		fi
		printf -- '--- last lines of %s ---\n' "$f" >&2
		tail -n 25 "$f" >&2
	done
}

# now_ms: milliseconds since the epoch (for timing messages).
now_ms() { date +%s%3N; }

# dispatch runs the subcommand named by $1 with the cmd_* functions the
# calling script defines.
dispatch() {
	case ${1:-} in
	start) cmd_start ;;
	stop) cmd_stop ;;
	restart)
		cmd_stop
		cmd_start
		;;
	status) cmd_status ;;
	wait) cmd_wait ;;
	*) usage ;;
	esac
}
