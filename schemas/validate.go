package schemas

import (
	"math"
	"unicode/utf8"
)

// Limits Validate enforces.
const (
	MaxEventIDBytes = 128
	MaxRecipients   = 1000
	MaxReasons      = 256
)

// SealableFields are the EmailEvent fields (by Avro name) that may be
// Fernet-encrypted and so may appear in EncryptedFields: the PII ones.
func SealableFields() []string {
	return []string{"envelope_from", "envelope_to", "client_ip", "raw_message"}
}

func isSealable(name string) bool {
	switch name {
	case "envelope_from", "envelope_to", "client_ip", "raw_message":
		return true
	}
	return false
}

// Validate checks what the schema cannot: the invariants every consumer
// relies on. Both EncodeEvent and DecodeEvent call it. The error is a
// *DecodeError wrapping ErrInvalid whose reason never quotes PII.
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
	case len(ev.EncryptedFields) > 4:
		return bad("more encrypted_fields than there are PII fields")
	}
	for i, f := range ev.EncryptedFields {
		if !isSealable(f) {
			// The name is not PII but is attacker-chosen: keep it out of
			// the reason (it would land in headers and logs).
			return bad("encrypted_fields[%d] is not a PII field", i)
		}
	}
	return nil
}

// Validate checks a verdict's invariants: the ids a gateway keys on, a
// score that is a probability, and one of the known actions (an empty
// action is an error, never a silent "deliver"). EncodeVerdict and
// DecodeVerdict call it.
func (v *Verdict) Validate() error {
	bad := func(format string, args ...any) error {
		return decodeErr(ErrInvalid, "invalid verdict: "+format, args...)
	}
	switch {
	case v.EventID == "":
		return bad("empty event_id")
	case len(v.EventID) > MaxEventIDBytes:
		return bad("event_id longer than %d bytes", MaxEventIDBytes)
	case v.Tenant == "":
		return bad("empty tenant")
	case math.IsNaN(v.Score) || v.Score < 0 || v.Score > 1:
		return bad("score outside 0..1")
	case len(v.Reasons) > MaxReasons:
		return bad("more than %d reasons", MaxReasons)
	}
	switch v.Action {
	case ActionDeliver, ActionFlag, ActionQuarantine:
		return nil
	}
	return bad("unknown action")
}
