// Package tongban holds the application-wide error type shared by the domain
// packages, the adapters and the HTTP layer.
package tongban

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Application error codes. Each maps to one HTTP status in package api.
const (
	ECONFLICT      = "conflict"      // action cannot be performed (state, duplicate)
	EINTERNAL      = "internal"      // internal error
	EINVALID       = "invalid"       // validation failed
	ENOTFOUND      = "not_found"     // entity does not exist
	EUNAUTHORIZED  = "unauthorized"  // not logged in or bad credentials
	EFORBIDDEN     = "forbidden"     // logged in but not allowed
	ETOOMANY       = "too_many"      // rate limited or locked
	EPRECONDITION  = "precondition"  // If-Match did not match
	EUNPROCESSABLE = "unprocessable" // well-formed but refused by a rule (e.g. PII screen)
	ETOOLARGE      = "too_large"     // body or upload too large
	EUNSUPPORTED   = "unsupported"   // media type not supported
)

// FieldError names one invalid input field and why it is invalid.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is the application error. Code is machine readable, Message is safe
// to show to users, Fields lists invalid input fields, Details carries
// structured extra data (e.g. PII findings) that is also safe to show.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Details any
}

// Error implements the error interface. Not used for display.
func (e *Error) Error() string {
	return fmt.Sprintf("tongban error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the given field.
func Invalid(field, reason string) *Error {
	return &Error{Code: EINVALID, Message: "Invalid input: " + field + " " + reason + ".", Fields: []FieldError{{Field: field, Reason: reason}}}
}

// ErrorCode unwraps err and returns its application code, or EINTERNAL when
// err is not an application error. A nil error has no code.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage unwraps err and returns its user-safe message, or
// "Internal error." for errors that are not application errors.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// Validation accumulates field errors and returns them as one EINVALID error.
type Validation struct{ fields []FieldError }

// Add records an invalid field.
func (v *Validation) Add(field, reason string) {
	v.fields = append(v.fields, FieldError{field, reason})
}

// Check records an invalid field when ok is false.
func (v *Validation) Check(ok bool, field, reason string) {
	if !ok {
		v.Add(field, reason)
	}
}

// Err returns nil when no field was recorded, else an EINVALID *Error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := "Invalid input:"
	for i, f := range v.fields {
		if i > 0 {
			msg += ";"
		}
		msg += " " + f.Field + " " + f.Reason
	}
	return &Error{Code: EINVALID, Message: msg + ".", Fields: v.fields}
}

// NewID returns a new unique, roughly time-ordered identifier: 24 lowercase
// hex digits (4 bytes of seconds, 8 random bytes).
func NewID() string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(time.Now().Unix()))
	if _, err := rand.Read(b[4:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// SerialAlphabet is Crockford's base-32 alphabet (no I, L, O, U): serial
// numbers read aloud or typed from paper are not misread.
const SerialAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Serial returns a document serial number "<prefix>-<year>-<10 random
// characters of SerialAlphabet>", e.g. "TB-2026-7N3SW7TXS4" (50 bits of
// randomness per year and prefix).
func Serial(prefix string, year int) string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = SerialAlphabet[b[i]&31]
	}
	return fmt.Sprintf("%s-%04d-%s", prefix, year, b)
}
