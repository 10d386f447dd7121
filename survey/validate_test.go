package survey_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

func ptr(f float64) *float64 { return &f }

func fr(s string) survey.Text { return survey.Text{"fr": s, "en": s + " (en)"} }

// testForm has one question of every type, a group shown by skip logic, and a constraint.
func testForm() *survey.Form {
	scale := []survey.Choice{{Key: "1", Label: fr("Pas du tout")}, {Key: "2", Label: fr("Peu")},
		{Key: "3", Label: fr("Moyen")}, {Key: "4", Label: fr("Assez")}, {Key: "5", Label: fr("Tout à fait")}}
	return &survey.Form{
		SurveyID: "partners-meeting", Version: 1, Title: fr("Rencontre"),
		DefaultLanguage: "fr", Languages: []string{"fr", "en", "es"},
		Profile: survey.Profile{Countries: survey.NetworkCountries, Roles: survey.DefaultRoles},
		Sections: []survey.Section{
			{Questions: []survey.Question{
				{Key: "intro", Type: survey.Note, Label: fr("Merci")},
				{Key: "satisfaction", Type: survey.Likert, Label: fr("Satisfaction"), Required: true, Choices: scale},
				{Key: "sessions", Type: survey.Matrix, Label: fr("Ateliers"), Choices: scale,
					Items: []survey.Choice{{Key: "families", Label: fr("Familles")}, {Key: "tools", Label: fr("Outils")}}},
				{Key: "take_back", Type: survey.MultipleChoice, Label: fr("Ce que je rapporte"), MaxSelected: 2,
					Choices: []survey.Choice{{Key: "tools", Label: fr("Outils")}, {Key: "network", Label: fr("Réseau")}, {Key: "other", Label: fr("Autre")}}},
				{Key: "take_back_other", Type: survey.ShortText, Label: fr("Autre : précisez"), Required: true,
					Relevant: "selected(${take_back}, 'other')"},
				{Key: "venue", Type: survey.SingleChoice, Label: fr("Lieu"),
					Choices: []survey.Choice{{Key: "good", Label: fr("Bien")}, {Key: "bad", Label: fr("Mal")}}},
				{Key: "used_tools", Type: survey.YesNo, Label: fr("Outils utilisés")},
			}},
			{Key: "followup", Label: fr("Suite"), Relevant: "${used_tools} = 'yes'", Questions: []survey.Question{
				{Key: "colleagues", Type: survey.Number, Label: fr("Collègues"), Integer: true, Min: ptr(0), Max: ptr(500), Required: true},
			}},
			{Questions: []survey.Question{
				{Key: "nps", Type: survey.Rating, Label: fr("Recommandation")},
				{Key: "arrival", Type: survey.Date, Label: fr("Arrivée"), Constraint: ". >= '2025-10-01'",
					ConstraintMessage: survey.Text{"fr": "Date trop ancienne", "en": "Date too early"}},
				{Key: "comment", Type: survey.LongText, Label: fr("Commentaires"), MaxLength: 20},
			}},
		},
	}
}

func compiled(t testing.TB) *survey.Compiled {
	t.Helper()
	cf, err := survey.Compile(testForm())
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return cf
}

const validID = "6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f"

func submission(values map[string][]string) survey.Submission {
	return survey.Submission{ID: validID,
		Respondent: survey.Respondent{Country: "sn", Organisation: "  Samusocial   Sénégal ", Role: "psychologist", Language: "fr"},
		Values:     values}
}

