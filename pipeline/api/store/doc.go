// Package store keeps the control plane's state: users, refresh-token
// families, used refresh tokens and revoked token ids. It owns one Kafka
// client and the in-memory materialisation of one compacted topic
// (default "phishx.control.v1", one partition, cleanup.policy=compact).
//
// Why a compacted topic and not ClickHouse: every API instance needs every
// revocation within a second and must answer "is this jti revoked?" on
// every request without a network round trip. A compacted topic gives a
// durable, ordered, shared log that each instance tails into memory (reads
// are map lookups), survives restarts by replay, and keeps only the latest
// value per key, so its size follows the live state rather than history.
// ClickHouse is eventually consistent, merges asynchronously and is built
// for scans, not point reads on the hot path; it keeps the audit log
// instead. Kafka is already a hard dependency of the pipeline, so this adds
// no new service.
//
// Writes are produced synchronously (acks=all, idempotent) and the writer
// then waits until its own consumer has applied the acknowledged offset, so
// a caller always reads its own writes and every instance applies every
// write in the same (log) order. That order settles races: when two
// instances rotate the same refresh token at once, both "used" records
// land in the log, the first one wins everywhere, and the loser learns it
// lost and revokes the whole family (reuse detection). Revocations are
// sticky: a family once revoked stays revoked whatever comes after it.
//
// Keys: "user/<id>", "family/<id>", "used/<jti>", "revoked/<jti>"; values
// are JSON. User email and name arrive already sealed (the api package
// seals them with the key ring); the store never sees them in clear. Users
// are found by email through an HMAC index computed by the caller.
//
// Concurrency: every method is safe for concurrent use. Run owns the
// consumer loop and returns when its context ends; reads never block;
// writes block until acknowledged and applied or until their context ends.
// Close the store after Run has returned.
package store
