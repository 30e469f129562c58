package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Error codes returned in {"error":{"code":...}}.
const (
	CodeUnauthenticated = "unauthenticated"
	CodeForbidden       = "forbidden"
	CodeBadRequest      = "bad_request"
	CodeTooLarge        = "too_large"
	CodeNotFound        = "not_found"
	CodeConflict        = "conflict"
	CodeThrottled       = "throttled"
	CodeUnavailable     = "unavailable"
	CodeInternal        = "internal"
	CodeMethod          = "method_not_allowed"
)

// ErrorBody is the one error shape every endpoint returns.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a machine code and a human message. Messages never hold
// PII, tokens or internal error text.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="phishx"`)
	}
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
}

// errBodyTooLarge and errBadJSON come from decodeJSON.
var (
	errBodyTooLarge = errors.New("request body too large")
	errBadJSON      = errors.New("malformed JSON body")
)

// decodeJSON reads one JSON object of at most max bytes into v, refusing
// unknown fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errBodyTooLarge
		}
		return fmt.Errorf("%w: %s", errBadJSON, jsonErrorKind(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data", errBadJSON)
	}
	return nil
}

// jsonErrorKind describes a decode error without echoing input.
func jsonErrorKind(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of input"
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("wrong type for field %q", te.Field)
	}
	return "unknown field or invalid value"
}

func writeDecodeError(w http.ResponseWriter, err error) {
	if errors.Is(err, errBodyTooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, "request body too large")
		return
	}
	writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
}
