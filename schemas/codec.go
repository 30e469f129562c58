package schemas

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/linkedin/goavro/v2"
)

// Wire framing: the Confluent format, a zero magic byte and a 4-byte
// big-endian schema id before the Avro body.
const (
	magicByte  = 0
	headerSize = 5
)

// Limits on what a decoder accepts from the wire.
const (
	DefaultMaxMessageBytes = 10 << 20
	MaxEventIDBytes        = 128
	MaxRecipients          = 1000
)

// Sentinel errors. Every decode error wraps one of them inside a
// DecodeError whose Reason is short and safe to put in a dead-letter header.
var (
	ErrTooLarge      = errors.New("message too large")
	ErrBadMagic      = errors.New("not Confluent-framed Avro")
	ErrUnknownSchema = errors.New("unknown schema id")
	ErrTruncated     = errors.New("truncated avro body")
	ErrMalformed     = errors.New("malformed avro body")
	ErrWrongSchema   = errors.New("wrong record type for this topic")
	ErrInvalid       = errors.New("invalid event")
)

// DecodeError says why bytes could not be decoded.
type DecodeError struct {
	Reason string // short, stable, never quotes the payload
	Err    error
}

func (e *DecodeError) Error() string { return e.Reason }
func (e *DecodeError) Unwrap() error { return e.Err }

func decodeErr(sentinel error, format string, args ...any) error {
	return &DecodeError{Reason: fmt.Sprintf(format, args...), Err: sentinel}
}

func unknownSchema(id uint32) error {
	return decodeErr(ErrUnknownSchema, "unknown schema id %d", id)
}

// Codec encodes and decodes email events and verdicts in the wire format.
// It is safe for concurrent use.
type Codec struct {
	reg      Registry
	maxBytes int
}

// CodecOption configures a Codec.
type CodecOption func(*Codec)

// WithMaxMessageBytes sets the largest encoded message accepted.
func WithMaxMessageBytes(n int) CodecOption { return func(c *Codec) { c.maxBytes = n } }

// maxArrayBlock caps how many items goavro believes one array block holds.
// goavro preallocates a slice of the block count it reads, so a five-byte
// hostile message claiming 2^31 recipients would allocate gigabytes. No
// legitimate event comes near this many items in one block.
const maxArrayBlock = 1 << 16

// capGoavro lowers goavro's package-level MaxBlockCount, the library's only
// knob for this, once and before any codec decodes. It never raises it.
var capGoavro sync.Once

// NewCodec returns a codec over reg.
func NewCodec(reg Registry, opts ...CodecOption) *Codec {
	capGoavro.Do(func() { goavro.MaxBlockCount = min(goavro.MaxBlockCount, maxArrayBlock) })
	c := &Codec{reg: reg, maxBytes: DefaultMaxMessageBytes}
	for _, o := range opts {
		o(c)
	}
	return c
}

// EncodeEvent frames ev with the registry's current event schema.
func (c *Codec) EncodeEvent(ev *EmailEvent) ([]byte, error) {
	return c.encode(c.reg.EmailEvent(), eventToNative(ev))
}

// EncodeVerdict frames v with the registry's current verdict schema.
func (c *Codec) EncodeVerdict(v *Verdict) ([]byte, error) {
	return c.encode(c.reg.Verdict(), verdictToNative(v))
}

func (c *Codec) encode(s *Schema, native map[string]any) ([]byte, error) {
	buf := make([]byte, headerSize, 512)
	binary.BigEndian.PutUint32(buf[1:], s.ID)
	out, err := s.codec.BinaryFromNative(buf, native)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", s.Name, err)
	}
	if len(out) > c.maxBytes {
		return nil, fmt.Errorf("encode %s: %w (%d bytes, limit %d)", s.Name, ErrTooLarge, len(out), c.maxBytes)
	}
	return out, nil
}

