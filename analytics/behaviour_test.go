package analytics_test

import (
	"context"
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/survey"
)

const sid = analyticstest.SurveyID

func service(t *testing.T, perEdition int) (*analytics.Service, []*survey.Response) {
	t.Helper()
	responses := analyticstest.Responses(11, perEdition)
	return analytics.NewService(analyticstest.Catalog(), analyticstest.NewStore(responses...), 0), responses
}

func TestRequestErrors(t *testing.T) {
	svc, _ := service(t, 10)
	many := make([]string, analytics.MaxFilterValues+1)
	for i := range many {
		many[i] = "X"
	}
	tests := []struct {
		name string
		req  analytics.Request
		code survey.Code
		en   string
	}{
		{"unknown survey", analytics.Request{Survey: "nope"}, survey.CodeNotFound, "There is no survey “nope”."},
		{"bad survey id", analytics.Request{Survey: "../x"}, survey.CodeNotFound, "There is no survey “../x”."},
		{"unknown question", analytics.Request{Survey: sid, Question: "nope"}, survey.CodeMalformed, "The form has no question “nope”."},
		{"note", analytics.Request{Survey: sid, Question: "followup_intro"}, survey.CodeMalformed, "“followup_intro” is a note: it has no answers."},
		{"unknown dimension", analytics.Request{Survey: sid, By: []analytics.Dimension{"city"}}, survey.CodeMalformed,
			"Unknown dimension “city”: use country, organisation, role, edition or language."},
		{"repeated dimension", analytics.Request{Survey: sid, By: []analytics.Dimension{analytics.Country, analytics.Country}}, survey.CodeMalformed,
			"Dimension “country” is requested twice."},
		{"filter on unknown dimension", analytics.Request{Survey: sid, Filter: analytics.Filter{"city": {"Dakar"}}}, survey.CodeMalformed,
			"Unknown dimension “city”: use country, organisation, role, edition or language."},
		{"bad year", analytics.Request{Survey: sid, Filter: analytics.Filter{analytics.Edition: {"last"}}}, survey.CodeMalformed, "“last” is not an edition year."},
		{"unknown edition", analytics.Request{Survey: sid, Filter: analytics.Filter{analytics.Edition: {"2019"}}}, survey.CodeMalformed, "Survey “partners-meeting” has no 2019 edition."},
		{"unknown audience", analytics.Request{Survey: sid, Audience: "press"}, survey.CodeMalformed, "Unknown audience “press”: funder or coordinator."},
		{"too many values", analytics.Request{Survey: sid, Filter: analytics.Filter{analytics.Country: many}}, survey.CodeMalformed, "Too many values for country (at most 100)."},
		{"page too large", analytics.Request{Survey: sid, Question: "improve", Page: analytics.Page{Limit: 501}}, survey.CodeMalformed,
			"limit and offset must be non-negative whole numbers, limit at most 500, offset at most 100000."},
		{"offset too far", analytics.Request{Survey: sid, Question: "improve", Page: analytics.Page{Offset: analytics.MaxCommentOffset + 1}}, survey.CodeMalformed,
			"limit and offset must be non-negative whole numbers, limit at most 500, offset at most 100000."},
		{"offset that would overflow", analytics.Request{Survey: sid, Question: "improve", Page: analytics.Page{Offset: math.MaxInt, Limit: 500}}, survey.CodeMalformed,
			"limit and offset must be non-negative whole numbers, limit at most 500, offset at most 100000."},
		{"not poolable", analytics.Request{Survey: sid, Question: "workshops"}, survey.CodeMalformed,
			"Question “workshops” is not comparable between 2024 and 2025 (scale changed in 2025): break it down by edition (by=edition) or filter one edition."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Analyze(context.Background(), tt.req)
			if survey.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want code %s", err, tt.code)
			}
			e := survey.AsError(err)
			if got := e.Message.In(survey.English); got != tt.en {
				t.Errorf("message %q, want %q", got, tt.en)
			}
			for _, lang := range []string{survey.French, survey.Spanish} {
				if e.Message.In(lang) == tt.en || e.Message.In(lang) == "" {
					t.Errorf("message not translated into %s: %q", lang, e.Message.In(lang))
				}
			}
		})
	}
}

