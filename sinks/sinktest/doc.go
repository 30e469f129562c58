// Package sinktest holds in-memory sinks and a ledger for tests of the
// engine and of stages: the real wiring with memory instead of ClickHouse.
// Sink can be told to fail its flushes, to exercise the circuit breaker and
// back-pressure. Everything here is safe for concurrent use.
package sinktest