func TestValidateAccepts(t *testing.T) {
	cf := compiled(t)
	r, err := cf.Validate(submission(map[string][]string{
		"satisfaction":    {"4"},
		"sessions.tools":  {"5"},
		"take_back":       {"tools", "other"},
		"take_back_other": {" une méthode  "},
		"used_tools":      {"yes"},
		"colleagues":      {"12"},
		"nps":             {"9"},
		"arrival":         {"2025-10-27"},
		"comment":         {"Merci\r\nà tous"},
		"intro":           {"ignored: a note takes no answer"},
	}), 2025)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if r.Country != "SN" || r.Organisation != "Samusocial Sénégal" || r.Edition != 2025 || r.FormVersion != 1 {
		t.Errorf("respondent or keys not normalised: %+v", r)
	}
	got := map[string]survey.Answer{}
	for _, a := range r.Answers {
		got[a.Question+"."+a.Item] = a
	}
	checks := []struct {
		key  string
		want survey.Answer
	}{
		{"satisfaction.", survey.Answer{Question: "satisfaction", Text: "4", Num: 4, HasNum: true}},
		{"sessions.tools", survey.Answer{Question: "sessions", Item: "tools", Text: "5", Num: 5, HasNum: true}},
		{"take_back_other.", survey.Answer{Question: "take_back_other", Text: "une méthode"}},
		{"used_tools.", survey.Answer{Question: "used_tools", Text: "yes", Num: 1, HasNum: true}},
		{"colleagues.", survey.Answer{Question: "colleagues", Num: 12, HasNum: true}},
		{"nps.", survey.Answer{Question: "nps", Num: 9, HasNum: true}},
		{"comment.", survey.Answer{Question: "comment", Text: "Merci\nà tous"}},
	}
	for _, c := range checks {
		a, ok := got[c.key]
		if !ok {
			t.Errorf("answer %s missing", c.key)
			continue
		}
		if a.Text != c.want.Text || a.Num != c.want.Num || a.HasNum != c.want.HasNum || a.Item != c.want.Item {
			t.Errorf("answer %s = %+v, want %+v", c.key, a, c.want)
		}
	}
	if a := got["take_back."]; strings.Join(a.Choices, ",") != "tools,other" {
		t.Errorf("take_back choices = %v", a.Choices)
	}
	if _, ok := got["intro."]; ok {
		t.Error("a note was stored")
	}
	if _, ok := got["sessions.families"]; ok {
		t.Error("an unanswered matrix row was stored")
	}
}

func TestValidateSkipLogicDropsHiddenAnswers(t *testing.T) {
	cf := compiled(t)
	r, err := cf.Validate(submission(map[string][]string{
		"satisfaction":    {"3"},
		"take_back":       {"tools"},
		"take_back_other": {"typed, then hidden"},
		"used_tools":      {"no"},
		"colleagues":      {"-4"}, // hidden group: neither required nor checked nor stored
	}), 2025)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, a := range r.Answers {
		if a.Question == "take_back_other" || a.Question == "colleagues" {
			t.Errorf("hidden question %s stored: %+v", a.Question, a)
		}
	}
	vis := cf.Visible(map[string][]string{"take_back": {"other"}, "used_tools": {"no"}})
	if !vis["take_back_other"] || vis["followup"] || vis["colleagues"] || !vis["nps"] {
		t.Errorf("Visible = %v", vis)
	}
}

