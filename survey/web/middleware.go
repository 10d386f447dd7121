package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
)

const requestIDKey = "palabre.request_id"

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// RequestID gives every request an id: the client's X-Request-ID when it is sane, a fresh
// random one otherwise. The id is echoed in the response and written in the access log.
func RequestIDs() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !requestIDRE.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

// RequestID returns the request's id.
func RequestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// secretPaths start paths whose next segment is a bearer secret: a funder's dashboard link
// and an invitation to set a console password.
var secretPaths = []string{"/d/", "/console/invite/"}

// RedactPath is a request path as logs may show it: the secret segment of a link that
// carries one (see secretPaths) is replaced by "…".
func RedactPath(path string) string {
	for _, prefix := range secretPaths {
		rest, ok := strings.CutPrefix(path, prefix)
		if !ok {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return prefix + "…" + rest[i:]
		}
		return prefix + "…"
	}
	return path
}

// AccessLog writes one structured line per request; failed requests carry their errors.
// Requests refused by admission control (see Admit) are not logged one by one, which would
// let a flood fill the log: one line at most every second counts them.
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	var refused refusalLog
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		if c.GetBool(refusedKey) {
			refused.note(c.Request.Context(), log, status, start)
			return
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request.Method),
			slog.String("path", RedactPath(c.Request.URL.Path)),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.Int("bytes", c.Writer.Size()),
			slog.String("request_id", RequestID(c)),
		}
		if len(c.Errors) > 0 {
			attrs = append(attrs, slog.String("error", c.Errors.String()))
		}
		log.LogAttrs(c.Request.Context(), level, "request", attrs...)
	}
}

// Recover turns a panic in a handler into a 500 with a localised message, logged with its
// stack, instead of a dropped connection.
func Recover(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", slog.Any("panic", v), slog.String("request_id", RequestID(c)),
					slog.String("stack", string(debug.Stack())))
				if !c.Writer.Written() {
					AbortJSON(c, &survey.Error{Code: survey.CodeInternal, Message: survey.Msg(survey.MsgInternal)}, Language(c))
				} else {
					c.Abort()
				}
			}
		}()
		c.Next()
	}
}

// NoSniff tells browsers to trust the Content-Type of every response and never guess
// another (X-Content-Type-Options: nosniff).
func NoSniff() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("X-Content-Type-Options", "nosniff")
		c.Next()
	}
}

// RequireJSON refuses a request whose body is not declared application/json with 415, in
// the API's error shape.
func RequireJSON(c *gin.Context) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		AbortJSON(c, survey.Errorf(survey.CodeMediaType, survey.MsgMediaType), Language(c))
		return
	}
	c.Next()
}

// LimitBody caps request bodies at max bytes: reading a body over the limit fails with
// *http.MaxBytesError, which handlers report as 413 in their own form (a JSON error for the
// API, a page for a form posted by a browser; see ReadError). A body declared larger fails
// on its first read, without being read, and the connection is closed after the answer.
func LimitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			c.Header("Connection", "close")
			c.Request.Body = refusedBody{limit: max}
		} else {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		}
		c.Next()
	}
}

// refusedBody stands for a body declared larger than the limit.
type refusedBody struct{ limit int64 }

func (b refusedBody) Read([]byte) (int, error) { return 0, &http.MaxBytesError{Limit: b.limit} }
func (refusedBody) Close() error               { return nil }

// ReadError turns an error from reading a request body into a domain error: 413 when the
// body is over the limit, else a malformed request with key's message. The message is
// wholly in the client's language; err's own text, in English, goes to the log only.
func ReadError(err error, key survey.MessageKey) *survey.Error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &survey.Error{Code: survey.CodeTooLarge, Message: survey.Msg(survey.MsgTooLarge, tooLarge.Limit), Err: err}
	}
	var known *survey.Error
	if errors.As(err, &known) {
		return known
	}
	msg := survey.Msg(key)
	if errors.Is(err, errEmptyBody) {
		msg = survey.Msg(survey.MsgEmptyBody)
	} else if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		msg = survey.Msg(survey.MsgUnknownField, quoted(strings.Trim(name, `"`)))
	}
	return &survey.Error{Code: survey.CodeMalformed, Message: msg, Err: err}
}

// quoted cuts a name sent by a client to at most 100 bytes, to quote it back.
func quoted(s string) string {
	if len(s) <= 100 {
		return s
	}
	return strings.ToValidUTF8(s[:100], "") + "…"
}

// errEmptyBody is a request without a body where one is needed.
var errEmptyBody = errors.New("the body is empty")
