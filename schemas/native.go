package schemas

import "time"

// Conversion between the Go records and goavro's native form (maps of
// field name to value). goavro's map decode is cheaper than any struct
// binding; the reader below type-checks every value so that a writer
// schema with a retyped field yields a DecodeError, never a panic.

func eventToNative(ev *EmailEvent) map[string]any {
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
		"envelope_to":      stringsToNative(ev.EnvelopeTo),
		"client_ip":        ev.ClientIP,
		"raw_message":      raw,
		"key_version":      ev.KeyVersion,
		"encrypted_fields": stringsToNative(ev.EncryptedFields),
	}
}

func eventFromNative(m map[string]any) (*EmailEvent, error) {
	r := nativeReader{m: m}
	ev := &EmailEvent{
		EventID:      r.str("event_id", false),
		Tenant:       r.str("tenant", false),
		Gateway:      r.str("gateway", false),
		ReceivedAt:   r.time("received_at"),
		EnvelopeFrom: r.str("envelope_from", false),
		EnvelopeTo:   r.strs("envelope_to", false),
		// Fields with a default may be missing from an older writer.
		ClientIP:        r.str("client_ip", true),
		RawMessage:      r.bytes("raw_message"),
		KeyVersion:      r.int32("key_version", true),
		EncryptedFields: r.strs("encrypted_fields", true),
	}
	if len(ev.EncryptedFields) == 0 {
		ev.EncryptedFields = nil
	}
	return ev, r.err
}

func verdictToNative(v *Verdict) map[string]any {
	return map[string]any{
		"event_id":      v.EventID,
		"tenant":        v.Tenant,
		"gateway":       v.Gateway,
		"score":         v.Score,
		"action":        v.Action,
		"model_name":    v.ModelName,
		"model_version": v.ModelVersion,
		"reasons":       stringsToNative(v.Reasons),
		"scored_at":     v.ScoredAt.UTC().Truncate(time.Millisecond),
	}
}

func verdictFromNative(m map[string]any) (*Verdict, error) {
	r := nativeReader{m: m}
	v := &Verdict{
		EventID:      r.str("event_id", false),
		Tenant:       r.str("tenant", false),
		Gateway:      r.str("gateway", false),
		Score:        r.float("score"),
		Action:       r.str("action", false),
		ModelName:    r.str("model_name", false),
		ModelVersion: r.str("model_version", false),
		Reasons:      r.strs("reasons", true),
		ScoredAt:     r.time("scored_at"),
	}
	if len(v.Reasons) == 0 {
		v.Reasons = nil
	}
	return v, r.err
}

func stringsToNative(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// nativeReader reads goavro native values with type checks, remembering
// the first problem instead of panicking on odd input.
type nativeReader struct {
	m   map[string]any
	err error
}

func (r *nativeReader) fail(field, what string) {
	if r.err == nil {
		r.err = malformed("field " + field + " " + what)
	}
}

// get returns the field's value; a missing field is an error unless
// optional (declared with a default, so older writers may lack it).
func (r *nativeReader) get(field string, optional bool) (any, bool) {
	v, ok := r.m[field]
	if !ok && !optional {
		r.fail(field, "is missing")
	}
	return v, ok
}

func (r *nativeReader) str(f string, optional bool) string {
	v, ok := r.get(f, optional)
	if !ok {
		return ""
	}
	switch s := v.(type) {
	case string:
		return s
	case map[string]any: // a ["null","string"] union holding a string
		if x, ok := s["string"].(string); ok && len(s) == 1 {
			return x
		}
	}
	r.fail(f, "has the wrong type")
	return ""
}

func (r *nativeReader) bytes(f string) []byte {
	v, ok := r.get(f, false)
	if !ok {
		return nil
	}
	if b, ok := v.([]byte); ok {
		return b
	}
	r.fail(f, "has the wrong type")
	return nil
}

func (r *nativeReader) strs(f string, optional bool) []string {
	v, ok := r.get(f, optional)
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		r.fail(f, "has the wrong type")
		return nil
	}
	out := make([]string, len(arr))
	for i, x := range arr {
		s, ok := x.(string)
		if !ok {
			r.fail(f, "has the wrong type")
			return nil
		}
		out[i] = s
	}
	return out
}

func (r *nativeReader) int32(f string, optional bool) int32 {
	v, ok := r.get(f, optional)
	if !ok {
		return 0
	}
	if i, ok := v.(int32); ok {
		return i
	}
	r.fail(f, "has the wrong type")
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
	r.fail(f, "has the wrong type")
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
	case int64: // a writer without the logical type
		return time.UnixMilli(t).UTC()
	}
	r.fail(f, "has the wrong type")
	return time.Time{}
}