func TestValidateRejects(t *testing.T) {
	cf := compiled(t)
	base := func() map[string][]string { return map[string][]string{"satisfaction": {"3"}} }
	tests := []struct {
		name   string
		edit   func(s *survey.Submission)
		field  string
		code   survey.MessageKey
		inLang string // a word the English message must contain
	}{
		{"required missing", func(s *survey.Submission) { delete(s.Values, "satisfaction") }, "satisfaction", survey.MsgRequired, "required"},
		{"not on the scale", func(s *survey.Submission) { s.Values["satisfaction"] = []string{"9"} }, "satisfaction", survey.MsgNotAChoice, "not one of"},
		{"two answers to one", func(s *survey.Submission) { s.Values["venue"] = []string{"good", "bad"} }, "venue", survey.MsgOneChoice, "only one"},
		{"too many choices", func(s *survey.Submission) { s.Values["take_back"] = []string{"tools", "network", "other"} }, "take_back", survey.MsgTooManyChoices, "at most 2"},
		{"unknown choice", func(s *survey.Submission) { s.Values["take_back"] = []string{"cake"} }, "take_back", survey.MsgNotAChoice, "cake"},
		{"required when shown", func(s *survey.Submission) { s.Values["take_back"] = []string{"other"} }, "take_back_other", survey.MsgRequired, "required"},
		{"required in shown group", func(s *survey.Submission) { s.Values["used_tools"] = []string{"yes"} }, "colleagues", survey.MsgRequired, "required"},
		{"not an integer", func(s *survey.Submission) {
			s.Values["used_tools"] = []string{"yes"}
			s.Values["colleagues"] = []string{"2.5"}
		}, "colleagues", survey.MsgNotAnInteger, "whole number"},
		{"above max", func(s *survey.Submission) {
			s.Values["used_tools"] = []string{"yes"}
			s.Values["colleagues"] = []string{"501"}
		}, "colleagues", survey.MsgAboveMax, "at most 500"},
		{"not a number", func(s *survey.Submission) { s.Values["nps"] = []string{"ten"} }, "nps", survey.MsgNotANumber, "number"},
		{"rating out of 0..10", func(s *survey.Submission) { s.Values["nps"] = []string{"11"} }, "nps", survey.MsgAboveMax, "at most 10"},
		{"rating below 0", func(s *survey.Submission) { s.Values["nps"] = []string{"-1"} }, "nps", survey.MsgBelowMin, "at least 0"},
		{"yes/no other", func(s *survey.Submission) { s.Values["used_tools"] = []string{"maybe"} }, "used_tools", survey.MsgNotAChoice, "maybe"},
		{"bad date", func(s *survey.Submission) { s.Values["arrival"] = []string{"2025-02-30"} }, "arrival", survey.MsgBadDate, "YYYY-MM-DD"},
		{"constraint with its message", func(s *survey.Submission) { s.Values["arrival"] = []string{"2024-01-01"} }, "arrival", survey.MsgConstraint, "Date too early"},
		{"too long", func(s *survey.Submission) { s.Values["comment"] = []string{strings.Repeat("é", 21)} }, "comment", survey.MsgTooLong, "20 characters"},
		{"matrix row off scale", func(s *survey.Submission) { s.Values["sessions.families"] = []string{"x"} }, "sessions.families", survey.MsgNotAChoice, "not one of"},
		{"unknown question", func(s *survey.Submission) { s.Values["shoe_size"] = []string{"42"} }, "shoe_size", survey.MsgUnknownQuestion, "no question"},
		{"country outside the network", func(s *survey.Submission) { s.Respondent.Country = "US" }, "profile.country", survey.MsgBadCountry, "country"},
		{"unknown role", func(s *survey.Submission) { s.Respondent.Role = "king" }, "profile.role", survey.MsgBadRole, "role"},
		{"no organisation", func(s *survey.Submission) { s.Respondent.Organisation = " " }, "profile.organisation", survey.MsgBadOrganisation, "organisation"},
		{"language not offered", func(s *survey.Submission) { s.Respondent.Language = "de" }, "profile.language", survey.MsgBadLanguage, "de"},
		{"organisation with NUL, override and bell", func(s *survey.Submission) { s.Respondent.Organisation = "A\x00\u202eB\a" },
			"profile.organisation", survey.MsgControlChars, "invisible"},
		{"organisation with a direction override", func(s *survey.Submission) { s.Respondent.Organisation = "Samu\u202eSocial" },
			"profile.organisation", survey.MsgControlChars, "direction"},
		{"organisation with an isolate", func(s *survey.Submission) { s.Respondent.Organisation = "\u2067Samusocial\u2069" },
			"profile.organisation", survey.MsgControlChars, "invisible"},
		{"organisation with an embedding", func(s *survey.Submission) { s.Respondent.Organisation = "\u202aSamusocial" },
			"profile.organisation", survey.MsgControlChars, "invisible"},
		{"organisation opening a left-to-right isolate", func(s *survey.Submission) { s.Respondent.Organisation = "\u2066Samusocial" },
			"profile.organisation", survey.MsgControlChars, "invisible"},
		{"organisation closing an isolate", func(s *survey.Submission) { s.Respondent.Organisation = "Samusocial\u2069" },
			"profile.organisation", survey.MsgControlChars, "invisible"},
		{"organisation with a C1 control", func(s *survey.Submission) { s.Respondent.Organisation = "Samu\u009bsocial" },
			"profile.organisation", survey.MsgControlChars, "invisible"},
		{"long text with NUL", func(s *survey.Submission) { s.Values["comment"] = []string{"ok\x00ok"} }, "comment", survey.MsgControlChars, "invisible"},
		{"short text with a bell", func(s *survey.Submission) {
			s.Values["take_back"] = []string{"other"}
			s.Values["take_back_other"] = []string{"a\ab"}
		}, "take_back_other", survey.MsgControlChars, "invisible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := submission(base())
			tt.edit(&sub)
			_, err := cf.Validate(sub, 2025)
			var e *survey.Error
			if !errors.As(err, &e) || e.Code != survey.CodeInvalid {
				t.Fatalf("Validate error = %v, want an invalid error", err)
			}
			for _, f := range e.Fields {
				if f.Field == tt.field && f.Code == string(tt.code) {
					if msg := f.Message.In("en"); !strings.Contains(msg, tt.inLang) {
						t.Errorf("message %q lacks %q", msg, tt.inLang)
					}
					if f.Message.In("fr") == f.Message.In("en") {
						t.Errorf("message not translated: %q", f.Message.In("fr"))
					}
					return
				}
			}
			t.Errorf("fields = %v, want %s/%s", e.Fields, tt.field, tt.code)
		})
	}
}

