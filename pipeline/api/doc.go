// Package api is PhishX's HTTP control plane: login, token refresh and
// logout; gateway mail submission; verdict, finding and audit queries; user
// management; health, readiness and Prometheus metrics. openapi.yaml in
// this directory describes every endpoint.
//
// Security: every route comes from one route table (routes.go) and is
// wrapped by the same authentication and authorisation step; a route is
// reachable without an access token only when it is marked Public with a
// reason, and a test walks the table. Access tokens are verified by
// auth.Tokens, then checked against the shared state store (revoked jti,
// revoked family, disabled user, tokens issued before a forced logout). The
// caller's effective scopes are the token's scopes still held by the user
// now. Decrypted PII (user email and name, verdict sender and subject,
// finding details, audit IPs and details) is returned only on request
// (include_pii=true) to callers holding pii:read, and every such read is
// audited. Errors have one shape, {"error":{"code":..,"message":..}}, and
// never echo input, tokens or PII.
//
// What it owns: the Server (built by New, served by Serve/ListenAndServe
// until its context ends, then shut down gracefully), the Auditor (Run owns
// its batching goroutine) and the ClickHouse adapter for the audit_log
// table and verdict reads. The state store (pipeline/api/store) and its Run
// loop, the event encoder and producer are dependencies owned by the
// caller.
//
// Blocking: login spends one bcrypt comparison (also for unknown users);
// writes to the state store block until acknowledged and applied; audit
// records block at most AuditorConfig.EnqueueTimeout. Server, Auditor and
// ClickHouse are safe for concurrent use.
package api
