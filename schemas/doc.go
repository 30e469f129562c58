// Package schemas owns the wire contract between gateways and the
// pipeline: the Avro schemas (email_event.v1.avsc, verdict.v1.avsc,
// compiled in with go:embed), their Go forms (EmailEvent, Verdict), the
// codecs (goavro) and the framing. It knows nothing of Kafka topics beyond
// the subject names it is given.
//
// # Framing and ids
//
// Every record value is Confluent-framed: a zero magic byte, a 4-byte
// big-endian schema id, then the Avro binary body. The 5 bytes are written
// and read here rather than with franz-go's sr.Serde, whose typed
// registration does not fit goavro's map-based decode.
//
// Ids resolve through a Registry:
//
//   - EmbeddedRegistry serves the compiled-in schemas with fixed ids, for
//     deployments without a Schema Registry: 1 = EmailEvent v1
//     (EmbeddedEmailEventV1), 2 = Verdict v1 (EmbeddedVerdictV1). These
//     never change meaning; a new version gets a new id.
//   - SchemaRegistry (franz-go's pkg/sr) registers the same schemas under
//     "<topic>-value" subjects of a Confluent-compatible registry at start,
//     writes with the ids it assigned, and fetches ids it meets on the wire
//     once, caching up to 1024 of them.
//
// # Compatibility
//
// Schemas evolve only by adding optional fields with defaults (["null", T]
// with default null, or a type with a default value). Fields are never
// removed, renamed or retyped, and enum symbols are never added or
// removed: a reader would refuse the record. A record on the events topic
// must be an EmailEvent (dev.phishx.email.EmailEvent); on the verdicts
// topic a Verdict (dev.phishx.verdict.Verdict); any other record name is
// ErrWrongSchema.
//
// Decoding uses the writer's schema, found by the id on the wire, and then
// reads the fields the reader knows, taking the reader's default for any
// the writer lacked and ignoring those it does not know. That is Avro
// schema resolution for the changes allowed above: a v1 reader reads v2
// data and a v2 reader reads v1 data (TestSchemaEvolution). DecodeNative
// applies the same rule for an arbitrary reader schema.
//
// # Untrusted input
//
// Decoding checks the size first (WithMaxMessageBytes, default 10 MiB),
// then the framing and the schema id, then walks the body against the
// writer schema without allocating (scan.go) before goavro decodes it. The
// walk rejects truncated and malformed bodies exactly, caps the array items
// and map entries of one record at MaxArrayItems (goavro preallocates
// whatever block count it reads) and the nesting depth, so goavro's
// package-level MaxBlockCount and MaxBlockSize are left alone. Every value
// is type-checked without panicking, and events and verdicts are validated
// (EmailEvent.Validate, Verdict.Validate); encoding validates too, so a
// producer cannot write what a consumer would refuse.
//
// Every decode failure is a *DecodeError whose Reason is short, stable,
// readable and never quotes the payload ("unknown schema id 42", "truncated
// avro body", "message too large (12.0 MiB > 10.0 MiB)"), so it can go into
// a dead-letter header as it is. It wraps exactly one sentinel: ErrTooLarge,
// ErrBadMagic, ErrUnknownSchema, ErrTruncated, ErrMalformed, ErrWrongSchema
// and ErrInvalid are permanent; ErrRegistryUnavailable is transient (the
// Schema Registry did not answer) and worth retrying.
//
// A decoded event's RawMessage may share memory with the input bytes.
//
// # Concurrency and blocking
//
// Codec, Schema, EmbeddedRegistry and SchemaRegistry are safe for
// concurrent use. Nothing blocks except a SchemaRegistry cache miss, which
// makes one HTTP call per unknown id (concurrent misses share it) bounded
// by the sr client's timeout (5 s by default). The package starts no
// goroutines.
package schemas
