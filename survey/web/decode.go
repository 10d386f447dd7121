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
func decodeSubmission(body io.Reader) (survey.Submission, error) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var b submitBody
	if err := dec.Decode(&b); err != nil {
		switch {
		case errors.Is(err, io.EOF):
			err = errors.New("the body is empty")
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
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("answers[%q]: %w", key, err)
	}
	bad := fmt.Errorf("answers[%q]: expected a string, a number, a list of them, or an object of them by row", key)
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		for _, e := range x {
			s, ok := scalar(e)
			if !ok {
				return bad
			}
			values[key] = append(values[key], s)
		}
	case map[string]any:
		for item, e := range x {
			if e == nil {
				continue
			}
			s, ok := scalar(e)
			if !ok {
				return bad
			}
			values[key+"."+item] = append(values[key+"."+item], s)
		}
	default:
		s, ok := scalar(x)
		if !ok {
			return bad
		}
		values[key] = append(values[key], s)
	}
	return nil
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}
