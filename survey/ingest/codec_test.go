package ingest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

func sample() *survey.Response {
	return &survey.Response{ID: survey.NewResponseID(), SurveyID: "partners-meeting", Edition: 2026, FormVersion: 3,
		Respondent:  survey.Respondent{Country: "MG", Organisation: "Graines de bitume", Role: "unit_head", Language: "fr"},
		SubmittedAt: time.Date(2026, 11, 2, 9, 0, 0, 123, time.UTC), ReceivedAt: time.Date(2026, 11, 2, 9, 0, 1, 0, time.UTC),
		Channel: survey.ChannelWeb,
		Answers: []survey.Answer{
			{Question: "satisfaction", Text: "agree", Num: 4, HasNum: true},
			{Question: "sessions", Item: "families", Text: "strongly_agree", Num: 5, HasNum: true},
			{Question: "take_back", Choices: []string{"tools", "other"}},
			{Question: "nps", Num: 0, HasNum: true},
			{Question: "comment", Text: "Très bien — “merci”\n"},
		}}
}

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	for _, r := range []*survey.Response{sample(), {ID: survey.NewResponseID()}} {
		b, err := encode(r, r.Digest())
		if err != nil {
			t.Fatal(err)
		}
		got, err := decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Answers) == 0 {
			r.Answers = []survey.Answer{}
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
		}
	}
}

// TestPeekAndFormat2: a restart reads id, digest and submission time from a record without
// decoding it; records of format 2 (without the digest) still decode.
func TestPeekAndFormat2(t *testing.T) {
	t.Parallel()
	r := sample()
	b, _ := encode(r, r.Digest())
	id, digest, at, ok := peek(b)
	if !ok || id != r.ID || digest != r.Digest() || !at.Equal(r.SubmittedAt) {
		t.Errorf("peek = %v %x %v %v, want %v %x %v", id, digest, at, ok, r.ID, r.Digest(), r.SubmittedAt)
	}
	for n := range 40 {
		if _, _, _, ok := peek(b[:n]); ok {
			t.Errorf("peek accepted a record cut at %d bytes", n)
		}
	}
	v2 := append([]byte{formatBinary}, b[9:]...)
	if _, _, _, ok := peek(v2); ok {
		t.Error("peek read a format 2 record, which has no digest")
	}
	got, err := decode(v2)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("format 2: %+v %v", got, err)
	}
}

func TestDecodeReadsJSONRecords(t *testing.T) {
	t.Parallel()
	r := sample()
	j, _ := json.Marshal(r)
	got, err := decode(append([]byte{formatJSON}, j...))
	if err != nil || got.Digest() != r.Digest() {
		t.Errorf("JSON record: %v", err)
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	t.Parallel()
	r := sample()
	b, _ := encode(r, r.Digest())
	for n := 1; n < len(b); n++ {
		if _, err := decode(b[:n]); err == nil {
			t.Fatalf("a record cut at %d of %d bytes decoded", n, len(b))
		}
	}
	if _, err := decode(append(b, 0)); err == nil {
		t.Error("trailing bytes accepted")
	}
	if _, err := decode([]byte{9}); err == nil {
		t.Error("unknown format accepted")
	}
}

func FuzzDecode(f *testing.F) {
	r := sample()
	b, _ := encode(r, r.Digest())
	f.Add(b)
	f.Add([]byte{formatJSON, '{', '}'})
	f.Fuzz(func(t *testing.T, payload []byte) {
		r, err := decode(payload)
		if err != nil || payload[0] == formatJSON {
			return
		}
		again, err := encode(r, r.Digest())
		if err != nil {
			t.Fatal(err)
		}
		r2, err := decode(again)
		if err != nil || r2.Digest() != r.Digest() {
			t.Fatalf("re-encoded record differs: %v", err)
		}
	})
}

func BenchmarkCodec(b *testing.B) {
	r := sample()
	for range 5 {
		r.Answers = append(r.Answers, r.Answers...)
	}
	b.ReportAllocs()
	for b.Loop() {
		p, _ := encode(r, r.Digest())
		if _, err := decode(p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCodecLongFields: every free-text field of a response, however long against the rest,
// is journaled and read back intact.
func TestCodecLongFields(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 400) // 800 bytes
	small := func() *survey.Response {
		return &survey.Response{ID: survey.NewResponseID(), SurveyID: "s", Answers: []survey.Answer{{Question: "q"}}}
	}
	for name, set := range map[string]func(r *survey.Response){
		"survey":       func(r *survey.Response) { r.SurveyID = long },
		"organisation": func(r *survey.Response) { r.Organisation = long },
		"question":     func(r *survey.Response) { r.Answers[0].Question = long },
		"item":         func(r *survey.Response) { r.Answers[0].Item = long },
		"text":         func(r *survey.Response) { r.Answers[0].Text = long },
		"choice":       func(r *survey.Response) { r.Answers[0].Choices = []string{long} },
	} {
		r := small()
		set(r)
		b, err := encode(r, r.Digest())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := decode(b)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("long %s: round trip gave %+v, %v", name, got, err)
		}
	}
}

// TestPeekNeverMisreadsACutRecord: a restart rebuilds the index from what peek reads; a
// record cut anywhere (a torn write) is either refused or read with the id, digest and
// submission time it was written with, never with other values.
func TestPeekNeverMisreadsACutRecord(t *testing.T) {
	t.Parallel()
	r := sample()
	b, _ := encode(r, r.Digest())
	for n := range len(b) {
		id, digest, at, ok := peek(b[:n])
		if ok && (id != r.ID || digest != r.Digest() || !at.Equal(r.SubmittedAt)) {
			t.Errorf("record cut at %d bytes peeked as %v %x %v", n, id, digest, at)
		}
	}
}
