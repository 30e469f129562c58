#!/usr/bin/env bash
# deploy/clickhouse.sh start|stop|restart|status|wait
#
# ClickHouse for development and CI, run as a user process on 127.0.0.1 only,
# with its config, data and logs in $PHISHX_STATE/ch. It uses whatever
# clickhouse-server is installed (Debian's 18.16 or a modern release) and
# installs Debian's package when there is none. Every command is idempotent;
# stop then start keeps the data (the integration tests restart ClickHouse
# under load to exercise the sink's circuit breaker).
set -euo pipefail

PROG=clickhouse.sh
DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$DEPLOY_DIR/lib.sh"

TCP_PORT=${PHISHX_CH_TCP_PORT:-9000}
HTTP_PORT=${PHISHX_CH_HTTP_PORT:-8123}
WAIT_TIMEOUT=${PHISHX_CH_WAIT_TIMEOUT:-60}
STOP_TIMEOUT=${PHISHX_CH_STOP_TIMEOUT:-30}
ETC=${PHISHX_CH_ETC:-/etc/clickhouse-server}

DIR=$PHISHX_STATE/ch
DATA=$DIR/data
LOGS=$DIR/log
CONF=$DIR/config.xml
USERS=$DIR/users.xml
PIDFILE=$DIR/clickhouse.pid
STDOUT_LOG=$LOGS/stdout.log
SERVER_LOG=$LOGS/clickhouse-server.log
ERROR_LOG=$LOGS/clickhouse-server.err.log
MARKER="--config-file=$CONF"

usage() {
	cat >&2 <<EOF
usage: deploy/clickhouse.sh start|stop|restart|status|wait

  start    install ClickHouse if needed, write its config, start it and wait
           until it answers (idempotent: a running server is left as is)
  stop     SIGTERM the server and wait for it to exit (SIGKILL after ${STOP_TIMEOUT}s)
  restart  stop, then start
  status   exit 0 if the server is running, 3 if not
  wait     wait up to ${WAIT_TIMEOUT}s for a started server to answer SELECT 1

env: PHISHX_CH_TCP_PORT=$TCP_PORT PHISHX_CH_HTTP_PORT=$HTTP_PORT PHISHX_STATE=$PHISHX_STATE
EOF
	exit 2
}

pid() { running_pid "$PIDFILE" clickhouse "$MARKER"; }

