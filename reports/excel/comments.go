package excel

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/survey"
)

// A coordinator's workbook has the raw data, and every comment is a text answer in it: the
// comments are taken from the data's rows as they are read, instead of querying each text
// question edition by edition again (which read every response's profile once per question
// and edition). They are kept by question and edition in temporary files, then each of
// these is sorted as the report gives comments (latest submitted first) and written.

// commentSink collects the comments of the data's rows.
type commentSink struct {
	r         *reports.Report
	questions []string // text questions, in the codebook's order
	cols      []int    // the data column of each
	editions  map[int]bool
	// profile columns
	edition, submitted, country, organisation, role, language int
	buckets                                                   map[bucketKey]*bucket
	rec                                                       []byte
}

type bucketKey struct {
	question int
	edition  int
}

type bucket struct {
	f *os.File
	w *bufio.Writer
	n int
}

// newCommentSink returns a sink for the report's comments, or nil when its data does not
// hold them all.
func newCommentSink(r *reports.Report) *commentSink {
	if r.Data == nil {
		return nil
	}
	s := &commentSink{r: r, editions: map[int]bool{}, buckets: map[bucketKey]*bucket{}}
	col := map[string]int{}
	for i, c := range r.Data.Columns {
		col[c.Key] = i
	}
	for _, p := range []struct {
		key string
		at  *int
	}{{"_edition", &s.edition}, {"_submitted_at", &s.submitted}, {"_country", &s.country},
		{"_organisation", &s.organisation}, {"_role", &s.role}, {"_language", &s.language}} {
		i, ok := col[p.key]
		if !ok {
			return nil
		}
		*p.at = i
	}
	for _, e := range r.Codebook {
		if e.Type != survey.ShortText && e.Type != survey.LongText {
			continue
		}
		i, ok := col[e.Key]
		if !ok || r.Data.Columns[i].Kind != reports.KindText {
			return nil
		}
		s.questions, s.cols = append(s.questions, e.Key), append(s.cols, i)
	}
	for _, y := range r.Editions {
		s.editions[y] = true
	}
	return s
}

// take keeps the comments of one row of data.
func (s *commentSink) take(row []any) error {
	edition, _ := row[s.edition].(int)
	if !s.editions[edition] {
		return nil
	}
	for q, col := range s.cols {
		text, _ := row[col].(string)
		if text == "" {
			continue
		}
		at, _ := row[s.submitted].(time.Time)
		str := func(i int) string { v, _ := row[i].(string); return v }
		rec := binary.AppendVarint(s.rec[:0], at.Truncate(time.Second).Unix())
		for _, v := range []string{str(s.country), str(s.organisation), str(s.role), str(s.language), text} {
			rec = binary.AppendUvarint(rec, uint64(len(v)))
			rec = append(rec, v...)
		}
		s.rec = rec
		k := bucketKey{q, edition}
		b := s.buckets[k]
		if b == nil {
			f, err := os.CreateTemp("", "palabre-comments-*")
			if err != nil {
				return err
			}
			b = &bucket{f: f, w: bufio.NewWriterSize(f, 32<<10)}
			s.buckets[k] = b
		}
		b.n++
		if _, err := b.w.Write(rec); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes the temporary files.
func (s *commentSink) remove() {
	for _, b := range s.buckets {
		b.f.Close()
		os.Remove(b.f.Name())
	}
}

// each calls fn with every comment, in the report's order (reports.Report.EachComment): by
// question, newest edition first, then latest submitted.
func (s *commentSink) each(ctx context.Context, fn func(reports.Comment) error) error {
	editions := slices.Clone(s.r.Editions)
	slices.Sort(editions)
	slices.Reverse(editions)
	type comment struct {
		at                                    int64
		country, organisation, role, language string
		text                                  string
	}
	var (
		list    []comment
		order   []int32
		scratch []byte
	)
	for q, key := range s.questions {
		for _, y := range editions {
			if err := ctx.Err(); err != nil {
				return err
			}
			b := s.buckets[bucketKey{q, y}]
			if b == nil {
				continue
			}
			if err := b.w.Flush(); err != nil {
				return err
			}
			if _, err := b.f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			in := bufio.NewReaderSize(b.f, 64<<10)
			list = list[:0]
			for range b.n {
				at, err := binary.ReadVarint(in)
				if err != nil {
					return errors.Join(errors.New("excel: comments cut short"), err)
				}
				var v [5]string
				for i := range v {
					n, err := binary.ReadUvarint(in)
					if err != nil {
						return errors.Join(errors.New("excel: comments cut short"), err)
					}
					if uint64(cap(scratch)) < n {
						scratch = make([]byte, n)
					}
					if _, err := io.ReadFull(in, scratch[:n]); err != nil {
						return errors.Join(errors.New("excel: comments cut short"), err)
					}
					v[i] = string(scratch[:n])
				}
				list = append(list, comment{at, v[0], v[1], v[2], v[3], v[4]})
			}
			// Comments equal in every field are written alike: any sort gives the same rows.
			// Their indices are sorted, cheaper to move than the comments.
			order = order[:0]
			for i := range list {
				order = append(order, int32(i))
			}
			slices.SortFunc(order, func(i, j int32) int {
				a, b := &list[i], &list[j]
				if a.at != b.at { // most are told apart here: compare the rest only when needed
					return cmp.Compare(b.at, a.at)
				}
				for _, p := range [...][2]string{{a.country, b.country}, {a.organisation, b.organisation},
					{a.role, b.role}, {a.language, b.language}} {
					if c := strings.Compare(p[0], p[1]); c != 0 {
						return c
					}
				}
				return strings.Compare(a.text, b.text)
			})
			for _, i := range order {
				c := &list[i]
				err := fn(reports.Comment{Question: key, Text: c.text,
					Profile: analytics.Group{Edition: y, Country: c.country, Organisation: c.organisation,
						Role: c.role, Language: c.language},
					Submitted: time.Unix(c.at, 0).UTC().Format(time.DateOnly)})
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}