// DecodeEvent decodes a framed email event and validates it.
func (c *Codec) DecodeEvent(b []byte) (*EmailEvent, error) {
	m, err := c.decode(b, EmailEventName)
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

// DecodeVerdict decodes a framed verdict.
func (c *Codec) DecodeVerdict(b []byte) (*Verdict, error) {
	m, err := c.decode(b, VerdictName)
	if err != nil {
		return nil, err
	}
	return verdictFromNative(m)
}

// DecodeNative decodes a framed record of the given full record name into
// goavro's native form, resolved against the reader's field defaults:
// fields the writer did not have get the reader's default.
func (c *Codec) DecodeNative(b []byte, reader *Schema) (map[string]any, error) {
	m, err := c.decode(b, reader.Name)
	if err != nil {
		return nil, err
	}
	for name, def := range reader.defaults {
		if _, ok := m[name]; !ok {
			m[name] = def
		}
	}
	return m, nil
}

func (c *Codec) decode(b []byte, wantName string) (map[string]any, error) {
	if len(b) > c.maxBytes {
		return nil, decodeErr(ErrTooLarge, "message too large (%d bytes, limit %d)", len(b), c.maxBytes)
	}
	if len(b) < headerSize || b[0] != magicByte {
		return nil, decodeErr(ErrBadMagic, "not Confluent-framed Avro (no magic byte and schema id)")
	}
	id := binary.BigEndian.Uint32(b[1:headerSize])
	s, err := c.reg.ByID(context.Background(), id)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return nil, de
		}
		return nil, &DecodeError{Reason: fmt.Sprintf("unknown schema id %d", id), Err: err}
	}
	if s.Name != wantName {
		return nil, decodeErr(ErrWrongSchema, "schema id %d is %s, want %s", id, s.Name, wantName)
	}
	native, rest, err := s.codec.NativeFromBinary(b[headerSize:])
	if err != nil {
		if isShortBuffer(err) {
			return nil, &DecodeError{Reason: "truncated avro body", Err: fmt.Errorf("%w: %w", ErrTruncated, err)}
		}
		return nil, &DecodeError{Reason: "malformed avro body", Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	if len(rest) != 0 {
		return nil, decodeErr(ErrMalformed, "malformed avro body (%d trailing bytes)", len(rest))
	}
	m, ok := native.(map[string]any)
	if !ok {
		return nil, decodeErr(ErrMalformed, "malformed avro body (not a record)")
	}
	return m, nil
}

// isShortBuffer reports whether goavro ran out of bytes. goavro has no
// sentinel for it and formats its causes with %s, so the text is all there is.
func isShortBuffer(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "short buffer") || strings.Contains(msg, "EOF")
}

