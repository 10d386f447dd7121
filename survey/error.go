package survey

import (
	"errors"
	"fmt"
)

// Code classifies an Error; the web layer maps each code to one HTTP status.
type Code string

const (
	CodeMalformed    Code = "malformed"              // the request could not be read: bad JSON, bad form encoding
	CodeNotFound     Code = "not_found"              // unknown survey, edition or form version
	CodeConflict     Code = "conflict"               // a response id already used for other answers
	CodeClosed       Code = "closed"                 // the edition does not accept responses (now)
	CodeTooLarge     Code = "too_large"              // the request body is over the limit
	CodeInvalid      Code = "invalid"                // the answers break the form's rules; see Fields
	CodeUnauthorized Code = "unauthorized"           // the request carries no valid credential (coordinators' routes)
	CodeForbidden    Code = "forbidden"              // the request may not see this
	CodeMethod       Code = "method_not_allowed"     // the route exists, not with this method
	CodeMediaType    Code = "unsupported_media_type" // the body is not of a type the route reads
	CodeUnavailable  Code = "unavailable"            // palabre cannot take the request now; try again later
	CodeInternal     Code = "internal"               // a fault of palabre's
)

// CodeErased says that a response id belongs to a response erased at its author's request:
// it is refused for good, so that an erased response cannot be sent again.
const CodeErased Code = "erased"

// CodeTooMany says the client sends more requests than it may; it may try again later.
const CodeTooMany Code = "too_many_requests"

// Error is palabre's domain error: a code, a message a person can read in their language,
// and, for invalid answers, one entry per field.
type Error struct {
	Code    Code
	Message Message
	Fields  []FieldError
	// More counts the problems past Fields that were not listed (see MaxFieldErrors).
	More int
	// RetryAfter, in seconds, tells a client of an unavailable service when to try again.
	RetryAfter int
	Err        error // the underlying cause, for logs; never shown to participants
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message.In(English)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a localisable message.
func Errorf(code Code, key MessageKey, args ...any) *Error {
	return &Error{Code: code, Message: Msg(key, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain; CodeInternal for any other
// non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// AsError returns err as an *Error, wrapping any other error as an internal one.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: Msg(MsgInternal), Err: err}
}

// FieldError is what is wrong with one answer. Field is the question key, "question.item"
// for a matrix row, or "profile.country" and the like for the respondent's profile.
type FieldError struct {
	Field   string  `json:"field"`
	Code    string  `json:"code"`
	Message Message `json:"-"`
}

func (f FieldError) String() string { return fmt.Sprintf("%s: %s", f.Field, f.Message.In(English)) }
