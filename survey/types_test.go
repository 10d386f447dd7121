package survey_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// typesForm has one question of each XLSForm-only type and ranges of whole and decimal steps.
func typesForm() *survey.Form {
	f := testForm()
	f.Sections = []survey.Section{{Questions: []survey.Question{
		{Key: "start_time", Type: survey.Time, Label: fr("Heure")},
		{Key: "visit", Type: survey.DateTime, Label: fr("Visite")},
		{Key: "place", Type: survey.Geopoint, Label: fr("Lieu")},
		{Key: "consent", Type: survey.Acknowledge, Label: fr("J'accepte"), Required: true},
		{Key: "score", Type: survey.Number, Label: fr("Score"), Min: ptr(0), Max: ptr(100), Step: ptr(5), Integer: true},
		{Key: "ratio", Type: survey.Number, Label: fr("Part"), Min: ptr(0.5), Max: ptr(1.5), Step: ptr(0.1)},
		{Key: "free_step", Type: survey.Number, Label: fr("Pas"), Step: ptr(0.25)},
	}}}
	return f
}

func TestValidateXLSFormTypesStored(t *testing.T) {
	cf, err := survey.Compile(typesForm())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key, sent, text string
		num             float64
		hasNum          bool
	}{
		{"start_time", "09:05", "09:05", 0, false},
		{"start_time", "23:59:30", "23:59:30", 0, false},
		{"start_time", "00:00:00.000", "00:00", 0, false},
		{"visit", "2025-10-14T09:30", "2025-10-14T09:30", 0, false},
		{"visit", "2025-10-14 09:30:15", "2025-10-14T09:30:15", 0, false},
		{"visit", "2025-10-14T09:30:00+02:00", "2025-10-14T07:30:00Z", 0, false},
		{"visit", "2025-10-14T23:30:00.5-01:00", "2025-10-15T00:30:00Z", 0, false},
		{"place", "14.6937 -17.4441", "14.6937 -17.4441 0 0", 0, false},
		{"place", "14.6937, -17.4441, 12.5, 8", "14.6937 -17.4441 12.5 8", 0, false},
		{"place", "-90 180 0 0", "-90 180 0 0", 0, false},
		{"consent", "OK", "OK", 1, true},
		{"consent", "true", "OK", 1, true},
		{"score", "0", "", 0, true},
		{"score", "100", "", 100, true},
		{"score", "35", "", 35, true},
		{"ratio", "0.5", "", 0.5, true},
		{"ratio", "0.7", "", 0.7, true}, // 0.2/0.1 is 1.9999999999999996 in floating point
		{"ratio", "1.5", "", 1.5, true},
		{"free_step", "-0.75", "", -0.75, true},
	}
	for _, tt := range tests {
		sub := submission(map[string][]string{"consent": {"OK"}, tt.key: {tt.sent}})
		r, err := cf.Validate(sub, 2025)
		if err != nil {
			t.Errorf("%s=%q: %v", tt.key, tt.sent, err)
			continue
		}
		var got *survey.Answer
		for i := range r.Answers {
			if r.Answers[i].Question == tt.key {
				got = &r.Answers[i]
			}
		}
		if got == nil || got.Text != tt.text || got.Num != tt.num || got.HasNum != tt.hasNum {
			t.Errorf("%s=%q: stored %+v, want text %q num %v (%v)", tt.key, tt.sent, got, tt.text, tt.num, tt.hasNum)
		}
	}
}