func TestValidateBadResponseID(t *testing.T) {
	cf := compiled(t)
	for _, id := range []string{"", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "6f1c2b9e3d4a4c5b8e7f0a1b2c3d4e5f"} {
		sub := submission(map[string][]string{"satisfaction": {"3"}})
		sub.ID = id
		if _, err := cf.Validate(sub, 2025); survey.ErrorCode(err) != survey.CodeMalformed {
			t.Errorf("id %q: error %v, want malformed", id, err)
		}
	}
}

func TestDigestIgnoresOrderAndArrival(t *testing.T) {
	cf := compiled(t)
	sub := submission(map[string][]string{"satisfaction": {"3"}, "take_back": {"tools", "network"}, "nps": {"7"}})
	a, err := cf.Validate(sub, 2025)
	if err != nil {
		t.Fatal(err)
	}
	sub.Values["take_back"] = []string{"network", "tools"}
	b, _ := cf.Validate(sub, 2025)
	b.Answers[0], b.Answers[len(b.Answers)-1] = b.Answers[len(b.Answers)-1], b.Answers[0]
	b.Channel = survey.ChannelAPI
	if a.Digest() != b.Digest() {
		t.Error("same answers in another order have another digest")
	}
	sub.Values["nps"] = []string{"8"}
	c, _ := cf.Validate(sub, 2025)
	if a.Digest() == c.Digest() {
		t.Error("different answers share a digest")
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	f := testForm()
	f.SurveyID = "Bad Id"
	qs := f.Sections[0].Questions
	qs[1].Choices = nil                                      // likert without scale
	qs[4].Relevant = "selected(${nowhere}, 'x')"             // unknown reference
	qs[5].Relevant = "${venue = 'x'"                         // syntax error
	qs[6].Key = qs[5].Key                                    // duplicate key
	f.Sections[2].Questions[0].Relevant = "${comment} = 'x'" // refers to a later question: fine…
	f.Sections[2].Questions[2].Relevant = "${nps} > 5"       // …but that one refers back to it
	_, err := survey.Compile(f)
	var de *survey.DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("Compile error = %v, want a DefinitionError", err)
	}
	want := []string{"survey: id \"Bad Id\"", "satisfaction: a likert question needs a scale",
		"${nowhere}, which is no question of this form", "venue: relevant", "the name is used twice",
		"nps: its expressions go round in a circle, so no value can be worked out first: ${nps} (relevant) → ${comment} (relevant) → ${nps}"}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("satisfaction", "3", "take_back", "other", "SN")
	f.Add("colleagues", "1e400", "nps", "-0", "")
	f.Add("arrival", "2025-10-01", "sessions.tools", "5", "pe")
	f.Add("comment", "\xff\xfe", "take_back_other", "<script>", "FR")
	cf := compiled(f)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, country string) {
		sub := submission(map[string][]string{k1: {v1}, k2: {v2, v1}, "used_tools": {"yes"}})
		sub.Respondent.Country = country
		r, err := cf.Validate(sub, 2025)
		if err != nil {
			if c := survey.ErrorCode(err); c != survey.CodeInvalid {
				t.Fatalf("unexpected error code %s: %v", c, err)
			}
			return
		}
		for _, a := range r.Answers {
			if _, _, ok := cf.Form.Question(a.Question); !ok {
				t.Fatalf("stored an answer to unknown question %q", a.Question)
			}
		}
		_ = r.Digest()
	})
}

