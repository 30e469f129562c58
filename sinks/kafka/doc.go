// Package kafka holds the pipeline's Kafka outputs: the verdict sink, which
// tells gateways what PhishX decided about each email, and the dead-letter
// queue, which keeps every record the pipeline could not process together
// with the reason.
//
// Both buffer in memory on Write and produce on Flush, waiting for every
// acknowledgement; records that were not acknowledged stay buffered so a
// retried Flush resends only them. They use a *kgo.Client owned by the
// caller, which should keep franz-go's default idempotent producer so that
// broker-side retries never duplicate. Like every pipeline sink they are
// called from one goroutine at a time.
//
// Verdicts carry finding codes, never finding details: details may quote
// the message and verdicts reach every gateway consumer.
package kafka