# SERVER and CLIENT: the installed programs. Debian and the official packages
# install clickhouse-server and clickhouse-client; a bare single binary
# serves both as `clickhouse server` and `clickhouse client`.
SERVER=()
CLIENT=()
find_programs() {
	local p
	SERVER=()
	CLIENT=()
	for p in "$(command -v clickhouse-server || true)" /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
		[[ -n $p && -x $p ]] && SERVER=("$p") && break
	done
	for p in "$(command -v clickhouse-client || true)" /usr/bin/clickhouse-client; do
		[[ -n $p && -x $p ]] && CLIENT=("$p") && break
	done
	if p=$(command -v clickhouse); then
		((${#SERVER[@]})) || SERVER=("$p" server)
		((${#CLIENT[@]})) || CLIENT=("$p" client)
	fi
	((${#SERVER[@]} && ${#CLIENT[@]}))
}

# install_clickhouse installs Debian's packages. On a machine with an init
# system the package starts a system-wide server on 9000; that one is
# stopped and disabled again, as this script runs its own.
install_clickhouse() {
	apt_install clickhouse-server clickhouse-client
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet clickhouse-server 2>/dev/null; then
		say "stopping and disabling the system-wide clickhouse-server service the package started"
		as_root systemctl disable --now clickhouse-server >&2 || true
	elif [[ -x /etc/init.d/clickhouse-server ]] && find_pid clickhouse "$ETC/config.xml" >/dev/null; then
		say "stopping the system-wide clickhouse-server service the package started"
		as_root /etc/init.d/clickhouse-server stop >&2 || true
	fi
	find_programs || die "clickhouse-server and clickhouse-client still missing after apt-get install"
}

# rewrite_config FILE: the packaged config made private: every path under
# the state dir, listening on 127.0.0.1 only, our ports, no interserver,
# MySQL, PostgreSQL, gRPC or TLS ports, information-level logs at most, and
# a short wait for unfinished queries on shutdown. Elements
# are removed only where they stand alone on a line, so commented-out
# examples stay comments; ours are put first under the root element.
rewrite_config() {
	awk -v data="$DATA/" -v logs="$LOGS/" -v tcp="$TCP_PORT" -v http="$HTTP_PORT" '
	function repl(s, from, to,    i, out) {
		out = ""
		while ((i = index(s, from)) > 0) {
			out = out substr(s, 1, i - 1) to
			s = substr(s, i + length(from))
		}
		return out s
	}
	/^[ \t]*<(listen_host|tcp_port|http_port|https_port|tcp_port_secure|interserver_http_port|interserver_https_port|mysql_port|postgresql_port|grpc_port)>[^<]*<\/[a-z_]+>[ \t]*$/ { next }
	{
		line = repl($0, "/var/lib/clickhouse/", data)
		line = repl(line, "/var/log/clickhouse-server/", logs)
		sub(/<level>trace<\/level>/, "<level>information</level>", line)
		print line
	}
	!done && /^[ \t]*<(yandex|clickhouse)>[ \t]*$/ {
		print "    <!-- deploy/clickhouse.sh: loopback only, our ports. -->"
		print "    <listen_host>127.0.0.1</listen_host>"
		print "    <tcp_port>" tcp "</tcp_port>"
		print "    <http_port>" http "</http_port>"
		print "    <shutdown_wait_unfinished>3</shutdown_wait_unfinished>"
		done = 1
	}
	END { if (!done) exit 3 }
	' "$1"
}

# rewrite_users FILE: the packaged users with poll_interval=1 in the default
# profile. An idle connection's handler only notices a shutdown between two
# polls (10 s by default), so pooled client connections would hold up a stop
# that long; the integration tests stop ClickHouse mid-stream.
rewrite_users() {
	awk '
	{ print }
	/^[ \t]*<profiles>[ \t]*$/ { inprof = 1 }
	inprof && !done && /^[ \t]*<default>[ \t]*$/ {
		print "            <!-- deploy/clickhouse.sh: notice a shutdown within 1 s. -->"
		print "            <poll_interval>1</poll_interval>"
		done = 1
	}
	END { if (!done) exit 3 }
	' "$1"
}

# minimal_config: for a bare clickhouse binary with no packaged config.
minimal_config() {
	cat <<EOF
<clickhouse>
    <logger>
        <level>information</level>
        <log>$SERVER_LOG</log>
        <errorlog>$ERROR_LOG</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$TCP_PORT</tcp_port>
    <http_port>$HTTP_PORT</http_port>
    <path>$DATA/</path>
    <tmp_path>$DATA/tmp/</tmp_path>
    <user_files_path>$DATA/user_files/</user_files_path>
    <format_schema_path>$DATA/format_schemas/</format_schema_path>
    <user_directories>
        <users_xml><path>users.xml</path></users_xml>
        <local_directory><path>$DATA/access/</path></local_directory>
    </user_directories>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mark_cache_size>268435456</mark_cache_size>
</clickhouse>
EOF
}

minimal_users() {
	cat <<'EOF'
<clickhouse>
    <profiles><default><poll_interval>1</poll_interval></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
            <access_management>1</access_management>
        </default>
    </users>
    <quotas><default/></quotas>
</clickhouse>
EOF
}

write_config() {
	mkdir -p "$DATA" "$LOGS"
	if [[ -f $ETC/config.xml ]]; then
		rewrite_config "$ETC/config.xml" >"$CONF.tmp" ||
			die "could not derive a config from $ETC/config.xml (no <yandex> or <clickhouse> root element on a line of its own)"
	else
		minimal_config >"$CONF.tmp"
	fi
	mv "$CONF.tmp" "$CONF"
	if [[ -f $ETC/users.xml ]]; then
		rewrite_users "$ETC/users.xml" >"$USERS.tmp" ||
			die "could not derive users from $ETC/users.xml (no <default> profile under <profiles>)"
	else
		minimal_users >"$USERS.tmp"
	fi
	mv "$USERS.tmp" "$USERS"
}

answers() {
	port_open "$TCP_PORT" &&
		"${CLIENT[@]}" --host 127.0.0.1 --port "$TCP_PORT" --query 'SELECT 1' >/dev/null 2>&1
}

cmd_wait() {
	local p t0 deadline
	t0=$(now_ms)
	p=$(pid) || die "ClickHouse is not running; start it with deploy/clickhouse.sh start"
	find_programs || die "clickhouse-client not found"
	deadline=$((SECONDS + WAIT_TIMEOUT))
	while ! answers; do
		if ! p=$(pid); then
			tail_log "$ERROR_LOG" "$STDOUT_LOG"
			die "ClickHouse exited during startup (logs above; all logs in $LOGS)"
		fi
		if ((SECONDS >= deadline)); then
			tail_log "$ERROR_LOG" "$STDOUT_LOG"
			die "ClickHouse (pid $p) not answering on 127.0.0.1:$TCP_PORT after ${WAIT_TIMEOUT}s (logs above; all logs in $LOGS)"
		fi
		sleep 0.2
	done
	say "ClickHouse answering on 127.0.0.1:$TCP_PORT (waited $(($(now_ms) - t0)) ms)"
}

cmd_start() {
	check_port PHISHX_CH_TCP_PORT "$TCP_PORT"
	check_port PHISHX_CH_HTTP_PORT "$HTTP_PORT"
	[[ $TCP_PORT != "$HTTP_PORT" ]] || die "PHISHX_CH_TCP_PORT and PHISHX_CH_HTTP_PORT are both $TCP_PORT"
	mkdir -p "$DIR"
	lock "$DIR"
	local p t0
	if p=$(pid); then
		say "ClickHouse already running (pid $p, state $DIR)"
		cmd_wait
		return 0
	fi
	t0=$(now_ms)
	require_free_port PHISHX_CH_TCP_PORT "$TCP_PORT"
	require_free_port PHISHX_CH_HTTP_PORT "$HTTP_PORT"
	find_programs || install_clickhouse
	write_config
	# Start each run with fresh stdout and error logs, so a failure report
	# shows this run only (the main log is rotated by ClickHouse itself).
	local f
	for f in "$STDOUT_LOG" "$ERROR_LOG"; do
		[[ -f $f ]] && mv -f "$f" "$f.prev"
	done
	say "starting ClickHouse ($(basename "${SERVER[0]}")) on 127.0.0.1:$TCP_PORT (http $HTTP_PORT), state $DIR"
	# The server runs from the state dir: some versions resolve relative
	# paths and write preprocessed configs against the working directory.
	(cd "$DIR" && launch "$PIDFILE" "$STDOUT_LOG" "${SERVER[@]}" "$MARKER")
	cmd_wait
	say "ClickHouse started in $(($(now_ms) - t0)) ms (pid $(<"$PIDFILE"), logs in $LOGS)"
}

cmd_stop() {
	mkdir -p "$DIR"
	lock "$DIR"
	local p t0
	if ! p=$(pid); then
		say "ClickHouse not running"
		return 0
	fi
	t0=$(now_ms)
	say "stopping ClickHouse (pid $p)"
	stop_pid "$p" ClickHouse "$STOP_TIMEOUT"
	rm -f "$PIDFILE"
	say "ClickHouse stopped in $(($(now_ms) - t0)) ms"
}

cmd_status() {
	local p
	if p=$(pid); then
		if find_programs && answers; then
			echo "clickhouse: running (pid $p) on 127.0.0.1:$TCP_PORT"
		else
			echo "clickhouse: running (pid $p), not answering on 127.0.0.1:$TCP_PORT yet"
		fi
		return 0
	fi
	echo "clickhouse: not running (state $DIR)"
	return 3
}

dispatch "$@"