func TestValidateXLSFormTypesRefused(t *testing.T) {
	cf, err := survey.Compile(typesForm())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key, sent string
		code      survey.MessageKey
		en        string // a word the English message must contain
	}{
		{"start_time", "24:00", survey.MsgBadTime, "HH:MM"},
		{"start_time", "9h30", survey.MsgBadTime, "time"},
		{"start_time", "12:60", survey.MsgBadTime, "time"},
		{"start_time", "12:30+02:00", survey.MsgBadTime, "time"},
		{"visit", "2025-10-14", survey.MsgBadDateTime, "YYYY-MM-DD HH:MM"},
		{"visit", "2025-02-30T10:00", survey.MsgBadDateTime, "time"},
		{"visit", "14/10/2025 09:30", survey.MsgBadDateTime, "time"},
		{"visit", "2025-10-14T25:00", survey.MsgBadDateTime, "time"},
		{"place", "14.6937", survey.MsgBadGeopoint, "latitude"},
		{"place", "91 0", survey.MsgBadGeopoint, "latitude"},
		{"place", "-90.0001 0", survey.MsgBadGeopoint, "latitude"},
		{"place", "0 180.5", survey.MsgBadGeopoint, "longitude"},
		{"place", "0 0 10 -1", survey.MsgBadGeopoint, "position"},
		{"place", "1 2 3 4 5", survey.MsgBadGeopoint, "position"},
		{"place", "north east", survey.MsgBadGeopoint, "position"},
		{"place", "NaN 0", survey.MsgBadGeopoint, "position"},
		{"place", "14,69", survey.MsgBadGeopoint, "position"},
		{"place", "14,6937 -17,4441", survey.MsgBadGeopoint, "position"},
		{"place", "14.6937,-17.4441", survey.MsgBadGeopoint, "position"},
		{"consent", "no", survey.MsgNotAcknowledged, "Tick"},
		{"consent", "false", survey.MsgNotAcknowledged, "Tick"},
		{"score", "-5", survey.MsgBelowMin, "at least 0"},
		{"score", "105", survey.MsgAboveMax, "at most 100"},
		{"score", "36", survey.MsgOffStep, "0 plus a multiple of 5"},
		{"score", "2.5", survey.MsgNotAnInteger, "whole"},
		{"ratio", "0.4", survey.MsgBelowMin, "at least 0.5"},
		{"ratio", "1.6", survey.MsgAboveMax, "at most 1.5"},
		{"ratio", "0.75", survey.MsgOffStep, "0.5 plus a multiple of 0.1"},
		{"ratio", "0.5001", survey.MsgOffStep, "multiple"},
		{"free_step", "0.3", survey.MsgOffStep, "0 plus a multiple of 0.25"},
	}
	for _, tt := range tests {
		values := map[string][]string{"consent": {"OK"}, tt.key: {tt.sent}}
		_, err := cf.Validate(submission(values), 2025)
		var e *survey.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 {
			t.Errorf("%s=%q: want one problem, got %v", tt.key, tt.sent, err)
			continue
		}
		f := e.Fields[0]
		if f.Field != tt.key || f.Code != string(tt.code) {
			t.Errorf("%s=%q: got %s %s, want %s", tt.key, tt.sent, f.Field, f.Code, tt.code)
		}
		for _, lang := range []string{"fr", "en", "es"} {
			if m := f.Message.In(lang); m == "" || m == f.Code {
				t.Errorf("%s=%q: no %s message", tt.key, tt.sent, lang)
			}
		}
		if m := f.Message.In("en"); !contains(m, tt.en) {
			t.Errorf("%s=%q: English message %q lacks %q", tt.key, tt.sent, m, tt.en)
		}
	}
	// An acknowledge left unticked is unanswered: required says so.
	_, err = cf.Validate(submission(map[string][]string{}), 2025)
	var e *survey.Error
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Code != string(survey.MsgRequired) {
		t.Errorf("unticked required acknowledge: %v", err)
	}
}

func TestCompileChecksStep(t *testing.T) {
	for _, q := range []survey.Question{
		{Key: "a", Type: survey.Number, Label: fr("A"), Step: ptr(0)},
		{Key: "a", Type: survey.Number, Label: fr("A"), Step: ptr(-1)},
		{Key: "a", Type: survey.ShortText, Label: fr("A"), Step: ptr(1)},
	} {
		f := testForm()
		f.Sections = []survey.Section{{Questions: []survey.Question{q}}}
		if _, err := survey.Compile(f); err == nil || !contains(err.Error(), "step") {
			t.Errorf("%s step %v: want a problem about the step, got %v", q.Type, *q.Step, err)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