func TestNotCompared(t *testing.T) {
	svc, _ := service(t, 30)
	tests := []struct {
		question string
		want     []analytics.NotCompared // messages aside
		compared bool                    // some changes are computed
	}{
		{"recommend", nil, true},
		{"organisation", []analytics.NotCompared{{From: 2024, To: 2025, Reason: analytics.Reworded}}, true},
		{"workshops", []analytics.NotCompared{{From: 2024, To: 2025, Reason: analytics.ScaleChanged}}, true},
		{"format", []analytics.NotCompared{{From: 2024, To: 2025, Reason: analytics.ChoicesChanged}}, true},
		{"duration", []analytics.NotCompared{{From: 2024, To: 2025, Reason: analytics.NotAsked}}, false},
		{"topics", []analytics.NotCompared{{From: 2024, To: 2025, Item: "youth_participation", Reason: analytics.NotAsked}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			r, err := svc.Analyze(context.Background(), analytics.Request{Survey: sid, Question: tt.question, Compare: true,
				Audience: analytics.Coordinator, Language: survey.English})
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Clone(r.NotCompared)
			for i := range got {
				if got[i].Message == "" {
					t.Errorf("%+v has no message", got[i])
				}
				got[i].Message = ""
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("not compared %+v, want %+v", got, tt.want)
			}
			if (len(r.Changes) > 0) != tt.compared {
				t.Errorf("%d changes, want some: %v", len(r.Changes), tt.compared)
			}
			for _, c := range r.Changes {
				for _, nc := range tt.want {
					if c.From.Edition == nc.From && c.To.Edition == nc.To && (nc.Item == "" || nc.Item == c.Item) {
						t.Errorf("change %+v computed across a non-comparable pair", c)
					}
				}
				if c.Delta == nil || c.From.N == nil || c.To.N == nil {
					t.Errorf("coordinator change without figures: %+v", c)
				}
			}
		})
	}
}

func TestFunderPrivacy(t *testing.T) {
	svc, _ := service(t, 26)
	ctx := context.Background()
	by := []analytics.Dimension{analytics.Organisation, analytics.Edition}
	funder, err := svc.Analyze(ctx, analytics.Request{Survey: sid, Question: "recommend", By: by, Compare: true})
	if err != nil {
		t.Fatal(err)
	}
	coord, err := svc.Analyze(ctx, analytics.Request{Survey: sid, Question: "recommend", By: by, Compare: true, Audience: analytics.Coordinator})
	if err != nil {
		t.Fatal(err)
	}
	if len(funder.Cells) != len(coord.Cells) {
		t.Fatalf("funder sees %d cells, coordinator %d: suppressed cells must be listed, marked", len(funder.Cells), len(coord.Cells))
	}
	small := 0
	for i, c := range funder.Cells {
		n := *coord.Cells[i].N
		switch {
		case n < 5 && c.Suppressed != analytics.SmallCell:
			t.Errorf("cell %+v of %d respondents shown to funders", c.Group, n)
		case c.Suppressed != "" && (c.N != nil || c.Scale != nil || c.NPS != nil):
			t.Errorf("suppressed cell %+v carries figures", c)
		case c.Suppressed == "" && (c.N == nil || *c.N != n):
			t.Errorf("shown cell %+v lacks its size", c)
		case coord.Cells[i].Suppressed != "":
			t.Errorf("coordinator cell suppressed: %+v", coord.Cells[i])
		}
		if c.Suppressed == analytics.SmallCell {
			small++
		}
	}
	if small == 0 {
		t.Fatal("no small cell: the test data does not exercise suppression")
	}
	for _, ch := range funder.Changes {
		if ch.Suppressed == "" {
			continue
		}
		if ch.Delta != nil || ch.From.N != nil || ch.To.Value != nil || ch.CI != nil {
			t.Errorf("suppressed change carries figures: %+v", ch)
		}
	}
}

