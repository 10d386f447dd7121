package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
)

// Status maps a domain error code to its HTTP status. It is the only such mapping.
func Status(code survey.Code) int {
	switch code {
	case "":
		return http.StatusOK
	case survey.CodeMalformed:
		return http.StatusBadRequest
	case survey.CodeNotFound:
		return http.StatusNotFound
	case survey.CodeConflict:
		return http.StatusConflict
	case survey.CodeClosed, survey.CodeErased:
		return http.StatusGone
	case survey.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case survey.CodeInvalid:
		return http.StatusUnprocessableEntity
	case survey.CodeUnauthorized:
		return http.StatusUnauthorized
	case survey.CodeForbidden:
		return http.StatusForbidden
	case survey.CodeMethod:
		return http.StatusMethodNotAllowed
	case survey.CodeMediaType:
		return http.StatusUnsupportedMediaType
	case survey.CodeUnavailable:
		return http.StatusServiceUnavailable
	case survey.CodeTooMany:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// ErrorBody is the JSON shape of every error the API returns.
type ErrorBody struct {
	Error struct {
		Code      survey.Code `json:"code"`
		Message   string      `json:"message"`
		Fields    []FieldBody `json:"fields,omitempty"`
		More      int         `json:"more,omitempty"` // problems not listed in fields
		RequestID string      `json:"request_id,omitempty"`
	} `json:"error"`
}

// FieldBody is one invalid answer in an ErrorBody.
type FieldBody struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// AbortJSON ends the request with err as a JSON error in lang. Internal errors are logged by
// the access log with their cause; the client sees only the localised message.
func AbortJSON(c *gin.Context, err error, lang string) {
	e := survey.AsError(err)
	var body ErrorBody
	body.Error.Code = e.Code
	body.Error.Message = e.Message.In(lang)
	body.Error.RequestID = RequestID(c)
	body.Error.More = e.More
	for _, f := range e.Fields {
		body.Error.Fields = append(body.Error.Fields, FieldBody{Field: f.Field, Code: f.Code, Message: f.Message.In(lang)})
	}
	if e.Code == survey.CodeUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="palabre"`)
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	_ = c.Error(err)
	c.AbortWithStatusJSON(Status(e.Code), body)
}
