// Package benchmarks holds the end-to-end benchmark of the pipeline (real
// Kafka when PHISHX_KAFKA_BROKERS is set, the embedded broker otherwise, and
// ClickHouse) and per-stage benchmarks over the synthetic size mix of
// package loadgen. Results are reported with b.ReportMetric as emails per
// second and per core; nothing here asserts a time.
//
//	go test -run '^$' -bench . -benchmem -benchtime 1x ./benchmarks/
package benchmarks