func TestFunderComments(t *testing.T) {
	svc, _ := service(t, 26)
	ctx := context.Background()
	req := analytics.Request{Survey: sid, Question: "improve", Page: analytics.Page{Limit: 500}}
	funder, err := svc.Analyze(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Audience = analytics.Coordinator
	coord, err := svc.Analyze(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(funder.Comments.List) == 0 || len(funder.Comments.List) != len(coord.Comments.List) {
		t.Fatalf("funders see %d comments, coordinators %d", len(funder.Comments.List), len(coord.Comments.List))
	}
	// Respondents who commented, by edition and country, as coordinators see them.
	cells := map[analytics.Group]int{}
	for _, c := range coord.Comments.List {
		cells[analytics.Group{Edition: c.Profile.Edition, Country: c.Profile.Country}]++
		if c.Profile.Organisation == "" || c.Profile.Role == "" || c.Submitted == "" {
			t.Errorf("coordinator comment without its profile: %+v", c)
		}
	}
	hidden := 0
	for i, c := range funder.Comments.List {
		p, full := c.Profile, coord.Comments.List[i].Profile
		if p.Organisation != "" || p.Role != "" || p.Language != "" || c.Submitted != "" {
			t.Errorf("funder comment shows %+v", c)
		}
		if c.Text != coord.Comments.List[i].Text {
			t.Fatalf("comments in another order")
		}
		n := cells[analytics.Group{Edition: full.Edition, Country: full.Country}]
		if (p.Country != "") != (n >= 5) {
			t.Errorf("comment from a cell of %d shows country %q", n, p.Country)
		}
		if p.Country == "" {
			hidden++
		}
	}
	if hidden == 0 {
		t.Error("no comment from a small country: the test data does not exercise the rule")
	}
	// Too few comments at all: none shown.
	req = analytics.Request{Survey: sid, Question: "improve", Filter: analytics.Filter{analytics.Country: {"ML"}, analytics.Edition: {"2025"}}}
	r, err := svc.Analyze(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Comments.Suppressed != analytics.SmallCell || len(r.Comments.List) != 0 || r.Comments.Total != nil {
		t.Errorf("comments of a small cell shown to funders: %+v", r.Comments)
	}
}

// Comments shown with a published dashboard follow its pattern: a country the dashboard
// hides is never named beside a comment, even once its comments alone would be enough.
func TestFunderCommentsUnderAPattern(t *testing.T) {
	early, _ := service(t, 26) // the data when the dashboard was published
	svc, _ := service(t, 150)  // and later, more of it
	ctx := context.Background()
	filter := analytics.Filter{analytics.Country: {"BF", "ML", "SN"}}
	d, err := early.Dashboard(ctx, analytics.Request{Survey: sid, By: []analytics.Dimension{analytics.Country}, Audience: analytics.Funder, Filter: filter})
	if err != nil {
		t.Fatal(err)
	}
	hidden := map[string]bool{}
	for _, c := range d.Responses.Responses {
		if c.Suppressed != "" {
			hidden[c.Group.Country] = true
		}
	}
	if !hidden["ML"] || hidden["SN"] {
		t.Fatalf("the dashboard hides %v: the test needs Mali hidden and Senegal shown", hidden)
	}
	req := analytics.Request{Survey: sid, Question: "improve", Filter: filter, Page: analytics.Page{Limit: 500}, Audience: analytics.Coordinator}
	coord, err := svc.Analyze(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Audience, req.Pattern = analytics.Funder, d.Pattern
	funder, err := svc.Analyze(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(funder.Comments.List) != len(coord.Comments.List) {
		t.Fatalf("funders see %d comments, coordinators %d", len(funder.Comments.List), len(coord.Comments.List))
	}
	cells := map[analytics.Group]int{}
	for _, c := range coord.Comments.List {
		cells[analytics.Group{Edition: c.Profile.Edition, Country: c.Profile.Country}]++
	}
	largeHidden, named := 0, 0
	for i, c := range funder.Comments.List {
		full := coord.Comments.List[i].Profile
		large := cells[analytics.Group{Edition: full.Edition, Country: full.Country}] >= 5
		switch {
		case hidden[full.Country] && c.Profile.Country != "":
			t.Errorf("a comment names %s, which the dashboard hides", c.Profile.Country)
		case hidden[full.Country] && large:
			largeHidden++
		case !hidden[full.Country] && large && c.Profile.Country != full.Country:
			t.Errorf("a comment from %s in %d, a cell of %d the dashboard shows, names %q", full.Country, full.Edition,
				cells[analytics.Group{Edition: full.Edition, Country: full.Country}], c.Profile.Country)
		}
		if c.Profile.Country != "" {
			named++
		}
		if c.Profile.Edition != full.Edition {
			t.Errorf("a comment of %d shows edition %d", full.Edition, c.Profile.Edition)
		}
	}
	if largeHidden == 0 || named == 0 {
		t.Errorf("%d comments of a hidden country in a cell large enough, %d named: the test data does not exercise the pattern", largeHidden, named)
	}
}

func TestResponseRates(t *testing.T) {
	svc, _ := service(t, 20)
	ctx := context.Background()
	r, err := svc.Analyze(ctx, analytics.Request{Survey: sid, By: []analytics.Dimension{analytics.Edition}})
	if err != nil {
		t.Fatal(err)
	}
	invited := map[int]int{2023: 30, 2024: 28, 2025: 26}
	for _, c := range r.Responses {
		if *c.N != 20 || c.Invited != invited[c.Group.Edition] || c.Rate == nil || *c.Rate != 20/float64(c.Invited) {
			t.Errorf("response cell %+v", c)
		}
	}
	r, err = svc.Analyze(ctx, analytics.Request{Survey: sid, By: []analytics.Dimension{analytics.Country}, Filter: analytics.Filter{analytics.Edition: {"2025"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Responses {
		if c.Rate != nil || c.Invited != 0 {
			t.Errorf("a country is not invited as such, yet %+v has a rate", c)
		}
	}
	r, err = svc.Analyze(ctx, analytics.Request{Survey: sid, Filter: analytics.Filter{analytics.Edition: {"2024"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Responses) != 1 || r.Responses[0].Rate == nil || *r.Responses[0].Rate != 20.0/28 {
		t.Errorf("one edition: %+v", r.Responses)
	}
}

func TestDashboard(t *testing.T) {
	svc, _ := service(t, 26)
	d, err := svc.Dashboard(context.Background(), analytics.Request{Survey: sid, By: []analytics.Dimension{analytics.Country, analytics.Edition}, Compare: true})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, q := range d.Questions {
		keys = append(keys, q.Question.Key)
	}
	want := []string{"attended", "sessions", "sessions_other", "organisation", "workshops", "topics", "recommend", "format", "duration",
		"families", "first_action", "improve", "one_word"}
	if !slices.Equal(keys, want) || d.Responses == nil || len(d.Responses.Responses) == 0 {
		t.Errorf("dashboard questions %v, want %v", keys, want)
	}
	// Without an edition breakdown, questions that changed between editions are left out.
	d, err = svc.Dashboard(context.Background(), analytics.Request{Survey: sid})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range d.Questions {
		if slices.Contains([]string{"organisation", "workshops", "format"}, q.Question.Key) {
			t.Errorf("%s pooled across a change", q.Question.Key)
		}
	}
}

// TestDashboardSuppressedTogether: a funder's dashboard carries the pattern of its response
// counts, and every question hides the groups the counts hide, complementary ones included;
// a coordinator's dashboard has no pattern, hides nothing, and still counts responses. A
// pattern passed in (from a publication made earlier) is the one applied.
func TestDashboardSuppressedTogether(t *testing.T) {
	svc, _ := service(t, 26)
	ctx := context.Background()
	// Burkina Faso alone is small: Mali is hidden with it, or the total would give it away.
	req := analytics.Request{Survey: sid, By: []analytics.Dimension{analytics.Country}, Audience: analytics.Funder,
		Filter: analytics.Filter{analytics.Country: {"BF", "ML", "SN"}}}
	d, err := svc.Dashboard(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if d.Pattern == nil || d.Responses == nil {
		t.Fatalf("a funder's dashboard: pattern %v, responses %v", d.Pattern, d.Responses)
	}
	hidden := map[analytics.Group]analytics.Suppression{}
	for _, c := range d.Responses.Responses {
		if c.Suppressed != "" {
			hidden[c.Group] = c.Suppressed
		}
	}
	if !slices.Contains(slices.Collect(maps.Values(hidden)), analytics.Complementary) {
		t.Fatalf("the test data hides no country to protect another (%v): the test would prove little", hidden)
	}
	shown := 0 // Senegal's cells: the pattern hides only what the counts hide
	for _, q := range d.Questions {
		for _, c := range q.Cells {
			if hidden[c.Group] != "" && (c.Suppressed == "" || c.N != nil) {
				t.Errorf("%s shows %v for %v, which the response counts hide (%s)", q.Question.Key, c.N, c.Group, hidden[c.Group])
			}
			if c.Group.Country == "SN" && c.N != nil {
				shown++
			}
		}
	}
	if shown == 0 {
		t.Error("no question shows Senegal, which the response counts show")
	}

	req.Audience = analytics.Coordinator
	c, err := svc.Dashboard(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if c.Pattern != nil || c.Responses == nil || len(c.Responses.Responses) == 0 {
		t.Fatalf("a coordinator's dashboard: pattern %v, responses %v", c.Pattern, c.Responses)
	}
	for _, q := range append([]*analytics.Result{c.Responses}, c.Questions...) {
		for _, cell := range q.Cells {
			if cell.Suppressed != "" {
				t.Errorf("a coordinator's %s hides %v (%s)", q.Question.Key, cell.Group, cell.Suppressed)
			}
		}
		for _, cell := range q.Responses {
			if cell.Suppressed != "" {
				t.Errorf("a coordinator's response counts hide %v (%s)", cell.Group, cell.Suppressed)
			}
		}
	}

	// The pattern of a publication made earlier is applied as it is, not worked out again.
	req.Audience, req.Pattern = analytics.Funder, d.Pattern
	again, err := svc.Dashboard(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Pattern != d.Pattern {
		t.Error("a pattern passed in was replaced")
	}
}
