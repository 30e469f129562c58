#!/usr/bin/env bash
# Load test of the control plane from a separate process (wrk) on loopback:
# authenticated verdict lookups, GET /v1/verdicts/{event_id}. Needs Kafka
# and ClickHouse (make services-up) and wrk (apt-get install wrk).
#
#   benchmarks/api_load.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-16}
port=18181
command -v wrk >/dev/null || { echo "api_load: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

export PHISHX_KAFKA_BROKERS=${PHISHX_KAFKA_BROKERS:-127.0.0.1:9092}
export ENCRYPTION_MASTER_KEY JWT_SECRET_KEY PHISHX_ADMIN_EMAIL=loadtest@example.com PHISHX_ADMIN_PASSWORD
ENCRYPTION_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
JWT_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
PHISHX_ADMIN_PASSWORD=$(head -c 18 /dev/urandom | base64)

go build -o bin/phishx ./cmd/phishx
echo "api_load: writing 500 verdicts to look up" >&2
bin/phishx demo --events 500 --json >/dev/null
id=$(clickhouse-client --query "SELECT event_id FROM phishx.email_analysis ORDER BY processed_at DESC LIMIT 1")

bin/phishx api --addr 127.0.0.1:$port --control-topic "phishx.control.loadtest.$(date +%s)" >/tmp/phishx-api-load.log 2>&1 &
api=$!
trap 'kill $api 2>/dev/null; wait $api 2>/dev/null' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

token=$(curl -fs -X POST "http://127.0.0.1:$port/auth/login" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$PHISHX_ADMIN_EMAIL\",\"password\":\"$PHISHX_ADMIN_PASSWORD\"}" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/verdicts/$id" >/dev/null ||
	{ echo "api_load: the lookup does not answer 200" >&2; exit 1; }

echo "api_load: wrk, $conns connections, ${secs}s, GET /v1/verdicts/{id} with a bearer token" >&2
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/verdicts/$id"
