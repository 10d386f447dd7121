package analytics_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// Where a threshold decides, each side of it is pinned: k − 1, k and k + 1 respondents, for
// several thresholds k, on cells, response counts, comments and changes.

// respondents makes n responses from one country in one edition, each rating "recommend"
// and commenting on "improve".
func respondents(edition int, country string, n int) []*survey.Response {
	version := 1
	if edition >= 2025 {
		version = 2
	}
	out := make([]*survey.Response, n)
	for i := range out {
		var id survey.ResponseID
		copy(id[:], fmt.Sprintf("%d%s%06d", edition, country, i))
		out[i] = &survey.Response{ID: id, SurveyID: sid, Edition: edition, FormVersion: version,
			Respondent:  survey.Respondent{Country: country, Organisation: "Org " + country, Role: "psychologist", Language: "fr"},
			SubmittedAt: time.Date(edition, 11, 20, 10, i, 0, 0, time.UTC),
			Answers: []survey.Answer{
				{Question: "recommend", Num: float64(i % 11), HasNum: true},
				{Question: "improve", Text: fmt.Sprintf("idée %d", i)},
			}}
	}
	return out
}

func analyze(t *testing.T, k int, responses []*survey.Response, req analytics.Request) *analytics.Result {
	t.Helper()
	svc := analytics.NewService(analyticstest.Catalog(), analyticstest.NewStore(responses...), k)
	req.Survey = sid
	got, err := svc.Analyze(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want, err := analyticstest.Reference(context.Background(), analyticstest.Catalog(), k, req, responses)
	if err != nil {
		t.Fatal(err)
	}
	if d := analyticstest.DiffResult(got, want); d != "" {
		t.Fatalf("differs from the reference: %s", d)
	}
	return got
}

func TestThresholdBoundary(t *testing.T) {
	for _, k := range []int{2, 5, 9} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			// SN k − 1, MA k, PE k + 1, and ML k − 1 so that the two small cells protect
			// each other (together 2k − 2 ≥ k): no complementary suppression.
			var rs []*survey.Response
			sizes := map[string]int{"SN": k - 1, "MA": k, "PE": k + 1, "ML": k - 1}
			for c, n := range sizes {
				rs = append(rs, respondents(2024, c, n)...)
			}
			want := map[string]analytics.Suppression{"SN": analytics.SmallCell, "ML": analytics.SmallCell, "MA": "", "PE": ""}
			for _, q := range []string{"recommend", ""} {
				r := analyze(t, k, rs, analytics.Request{Question: q, By: []analytics.Dimension{analytics.Country}})
				check := func(country string, n *int, why analytics.Suppression) {
					if why != want[country] || (why == "") != (n != nil) || n != nil && *n != sizes[country] {
						t.Errorf("%q: cell of %d with threshold %d: suppressed %q, n %v; want %q", q, sizes[country], k, why, n, want[country])
					}
				}
				for _, c := range r.Cells {
					check(c.Group.Country, c.N, c.Suppressed)
				}
				for _, c := range r.Responses {
					check(c.Group.Country, c.N, c.Suppressed)
				}
				if len(r.Cells)+len(r.Responses) != 4 {
					t.Errorf("%q: %d cells", q, len(r.Cells)+len(r.Responses))
				}
			}
		})
	}
}

// One small cell in a line is protected by its smallest neighbour, and only by it.
func TestComplementaryBoundary(t *testing.T) {
	k := 5
	var rs []*survey.Response
	rs = append(rs, respondents(2024, "SN", k-1)...)
	rs = append(rs, respondents(2024, "MA", k)...)
	rs = append(rs, respondents(2024, "PE", k+1)...)
	r := analyze(t, k, rs, analytics.Request{Question: "recommend", By: []analytics.Dimension{analytics.Country}})
	got := map[string]analytics.Suppression{}
	for _, c := range r.Cells {
		got[c.Group.Country] = c.Suppressed
	}
	if got["SN"] != analytics.SmallCell || got["MA"] != analytics.Complementary || got["PE"] != "" {
		t.Errorf("suppression %v: want SN small, MA (the smallest neighbour) complementary, PE shown", got)
	}
}

