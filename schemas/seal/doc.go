// Package seal encrypts and decrypts the PII fields of an email event with
// Fernet and a versioned key ring. Mail gateways import it to seal an event
// before producing it; the decrypt stage uses it to open the event; the
// ClickHouse sink uses SealString for PII columns at rest.
//
// Dependencies are kept to the standard library, schemas and the fernet
// package: keys come through the small KeySource interface, which
// *keyring.Ring, *keyring.Holder and *keyring.Watcher satisfy.
//
// Sealed fields, by their Avro names: envelope_from, envelope_to (each
// element), client_ip and raw_message. Each holds the Fernet token's ASCII
// text (raw_message holds the token's bytes). KeyVersion records the key and
// EncryptedFields lists the sealed fields, in the order above.
//
// SealString returns "v<version>:<token>", a value that carries its key
// version, for columns at rest.
//
// A Sealer is immutable and safe for concurrent use; nothing blocks except
// reading randomness. Errors never contain plaintext, tokens or key bytes:
// they name the field and key version only.
package seal
