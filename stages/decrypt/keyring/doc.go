// Package keyring holds the versioned Fernet keys PhishX seals PII with.
//
// A Ring maps versions 1..n to keys and names one active version: sealing
// uses the active key, opening uses whichever version a value records, and a
// version the ring does not hold is ErrUnknownKeyVersion. A Ring is immutable
// and safe for concurrent use.
//
// Keys come from a master key (ENCRYPTION_MASTER_KEY, base64 of at least 32
// bytes) through PBKDF2-HMAC-SHA256 with 600,000 iterations and a salt of
// "phishx/keyring/<ring id>/v<N>", from explicit keys in a key file, or both
// (a key file entry may say `derive: true`). Derivation is slow on purpose
// (about a third of a second per version here), so it runs once when a ring
// is loaded and the Loader caches derived keys across reloads.
//
// Rotation while running: Holder keeps the current *Ring behind an
// atomic.Pointer; Watcher polls a key file (mtime, size and SHA-256 of the
// contents) every Interval and swaps in a new ring when the file changes and
// loads cleanly. A bad file is logged and the old ring is kept. Watcher.Run
// blocks until its context is cancelled; the caller owns that goroutine.
// Distributing ring metadata over a compacted Kafka topic is not done here
// yet: today every process reads the same key file or master key.
//
// Key material never appears in logs, errors, String/GoString/Format output
// or panics: Ring and fernet.Key print without it, and errors name versions
// and files, never key bytes.
package keyring
