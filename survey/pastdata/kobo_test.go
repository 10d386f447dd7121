package pastdata_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/demo"
	"github.com/palabre/palabre/survey/pastdata"
)

// The test's own export generator: it writes a KoboToolbox-style export of the demo survey
// partners-meeting, and, beside it, the responses the file says, built from the generator's
// own draws rather than read back from the file. The importer is held to them.

// exportStyle is how an export is written.
type exportStyle struct {
	labels bool   // headers and values as French labels (Kobo's "Labels"), else names ("XML values")
	sep    string // group separator in headers: "/" (Kobo) or "-" (ODK Central)
	csv    bool   // CSV separated by ";" with a byte order mark, else XLSX
	split  bool   // multiple choice split into one 0/1 column per choice, besides the joined one
}

type demoForm struct {
	def  *definition.Definition
	form *survey.Form
}

func loadDemo(t testing.TB) demoForm {
	t.Helper()
	d, err := demo.Open("partners-meeting.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return demoForm{def: d, form: d.Form}
}

func (d demoForm) target(t testing.TB, year int) *pastdata.Target {
	t.Helper()
	for _, e := range d.def.Editions {
		if e.Year == year {
			return &pastdata.Target{Survey: survey.Survey{ID: d.form.SurveyID}, Edition: e, Form: d.def.Compiled}
		}
	}
	t.Fatalf("no edition %d", year)
	return nil
}

var organisations = []string{"Association Kanam", "Foyer Saint-Paul", "Maison des familles", "ONG Tiawo",
	"Service d'aide à l'enfance", "Collectif 100% Mamans", "Centre Ndaari", "Asociación Wawa", "Fondation Horizons"}

// genExport writes n responses of edition year in style, and returns the file and the
// responses it holds (id, profile, time and answers as palabre should store them).
func genExport(t testing.TB, d demoForm, year, n int, st exportStyle, seed uint64) ([]byte, []*survey.Response) {
	t.Helper()
	f := d.form
	rng := rand.New(rand.NewPCG(seed, 7))
	q := func(key string) *survey.Question {
		qq, _, ok := f.Question(key)
		if !ok {
			t.Fatalf("no question %s", key)
		}
		return qq
	}
	group := map[string]survey.Text{}
	for _, s := range f.Sections {
		for _, qq := range s.Questions {
			if s.Key != "" {
				group[qq.Key] = survey.Text{"key": s.Key, "fr": s.Label["fr"]}
			}
		}
	}
	// head names a question's column: its group path, then its key or French label.
	head := func(key string, rest ...string) string {
		qq := q(key)
		parts := []string{}
		if g, ok := group[key]; ok {
			parts = append(parts, pick(st.labels, g["key"], g["fr"]))
		}
		parts = append(parts, pick(st.labels, key, qq.Label["fr"]))
		parts = append(parts, rest...)
		return strings.Join(parts, st.sep)
	}
	label := func(c survey.Choice, lang string) string {
		if st.labels {
			return c.Label[lang]
		}
		return c.Key
	}
	sessions, takeBack := q("sessions"), q("take_back")
	header := []string{"start", "end", "today", "profile" + st.sep + "country", "profile" + st.sep + "organisation",
		"profile" + st.sep + "role", "language", head("arrival_date"), head("first_meeting"), head("felt_welcome"),
		head("overall_satisfaction"), head("theme_relevance")}
	for _, it := range sessions.Items {
		header = append(header, head("sessions", pick(st.labels, it.Key, it.Label["fr"])))
	}
	header = append(header, head("best_moment"), head("logistics"), head("venue"), head("interpretation"),
		head("duration"), head("take_back"))
	if st.split {
		for _, c := range takeBack.Choices {
			header = append(header, head("take_back", pick(st.labels, c.Key, c.Label["fr"])))
		}
	}
	header = append(header, head("take_back_other"), head("used_last_year_tools"), head("last_year_tools_use"),
		head("colleagues_to_share"), head("recommend"), head("next_theme"), head("comments"),
		"_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
		"__version__", "_tags", "_index", "meta"+st.sep+"instanceID")
	rows := [][]string{header}
	var truth []*survey.Response
	var ed survey.Edition
	for _, e := range d.def.Editions {
		if e.Year == year {
			ed = e
		}
	}
	langs := []string{"fr", "fr", "fr", "en", "es"}
	yesNo := map[string][2]string{"fr": {"Oui", "Non"}, "en": {"Yes", "No"}, "es": {"Sí", "No"}}
	for i := 0; i < n; i++ {
		exportID := fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff, rng.Uint32()&0xfff, rng.Uint64()&0xffffffffffff)
		submitted := ed.Opens.Add(time.Duration(rng.IntN(30*24*3600)) * time.Second).UTC()
		country := f.Profile.Countries[rng.IntN(len(f.Profile.Countries))]
		role := f.Profile.Roles[rng.IntN(len(f.Profile.Roles))]
		lang := langs[rng.IntN(len(langs))]
		r := &survey.Response{ID: pastdata.ResponseID(f.SurveyID, exportID), SurveyID: f.SurveyID, Edition: year,
			FormVersion: f.Version, SubmittedAt: submitted, Channel: survey.ChannelImport,
			Respondent: survey.Respondent{Country: country, Organisation: organisations[rng.IntN(len(organisations))], Role: role.Key, Language: lang}}
		row := map[string]string{}
		set := func(col string, a survey.Answer, cell string) {
			row[col] = cell
			r.Answers = append(r.Answers, a)
		}
		scale := func(key string, required bool) {
			qq := q(key)
			if !required && rng.IntN(10) == 0 {
				return
			}
			c := qq.Choices[min(rng.IntN(len(qq.Choices)+2), len(qq.Choices)-1)] // leaning to the top
			pos := choiceIndex(qq.Choices, c.Key) + 1
			a := survey.Answer{Question: key, Text: c.Key}
			if qq.Type == survey.Likert {
				a.Num, a.HasNum = float64(pos), true
			}
			set(head(key), a, label(c, lang))
		}
		yn := func(key string, yes bool) {
			a := survey.Answer{Question: key, Text: "no", HasNum: true}
			cell := pick(st.labels, "no", yesNo[lang][1])
			if yes {
				a.Text, a.Num, cell = "yes", 1, pick(st.labels, "yes", yesNo[lang][0])
			}
			set(head(key), a, cell)
		}
		if rng.IntN(4) > 0 {
			set(head("arrival_date"), survey.Answer{Question: "arrival_date", Text: submitted.AddDate(0, 0, -2).Format(time.DateOnly)},
				submitted.AddDate(0, 0, -2).Format(time.DateOnly))
		}
		first := rng.IntN(4) == 0
		yn("first_meeting", first)
		if first {
			scale("felt_welcome", false)
		}
		scale("overall_satisfaction", true)
		scale("theme_relevance", false)
		for _, it := range sessions.Items {
			c := sessions.Choices[rng.IntN(len(sessions.Choices))]
			row[head("sessions", pick(st.labels, it.Key, it.Label["fr"]))] = label(c, lang)
			r.Answers = append(r.Answers, survey.Answer{Question: "sessions", Item: it.Key, Text: c.Key,
				Num: float64(choiceIndex(sessions.Choices, c.Key) + 1), HasNum: true})
		}
		if rng.IntN(3) == 0 {
			txt := fmt.Sprintf("La visite du %d, très riche ; merci", rng.IntN(5)+1)
			set(head("best_moment"), survey.Answer{Question: "best_moment", Text: txt}, txt)
		}
		scale("logistics", false)
		scale("venue", false)
		scale("interpretation", false)
		scale("duration", false)
		// take_back: 1 to 3 choices, in the form's order.
		var chosen []string
		var cells []string
		for _, c := range takeBack.Choices {
			if len(chosen) < 3 && rng.IntN(3) == 0 {
				chosen = append(chosen, c.Key)
				cells = append(cells, label(c, lang))
			}
		}
		if len(chosen) == 0 {
			c := takeBack.Choices[rng.IntN(len(takeBack.Choices))]
			chosen, cells = []string{c.Key}, []string{label(c, lang)}
		}
		set(head("take_back"), survey.Answer{Question: "take_back", Choices: chosen}, strings.Join(cells, " "))
		if st.split {
			for _, c := range takeBack.Choices {
				cell := "0"
				if slices.Contains(chosen, c.Key) {
					cell = "1"
				}
				row[head("take_back", pick(st.labels, c.Key, c.Label["fr"]))] = cell
			}
		}
		if slices.Contains(chosen, "other") {
			set(head("take_back_other"), survey.Answer{Question: "take_back_other", Text: "Des idées pour le comité"}, "Des idées pour le comité")
		}
		used := rng.IntN(2) == 0
		yn("used_last_year_tools", used)
		if used && rng.IntN(2) == 0 {
			txt := "Le guide, en réunion d'équipe\net avec les familles"
			set(head("last_year_tools_use"), survey.Answer{Question: "last_year_tools_use", Text: txt}, txt)
		}
		if rng.IntN(5) > 0 {
			n := rng.IntN(40)
			set(head("colleagues_to_share"), survey.Answer{Question: "colleagues_to_share", Num: float64(n), HasNum: true}, strconv.Itoa(n))
		}
		rec := 4 + rng.IntN(7)
		set(head("recommend"), survey.Answer{Question: "recommend", Num: float64(rec), HasNum: true}, strconv.Itoa(rec))
		if rng.IntN(6) == 0 {
			set(head("next_theme"), survey.Answer{Question: "next_theme", Text: "La place des pères"}, "La place des pères")
		}
		row["start"] = submitted.Add(-20 * time.Minute).Format("2006-01-02T15:04:05.000-07:00")
		row["end"] = submitted.Format("2006-01-02T15:04:05.000-07:00")
		row["today"] = submitted.Format(time.DateOnly)
		countryName, _ := survey.CountryText(country)
		row["profile"+st.sep+"country"] = pick(st.labels, country, countryName["fr"])
		row["profile"+st.sep+"organisation"] = r.Organisation
		row["profile"+st.sep+"role"] = pick(st.labels, role.Key, role.Label["fr"])
		row["language"] = lang
		row["_id"] = strconv.Itoa(100000 + i)
		row["_uuid"] = exportID
		row["meta"+st.sep+"instanceID"] = "uuid:" + exportID
		row["_submission_time"] = submitted.Format("2006-01-02T15:04:05")
		row["_validation_status"] = ""
		row["_status"] = "submitted_via_web"
		row["__version__"] = "vGzRkVmxbX3sXq7b"
		row["_index"] = strconv.Itoa(i + 1)
		out := make([]string, len(header))
		for j, h := range header {
			out[j] = row[h]
		}
		rows = append(rows, out)
		truth = append(truth, r)
	}
	return writeExport(t, rows, st), truth
}

func pick(labels bool, name, label string) string {
	if labels {
		return label
	}
	return name
}

// choiceIndex is the 0-based position of key among choices, -1 when absent.
func choiceIndex(choices []survey.Choice, key string) int {
	return slices.IndexFunc(choices, func(c survey.Choice) bool { return c.Key == key })
}

func writeExport(t testing.TB, rows [][]string, st exportStyle) []byte {
	t.Helper()
	var buf bytes.Buffer
	if st.csv {
		buf.WriteString("\uFEFF")
		w := csv.NewWriter(&buf)
		w.Comma = ';'
		if err := w.WriteAll(rows); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	x := excelize.NewFile()
	defer x.Close()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, s := range r {
			cells[j] = s
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, cells); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
