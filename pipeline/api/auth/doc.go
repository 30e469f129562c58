// Package auth holds the control plane's security primitives: JWT access and
// refresh tokens (golang-jwt v5), the signing and verification keys and
// their rotation by kid, bcrypt password hashing, login throttling, and the
// roles and scopes that authorise requests.
//
// It owns no state beyond its keys and throttle buckets: whether a token was
// revoked or a refresh token already used is the store's business
// (pipeline/api/store); the HTTP layer (pipeline/api) joins the two.
//
// Tokens is immutable after construction and safe for concurrent use; Parse
// never blocks and checks the token's length before decoding anything.
// Hasher blocks for the bcrypt work factor (about 200 ms at cost 12) and is
// safe for concurrent use. Throttle is safe for concurrent use and bounded
// in memory.
//
// Errors never contain a token, a password or key material.
package auth
