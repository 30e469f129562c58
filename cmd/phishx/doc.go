// Command phishx is the one PhishX binary.
//
//	phishx run              the pipeline (embedded Kafka when no brokers are configured)
//	phishx produce          act as a gateway: seal and produce .eml files or synthetic mail
//	phishx demo             run, produce and summarise once (what `make run` calls)
//	phishx migrate          create or upgrade the ClickHouse tables
//	phishx keys rotate      re-seal stored PII with the newest key
//	phishx train|eval|score the phishing model
//	phishx api              the HTTP control plane
//	phishx login|logout|verdict  the control plane from the command line
//	phishx version
//
// Output is for people by default and JSON with --json. Commands that run
// long show progress on stderr. Every command reads the same config file
// (--config) and exits non-zero with a message naming what went wrong.
package main