// Validate checks what the schema cannot: the invariants every consumer
// relies on.
func (ev *EmailEvent) Validate() error {
	bad := func(format string, args ...any) error {
		return decodeErr(ErrInvalid, "invalid event: "+format, args...)
	}
	switch {
	case ev.EventID == "":
		return bad("empty event_id")
	case len(ev.EventID) > MaxEventIDBytes:
		return bad("event_id longer than %d bytes", MaxEventIDBytes)
	case !utf8.ValidString(ev.EventID):
		return bad("event_id is not UTF-8")
	case ev.Tenant == "":
		return bad("empty tenant")
	case ev.KeyVersion < 0:
		return bad("negative key_version")
	case len(ev.EnvelopeTo) > MaxRecipients:
		return bad("more than %d recipients", MaxRecipients)
	case ev.KeyVersion == 0 && len(ev.EncryptedFields) > 0:
		return bad("encrypted_fields without key_version")
	}
	for _, f := range ev.EncryptedFields {
		switch f {
		case "envelope_from", "envelope_to", "client_ip", "raw_message":
		default:
			return bad("encrypted_fields names unknown field %q", truncate(f, 40))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func eventToNative(ev *EmailEvent) map[string]any {
	to := make([]any, len(ev.EnvelopeTo))
	for i, r := range ev.EnvelopeTo {
		to[i] = r
	}
	enc := make([]any, len(ev.EncryptedFields))
	for i, f := range ev.EncryptedFields {
		enc[i] = f
	}
	raw := ev.RawMessage
	if raw == nil {
		raw = []byte{}
	}
	return map[string]any{
		"event_id":         ev.EventID,
		"tenant":           ev.Tenant,
		"gateway":          ev.Gateway,
		"received_at":      ev.ReceivedAt.UTC().Truncate(time.Millisecond),
		"envelope_from":    ev.EnvelopeFrom,
		"envelope_to":      to,
		"client_ip":        ev.ClientIP,
		"raw_message":      raw,
		"key_version":      ev.KeyVersion,
		"encrypted_fields": enc,
	}
}

func eventFromNative(m map[string]any) (*EmailEvent, error) {
	r := nativeReader{m: m}
	ev := &EmailEvent{
		EventID:         r.str("event_id"),
		Tenant:          r.str("tenant"),
		Gateway:         r.str("gateway"),
		ReceivedAt:      r.time("received_at"),
		EnvelopeFrom:    r.str("envelope_from"),
		EnvelopeTo:      r.strs("envelope_to"),
		ClientIP:        r.optStr("client_ip"),
		RawMessage:      r.bytes("raw_message"),
		KeyVersion:      r.optInt32("key_version"),
		EncryptedFields: r.optStrs("encrypted_fields"),
	}
	return ev, r.err
}

func verdictToNative(v *Verdict) map[string]any {
	reasons := make([]any, len(v.Reasons))
	for i, r := range v.Reasons {
		reasons[i] = r
	}
	action := v.Action
	if action == "" {
		action = ActionDeliver
	}
	return map[string]any{
		"event_id":      v.EventID,
		"tenant":        v.Tenant,
		"gateway":       v.Gateway,
		"score":         v.Score,
		"action":        action,
		"model_name":    v.ModelName,
		"model_version": v.ModelVersion,
		"reasons":       reasons,
		"scored_at":     v.ScoredAt.UTC().Truncate(time.Millisecond),
	}
}

func verdictFromNative(m map[string]any) (*Verdict, error) {
	r := nativeReader{m: m}
	v := &Verdict{
		EventID:      r.str("event_id"),
		Tenant:       r.str("tenant"),
		Gateway:      r.str("gateway"),
		Score:        r.float("score"),
		Action:       r.str("action"),
		ModelName:    r.str("model_name"),
		ModelVersion: r.str("model_version"),
		Reasons:      r.optStrs("reasons"),
		ScoredAt:     r.time("scored_at"),
	}
	return v, r.err
}

// nativeReader reads goavro native values with type checks, remembering
// the first problem instead of panicking on odd input.
type nativeReader struct {
	m   map[string]any
	err error
}

func (r *nativeReader) fail(field string) {
	if r.err == nil {
		r.err = decodeErr(ErrMalformed, "malformed avro body (field %s has the wrong type)", field)
	}
}

func (r *nativeReader) get(field string, optional bool) (any, bool) {
	v, ok := r.m[field]
	if !ok {
		if !optional {
			r.fail(field)
		}
		return nil, false
	}
	return v, true
}

func (r *nativeReader) str(f string) string {
	v, ok := r.get(f, false)
	if !ok {
		return ""
	}
	switch s := v.(type) {
	case string:
		return s
	case map[string]any: // a ["null","string"] union written as string
		if x, ok := s["string"].(string); ok {
			return x
		}
	}
	r.fail(f)
	return ""
}

func (r *nativeReader) optStr(f string) string {
	if _, ok := r.m[f]; !ok {
		return ""
	}
	return r.str(f)
}

func (r *nativeReader) bytes(f string) []byte {
	v, ok := r.get(f, false)
	if !ok {
		return nil
	}
	if b, ok := v.([]byte); ok {
		return b
	}
	r.fail(f)
	return nil
}

func (r *nativeReader) strs(f string) []string {
	v, ok := r.get(f, false)
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		r.fail(f)
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, ok := x.(string)
		if !ok {
			r.fail(f)
			return nil
		}
		out = append(out, s)
	}
	return out
}

func (r *nativeReader) optStrs(f string) []string {
	if _, ok := r.m[f]; !ok {
		return nil
	}
	s := r.strs(f)
	if len(s) == 0 {
		return nil
	}
	return s
}

func (r *nativeReader) optInt32(f string) int32 {
	v, ok := r.get(f, true)
	if !ok {
		return 0
	}
	if i, ok := v.(int32); ok {
		return i
	}
	r.fail(f)
	return 0
}

func (r *nativeReader) float(f string) float64 {
	v, ok := r.get(f, false)
	if !ok {
		return 0
	}
	if x, ok := v.(float64); ok {
		return x
	}
	r.fail(f)
	return 0
}

func (r *nativeReader) time(f string) time.Time {
	v, ok := r.get(f, false)
	if !ok {
		return time.Time{}
	}
	switch t := v.(type) {
	case time.Time:
		return t.UTC()
	case int64:
		return time.UnixMilli(t).UTC()
	}
	r.fail(f)
	return time.Time{}
}