// The digest is stored with every response: it must never change for the same content, or
// resubmissions of stored responses would be taken for conflicts.
func TestDigestIsStable(t *testing.T) {
	r := &survey.Response{SurveyID: "partners-meeting", Edition: 2025, FormVersion: 1,
		Respondent: survey.Respondent{Country: "SN", Organisation: "Samusocial Sénégal", Role: "psychologist", Language: "fr"},
		Answers: []survey.Answer{
			{Question: "take_back", Choices: []string{"tools", "network"}},
			{Question: "satisfaction", Text: "4", Num: 4, HasNum: true},
			{Question: "comment", Text: "Merci"},
		}}
	const want = uint64(10853577355718214245)
	if got := r.Digest(); got != want {
		t.Errorf("Digest() = %d, want %d", got, want)
	}
}

// BenchmarkDigest digests a 30-answer response whose answers arrive out of key order, as a
// form posts them.
func BenchmarkDigest(b *testing.B) {
	r := &survey.Response{SurveyID: "partners-meeting", Edition: 2026, FormVersion: 1,
		Respondent: survey.Respondent{Country: "SN", Organisation: "Samusocial Sénégal", Role: "social_worker", Language: "fr"}}
	for i := 30; i > 0; i-- {
		r.Answers = append(r.Answers, survey.Answer{Question: fmt.Sprintf("q%02d", i), Text: "une réponse", Choices: []string{"b", "a"}})
	}
	for b.Loop() {
		r.Digest()
	}
}

// TestValidateListsAtMostMaxFieldErrors checks that a submission with thousands of problems
// lists MaxFieldErrors of them, in a stable order, counts the others, and quotes long field
// names cut short.
func TestValidateListsAtMostMaxFieldErrors(t *testing.T) {
	cf := compiled(t)
	values := map[string][]string{"satisfaction": {"3"}, strings.Repeat("z", 5000): {"1"}}
	for i := range 3000 {
		values[fmt.Sprintf("unknown_%04d", i)] = []string{"x"}
	}
	sub := submission(values)
	sub.Respondent.Country = "US" // one problem before the unknown fields
	_, err := cf.Validate(sub, 2025)
	var e *survey.Error
	if !errors.As(err, &e) || e.Code != survey.CodeInvalid {
		t.Fatalf("Validate error = %v, want an invalid error", err)
	}
	if len(e.Fields) != survey.MaxFieldErrors || e.More != 3002-survey.MaxFieldErrors {
		t.Fatalf("%d problems listed and %d more, want %d and %d", len(e.Fields), e.More, survey.MaxFieldErrors, 3002-survey.MaxFieldErrors)
	}
	if e.Fields[0].Field != "profile.country" || e.Fields[1].Field != "unknown_0000" || e.Fields[99].Field != "unknown_0098" {
		t.Errorf("problems listed %s, %s … %s, want profile.country, unknown_0000 … unknown_0098",
			e.Fields[0].Field, e.Fields[1].Field, e.Fields[99].Field)
	}

	sub = submission(map[string][]string{"satisfaction": {"3"}, strings.Repeat("é", 3000): {"1"}})
	_, err = cf.Validate(sub, 2025)
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.More != 0 {
		t.Fatalf("Validate error = %v, want one problem", err)
	}
	if f := e.Fields[0]; len(f.Field) > 110 || !strings.HasSuffix(f.Field, "é…") || len(f.Message.In("en")) > 150 {
		t.Errorf("a long field name is quoted whole: %d bytes, message %q", len(f.Field), f.Message.In("en"))
	}
	// A name of exactly 100 bytes is quoted whole; one byte more is cut.
	for _, n := range []int{100, 101} {
		name := strings.Repeat("k", n)
		_, err = cf.Validate(submission(map[string][]string{"satisfaction": {"3"}, name: {"1"}}), 2025)
		if !errors.As(err, &e) || len(e.Fields) != 1 {
			t.Fatalf("Validate error = %v, want one problem", err)
		}
		if cut := strings.HasSuffix(e.Fields[0].Field, "…"); cut != (n > 100) || cut && e.Fields[0].Field != name[:100]+"…" {
			t.Errorf("a field name of %d bytes quoted as %q", n, e.Fields[0].Field)
		}
	}
	// A field sent without a value (an empty list in JSON) asks nothing: not an unknown question.
	if _, err := cf.Validate(submission(map[string][]string{"satisfaction": {"3"}, "shoe_size": {}}), 2025); err != nil {
		t.Errorf("a field without values: %v", err)
	}
}

