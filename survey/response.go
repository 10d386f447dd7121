package survey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// ResponseID identifies a response. The participant's browser (or API client) chooses it,
// a random UUID, so that submitting the same response again is recognised as the same.
type ResponseID [16]byte

// NewResponseID returns a random (version 4) UUID.
func NewResponseID() ResponseID {
	var id ResponseID
	if _, err := rand.Read(id[:]); err != nil {
		panic("survey: no randomness: " + err.Error())
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

var errBadUUID = errors.New("not a UUID (expected 8-4-4-4-12 hexadecimal digits)")

// ParseResponseID parses the canonical 36-character UUID form.
func ParseResponseID(s string) (ResponseID, error) {
	var id ResponseID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, errBadUUID
	}
	hexdigits := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(hexdigits)); err != nil {
		return id, errBadUUID
	}
	if id == (ResponseID{}) {
		return id, errors.New("the nil UUID is not a response id")
	}
	return id, nil
}

// String returns the canonical lower-case UUID form.
func (id ResponseID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:], id[10:])
	return string(b[:])
}

// MarshalText and UnmarshalText make ResponseID a JSON string.
func (id ResponseID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

func (id *ResponseID) UnmarshalText(b []byte) error {
	v, err := ParseResponseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Respondent is the profile every response carries, the dimensions results are compared by.
type Respondent struct {
	Country      string `json:"country"` // ISO 3166-1 alpha-2
	Organisation string `json:"organisation"`
	Role         string `json:"role"`
	Language     string `json:"language"` // the language the form was answered in
}

// Channel says how a response arrived.
type Channel string

const (
	ChannelWeb  Channel = "web"  // the participant's HTML form
	ChannelAPI  Channel = "api"  // the JSON API
	ChannelSeed Channel = "seed" // generated demo data
	// ChannelImport marks a past response loaded from another tool's export
	// (palabre import-responses, survey/pastdata).
	ChannelImport Channel = "import"
)

// Response is one participant's validated answers to one edition of a survey.
type Response struct {
	ID          ResponseID `json:"id"`
	SurveyID    string     `json:"survey_id"`
	Edition     int        `json:"edition"`
	FormVersion int        `json:"form_version"`
	Respondent
	// SubmittedAt is when the participant submitted, by the server's clock at first receipt;
	// ReceivedAt is when this copy arrived (they differ for a draft resubmitted later).
	SubmittedAt time.Time `json:"submitted_at"`
	ReceivedAt  time.Time `json:"received_at"`
	Channel     Channel   `json:"channel"`
	Answers     []Answer  `json:"answers"`
}

// Answer is the answer to one question, or to one row of a matrix. Exactly the fields that
// the question's type uses are set: Num for numbers, ratings and scales (the point's position,
// 1-based), Text for text, dates and single choices, Choices for multiple choice.
type Answer struct {
	Question string   `json:"question"`
	Item     string   `json:"item,omitempty"`
	Num      float64  `json:"num,omitempty"`
	HasNum   bool     `json:"has_num,omitempty"`
	Text     string   `json:"text,omitempty"`
	Choices  []string `json:"choices,omitempty"`
}

// Digest is a fingerprint of what a response says: survey, edition, form version, respondent
// and answers, not when or how it arrived. Two submissions with the same id and the same
// digest are the same response; the same id with another digest is a conflict.
func (r *Response) Digest() uint64 {
	// Answers in (question, item) order, whatever order they came in: sorting pointers is
	// cheap, an Answer is not.
	answers := make([]*Answer, len(r.Answers))
	for i := range r.Answers {
		answers[i] = &r.Answers[i]
	}
	slices.SortFunc(answers, compareAnswers)
	size := 64 + len(r.SurveyID) + len(r.Organisation)
	for _, a := range answers {
		size += 48 + len(a.Question) + len(a.Item) + len(a.Text)
	}
	b := make([]byte, 0, size)
	b = appendDigestString(b, r.SurveyID)
	b = binary.LittleEndian.AppendUint64(b, uint64(r.Edition))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.FormVersion))
	b = appendDigestString(b, r.Country)
	b = appendDigestString(b, r.Organisation)
	b = appendDigestString(b, r.Role)
	b = appendDigestString(b, r.Language)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(answers)))
	for _, a := range answers {
		b = appendDigestString(b, a.Question)
		b = appendDigestString(b, a.Item)
		if a.HasNum {
			b = binary.LittleEndian.AppendUint64(b, 1)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Num))
		} else {
			b = binary.LittleEndian.AppendUint64(b, 0)
		}
		b = appendDigestString(b, a.Text)
		choices := a.Choices
		if !sort.StringsAreSorted(choices) {
			choices = append([]string(nil), choices...)
			sort.Strings(choices)
		}
		b = binary.LittleEndian.AppendUint64(b, uint64(len(choices)))
		for _, c := range choices {
			b = appendDigestString(b, c)
		}
	}
	sum := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(sum[:8])
}

func compareAnswers(a, b *Answer) int {
	if c := strings.Compare(a.Question, b.Question); c != 0 {
		return c
	}
	return strings.Compare(a.Item, b.Item)
}

// appendDigestString appends s with its length, so that no two sequences of strings encode
// alike.
func appendDigestString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}
