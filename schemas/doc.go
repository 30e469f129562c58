// Package schemas owns the wire contract between gateways and the
// pipeline: the Avro schemas (email_event.v1.avsc, verdict.v1.avsc), their
// Go forms (EmailEvent, Verdict), the codecs and the framing.
//
// # Framing
//
// Every record value is Confluent-framed: a zero magic byte, a 4-byte
// big-endian schema id, then the Avro binary body. Ids resolve through a
// Registry: EmbeddedRegistry serves the schemas compiled into the binary
// with fixed ids (1 = email event v1, 2 = verdict v1) for deployments
// without a Schema Registry; SchemaRegistry registers the same schemas
// under "<topic>-value" subjects of a Confluent-compatible registry
// (franz-go's pkg/sr) and resolves unknown ids through it, caching them.
//
// # Compatibility
//
// Schemas evolve only by adding fields with defaults (optional fields are
// ["null", T] with default null). Fields are never removed, renamed or
// retyped. Decoding uses the writer's schema (found by the id on the wire)
// and then reads the fields the reader knows, taking the reader's default
// for any the writer lacked: a v1 reader reads v2 data and a v2 reader
// reads v1 data (TestSchemaEvolution).
//
// # Untrusted input
//
// Decoding checks the size (WithMaxMessageBytes, default 10 MiB) before
// anything else, caps goavro's array block count (a hostile count would
// otherwise be preallocated), type-checks every field without panicking,
// and validates the event (Validate). Every failure is a *DecodeError whose
// Reason is short, readable and never quotes the payload, so it can go into
// a dead-letter header as it is; it wraps one of the ErrX sentinels.
//
// A Codec and both registries are safe for concurrent use. Decoding with a
// SchemaRegistry may block on an HTTP call the first time an id is seen.
package schemas
