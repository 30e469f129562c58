package fernet

import "errors"

// ErrInvalidToken is wrapped by every reason a token is rejected. Callers
// that do not care why can test errors.Is(err, ErrInvalidToken).
var ErrInvalidToken = errors.New("fernet: invalid token")

// Reasons a token is rejected. Each wraps ErrInvalidToken. None of them (nor
// anything this package returns) quotes token bytes or plaintext.
var (
	ErrTooLarge    error = &tokenError{"fernet: token exceeds size limit"}
	ErrMalformed   error = &tokenError{"fernet: malformed token"}
	ErrBadVersion  error = &tokenError{"fernet: unsupported token version"}
	ErrBadMAC      error = &tokenError{"fernet: signature mismatch"}
	ErrBadPadding  error = &tokenError{"fernet: bad padding"}
	ErrExpired     error = &tokenError{"fernet: token expired"}
	ErrFromFuture  error = &tokenError{"fernet: token timestamp too far in the future"}
	errNilKey      error = &tokenError{"fernet: nil key"}
	errNegativeNow       = errors.New("fernet: clock before 1970")
)

// ErrInvalidKey reports key bytes of the wrong length or encoding.
var ErrInvalidKey = errors.New("fernet: invalid key")

// ErrPlaintextTooLarge reports a plaintext whose token would exceed
// Config.MaxTokenSize, so that Encrypt never makes a token Decrypt refuses.
var ErrPlaintextTooLarge = errors.New("fernet: plaintext exceeds size limit")

type tokenError struct{ msg string }

func (e *tokenError) Error() string { return e.msg }
func (e *tokenError) Unwrap() error { return ErrInvalidToken }