// Comments: none shown when k − 1 answered; shown from k. A comment shows its country when
// that country's cell in its edition reaches k, its edition when the edition's does.
func TestCommentsBoundary(t *testing.T) {
	for _, k := range []int{3, 5} {
		few := respondents(2024, "SN", k-1)
		r := analyze(t, k, few, analytics.Request{Question: "improve"})
		if r.Comments.Suppressed != analytics.SmallCell || r.Comments.Total != nil || len(r.Comments.List) != 0 {
			t.Errorf("k=%d: %d comments shown to funders: %+v", k, k-1, r.Comments)
		}
		enough := respondents(2024, "SN", k)
		r = analyze(t, k, enough, analytics.Request{Question: "improve"})
		if r.Comments.Suppressed != "" || r.Comments.Total == nil || *r.Comments.Total != k || len(r.Comments.List) != k {
			t.Fatalf("k=%d: %d comments withheld: %+v", k, k, r.Comments)
		}
		for _, c := range r.Comments.List {
			if c.Profile.Country != "SN" || c.Profile.Edition != 2024 {
				t.Errorf("k=%d: a cell of exactly %d hides its country: %+v", k, k, c.Profile)
			}
		}
		mixed := append(respondents(2024, "SN", k), respondents(2024, "MA", k-1)...)
		r = analyze(t, k, mixed, analytics.Request{Question: "improve", Page: analytics.Page{Limit: 500}})
		for _, c := range r.Comments.List {
			if c.Profile.Country == "MA" || c.Profile.Edition != 2024 {
				t.Errorf("k=%d: comment profile %+v (MA has %d)", k, c.Profile, k-1)
			}
		}
	}
}

// A change is withheld when either edition's cell is suppressed, the later one included,
// and shown when both reach the threshold exactly. SN 2023 has k respondents, so that when
// one of SN's later cells is small, SN 2023 (the smallest of its line along editions) is the
// complementary cell and the other one stays shown.
func TestChangeSuppressionBoundary(t *testing.T) {
	k := 5
	cases := []struct {
		name         string
		n2024, n2025 int
		why          analytics.Suppression // of the 2024 → 2025 change
		n2024Shown   bool
	}{
		{"both at the threshold", k, k, "", true},
		{"later edition small", k + 3, k - 1, analytics.SmallCell, true},
		{"earlier edition small", k - 1, k + 3, analytics.SmallCell, false},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			rs := append(respondents(2024, "SN", tt.n2024), respondents(2025, "SN", tt.n2025)...)
			rs = append(rs, respondents(2023, "SN", k)...)
			for _, c := range []string{"PE", "MA"} {
				for _, e := range []int{2023, 2024, 2025} {
					rs = append(rs, respondents(e, c, 3*k)...)
				}
			}
			r := analyze(t, k, rs, analytics.Request{Question: "recommend", By: []analytics.Dimension{analytics.Country}, Compare: true})
			for _, c := range r.Cells {
				if c.Group.Country == "SN" && c.Group.Edition == 2024 && (c.Suppressed == "") != tt.n2024Shown {
					t.Errorf("SN 2024 suppressed %q", c.Suppressed)
				}
			}
			seen := 0
			for _, ch := range r.Changes {
				if ch.Group.Country != "SN" || ch.From.Edition != 2024 {
					continue
				}
				seen++
				shown := ch.Delta != nil || ch.CI != nil || ch.From.N != nil || ch.To.N != nil || ch.From.Value != nil || ch.To.Value != nil
				if ch.Suppressed != tt.why || shown != (tt.why == "") {
					t.Errorf("%s change between cells of %d and %d: %+v, want suppressed %q", ch.Measure, tt.n2024, tt.n2025, ch, tt.why)
				}
			}
			if seen != 2 { // mean and NPS
				t.Errorf("%d changes for SN, want mean and nps", seen)
			}
		})
	}
}

// A threshold of 1 is kept (every cell shown); below 1 means the default.
func TestServiceThresholdBoundary(t *testing.T) {
	for _, tt := range []struct{ given, want int }{{-1, analytics.DefaultThreshold}, {0, analytics.DefaultThreshold}, {1, 1}, {2, 2}} {
		if got := analytics.NewService(analyticstest.Catalog(), analyticstest.NewStore(), tt.given).Threshold(); got != tt.want {
			t.Errorf("NewService(threshold %d).Threshold() = %d, want %d", tt.given, got, tt.want)
		}
	}
	r := analyze(t, 1, respondents(2024, "SN", 1), analytics.Request{Question: "recommend", By: []analytics.Dimension{analytics.Country}})
	if len(r.Cells) != 1 || r.Cells[0].Suppressed != "" || r.Cells[0].N == nil || *r.Cells[0].N != 1 {
		t.Errorf("threshold 1: one respondent's cell %+v", r.Cells)
	}
}

