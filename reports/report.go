package reports

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
)

// Request asks for one workbook: the analytics API's scope (survey, filter, breakdown),
// language and audience.
type Request struct {
	Survey string
	// By is the breakdown of every table, in order; DefaultBy when empty.
	By []analytics.Dimension
	// Filter keeps only some responses; Filter[analytics.Edition] selects editions.
	Filter analytics.Filter
	// Language is fr, en or es (French when empty): every sheet name, header, label and note.
	Language string
	// Audience is analytics.Funder when empty: the analytics suppression, no raw data.
	Audience analytics.Audience
	// MaxComments, for funders, keeps the latest comments of each question only (every
	// comment when 0): a dashboard shows a few hundred, not a million.
	MaxComments int
}

// DefaultBy is the breakdown of a workbook that names none.
var DefaultBy = []analytics.Dimension{analytics.Country, analytics.Edition}

// Languages a workbook is written in.
var Languages = []string{survey.French, survey.English, survey.Spanish}

// Report is everything one workbook holds, computed by analytics; a writer (reports/excel)
// only lays it out.
type Report struct {
	Request     Request // normalised: By, Language and Audience set
	Survey      survey.Survey
	Title       string // the survey's title in the report's language
	Editions    []int  // in scope, oldest first
	GeneratedAt time.Time
	Version     string // palabre's version
	Threshold   int
	// DataVersion changes whenever a response is added or an edition changes; it names the
	// data a workbook was built from (and a cached download).
	DataVersion string
	// Responses counts responses by the request's breakdown; ByEdition by edition alone,
	// with response rates where the number invited is known.
	Responses *analytics.Result
	ByEdition *analytics.Result
	// Organisations counts responses by organisation and edition: coordinators only.
	Organisations *analytics.Result
	// Questions are every question's results, compared edition by edition when the
	// breakdown has the edition, in the order of the latest form.
	Questions []*analytics.Result
	// Comments are the funders' comments; a coordinator's are read as they are written
	// (EachComment gives both).
	Comments []Comment
	Codebook []Entry
	// Data is the raw responses, one row each: coordinators only (nil for funders).
	Data *Data

	roles       map[string]survey.Text // role labels of the forms in scope
	eachComment func(ctx context.Context, fn func(Comment) error) error
	pattern     *analytics.Pattern // what funders' figures hide everywhere in this report
}

// Comment is one text answer with as much of its respondent's profile as the audience may
// see.
type Comment struct {
	Question  string // key
	Profile   analytics.Group
	Submitted string // YYYY-MM-DD, coordinators only
	Text      string
}

// Entry describes one question of the survey for the codebook, as the latest form in scope
// that asks it words it.
type Entry struct {
	Key       string
	Type      survey.QuestionType
	Label     survey.Text
	Choices   []survey.Choice // choices, or the points of a scale
	Items     []survey.Choice // matrix rows
	Editions  []int           // the editions in scope that asked it
	ChangedIn int
	// EditionChoices are the choices or points as each edition in scope worded them, where
	// they differ from Choices (a scale reworded or changed).
	EditionChoices map[int][]survey.Choice `json:",omitempty"`
	// forms by edition year, for labels as each edition worded them.
	byYear map[int]*survey.Question
}

// Builder computes reports from a catalog and an analytics service.
type Builder struct {
	catalog survey.Catalog
	svc     *analytics.Service
	version string
	// Now stamps reports; time.Now when nil.
	Now func() time.Time
	// Erasures, when set, counts a survey's erased responses. The count is part of the data
	// version, so that a workbook cached before an erasure is never served after it, even
	// once a new response has brought the number of responses back.
	Erasures func(ctx context.Context, surveyID string) (uint64, error)
}

// NewBuilder returns a Builder; version is palabre's, written in every workbook.
func NewBuilder(catalog survey.Catalog, svc *analytics.Service, version string) *Builder {
	return &Builder{catalog: catalog, svc: svc, version: version}
}

