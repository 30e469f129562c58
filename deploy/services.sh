#!/usr/bin/env bash
# deploy/services.sh up|down|status|env
#
# Both real services a full test run needs: Kafka (deploy/kafka.sh) and
# ClickHouse (deploy/clickhouse.sh). `up` and `env` print, on stdout, the
# environment the tests read, so a shell can take it with
#   set -a; eval "$(deploy/services.sh up)"; set +a
set -euo pipefail

PROG=services.sh
DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$DEPLOY_DIR/lib.sh"

print_env() {
	printf 'PHISHX_KAFKA_BROKERS=127.0.0.1:%s\n' "${PHISHX_KAFKA_PORT:-9092}"
	printf 'PHISHX_CLICKHOUSE_ADDR=127.0.0.1:%s\n' "${PHISHX_CH_TCP_PORT:-9000}"
}

case ${1:-} in
up)
	t0=$(now_ms)
	"$DEPLOY_DIR/clickhouse.sh" start
	"$DEPLOY_DIR/kafka.sh" start
	say "services up in $(($(now_ms) - t0)) ms (state in $PHISHX_STATE)"
	print_env
	;;
down)
	# Stop both even if the first one has trouble, then report.
	rc=0
	"$DEPLOY_DIR/kafka.sh" stop || rc=1
	"$DEPLOY_DIR/clickhouse.sh" stop || rc=1
	exit "$rc"
	;;
status)
	rc=0
	"$DEPLOY_DIR/kafka.sh" status || rc=3
	"$DEPLOY_DIR/clickhouse.sh" status || rc=3
	exit "$rc"
	;;
env) print_env ;;
*)
	cat >&2 <<'EOF'
usage: deploy/services.sh up|down|status|env

  up      start ClickHouse and Kafka (idempotent), then print the test env
  down    stop both
  status  one line each; exit 0 only if both are running
  env     print the test env without starting anything
EOF
	exit 2
	;;
esac
