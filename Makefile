# PhishX. `make run` shows the pipeline working on a fresh machine;
# `make test` starts the real services and runs every test with -race.

GO        ?= go
BIN       := bin/phishx
PKGS      := ./...
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
EVENTS    ?= 2000

# Where the real services listen (see deploy/README.md).
export PHISHX_KAFKA_BROKERS    ?= 127.0.0.1:9092
export PHISHX_CLICKHOUSE_ADDR  ?= 127.0.0.1:9000

.PHONY: build run test test-unit test-integration bench fuzz lint services-up services-down clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/phishx

## run: start ClickHouse, run the pipeline on embedded Kafka, push synthetic mail through it, print a summary.
run: build
	deploy/clickhouse.sh start
	$(BIN) demo --events $(EVENTS) --clickhouse $(PHISHX_CLICKHOUSE_ADDR)

## test: start real Kafka and ClickHouse, then unit and integration tests with -race;
## then the end-to-end tests once more on the embedded broker (what a developer without Java runs).
## The ClickHouse outage test stops the shared ClickHouse, so it runs alone,
## after the packages that run in parallel.
OUTAGE := TestE2EClickHouseOutage
test: services-up
	PHISHX_REQUIRE_SERVICES=1 $(GO) test -race -count=1 -timeout 40m -skip '$(OUTAGE)' $(PKGS)
	PHISHX_REQUIRE_SERVICES=1 $(GO) test -count=1 -timeout 10m -run '$(OUTAGE)' ./cmd/phishx
	PHISHX_REQUIRE_SERVICES=1 PHISHX_KAFKA_BROKERS= $(GO) test -count=1 -timeout 20m -run TestE2E ./cmd/phishx

## test-unit: the fast suite, embedded Kafka only; tests that need real services skip.
test-unit:
	PHISHX_KAFKA_BROKERS= PHISHX_CLICKHOUSE_ADDR= $(GO) test -race -count=1 $(PKGS)

test-integration: services-up
	PHISHX_REQUIRE_SERVICES=1 $(GO) test -count=1 -timeout 20m -run TestE2E ./cmd/phishx

## bench: per-stage benchmarks and the end-to-end benchmark (real services).
bench: services-up
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./benchmarks/
	$(GO) test -run '^$$' -bench . -benchmem $$($(GO) list ./... | grep -v /benchmarks)

## fuzz: run every fuzz target for FUZZTIME each.
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)
	@if command -v staticcheck >/dev/null; then staticcheck $(PKGS); else echo "staticcheck not installed; skipped"; fi

services-up:
	deploy/services.sh up

services-down:
	deploy/services.sh down

clean:
	rm -rf bin
