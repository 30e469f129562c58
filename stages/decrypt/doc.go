// Package decrypt is the pipeline stage that opens an event's Fernet-sealed
// PII fields in place, in memory, so that later stages read plaintext.
//
// Outcomes of Process:
//
//   - sealed fields open: they are replaced by plaintext, KeyVersion becomes
//     0 and EncryptedFields is emptied; nil is returned;
//   - an event with KeyVersion 0 and no encrypted fields passes through
//     unchanged, unless Config.RequireEncryption is set, which makes it a
//     permanent error ("decrypt: event not encrypted");
//   - a token that fails verification, an unknown key version or malformed
//     encrypted fields: pipeline.Permanent with a short reason such as
//     "decrypt: unknown key version 7" or "decrypt: token verification
//     failed (field raw_message, key version 2)". Reasons and wrapped errors
//     never contain tokens, plaintext or key bytes.
//
// Keys come through a seal.KeySource; pass a *keyring.Watcher or
// *keyring.Holder so that a rotated ring is used from the next record on.
// The Stage is safe for concurrent use and never blocks.
//
// Subpackages: fernet (the token format) and keyring (versioned keys,
// derivation, key files, reloading).
package decrypt
