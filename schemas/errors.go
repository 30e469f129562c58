package schemas

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every decode error is a *DecodeError wrapping one of
// them, so callers classify with errors.Is and put DecodeError.Reason (or
// Error(), which is the same text) into a dead-letter header as it is.
var (
	// ErrTooLarge: the framed message exceeds the codec's size limit. It
	// is checked before anything is decoded.
	ErrTooLarge = errors.New("message too large")
	// ErrBadMagic: the bytes are not Confluent-framed (too short for the
	// 5-byte header, or the first byte is not 0).
	ErrBadMagic = errors.New("not Confluent-framed Avro")
	// ErrUnknownSchema: the registry does not know the schema id.
	ErrUnknownSchema = errors.New("unknown schema id")
	// ErrRegistryUnavailable: the schema id could not be resolved because
	// the Schema Registry did not answer. Unlike ErrUnknownSchema this is
	// transient; retrying later may succeed.
	ErrRegistryUnavailable = errors.New("schema registry unavailable")
	// ErrTruncated: the Avro body ends before the record does.
	ErrTruncated = errors.New("truncated avro body")
	// ErrMalformed: the Avro body does not match its schema (bad varint,
	// union or enum index, trailing bytes, too many items, wrong types).
	ErrMalformed = errors.New("malformed avro body")
	// ErrWrongSchema: the schema id names another kind of record, for
	// example a verdict on the events topic.
	ErrWrongSchema = errors.New("wrong record type for this topic")
	// ErrInvalid: the record decoded but breaks an invariant (Validate).
	ErrInvalid = errors.New("invalid record")
)

// DecodeError says why bytes could not be decoded. Reason is short and
// stable ("unknown schema id 42", "truncated avro body", "message too
// large (12.0 MiB > 10.0 MiB)"); it never quotes the payload, so it is safe
// for logs and dead-letter headers. Err wraps the sentinel and, where there
// is one, the underlying library error.
type DecodeError struct {
	Reason string
	Err    error
}

// Error returns Reason.
func (e *DecodeError) Error() string { return e.Reason }

// Unwrap returns the wrapped sentinel (and cause).
func (e *DecodeError) Unwrap() error { return e.Err }

func decodeErr(sentinel error, format string, args ...any) *DecodeError {
	return &DecodeError{Reason: fmt.Sprintf(format, args...), Err: sentinel}
}

// malformed returns a DecodeError for a body that breaks its schema; what
// says how, in a few words that never quote the payload.
func malformed(what string) *DecodeError {
	return &DecodeError{Reason: "malformed avro body (" + what + ")", Err: ErrMalformed}
}

func truncated() *DecodeError {
	return &DecodeError{Reason: "truncated avro body", Err: ErrTruncated}
}

func unknownSchema(id uint32) *DecodeError {
	return decodeErr(ErrUnknownSchema, "unknown schema id %d", id)
}

// humanBytes formats a size for a reason string: "512 B", "3.5 KiB",
// "12.0 MiB".
func humanBytes(n int) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}