// A dashboard of the oldest edition alone lists that edition's questions.
func TestDashboardOneEdition(t *testing.T) {
	svc := analytics.NewService(analyticstest.Catalog(), analyticstest.NewStore(analyticstest.Responses(3, 10)...), 5)
	for _, year := range []string{"2023", "2025"} {
		d, err := svc.Dashboard(context.Background(), analytics.Request{Survey: sid, Filter: analytics.Filter{analytics.Edition: {year}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Questions) < 12 || d.Questions[0].Question.Key != "attended" {
			t.Errorf("%s: dashboard of %d questions", year, len(d.Questions))
		}
	}
}

// A not-compared message names the edition from which the question differs: the year it was
// reworded (even between the two editions compared), the edition that does not ask it.
func TestNotComparedYears(t *testing.T) {
	v1 := analyticstest.Forms()[0]
	v2 := analyticstest.Forms()[1]
	org, _, _ := v2.Question("organisation")
	org.ChangedIn = 2024 // reworded in a year without an edition
	var eds []survey.Edition
	for _, e := range analyticstest.Editions() {
		if e.Year != 2024 {
			eds = append(eds, e)
		}
	}
	cat := surveytest.NewCatalog([]*survey.Form{v1, v2}, eds...)
	svc := analytics.NewService(cat, analyticstest.NewStore(), 5)
	want := map[string]string{
		"organisation": "wording or meaning changed in 2024",
		"duration":     "question not asked in 2023",
		"topics":       "question not asked in 2023", // the row youth_participation
		"workshops":    "scale changed in 2025",
		"format":       "choices changed in 2025",
	}
	for q, msg := range want {
		r, err := svc.Analyze(context.Background(), analytics.Request{Survey: sid, Question: q, Compare: true, Language: survey.English})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.NotCompared) != 1 || r.NotCompared[0].Message != msg {
			t.Errorf("%s: not compared %+v, want %q", q, r.NotCompared, msg)
		}
	}
}

// A rating lists each of its points when it has at most 21 of them, whatever its lowest.
func TestRatingPointsBoundary(t *testing.T) {
	for _, tt := range []struct {
		lo, hi float64
		points int
	}{{0, 20, 21}, {0, 21, 0}, {5, 25, 21}, {5, 26, 0}, {1, 5, 5}} {
		q := survey.Question{Key: "score", Type: survey.Rating, Min: &tt.lo, Max: &tt.hi, Label: surveytest.T("Note", "Score", "")}
		f := surveytest.NewForm("scores", surveytest.T("Notes", "Scores", "")).Question(q).Build()
		cat := surveytest.NewCatalog([]*survey.Form{f}, survey.Edition{SurveyID: "scores", Year: 2025, FormVersion: 1})
		var rs []*survey.Response
		for i := range 6 {
			rs = append(rs, &survey.Response{ID: survey.ResponseID{byte(i + 1)}, SurveyID: "scores", Edition: 2025, FormVersion: 1,
				Respondent: survey.Respondent{Country: "SN"}, Answers: []survey.Answer{{Question: "score", Num: tt.lo + float64(i), HasNum: true}}})
		}
		req := analytics.Request{Survey: "scores", Question: "score"}
		got, err := analytics.NewService(cat, analyticstest.NewStore(rs...), 5).Analyze(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := analyticstest.Reference(context.Background(), cat, 5, req, rs)
		if d := analyticstest.DiffResult(got, want); d != "" {
			t.Errorf("%v–%v: %s", tt.lo, tt.hi, d)
		}
		if n := len(got.Cells[0].Scale.Points); n != tt.points || n > 0 && got.Cells[0].Scale.Points[0].Value != tt.lo {
			t.Errorf("rating %v–%v: %d points, want %d", tt.lo, tt.hi, n, tt.points)
		}
	}
}

// A survey may have up to 100 editions in one request.
func TestEditionsInUseBoundary(t *testing.T) {
	f := analyticstest.Forms()[0]
	for _, tt := range []struct {
		editions int
		ok       bool
	}{{100, true}, {101, false}} {
		var eds []survey.Edition
		for y := range tt.editions {
			eds = append(eds, survey.Edition{SurveyID: sid, Year: survey.MinYear + y, FormVersion: 1})
		}
		svc := analytics.NewService(surveytest.NewCatalog([]*survey.Form{f}, eds...), analyticstest.NewStore(), 5)
		_, err := svc.Analyze(context.Background(), analytics.Request{Survey: sid, By: []analytics.Dimension{analytics.Edition}})
		if (err == nil) != tt.ok || err != nil && survey.ErrorCode(err) != survey.CodeMalformed {
			t.Errorf("%d editions: %v", tt.editions, err)
		}
	}
}

// Edition filters accept the years 2000 to 2100 (then ask the catalog), and refuse one year
// beyond; a filter of empty values filters nothing; 100 values per dimension and 500 comments
// are the most a request may ask.
func TestRequestBoundaries(t *testing.T) {
	svc, _ := service(t, 8)
	ctx := context.Background()
	for _, tt := range []struct{ year, en string }{
		{"1999", "“1999” is not an edition year."},
		{"2000", "Survey “partners-meeting” has no 2000 edition."},
		{"2100", "Survey “partners-meeting” has no 2100 edition."},
		{"2101", "“2101” is not an edition year."},
	} {
		_, err := svc.Analyze(ctx, analytics.Request{Survey: sid, Filter: analytics.Filter{analytics.Edition: {tt.year}}})
		if e := survey.AsError(err); e == nil || e.Message.In(survey.English) != tt.en {
			t.Errorf("edition %s: %v, want %q", tt.year, err, tt.en)
		}
	}
	all, err := svc.Analyze(ctx, analytics.Request{Survey: sid})
	if err != nil {
		t.Fatal(err)
	}
	blank, err := svc.Analyze(ctx, analytics.Request{Survey: sid, Filter: analytics.Filter{analytics.Country: {"", ""}}})
	if err != nil || blank.Filter != nil || *blank.Responses[0].N != *all.Responses[0].N {
		t.Errorf("a filter of empty values: %+v, %v; want every response (%d)", blank, err, *all.Responses[0].N)
	}
	for _, n := range []int{analytics.MaxFilterValues, analytics.MaxFilterValues + 1} {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fmt.Sprintf("X%d", i)
		}
		_, err := svc.Analyze(ctx, analytics.Request{Survey: sid, Filter: analytics.Filter{analytics.Organisation: vals}})
		if (err == nil) != (n <= analytics.MaxFilterValues) {
			t.Errorf("%d filter values: %v", n, err)
		}
	}
	for _, tt := range []struct {
		page analytics.Page
		ok   bool
	}{
		{analytics.Page{Limit: analytics.MaxComments}, true},
		{analytics.Page{Limit: analytics.MaxComments + 1}, false},
		{analytics.Page{Offset: analytics.MaxCommentOffset}, true},
		{analytics.Page{Offset: analytics.MaxCommentOffset + 1}, false},
	} {
		_, err := svc.Analyze(ctx, analytics.Request{Survey: sid, Question: "improve", Page: tt.page})
		if (err == nil) != tt.ok {
			t.Errorf("a comment page of %+v: %v", tt.page, err)
		}
	}
}

// Large numbers close together (budgets in CFA francs) keep their spread: the variance is
// taken around the mean, not as a difference of squares that cancels.
func TestLargeNumbersSpread(t *testing.T) {
	q := survey.Question{Key: "budget", Type: survey.Number, Label: surveytest.T("Budget", "Budget", "")}
	f := surveytest.NewForm("budgets", surveytest.T("Budgets", "Budgets", "")).Question(q).Build()
	cat := surveytest.NewCatalog([]*survey.Form{f}, survey.Edition{SurveyID: "budgets", Year: 2025, FormVersion: 1})
	var rs []*survey.Response
	for i, v := range []float64{1e9, 1e9 + 1, 1e9 + 3, 2e9, 2e9 + 2, 2e9 + 7} {
		rs = append(rs, &survey.Response{ID: survey.ResponseID{byte(i + 1)}, SurveyID: "budgets", Edition: 2025 - i%2, FormVersion: 1,
			Respondent: survey.Respondent{Country: []string{"SN", "ML"}[i/3]}, Answers: []survey.Answer{{Question: "budget", Num: v, HasNum: true}}})
	}
	req := analytics.Request{Survey: "budgets", Question: "budget", By: []analytics.Dimension{analytics.Country}, Audience: analytics.Coordinator}
	got, err := analytics.NewService(cat, analyticstest.NewStore(rs...), 5).Analyze(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := analyticstest.Reference(context.Background(), cat, 5, req, rs)
	if d := analyticstest.DiffResult(got, want); d != "" {
		t.Error(d)
	}
	// 1e9, 1e9+1, 1e9+3: mean 1e9 + 4/3, sample variance (16 + 1 + 25)/9/2 = 7/3.
	if sd := got.Cells[1].Scale.SD; math.Abs(sd-math.Sqrt(7.0/3)) > 1e-6 {
		t.Errorf("sd = %.12g, want √(7/3)", sd)
	}
}
