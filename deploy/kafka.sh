#!/usr/bin/env bash
# deploy/kafka.sh start|stop|restart|status|wait
#
# A single-node Apache Kafka 4.1.1 in KRaft combined mode (broker and
# controller in one JVM) for development and CI, listening on 127.0.0.1 only.
# The jars come from Maven Central through deploy/kafka/pom.xml and are cached
# in $PHISHX_CACHE/kafka-4.1.1/libs; data, logs and the pid file live in
# $PHISHX_STATE/kafka. Every command is idempotent.
set -euo pipefail

PROG=kafka.sh
DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$DEPLOY_DIR/lib.sh"

KAFKA_VERSION=4.1.1
PORT=${PHISHX_KAFKA_PORT:-9092}
CONTROLLER_PORT=${PHISHX_KAFKA_CONTROLLER_PORT:-9093}
HEAP=${PHISHX_KAFKA_HEAP:-1g}
WAIT_TIMEOUT=${PHISHX_KAFKA_WAIT_TIMEOUT:-120}
STOP_TIMEOUT=${PHISHX_KAFKA_STOP_TIMEOUT:-60}

POM=$DEPLOY_DIR/kafka/pom.xml
LIBS=$PHISHX_CACHE/kafka-$KAFKA_VERSION/libs
DIR=$PHISHX_STATE/kafka
DATA=$DIR/data
LOGS=$DIR/logs
CONF=$DIR/server.properties
LOG4J=$DIR/log4j2.properties
PIDFILE=$DIR/kafka.pid
SERVING=$DIR/serving
SERVER_LOG=$LOGS/server.log
STDOUT_LOG=$LOGS/kafka.out
MAIN=kafka.Kafka

usage() {
	cat >&2 <<EOF
usage: deploy/kafka.sh start|stop|restart|status|wait

  start    fetch the jars if needed, format storage once, start the broker,
           and wait until it serves (idempotent: a running broker is left as is)
  stop     SIGTERM the broker and wait for it to exit (SIGKILL after ${STOP_TIMEOUT}s)
  restart  stop, then start
  status   exit 0 if the broker is running, 3 if not
  wait     wait up to ${WAIT_TIMEOUT}s for a started broker to serve

env: PHISHX_KAFKA_PORT=$PORT PHISHX_KAFKA_CONTROLLER_PORT=$CONTROLLER_PORT
     PHISHX_KAFKA_HEAP=$HEAP PHISHX_STATE=$PHISHX_STATE PHISHX_CACHE=$PHISHX_CACHE
EOF
	exit 2
}

pid() { running_pid "$PIDFILE" "$MAIN" "$CONF"; }

need_java() {
	if ! command -v java >/dev/null 2>&1; then
		apt_install openjdk-17-jre-headless
	fi
	local v
	v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
	if ! [[ $v =~ ^[0-9]+$ ]] || ((v < 17)); then
		die "Kafka $KAFKA_VERSION needs Java 17 or newer; 'java -version' says: $(java -version 2>&1 | head -n 1)"
	fi
}

