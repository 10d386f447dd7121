package ingest

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/palabre/palabre/survey"
)

// A journal record is a format byte followed by one response. Format 3 is a compact binary
// encoding (the batcher decodes every record, so this is on the hot path) after the digest
// of the response, which lets a restart rebuild the index of response ids without decoding
// whole records (peek); format 2 is format 3 without the digest, and format 1 is JSON; both
// are still read. The byte lets a later version change the encoding while reading what an
// earlier one left in the journal.
const (
	formatJSON   byte = 1
	formatBinary byte = 2
	formatDigest byte = 3
)

// encode writes r in format 3:
//
//	digest: 8 bytes little endian (r.Digest(), passed in),
//	id [16]byte, survey, country, organisation, role, language, channel: strings,
//	edition, form version: uvarint, submitted, received: varint Unix nanoseconds,
//	answers: uvarint count, then each: question, item: strings, flags byte (1: has number),
//	number: 8 bytes IEEE 754 when flagged, text: string, choices: uvarint count + strings.
//
// A string is its uvarint length and its bytes. Format 2 is the same without the digest.
func encode(r *survey.Response, digest uint64) ([]byte, error) {
	size := 1 + 8 + 16 + 64 + len(r.SurveyID) + len(r.Organisation)
	for _, a := range r.Answers {
		size += 16 + len(a.Question) + len(a.Item) + len(a.Text)
		for _, c := range a.Choices {
			size += 2 + len(c)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, formatDigest)
	b = binary.LittleEndian.AppendUint64(b, digest)
	b = append(b, r.ID[:]...)
	for _, s := range []string{r.SurveyID, r.Country, r.Organisation, r.Role, r.Language, string(r.Channel)} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(r.Edition))
	b = binary.AppendUvarint(b, uint64(r.FormVersion))
	b = binary.AppendVarint(b, unixNano(r.SubmittedAt))
	b = binary.AppendVarint(b, unixNano(r.ReceivedAt))
	b = binary.AppendUvarint(b, uint64(len(r.Answers)))
	for _, a := range r.Answers {
		b = appendString(b, a.Question)
		b = appendString(b, a.Item)
		if a.HasNum {
			b = append(b, 1)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Num))
		} else {
			b = append(b, 0)
		}
		b = appendString(b, a.Text)
		b = binary.AppendUvarint(b, uint64(len(a.Choices)))
		for _, c := range a.Choices {
			b = appendString(b, c)
		}
	}
	return b, nil
}

// peek reads the id, digest and submission time of a format 3 record without decoding its
// answers. ok is false for other formats and damaged records: decode them.
func peek(payload []byte) (id survey.ResponseID, digest uint64, submittedAt time.Time, ok bool) {
	if len(payload) < 1+8+16 || payload[0] != formatDigest {
		return id, 0, time.Time{}, false
	}
	digest = binary.LittleEndian.Uint64(payload[1:])
	copy(id[:], payload[9:])
	d := decoder{b: payload[25:]}
	for range 6 {
		d.skipString()
	}
	d.uvarint()
	d.uvarint()
	submittedAt = fromUnixNano(d.varint())
	return id, digest, submittedAt, d.err == nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func decode(payload []byte) (*survey.Response, error) {
	if len(payload) == 0 {
		return nil, errors.New("empty record")
	}
	switch payload[0] {
	case formatBinary, formatDigest:
		d := decoder{b: payload[1:]}
		if payload[0] == formatDigest {
			if len(d.b) < 8 {
				return nil, fmt.Errorf("decode response: %w", errShort)
			}
			d.b = d.b[8:]
		}
		r := d.response()
		if d.err != nil {
			return nil, fmt.Errorf("decode response: %w", d.err)
		}
		if len(d.b) != 0 {
			return nil, fmt.Errorf("decode response: %d bytes left over", len(d.b))
		}
		return r, nil
	case formatJSON:
		r := new(survey.Response)
		if err := json.Unmarshal(payload[1:], r); err != nil {
			return nil, fmt.Errorf("decode response: %w", err)
		}
		return r, nil
	default:
		return nil, fmt.Errorf("unknown record format %d", payload[0])
	}
}

var errShort = errors.New("record cut short")

// decoder reads format 2, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) response() *survey.Response {
	r := new(survey.Response)
	if len(d.b) < 16 {
		d.err = errShort
		return nil
	}
	copy(r.ID[:], d.b[:16])
	d.b = d.b[16:]
	r.SurveyID, r.Country, r.Organisation = d.string(), d.string(), d.string()
	r.Role, r.Language, r.Channel = d.string(), d.string(), survey.Channel(d.string())
	r.Edition, r.FormVersion = int(d.uvarint()), int(d.uvarint())
	r.SubmittedAt, r.ReceivedAt = fromUnixNano(d.varint()), fromUnixNano(d.varint())
	n := d.count()
	r.Answers = make([]survey.Answer, n)
	for i := range r.Answers {
		a := &r.Answers[i]
		a.Question, a.Item = d.string(), d.string()
		if d.byte() == 1 {
			a.HasNum = true
			a.Num = math.Float64frombits(d.uint64())
		}
		a.Text = d.string()
		if k := d.count(); k > 0 {
			a.Choices = make([]string, k)
			for j := range a.Choices {
				a.Choices[j] = d.string()
			}
		}
	}
	return r
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must fit in what is left, so a damaged record cannot ask for a
// huge allocation.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		if d.err == nil {
			d.err = errShort
		}
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) < 1 {
		d.err = errShort
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uint64() uint64 {
	if d.err != nil || len(d.b) < 8 {
		d.err = errShort
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) skipString() {
	n := d.count()
	if d.err == nil {
		d.b = d.b[n:]
	}
}