// Normalise fills a request's defaults and checks its language and audience; the rest is
// checked by analytics.
func (req Request) Normalise() (Request, error) {
	if len(req.By) == 0 {
		req.By = slices.Clone(DefaultBy)
	}
	switch req.Language {
	case "":
		req.Language = survey.French
	case survey.French, survey.English, survey.Spanish:
	default:
		return req, &survey.Error{Code: survey.CodeMalformed, Message: msgBadLanguage.Message(req.Language)}
	}
	switch req.Audience {
	case "":
		req.Audience = analytics.Funder
	case analytics.Funder, analytics.Coordinator:
	default:
		return req, &survey.Error{Code: survey.CodeMalformed, Message: msgBadAudience.Message(string(req.Audience))}
	}
	if req.Audience == analytics.Funder {
		_, filtered := req.Filter[analytics.Organisation]
		if slices.Contains(req.By, analytics.Organisation) || filtered {
			return req, &survey.Error{Code: survey.CodeMalformed, Message: msgFunderOrganisation.Message()}
		}
	}
	return req, nil
}

// commentsWithQuestions says whether a funder's comments come with the questions' results,
// one page each, rather than page by page: when few are kept and the breakdown separates
// editions (as the comments' own requests do).
func (req Request) commentsWithQuestions() bool {
	return req.Audience == analytics.Funder && req.MaxComments > 0 && req.MaxComments <= analytics.MaxComments &&
		slices.Contains(req.By, analytics.Edition)
}

// analyticsRequest is req as the analytics service takes it. A report publishes, beside its
// breakdown, each edition's total (ByEdition): its margins are every other dimension.
func (req Request) analyticsRequest() analytics.Request {
	margins := slices.DeleteFunc(slices.Clone(req.By), func(d analytics.Dimension) bool { return d == analytics.Edition })
	return analytics.Request{Survey: req.Survey, By: slices.Clone(req.By), Filter: req.Filter, Margins: margins,
		Audience: req.Audience, Language: req.Language, Compare: slices.Contains(req.By, analytics.Edition)}
}