// TestValidateKeepsWrittenText checks that the characters refused in organisations and
// texts leave real writing alone: accents, Arabic script with its direction marks, emoji,
// and line breaks and tabs in a long text.
func TestValidateKeepsWrittenText(t *testing.T) {
	cf := compiled(t)
	for _, tt := range []struct{ org, comment, wantOrg, wantComment string }{
		{"Élan – Enfance & Famille", "Très\tbien\r\nmerci", "Élan – Enfance & Famille", "Très\tbien\nmerci"},
		{"جمعية الطفولة \u200fSN", "شكرا 👍🏽", "جمعية الطفولة \u200fSN", "شكرا 👍🏽"},
		{"Samusocial   Perú 🇵🇪", "ñandú\n\n😀", "Samusocial Perú 🇵🇪", "ñandú\n\n😀"},
	} {
		sub := submission(map[string][]string{"satisfaction": {"3"}, "comment": {tt.comment}})
		sub.Respondent.Organisation = tt.org
		r, err := cf.Validate(sub, 2025)
		if err != nil {
			t.Errorf("organisation %q, comment %q: %v", tt.org, tt.comment, err)
			continue
		}
		if r.Respondent.Organisation != tt.wantOrg {
			t.Errorf("organisation %q stored as %q", tt.org, r.Respondent.Organisation)
		}
		for _, a := range r.Answers {
			if a.Question == "comment" && a.Text != tt.wantComment {
				t.Errorf("comment %q stored as %q", tt.comment, a.Text)
			}
		}
	}
}

// TestVisibleSeesValuesAsSent checks that skip logic on a form shown again sees the values
// posted even when a limit refuses them, as the browser does.
func TestVisibleSeesValuesAsSent(t *testing.T) {
	cf := compiled(t)
	vis := cf.Visible(map[string][]string{"take_back": {"tools", "network", "other"}, "take_back_other": {"Un jeu"}, "used_tools": {"yes"}})
	if !vis["take_back_other"] || !vis["followup"] || !vis["colleagues"] {
		t.Errorf("visible %v: \"other\" ticked among too many choices must show take_back_other; yes shows followup", vis)
	}
	vis = cf.Visible(map[string][]string{"take_back": {"tools"}, "used_tools": {"no"}})
	if vis["take_back_other"] || vis["followup"] || vis["colleagues"] {
		t.Errorf("visible %v: nothing relevant was sent", vis)
	}
	// Validation itself still refuses the values.
	if _, err := cf.Validate(submission(map[string][]string{"satisfaction": {"3"}, "take_back": {"tools", "network", "other"}, "take_back_other": {"Un jeu"}}), 2025); survey.ErrorCode(err) != survey.CodeInvalid {
		t.Errorf("Validate: %v, want too many choices", err)
	}
}
