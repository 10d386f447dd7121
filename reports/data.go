package reports

import (
	"context"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
)

// Data is the raw responses of a report, one row per response (wide), with a column order
// that depends only on the survey's question keys, so that it stays the same whatever the
// editions in scope.
type Data struct {
	Columns []Column
	rows    func(ctx context.Context, fn func(row []any) error) error
}

// Column is one column of Data.
type Column struct {
	// Key is stable: _name for the response's profile (question keys never start with _),
	// a question key, key/choice (0/1), key/row (matrix), and key:label for labels.
	Key      string
	Label    string // in the report's language
	Question string // the question it comes from, "" for the respondent's profile
	Kind     Kind
}

// Kind says what a column holds.
type Kind int

const (
	KindText   Kind = iota // participants' text, codes and labels: always literal text
	KindNumber             // numbers, points, 0/1 flags, years
	KindTime               // a time.Time (submission)
)

// Rows calls fn with each response's row: values are nil (empty), string, float64, int or
// time.Time, in the order of Columns. fn must not keep row after it returns.
func (d *Data) Rows(ctx context.Context, fn func(row []any) error) error {
	return d.rows(ctx, fn)
}

// CountryName names an ISO 3166-1 alpha-2 code in lang; an unknown code stays as it is.
func CountryName(code, lang string) string {
	region, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.French
	}
	if name := display.Regions(tag).Name(region); name != "" {
		return name
	}
	return code
}

// columnSet builds the columns and the way to fill them from a response.
type columnSet struct {
	lang    string
	cols    []Column
	primary map[[2]string]int // question, item → its first column
	// labelled says which columns are followed by their label's column
	labelled  []bool
	countries map[string]string // code → name, as met
	// labels per edition and question: code (or point "1".."k") → label
	labels map[int]map[string]map[string]string
	flags  map[string]map[string]int // question → choice → 0/1 column
	types  map[string]survey.QuestionType
	roles  map[string]string
}

func (r *Report) columns() *columnSet {
	lang := r.Request.Language
	fb := r.Survey.DefaultLanguage
	cs := &columnSet{lang: lang, primary: map[[2]string]int{}, labels: map[int]map[string]map[string]string{},
		flags: map[string]map[string]int{}, roles: map[string]string{}, types: map[string]survey.QuestionType{}}
	for _, c := range survey.DefaultRoles {
		cs.roles[c.Key] = c.Label.In(lang, survey.DefaultLanguage)
	}
	for k, t := range r.roles {
		cs.roles[k] = t.In(lang, fb)
	}
	add := func(key, label, question string, kind Kind) int {
		cs.cols = append(cs.cols, Column{Key: key, Label: label, Question: question, Kind: kind})
		return len(cs.cols) - 1
	}
	for _, m := range profileColumns {
		add(m.key, m.label.Text().In(lang, survey.French), "", m.kind)
	}
	for _, e := range r.Codebook {
		label := e.Label.In(lang, fb)
		cs.types[e.Key] = e.Type
		for y, q := range e.byYear {
			if cs.labels[y] == nil {
				cs.labels[y] = map[string]map[string]string{}
			}
			m := map[string]string{}
			choices := q.Choices
			if q.Type == survey.YesNo {
				choices = yesNoChoices
			}
			for i, c := range choices {
				m[c.Key] = c.Label.In(lang, fb)
				m[itoa(i+1)] = c.Label.In(lang, fb)
			}
			cs.labels[y][e.Key] = m
		}
		switch e.Type {
		case survey.Note:
		case survey.SingleChoice, survey.YesNo, survey.Likert:
			kind := KindText
			if e.Type == survey.Likert {
				kind = KindNumber
			}
			cs.primary[[2]string{e.Key, ""}] = add(e.Key, label, e.Key, kind)
			add(e.Key+":label", label, e.Key, KindText)
		case survey.MultipleChoice:
			cs.primary[[2]string{e.Key, ""}] = add(e.Key, label, e.Key, KindText)
			add(e.Key+":label", label, e.Key, KindText)
			cs.flags[e.Key] = map[string]int{}
			for _, c := range allChoices(e) {
				cs.flags[e.Key][c.Key] = add(e.Key+"/"+c.Key, label+" : "+c.Label.In(lang, fb), e.Key, KindNumber)
			}
		case survey.Matrix:
			for _, it := range allItems(e) {
				il := label + " : " + it.Label.In(lang, fb)
				cs.primary[[2]string{e.Key, it.Key}] = add(e.Key+"/"+it.Key, il, e.Key, KindNumber)
				add(e.Key+"/"+it.Key+":label", il, e.Key, KindText)
			}
		case survey.Rating, survey.Number:
			cs.primary[[2]string{e.Key, ""}] = add(e.Key, label, e.Key, KindNumber)
		default: // text, long text, date
			cs.primary[[2]string{e.Key, ""}] = add(e.Key, label, e.Key, KindText)
		}
	}
	cs.labelled = make([]bool, len(cs.cols))
	for i := range len(cs.cols) - 1 {
		cs.labelled[i] = cs.cols[i+1].Key == cs.cols[i].Key+":label"
	}
	return cs
}