// Build computes a report. Errors are *survey.Error for what the caller can fix (unknown
// survey, dimension, edition, language…), as analytics returns them.
func (b *Builder) Build(ctx context.Context, req Request) (*Report, error) {
	req, err := req.Normalise()
	if err != nil {
		return nil, err
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	ar := req.analyticsRequest()
	if req.commentsWithQuestions() {
		ar.Page = analytics.Page{Limit: req.MaxComments}
	}
	dash, err := b.svc.Dashboard(ctx, ar)
	if err != nil {
		return nil, err
	}
	r := &Report{Request: req, GeneratedAt: now().UTC().Truncate(time.Second), Version: b.version,
		Threshold: b.svc.Threshold(), Responses: dash.Responses, Questions: dash.Questions, Editions: dash.Responses.Editions,
		pattern: dash.Pattern}
	counts := ar
	counts.Pattern, counts.Margins = dash.Pattern, []analytics.Dimension{} // no total of all editions is published
	counts.Compare, counts.By = false, []analytics.Dimension{analytics.Edition}
	if r.ByEdition, err = b.svc.Analyze(ctx, counts); err != nil {
		return nil, err
	}
	if req.Audience == analytics.Coordinator {
		counts.By = []analytics.Dimension{analytics.Organisation, analytics.Edition}
		if r.Organisations, err = b.svc.Analyze(ctx, counts); err != nil {
			return nil, err
		}
	}
	if err := b.codebook(ctx, r); err != nil {
		return nil, err
	}
	if err := b.dataVersion(ctx, r); err != nil {
		return nil, err
	}
	if err := b.comments(ctx, r); err != nil {
		return nil, err
	}
	if req.Audience == analytics.Coordinator {
		r.Data = b.data(r)
	}
	return r, nil
}

// codebook reads the survey and the forms of the editions in scope.
func (b *Builder) codebook(ctx context.Context, r *Report) error {
	list, err := b.catalog.Surveys(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(s survey.Survey) bool { return s.ID == r.Request.Survey })
	if i < 0 {
		return survey.Errorf(survey.CodeNotFound, survey.MsgUnknownSurvey, r.Request.Survey)
	}
	r.Survey = list[i]
	r.Title = r.Survey.Title.In(r.Request.Language, r.Survey.DefaultLanguage)
	forms := map[int]*survey.Form{}
	for _, y := range r.Editions {
		e, _ := r.Survey.Edition(y)
		f, err := b.catalog.Form(ctx, r.Survey.ID, e.FormVersion)
		if err != nil {
			return err
		}
		forms[y] = f
		for _, c := range f.Profile.Roles {
			if r.roles == nil {
				r.roles = map[string]survey.Text{}
			}
			r.roles[c.Key] = c.Label
		}
	}
	byKey := map[string]*Entry{}
	var order []string
	for i := len(r.Editions) - 1; i >= 0; i-- {
		y := r.Editions[i]
		for _, q := range forms[y].Questions() {
			e := byKey[q.Key]
			if e == nil {
				e = &Entry{Key: q.Key, Type: q.Type, Label: q.Label, Choices: q.Choices, Items: q.Items,
					ChangedIn: q.ChangedIn, byYear: map[int]*survey.Question{}}
				if q.Type == survey.YesNo {
					e.Choices = yesNoChoices
				}
				byKey[q.Key] = e
				order = append(order, q.Key)
			}
			e.Editions = append(e.Editions, y)
			e.byYear[y] = q
			if q.Type != survey.YesNo && !reflect.DeepEqual(q.Choices, e.Choices) {
				if e.EditionChoices == nil {
					e.EditionChoices = map[int][]survey.Choice{}
				}
				e.EditionChoices[y] = q.Choices
			}
		}
	}
	for _, k := range order {
		e := byKey[k]
		slices.Sort(e.Editions)
		r.Codebook = append(r.Codebook, *e)
	}
	return nil
}

var yesNoChoices = []survey.Choice{
	{Key: "yes", Label: survey.Text{survey.French: "Oui", survey.English: "Yes", survey.Spanish: "Sí"}},
	{Key: "no", Label: survey.Text{survey.French: "Non", survey.English: "No", survey.Spanish: "No"}},
}

// Entry returns the codebook entry of a question key.
func (r *Report) Entry(key string) (Entry, bool) {
	for _, e := range r.Codebook {
		if e.Key == key {
			return e, true
		}
	}
	return Entry{}, false
}

// dataVersion fingerprints the responses per edition (a response is never changed; one is
// removed only by an erasure, which Erasures counts) and the editions themselves.
func (b *Builder) dataVersion(ctx context.Context, r *Report) error {
	req := analytics.Request{Survey: r.Survey.ID, By: []analytics.Dimension{analytics.Edition}, Audience: analytics.Coordinator}
	res, err := b.svc.Analyze(ctx, req)
	if err != nil {
		return err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", r.Survey.ID)
	for _, e := range r.Survey.Editions {
		fmt.Fprintf(h, "edition %d %d %d %s %s\n", e.Year, e.FormVersion, e.Invited, e.Opens, e.Closes)
	}
	for _, c := range res.Responses {
		if c.N != nil {
			fmt.Fprintf(h, "%d %d\n", c.Group.Edition, *c.N)
		}
	}
	if b.Erasures != nil {
		n, err := b.Erasures(ctx, r.Survey.ID)
		if err != nil {
			return err
		}
		if n > 0 { // no erasure keeps the versions of before
			fmt.Fprintf(h, "erased %d\n", n)
		}
	}
	r.DataVersion = hex.EncodeToString(h.Sum(nil))[:16]
	return nil
}

// DataVersion is the data version of a request's survey without building its report: what
// an HTTP cache compares.
func (b *Builder) DataVersion(ctx context.Context, surveyID string) (string, error) {
	r := &Report{Request: Request{Survey: surveyID, Language: survey.French}}
	if err := b.codebook(ctx, r); err != nil {
		return "", err
	}
	if err := b.dataVersion(ctx, r); err != nil {
		return "", err
	}
	return r.DataVersion, nil
}

// textQuestions are the keys of the questions whose answers are comments.
func (r *Report) textQuestions() []string {
	var out []string
	for _, e := range r.Codebook {
		if e.Type == survey.ShortText || e.Type == survey.LongText {
			out = append(out, e.Key)
		}
	}
	return out
}

// comments prepares the text answers. Coordinators read them whole from the raw responses,
// when the workbook is written, question by question and edition by edition so that only
// one edition's answers to one question are held at a time; funders page through
// analytics, which applies their suppression.
func (b *Builder) comments(ctx context.Context, r *Report) error {
	keys := r.textQuestions()
	if len(keys) == 0 {
		return nil
	}
	if r.Request.Audience == analytics.Coordinator {
		r.eachComment = func(ctx context.Context, fn func(Comment) error) error {
			return b.coordinatorComments(ctx, r, keys, fn)
		}
		return nil
	}
	if r.Request.commentsWithQuestions() { // the dashboard's results hold them already
		for _, q := range r.Questions {
			if q.Comments == nil {
				continue
			}
			for _, c := range q.Comments.List {
				r.Comments = append(r.Comments, Comment{Question: q.Question.Key, Profile: c.Profile, Submitted: c.Submitted, Text: c.Text})
			}
		}
		return nil
	}
	for _, k := range keys {
		req := r.Request.analyticsRequest()
		req.Question, req.Compare, req.Pattern = k, false, r.pattern
		if !slices.Contains(req.By, analytics.Edition) && len(r.Editions) > 1 {
			req.By = append(req.By, analytics.Edition) // a text question is always poolable, but keep it safe
		}
		kept := 0
		for offset := 0; r.Request.MaxComments == 0 || kept < r.Request.MaxComments; offset += analytics.MaxComments {
			req.Page = analytics.Page{Limit: analytics.MaxComments, Offset: offset}
			if r.Request.MaxComments > 0 {
				req.Page.Limit = min(analytics.MaxComments, r.Request.MaxComments-kept)
			}
			res, err := b.svc.Analyze(ctx, req)
			if err != nil {
				return err
			}
			if res.Comments == nil || len(res.Comments.List) == 0 {
				break
			}
			for _, c := range res.Comments.List {
				r.Comments = append(r.Comments, Comment{Question: k, Profile: c.Profile, Submitted: c.Submitted, Text: c.Text})
			}
			kept += len(res.Comments.List)
			if len(res.Comments.List) < req.Page.Limit {
				break
			}
		}
	}
	return nil
}

// coordinatorComments gives every comment, as analytics lists them: by question, newest
// edition first, then latest submitted.
func (b *Builder) coordinatorComments(ctx context.Context, r *Report, keys []string, fn func(Comment) error) error {
	type sortable struct {
		Comment
		at time.Time
	}
	for _, k := range keys {
		for i := len(r.Editions) - 1; i >= 0; i-- {
			req := r.Request.analyticsRequest()
			req.Filter = analytics.Filter{}
			for d, v := range r.Request.Filter {
				req.Filter[d] = v
			}
			req.Filter[analytics.Edition] = []string{itoa(r.Editions[i])}
			var list []sortable
			err := b.svc.Responses(ctx, req, []string{k}, func(resp *survey.Response) error {
				for _, a := range resp.Answers {
					if a.Text == "" || a.Question != k {
						continue
					}
					list = append(list, sortable{Comment{Question: a.Question, Text: a.Text,
						Profile: analytics.Group{Edition: resp.Edition, Country: resp.Country, Organisation: resp.Organisation,
							Role: resp.Role, Language: resp.Language},
						Submitted: resp.SubmittedAt.UTC().Format(time.DateOnly)}, resp.SubmittedAt.Truncate(time.Second)})
				}
				return nil
			})
			if err != nil {
				return err
			}
			slices.SortStableFunc(list, func(a, b sortable) int {
				return cmp.Or(b.at.Compare(a.at), cmp.Compare(a.Profile.Country, b.Profile.Country),
					cmp.Compare(a.Profile.Organisation, b.Profile.Organisation), cmp.Compare(a.Profile.Role, b.Profile.Role),
					cmp.Compare(a.Profile.Language, b.Profile.Language), cmp.Compare(a.Text, b.Text))
			})
			for _, c := range list {
				if err := fn(c.Comment); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// EachComment calls fn with every comment of the report, by question (in the order of the
// codebook), newest edition first, then latest submitted.
func (r *Report) EachComment(ctx context.Context, fn func(Comment) error) error {
	if r.eachComment != nil {
		return r.eachComment(ctx, fn)
	}
	for _, c := range r.Comments {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// CommentTotal is the number of comments the report holds, as analytics counts them.
func (r *Report) CommentTotal() int {
	if r.eachComment == nil {
		return len(r.Comments)
	}
	n := 0
	for _, q := range r.Questions {
		if q.Comments != nil && q.Comments.Total != nil {
			n += *q.Comments.Total
		}
	}
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }
