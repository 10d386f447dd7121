package analytics

import (
	"slices"
	"strconv"

	"github.com/palabre/palabre/survey"
)

// Audience is who a result is for; it decides what is suppressed.
type Audience string

const (
	// Funder results suppress every cell smaller than the threshold and strip comments of
	// anything that could identify their author. It is the default.
	Funder Audience = "funder"
	// Coordinator results show every figure.
	Coordinator Audience = "coordinator"
)

// DefaultThreshold is the smallest number of respondents a cell shown to funders may have.
const DefaultThreshold = 5

// Limits of a request.
const (
	MaxFilterValues = 100 // values per filtered dimension
	DefaultComments = 50  // comments per page
	MaxComments     = 500
	// MaxCommentOffset is the furthest a page of comments may start: reading a page reads
	// every comment before it, so a larger offset is refused rather than read.
	MaxCommentOffset = 100_000
	maxEditionsInUse = 100
)

// Request asks for response counts (no Question) or for one question's results.
type Request struct {
	Survey   string
	Question string
	// By lists the dimensions to break results down by, in order; none gives one cell.
	By     []Dimension
	Filter Filter
	// Audience defaults to Funder.
	Audience Audience
	// Compare compares each edition with the previous one in scope; it implies Edition in By.
	Compare bool
	// Language is the language of labels and messages (the form's default when empty).
	Language string
	// Page selects the comments of a text question (DefaultComments from 0 when zero).
	Page Page
	// Pattern, for funders, hides the groups a publication hides everywhere (see
	// Dashboard.Pattern); nil for a result that stands alone.
	Pattern *Pattern
	// Margins, for a publication, lists the dimensions of By whose totals are published
	// beside it (a dashboard by country and edition also shows each edition's total: Country).
	// Funders' lines are completed along those alone, since no other total can be read. Nil
	// means every dimension of By: a result that stands alone may be compared with any
	// coarser one.
	Margins []Dimension
}

// lines are the dimensions along which funders' lines are completed.
func (r Request) lines() []Dimension {
	if r.Margins == nil {
		return r.By
	}
	return slices.DeleteFunc(slices.Clone(r.Margins), func(d Dimension) bool { return !slices.Contains(r.By, d) })
}

// normalise checks the request and fills its defaults.
func (r Request) normalise() (Request, error) {
	if !survey.ValidSlug(r.Survey) {
		return r, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownSurvey, r.Survey)
	}
	switch r.Audience {
	case "":
		r.Audience = Funder
	case Funder, Coordinator:
	default:
		return r, errorf(msgUnknownAudience, string(r.Audience))
	}
	by := make([]Dimension, 0, len(r.By)+1)
	for _, d := range r.By {
		switch {
		case !d.Valid():
			return r, errorf(msgUnknownDimension, string(d))
		case slices.Contains(by, d):
			return r, errorf(msgRepeatedDimension, string(d))
		}
		by = append(by, d)
	}
	if r.Compare && !slices.Contains(by, Edition) {
		by = append(by, Edition)
	}
	r.By = by
	filter := Filter{}
	for d, vals := range r.Filter {
		if !d.Valid() {
			return r, errorf(msgUnknownDimension, string(d))
		}
		if len(vals) > MaxFilterValues {
			return r, errorf(msgTooManyValues, string(d), MaxFilterValues)
		}
		var kept []string
		for _, v := range vals {
			if d == Edition {
				y, err := strconv.Atoi(v)
				if err != nil || y < survey.MinYear || y > survey.MaxYear {
					return r, errorf(msgBadYear, v)
				}
				v = strconv.Itoa(y)
			}
			if v != "" && !slices.Contains(kept, v) {
				kept = append(kept, v)
			}
		}
		if len(kept) > 0 {
			filter[d] = kept
		}
	}
	r.Filter = filter
	if r.Page.Limit < 0 || r.Page.Offset < 0 || r.Page.Limit > MaxComments || r.Page.Offset > MaxCommentOffset {
		return r, errorf(msgBadPage, MaxComments, MaxCommentOffset)
	}
	if r.Page.Limit == 0 {
		r.Page.Limit = DefaultComments
	}
	return r, nil
}