// allChoices are an entry's choices as the latest form has them, then those only older
// forms have.
func allChoices(e Entry) []survey.Choice {
	return union(e, func(q *survey.Question) []survey.Choice { return q.Choices }, e.Choices)
}
func allItems(e Entry) []survey.Choice {
	return union(e, func(q *survey.Question) []survey.Choice { return q.Items }, e.Items)
}

func union(e Entry, of func(*survey.Question) []survey.Choice, latest []survey.Choice) []survey.Choice {
	out := append([]survey.Choice(nil), latest...)
	seen := map[string]bool{}
	for _, c := range out {
		seen[c.Key] = true
	}
	for i := len(e.Editions) - 1; i >= 0; i-- {
		for _, c := range of(e.byYear[e.Editions[i]]) {
			if !seen[c.Key] {
				seen[c.Key] = true
				out = append(out, c)
			}
		}
	}
	return out
}

type profileColumn struct {
	key   string
	label survey.Phrase
	kind  Kind
}

var profileColumns = []profileColumn{
	{"_response_id", msgColResponse, KindText},
	{"_edition", msgColEdition, KindNumber},
	{"_form_version", msgColFormVersion, KindNumber},
	{"_submitted_at", msgColSubmitted, KindTime},
	{"_country", msgColCountry, KindText},
	{"_country_label", msgColCountryName, KindText},
	{"_organisation", msgColOrganisation, KindText},
	{"_role", msgColRole, KindText},
	{"_role_label", msgColRoleName, KindText},
	{"_language", msgColLanguage, KindText},
}

// fill writes one response into row (len(cols)).
func (cs *columnSet) fill(resp *survey.Response, row []any) {
	clear(row)
	row[0], row[1], row[2], row[3] = resp.ID.String(), resp.Edition, resp.FormVersion, resp.SubmittedAt.UTC()
	country, ok := cs.countries[resp.Country]
	if !ok {
		country = CountryName(resp.Country, cs.lang)
		cs.countries[resp.Country] = country
	}
	row[4], row[5], row[6] = resp.Country, country, resp.Organisation
	row[7], row[8], row[9] = resp.Role, cs.roles[resp.Role], resp.Language
	labels := cs.labels[resp.Edition]
	for i := range resp.Answers {
		a := &resp.Answers[i]
		at, ok := cs.primary[[2]string{a.Question, a.Item}]
		if !ok {
			continue
		}
		switch t := cs.types[a.Question]; {
		case t == survey.MultipleChoice:
			row[at] = strings.Join(a.Choices, " ")
			names := make([]string, len(a.Choices))
			for j, c := range a.Choices {
				names[j] = labelOr(labels[a.Question], c)
			}
			row[at+1] = strings.Join(names, "; ")
			for _, flag := range cs.flags[a.Question] {
				row[flag] = 0
			}
			for _, c := range a.Choices {
				if flag, ok := cs.flags[a.Question][c]; ok {
					row[flag] = 1
				}
			}
		case t == survey.Likert || t == survey.Matrix || t == survey.Rating || t == survey.Number:
			if !a.HasNum {
				continue
			}
			row[at] = a.Num
			if cs.labelled[at] {
				row[at+1] = labelOr(labels[a.Question], itoa(int(a.Num)))
			}
		default:
			row[at] = a.Text
			if cs.labelled[at] {
				row[at+1] = labelOr(labels[a.Question], a.Text)
			}
		}
	}
}

