package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"

	"github.com/palabre/palabre/survey"
)

// submitBody is the JSON a client posts as a response.
type submitBody struct {
	ID         string                     `json:"id"`
	Respondent survey.Respondent          `json:"respondent"`
	Answers    map[string]json.RawMessage `json:"answers"`
}

// decodeSubmission reads one JSON response: unknown fields and anything after the object
// are refused. An answer is a string or a number (kept as written), a list of them
// (multiple choice), an object of them by row (matrix), or null (unanswered).
//
// The body is read whole; a response of the usual shape is parsed in one pass
// (decodeState.parse), and anything else goes through encoding/json (decodeJSON), which
// decides and words every error.
func decodeSubmission(body io.Reader) (survey.Submission, error) {
	d := decodeStates.Get().(*decodeState)
	defer d.release()
	data, err := readBody(body, d.body[:0])
	d.body = data
	if err != nil {
		// Replay what was read, then the failure, so that encoding/json meets the failure
		// where it did when it read the body itself: a body over the limit is still a 413
		// unless the JSON was already found bad.
		return decodeJSON(io.MultiReader(bytes.NewReader(data), failingReader{err}))
	}
	if sub, ok := d.parse(data); ok {
		return sub, nil
	}
	return decodeJSON(bytes.NewReader(data))
}

// decodeJSON is decodeSubmission with encoding/json alone.
func decodeJSON(body io.Reader) (survey.Submission, error) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var b submitBody
	if err := dec.Decode(&b); err != nil {
		switch {
		case errors.Is(err, io.EOF):
			err = errEmptyBody
		case errors.Is(err, io.ErrUnexpectedEOF):
			err = errors.New("the JSON ends too early")
		}
		return survey.Submission{}, ReadError(err, survey.MsgMalformedJSON)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if !errors.As(err, &tooLarge) {
			err = errors.New("unexpected data after the JSON object")
		}
		return survey.Submission{}, ReadError(err, survey.MsgMalformedJSON)
	}
	sub := survey.Submission{ID: b.ID, Respondent: b.Respondent, Values: map[string][]string{}}
	keys := make([]string, 0, len(b.Answers))
	for k := range b.Answers {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first bad answer reported is always the same
	for _, k := range keys {
		if err := addAnswer(sub.Values, k, b.Answers[k]); err != nil {
			return survey.Submission{}, ReadError(err, survey.MsgMalformedJSON)
		}
	}
	return sub, nil
}

func addAnswer(values map[string][]string, key string, raw json.RawMessage) error {
	// The body was checked as JSON as a whole: raw is one valid JSON value.
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case 'n': // null: unanswered
		return nil
	case '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("answers[%q]: %w", key, err)
		}
		for _, e := range list {
			s, ok := scalar(e)
			if !ok {
				return badAnswer(key)
			}
			values[key] = append(values[key], s)
		}
	case '{':
		var rows map[string]json.RawMessage
		if err := json.Unmarshal(raw, &rows); err != nil {
			return fmt.Errorf("answers[%q]: %w", key, err)
		}
		for item, e := range rows {
			if string(bytes.TrimSpace(e)) == "null" {
				continue
			}
			s, ok := scalar(e)
			if !ok {
				return badAnswer(key)
			}
			values[key+"."+item] = append(values[key+"."+item], s)
		}
	default:
		s, ok := scalar(raw)
		if !ok {
			return badAnswer(key)
		}
		values[key] = append(values[key], s)
	}
	return nil
}

func badAnswer(key string) error {
	return &survey.Error{Code: survey.CodeMalformed, Message: survey.Msg(survey.MsgBadAnswerShape, quoted(key)),
		Err: fmt.Errorf("answers[%q]: expected a string, a number, a list of them, or an object of them by row", key)}
}

// scalar reads a JSON string as its text and a JSON number as written; anything else is not
// an answer.
func scalar(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		if bytes.IndexByte(raw[1:len(raw)-1], '\\') < 0 {
			return string(raw[1 : len(raw)-1]), true // no escapes: the text is as written
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case c == '-' || c >= '0' && c <= '9':
		return string(raw), true
	}
	return "", false
}
