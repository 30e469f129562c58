// Package app is the composition root of the phishx binary: it reads the
// one YAML config file (defaults in DefaultConfig, every field documented in
// deploy/phishx.example.yaml, env overrides for addresses, secrets from the
// environment only), and wires the pipeline: the broker (embedded when none
// is configured), topics, the key ring, the codec, the stages (decrypt,
// score), the ClickHouse and Kafka sinks, the ledger and the engine.
//
// Start acquires everything and Run consumes until its context is
// cancelled, then flushes, commits and releases. A Pipeline is used from one
// goroutine; Run owns the goroutines it starts (the engine and the key-file
// watcher) and waits for them.
package app