# fetch_jars resolves the broker's jars once. A stamp with the pom's checksum
# marks a complete download, so an interrupted or outdated one is redone.
fetch_jars() {
	local stamp=$LIBS/.pom.sha256 sum
	sum=$(sha256sum "$POM" | cut -d' ' -f1)
	if [[ -f $stamp && $(<"$stamp") == "$sum" ]]; then
		return 0
	fi
	command -v mvn >/dev/null 2>&1 || apt_install maven
	say "resolving Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
	local t0 tmp
	t0=$(now_ms)
	mkdir -p "$(dirname "$LIBS")"
	tmp=$(mktemp -d "$(dirname "$LIBS")/libs.tmp.XXXXXX")
	if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
		tail -n 40 "$tmp.log" >&2
		rm -rf "$tmp"
		die "Maven could not resolve the Kafka jars (output above; pom: $POM)"
	fi
	rm -f "$tmp.log"
	[[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] ||
		die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is not in $tmp"
	printf '%s\n' "$sum" >"$tmp/.pom.sha256"
	rm -rf "$LIBS"
	mv "$tmp" "$LIBS"
	say "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $(($(now_ms) - t0)) ms"
}

write_config() {
	mkdir -p "$DATA" "$LOGS"
	cat >"$CONF.tmp" <<EOF
# Written by deploy/kafka.sh on every start; edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=268435456
EOF
	mv "$CONF.tmp" "$CONF"
	cat >"$LOG4J" <<'EOF'
# Written by deploy/kafka.sh on every start; edits are lost.
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 100MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.network.name = kafka.network.RequestChannel$
logger.network.level = WARN
EOF
}

# JVM: the java command line, as kafka-run-class.sh would build it.
JVM=(java -Xmx"$HEAP" -Xms256m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
	-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
	-Djava.awt.headless=true -Dkafka.logs.dir="$LOGS"
	-Dlog4j2.configurationFile="$LOG4J" -cp "$LIBS/*")

# format_storage runs the storage tool once per data dir, with a fresh
# cluster id. The static voter set (controller.quorum.voters) keeps the
# formatted storage valid when the ports change between runs.
format_storage() {
	[[ -f $DATA/meta.properties ]] && return 0
	local cid
	# A cluster id is 16 random bytes in URL-safe base64 without padding; it
	# may start with "-", hence the --opt=value form below.
	cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
	say "formatting $DATA (cluster id $cid)"
	"${JVM[@]}" kafka.tools.StorageTool format "--cluster-id=$cid" --config "$CONF" \
		--ignore-formatted >"$LOGS/format.log" 2>&1 || {
		tail_log "$LOGS/format.log"
		die "formatting Kafka storage in $DATA did not succeed"
	}
}

# serving PID: the broker accepts connections and has logged that it started
# (KafkaRaftServer logs it once the broker is unfenced). The log is rotated
# on every start, so an older run's line cannot match; the first sighting is
# remembered in $SERVING, as the line leaves server.log when the log rolls.
serving() {
	port_open "$PORT" || return 1
	[[ -f $SERVING && $(<"$SERVING") == "$1" ]] && return 0
	grep -q 'Kafka Server started' "$SERVER_LOG" 2>/dev/null || return 1
	printf '%s\n' "$1" >"$SERVING"
}

cmd_wait() {
	local p t0 deadline
	t0=$(now_ms)
	p=$(pid) || die "Kafka is not running; start it with deploy/kafka.sh start"
	deadline=$((SECONDS + WAIT_TIMEOUT))
	while ! serving "$p"; do
		if ! p=$(pid); then
			tail_log "$SERVER_LOG" "$STDOUT_LOG"
			die "Kafka exited during startup (logs above; all logs in $LOGS)"
		fi
		if ((SECONDS >= deadline)); then
			tail_log "$SERVER_LOG" "$STDOUT_LOG"
			die "Kafka (pid $p) not serving on 127.0.0.1:$PORT after ${WAIT_TIMEOUT}s (logs above; all logs in $LOGS)"
		fi
		sleep 0.2
	done
	say "Kafka serving on 127.0.0.1:$PORT (waited $(($(now_ms) - t0)) ms)"
}

cmd_start() {
	check_port PHISHX_KAFKA_PORT "$PORT"
	check_port PHISHX_KAFKA_CONTROLLER_PORT "$CONTROLLER_PORT"
	[[ $PORT != "$CONTROLLER_PORT" ]] ||
		die "PHISHX_KAFKA_PORT and PHISHX_KAFKA_CONTROLLER_PORT are both $PORT"
	mkdir -p "$DIR"
	lock "$DIR"
	local p t0
	if p=$(pid); then
		say "Kafka already running (pid $p, state $DIR)"
		cmd_wait
		return 0
	fi
	t0=$(now_ms)
	require_free_port PHISHX_KAFKA_PORT "$PORT"
	require_free_port PHISHX_KAFKA_CONTROLLER_PORT "$CONTROLLER_PORT"
	need_java
	fetch_jars
	write_config
	local f
	for f in "$SERVER_LOG" "$STDOUT_LOG"; do
		[[ -f $f ]] && mv -f "$f" "$f.prev"
	done
	format_storage
	say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$PORT (controller 127.0.0.1:$CONTROLLER_PORT)"
	rm -f "$SERVING"
	launch "$PIDFILE" "$STDOUT_LOG" "${JVM[@]}" "$MAIN" "$CONF"
	cmd_wait
	say "Kafka started in $(($(now_ms) - t0)) ms (pid $(<"$PIDFILE"), logs in $LOGS)"
}

cmd_stop() {
	mkdir -p "$DIR"
	lock "$DIR"
	local p t0
	if ! p=$(pid); then
		say "Kafka not running"
		return 0
	fi
	t0=$(now_ms)
	say "stopping Kafka (pid $p)"
	stop_pid "$p" Kafka "$STOP_TIMEOUT"
	rm -f "$PIDFILE"
	say "Kafka stopped in $(($(now_ms) - t0)) ms"
}

cmd_status() {
	local p
	if p=$(pid); then
		if serving "$p"; then
			echo "kafka: running (pid $p) on 127.0.0.1:$PORT"
		else
			echo "kafka: running (pid $p), not serving on 127.0.0.1:$PORT yet"
		fi
		return 0
	fi
	echo "kafka: not running (state $DIR)"
	return 3
}

dispatch "$@"