func labelOr(m map[string]string, code string) string {
	if l, ok := m[code]; ok {
		return l
	}
	return code
}

// data returns the report's raw data, read when written. Reading (the store, and turning
// responses into rows) runs alongside writing, a few batches of rows ahead; the store is read
// edition by edition, the next edition's query running while the rows of one are written.
func (b *Builder) data(r *Report) *Data {
	cs := r.columns()
	req := r.Request.analyticsRequest()
	return &Data{Columns: cs.cols, rows: func(ctx context.Context, fn func(row []any) error) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		parts := []analytics.Request{req}
		if len(r.Editions) > 1 {
			parts = parts[:0]
			for _, y := range r.Editions { // oldest first, as the store gives them
				one := req
				one.Filter = analytics.Filter{}
				for d, v := range req.Filter {
					one.Filter[d] = v
				}
				one.Filter[analytics.Edition] = []string{itoa(y)}
				parts = append(parts, one)
			}
		}
		readers := make([]*rowReader, len(parts))
		readers[0] = b.readRows(ctx, cs, parts[0])
		for i := range parts {
			if i+1 < len(parts) {
				readers[i+1] = b.readRows(ctx, cs, parts[i+1])
			}
			if err := readers[i].drain(fn, cancel); err != nil {
				cancel()
				if i+1 < len(readers) {
					readers[i+1].discard()
				}
				return err
			}
		}
		return nil
	}}
}

// rowReader reads one request's responses into batches of rows, ahead of their writing.
type rowReader struct {
	free, full chan *rowBatch
	done       chan error
}

type rowBatch struct {
	rows [][]any
	n    int
}

func (b *Builder) readRows(ctx context.Context, base *columnSet, req analytics.Request) *rowReader {
	cs := *base
	cs.countries = map[string]string{} // this reader's own
	const batches, perBatch = 4, 256
	rr := &rowReader{free: make(chan *rowBatch, batches), full: make(chan *rowBatch, batches), done: make(chan error, 1)}
	for range batches {
		bt := &rowBatch{rows: make([][]any, perBatch)}
		for i := range bt.rows {
			bt.rows[i] = make([]any, len(cs.cols))
		}
		rr.free <- bt
	}
	go func() {
		defer close(rr.full)
		bt := <-rr.free
		err := b.svc.Responses(ctx, req, nil, func(resp *survey.Response) error {
			cs.fill(resp, bt.rows[bt.n])
			if bt.n++; bt.n < perBatch {
				return nil
			}
			select {
			case rr.full <- bt:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case bt = <-rr.free:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if err == nil && bt.n > 0 {
			rr.full <- bt
		}
		rr.done <- err
	}()
	return rr
}

// drain calls fn with every row read; when fn fails, it cancels the reading and waits for
// the reader to end.
func (rr *rowReader) drain(fn func(row []any) error, cancel func()) error {
	for bt := range rr.full {
		for _, row := range bt.rows[:bt.n] {
			if err := fn(row); err != nil {
				cancel()
				rr.discard()
				return err
			}
		}
		bt.n = 0
		rr.free <- bt
	}
	return <-rr.done
}

// discard lets a cancelled reader end.
func (rr *rowReader) discard() {
	for range rr.full {
	}
	<-rr.done
}
