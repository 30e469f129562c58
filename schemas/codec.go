package schemas

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// Wire framing: the Confluent format, a zero magic byte and a 4-byte
// big-endian schema id before the Avro body.
const (
	magicByte  = 0
	headerSize = 5
)

// DefaultMaxMessageBytes is the largest framed message a Codec accepts
// unless WithMaxMessageBytes says otherwise.
const DefaultMaxMessageBytes = 10 << 20

// Codec encodes and decodes email events and verdicts in the wire format.
// It holds no mutable state of its own and is safe for concurrent use; it
// blocks only where its Registry does (a SchemaRegistry cache miss).
type Codec struct {
	reg      Registry
	maxBytes int
}

// CodecOption configures a Codec.
type CodecOption func(*Codec)

// WithMaxMessageBytes sets the largest framed message the codec encodes or
// decodes (header included). n <= 0 keeps DefaultMaxMessageBytes.
func WithMaxMessageBytes(n int) CodecOption {
	return func(c *Codec) {
		if n > 0 {
			c.maxBytes = n
		}
	}
}

// NewCodec returns a codec over reg. It changes no package state, goavro's
// included: decoding limits are enforced by the codec's own pre-scan.
func NewCodec(reg Registry, opts ...CodecOption) *Codec {
	c := &Codec{reg: reg, maxBytes: DefaultMaxMessageBytes}
	for _, o := range opts {
		o(c)
	}
	return c
}

// MaxMessageBytes returns the codec's size limit.
func (c *Codec) MaxMessageBytes() int { return c.maxBytes }

// EncodeEvent validates ev and frames it with the registry's current event
// schema. ReceivedAt is truncated to milliseconds, as the schema stores it.
func (c *Codec) EncodeEvent(ev *EmailEvent) ([]byte, error) {
	if err := ev.Validate(); err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return c.encode(c.reg.EmailEvent(), eventToNative(ev), len(ev.RawMessage)+256)
}

// EncodeVerdict validates v and frames it with the registry's current
// verdict schema.
func (c *Codec) EncodeVerdict(v *Verdict) ([]byte, error) {
	if err := v.Validate(); err != nil {
		return nil, fmt.Errorf("encode verdict: %w", err)
	}
	return c.encode(c.reg.Verdict(), verdictToNative(v), 256)
}

func (c *Codec) encode(s *Schema, native map[string]any, sizeHint int) ([]byte, error) {
	buf := make([]byte, headerSize, headerSize+sizeHint)
	buf[0] = magicByte
	binary.BigEndian.PutUint32(buf[1:], s.ID)
	out, err := s.codec.BinaryFromNative(buf, native)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", s.Name, err)
	}
	if len(out) > c.maxBytes {
		return nil, fmt.Errorf("encode %s: %w (%s > %s)", s.Name, ErrTooLarge, humanBytes(len(out)), humanBytes(c.maxBytes))
	}
	return out, nil
}

// EncodeNative frames a goavro native record with schema s, with no
// validation and no size limit. It is for tests and tools that write with
// a schema other than the current one (an older or newer version).
func EncodeNative(s *Schema, native map[string]any) ([]byte, error) {
	return NewCodec(nil, WithMaxMessageBytes(int(^uint(0)>>1))).encode(s, native, 256)
}

// DecodeEvent decodes a framed email event and validates it. Errors are
// *DecodeError values (see the package doc). The event's RawMessage may
// share memory with b: do not modify b while the event is in use.
func (c *Codec) DecodeEvent(b []byte) (*EmailEvent, error) {
	m, _, err := c.decode(b, EmailEventName)
	if err != nil {
		return nil, err
	}
	ev, err := eventFromNative(m)
	if err != nil {
		return nil, err
	}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	return ev, nil
}

// DecodeVerdict decodes a framed verdict and validates it.
func (c *Codec) DecodeVerdict(b []byte) (*Verdict, error) {
	m, _, err := c.decode(b, VerdictName)
	if err != nil {
		return nil, err
	}
	v, err := verdictFromNative(m)
	if err != nil {
		return nil, err
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return v, nil
}

// DecodeNative decodes a framed record into goavro's native form as the
// reader schema sees it: the body is decoded with the writer's schema
// (found by the id on the wire, which must name the same record), fields
// the reader does not declare are dropped, and fields the writer lacked
// take the reader's default (as encoding/json decodes it: null is nil).
func (c *Codec) DecodeNative(b []byte, reader *Schema) (map[string]any, error) {
	m, writer, err := c.decode(b, reader.Name)
	if err != nil {
		return nil, err
	}
	if writer == reader {
		return m, nil
	}
	out := make(map[string]any, len(reader.fields))
	for _, f := range reader.fields {
		if v, ok := m[f]; ok {
			out[f] = v
		} else if def, ok := reader.defaults[f]; ok {
			out[f] = def
		} else {
			return nil, decodeErr(ErrWrongSchema, "schema id %d lacks field %s, which has no default", writer.ID, f)
		}
	}
	return out, nil
}

func (c *Codec) decode(b []byte, wantName string) (map[string]any, *Schema, error) {
	if len(b) > c.maxBytes {
		return nil, nil, decodeErr(ErrTooLarge, "message too large (%s > %s)", humanBytes(len(b)), humanBytes(c.maxBytes))
	}
	if len(b) < headerSize {
		return nil, nil, decodeErr(ErrBadMagic, "not Confluent-framed Avro (%d bytes, shorter than the header)", len(b))
	}
	if b[0] != magicByte {
		return nil, nil, decodeErr(ErrBadMagic, "not Confluent-framed Avro (magic byte 0x%02x)", b[0])
	}
	id := binary.BigEndian.Uint32(b[1:headerSize])
	s, err := c.reg.ByID(context.Background(), id)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return nil, nil, de
		}
		return nil, nil, &DecodeError{Reason: fmt.Sprintf("unknown schema id %d", id), Err: fmt.Errorf("%w: %w", ErrUnknownSchema, err)}
	}
	if s.Name != wantName {
		return nil, nil, decodeErr(ErrWrongSchema, "schema id %d is %s, want %s", id, s.Name, wantName)
	}
	body := b[headerSize:]
	if err := scan(s.shape, body); err != nil {
		return nil, nil, err
	}
	native, _, err := s.codec.NativeFromBinary(body)
	if err != nil {
		// The scan accepted what goavro refused: a disagreement between
		// the two about the encoding, classed as malformed.
		return nil, nil, &DecodeError{Reason: "malformed avro body", Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	m, ok := native.(map[string]any)
	if !ok {
		return nil, nil, malformed("not a record")
	}
	return m, s, nil
}
