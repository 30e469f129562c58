// Package logging builds PhishX's zap loggers. Every logger it makes masks
// PII (emails, phones, SSNs, card numbers; see stages/pii) in the message
// and in every string-like field value, including fields added with With,
// errors, Stringers, []byte, arrays, objects and reflected values, so that
// no call site can forget to. Binary fields are replaced by a placeholder.
// Numeric fields are not masked: do not log PII as numbers.
//
// New returns a console logger for people by default and a JSON one when
// Config.Format is "json". The returned logger is safe for concurrent use;
// writes block on the output like any zap logger. The masking costs one
// cheap scan per string (no allocation when there is nothing to mask).
package logging
