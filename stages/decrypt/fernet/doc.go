// Package fernet implements Fernet tokens, spec version 0x80: AES-128-CBC with
// PKCS#7 padding, HMAC-SHA256 over version|timestamp|IV|ciphertext, a 64-bit
// big-endian timestamp in seconds, and URL-safe base64 with padding.
//
// The core is written here rather than taken from github.com/fernet/fernet-go
// because that package reports no reason for a rejection (it returns nil),
// checks clock skew only when a TTL is given, reads time.Now directly, has no
// size limit and accepts a zero PKCS#7 pad byte. This package passes the
// official vectors (generate, verify and invalid) in shared/testdata/fernet.
//
// Contract:
//
//   - A Key is immutable once made and safe to use from many goroutines. Its
//     String, GoString and Format print "[redacted]": key material never
//     reaches logs, errors or panics. Encode is the one way to print a key.
//   - A Codec holds only configuration (TTL, allowed clock skew, size limit,
//     clock, randomness) and is safe for concurrent use. Nothing blocks
//     except reading from Config.Rand.
//   - Decrypt verifies the HMAC (constant-time, hmac.Equal) before it looks
//     at the padding, so a bad token cannot be used as a padding oracle.
//     Errors wrap ErrInvalidToken and never contain token bytes or plaintext.
//   - Tokens longer than Config.MaxTokenSize (encoded) are rejected before
//     any decoding; Encrypt refuses plaintext whose token would exceed it.
//   - The timestamp is checked on every Decrypt: more than MaxClockSkew in the
//     future is rejected (ErrFromFuture), and, when TTL > 0, older than TTL is
//     rejected (ErrExpired). Python's cryptography only checks the future
//     bound when a TTL is given; with TTL 0 this package is stricter.
package fernet
