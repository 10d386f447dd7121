package surveys

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/invite"
)

// maxPlace is the longest place name taken, in characters, and maxInvited the largest
// number invited.
const (
	maxPlace   = 200
	maxInvited = 1_000_000
)

// editionForm is an edition as its form shows it: dates are days, YYYY-MM-DD in UTC, and
// Closes is the last open day, as in definition files.
type editionForm struct {
	Year, FormVersion, Place, Opens, Closes, Invited string
	Access                                           string // "" (open) or "invitation"
	Versions                                         []int
	Lang                                             string
}

// T returns a console text in the form's language.
func (f editionForm) T(key string, args ...any) string { return console.T(f.Lang, key, args...) }

// newEditionForm proposes the next edition: this year (or the one after the last edition),
// with the latest form version.
func newEditionForm(sv survey.Survey, versions []int, now time.Time) editionForm {
	year := now.UTC().Year()
	for _, e := range sv.Editions {
		if e.Year >= year {
			year = e.Year + 1
		}
	}
	f := editionForm{Year: strconv.Itoa(year), Invited: "0", Versions: versions}
	if len(versions) > 0 {
		f.FormVersion = strconv.Itoa(versions[len(versions)-1])
	}
	return f
}

// formOf shows e in its form.
func formOf(e survey.Edition, versions []int) editionForm {
	return editionForm{Year: strconv.Itoa(e.Year), FormVersion: strconv.Itoa(e.FormVersion), Place: e.Place,
		Opens: dayOf(e.Opens), Closes: lastDay(e.Closes), Invited: strconv.Itoa(e.Invited), Access: string(e.Access),
		Versions: versions}
}

// readForm reads a posted edition form.
func readForm(c *gin.Context, versions []int) editionForm {
	return editionForm{Year: strings.TrimSpace(c.PostForm("year")), FormVersion: strings.TrimSpace(c.PostForm("form_version")),
		Place: strings.TrimSpace(c.PostForm("place")), Opens: strings.TrimSpace(c.PostForm("opens")),
		Closes: strings.TrimSpace(c.PostForm("closes")), Invited: strings.TrimSpace(c.PostForm("invited")),
		Access: strings.TrimSpace(c.PostForm("access")), Versions: versions}
}

// edition reads the form into an edition of surveyID, starting from old: a date left as
// old shows it keeps old's exact moment (an edition opened or closed "now" is not moved to
// midnight). It returns what is wrong, in lang.
func (f editionForm) edition(surveyID string, old survey.Edition, lang string) (survey.Edition, []string) {
	var problems []string
	bad := func(key string, args ...any) { problems = append(problems, console.T(lang, key, args...)) }
	e := survey.Edition{SurveyID: surveyID, Year: old.Year}
	if old.Year == 0 {
		y, err := strconv.Atoi(f.Year)
		if err != nil || y < survey.MinYear || y > survey.MaxYear {
			bad("surveys_err_year", survey.MinYear, survey.MaxYear)
		}
		e.Year = y
	}
	v, err := strconv.Atoi(f.FormVersion)
	if err != nil || !slices.Contains(f.Versions, v) {
		bad("surveys_err_version", f.FormVersion)
	}
	e.FormVersion = v
	if e.Access, err = survey.ParseAccess(f.Access); err != nil {
		bad("surveys_err_access")
	}
	e.Place = f.Place
	if utf8.RuneCountInString(e.Place) > maxPlace {
		bad("surveys_err_place", maxPlace)
	}
	if f.Invited == "" {
		f.Invited = "0"
	}
	if e.Invited, err = strconv.Atoi(f.Invited); err != nil || e.Invited < 0 || e.Invited > maxInvited {
		bad("surveys_err_invited", maxInvited)
	}
	opens, okOpens := day(f.Opens)
	if !okOpens {
		bad("surveys_err_date", console.T(lang, "surveys_opens"), f.Opens)
	}
	last, okLast := day(f.Closes)
	if !okLast {
		bad("surveys_err_date", console.T(lang, "surveys_closes"), f.Closes)
	}
	if okOpens && okLast && !opens.IsZero() && !last.IsZero() && last.Before(opens) {
		bad("surveys_err_order", f.Closes, f.Opens)
	}
	e.Opens = opens
	if f.Opens == dayOf(old.Opens) {
		e.Opens = old.Opens
	}
	if !last.IsZero() {
		e.Closes = last.AddDate(0, 0, 1) // the last open day ends at midnight
	}
	if f.Closes == lastDay(old.Closes) {
		e.Closes = old.Closes
	}
	if len(problems) == 0 && survey.CheckEdition(e) != nil {
		bad("surveys_err_invalid")
	}
	return e, problems
}

func accessName(a survey.Access) string {
	if a == survey.AccessOpen {
		return "open"
	}
	return string(a)
}

// day parses a YYYY-MM-DD day as midnight UTC; empty is the zero time.
func day(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// moment writes a time of an edition as a day when it is midnight, else to the minute; "—"
// for none.
func moment(t time.Time) string {
	switch {
	case t.IsZero():
		return "—"
	case midnight(t):
		return dayOf(t)
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// changes says what differs from old to e, "field: old → new; …"; empty when nothing does.
func changes(old, e survey.Edition) string {
	var out []string
	add := func(name, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %s → %s", name, a, b))
		}
	}
	add("form version", strconv.Itoa(old.FormVersion), strconv.Itoa(e.FormVersion))
	add("place", quote(old.Place), quote(e.Place))
	add("opens", moment(old.Opens), moment(e.Opens))
	add("closes", moment(old.Closes), moment(e.Closes))
	add("invited", strconv.Itoa(old.Invited), strconv.Itoa(e.Invited))
	add("access", accessName(old.Access), accessName(e.Access))
	return strings.Join(out, "; ")
}

func quote(s string) string {
	if s == "" {
		return "—"
	}
	return strconv.Quote(s)
}

// describe is an edition as the audit log tells it when created.
func describe(e survey.Edition) string {
	return fmt.Sprintf("form version %d; place %s; opens %s; closes %s; invited %d",
		e.FormVersion, quote(e.Place), moment(e.Opens), moment(e.Closes), e.Invited)
}

// createEdition creates an edition from the survey page's form.
func (s *section) createEdition(c *gin.Context) {
	sv, ok := s.find(c)
	if !ok {
		return
	}
	versions, err := formVersions(c, s.k.Catalog(), sv)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	lang := console.Language(c)
	form := readForm(c, versions)
	e, problems := form.edition(sv.ID, survey.Edition{}, lang)
	if _, exists := sv.Edition(e.Year); exists && len(problems) == 0 {
		problems = append(problems, console.T(lang, "surveys_err_exists", e.Year))
	}
	if len(problems) > 0 {
		s.renderDetail(c, http.StatusUnprocessableEntity, sv, versions, form, problems)
		return
	}
	if !s.change(c, e, audit.Entry{Action: "edition.create", Detail: describe(e)}) {
		return
	}
	c.Redirect(http.StatusSeeOther, editionPath(sv.ID, e.Year)+"?done=surveys_created")
}

// change records entry for e, then saves e; false when it answered with a failure.
func (s *section) change(c *gin.Context, e survey.Edition, entry audit.Entry) bool {
	entry.Survey, entry.Target = e.SurveyID, strconv.Itoa(e.Year)
	if err := s.k.Audit(c, entry); err != nil {
		s.k.Fail(c, fmt.Errorf("audit %s: %w", entry.Action, err))
		return false
	}
	if err := s.k.Catalog().SaveEdition(c, e); err != nil {
		s.k.Fail(c, err)
		return false
	}
	return true
}

// findEdition returns the request's survey and edition; false when it answered.
func (s *section) findEdition(c *gin.Context) (survey.Survey, survey.Edition, bool) {
	sv, ok := s.find(c)
	if !ok {
		return sv, survey.Edition{}, false
	}
	year, err := strconv.Atoi(c.Param("year"))
	e, found := sv.Edition(year)
	if err != nil || !found {
		s.k.NotFound(c)
		return sv, e, false
	}
	return sv, e, true
}

type editionBody struct {
	Survey   survey.Survey
	Title    string
	Edition  editionRow
	State    string // status sentence
	Form     editionForm
	Problems []string
	CanOpen  bool
	CanClose bool
	Back     string
	Action   string
	Preview  string
	// Invitations are the counts of an edition by invitation's links (nil otherwise, or
	// when palabre serves no invitations).
	Invitations *invite.Counts
	// InvitationsDown says the counts could not be read.
	InvitationsDown bool
	MaxBatch        int
}

func (s *section) editionPage(c *gin.Context) {
	sv, e, ok := s.findEdition(c)
	if !ok {
		return
	}
	versions, err := formVersions(c, s.k.Catalog(), sv)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	s.renderEdition(c, http.StatusOK, sv, e, formOf(e, versions), nil)
}

func (s *section) renderEdition(c *gin.Context, status int, sv survey.Survey, e survey.Edition, form editionForm, problems []string) {
	now := s.k.Now()
	lang := console.Language(c)
	title := sv.Title.In(lang, sv.DefaultLanguage)
	form.Lang = lang
	body := editionBody{Survey: sv, Title: title, Edition: s.editionRow(e, now), Form: form, Problems: problems,
		Back: surveyPath(sv.ID), Action: editionPath(sv.ID, e.Year),
		Preview: surveyPath(sv.ID) + "/preview?version=" + strconv.Itoa(e.FormVersion)}
	var state []string
	switch e.StatusAt(now) {
	case survey.StatusOpen:
		body.CanClose = true
		if !e.Opens.IsZero() {
			state = append(state, console.T(lang, "surveys_open_since", when(e.Opens, lang)))
		}
		if !e.Closes.IsZero() {
			state = append(state, ending(e.Closes, lang))
		}
	case survey.StatusNotYetOpen:
		body.CanOpen = true
		state = append(state, console.T(lang, "surveys_opens_on", when(e.Opens, lang)))
		if !e.Closes.IsZero() {
			state = append(state, ending(e.Closes, lang))
		}
	case survey.StatusClosed:
		body.CanOpen = true
		if midnight(e.Closes) {
			state = append(state, console.T(lang, "surveys_last_day", when(e.Closes.AddDate(0, 0, -1), lang)))
		} else {
			state = append(state, console.T(lang, "surveys_closed_on", when(e.Closes, lang)))
		}
	}
	body.State = strings.Join(state, " ")
	if e.ByInvitation() && s.invites != nil {
		body.MaxBatch = invite.MaxBatch
		if n, err := s.invites.Counts(c, sv.ID, e.Year); err != nil {
			_ = c.Error(err)
			body.InvitationsDown = true
		} else {
			body.Invitations = &n
		}
	}
	p := s.k.NewPage(c, "surveys_editions", body)
	p.Title = console.T(lang, "surveys_edition_title", e.Year) + " · " + title
	s.k.Render(c, status, s.pages, "edition.html", p)
}

// saveEdition changes an edition's dates, place, invited and form version.
func (s *section) saveEdition(c *gin.Context) {
	sv, old, ok := s.findEdition(c)
	if !ok {
		return
	}
	versions, err := formVersions(c, s.k.Catalog(), sv)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	form := readForm(c, versions)
	e, problems := form.edition(sv.ID, old, console.Language(c))
	if len(problems) > 0 {
		s.renderEdition(c, http.StatusUnprocessableEntity, sv, old, form, problems)
		return
	}
	what := changes(old, e)
	if what == "" {
		c.Redirect(http.StatusSeeOther, editionPath(sv.ID, e.Year)+"?done=surveys_unchanged")
		return
	}
	if !s.change(c, e, audit.Entry{Action: "edition.save", Detail: what}) {
		return
	}
	c.Redirect(http.StatusSeeOther, editionPath(sv.ID, e.Year)+"?done=surveys_saved")
}

// openEdition opens an edition now: an opening date still to come becomes now (one past is
// kept), and a last day already past is cleared.
func (s *section) openEdition(c *gin.Context) {
	sv, old, ok := s.findEdition(c)
	if !ok {
		return
	}
	now := s.k.Now().UTC().Truncate(time.Second)
	if old.StatusAt(now) == survey.StatusOpen {
		c.Redirect(http.StatusSeeOther, editionPath(sv.ID, old.Year)+"?done=surveys_already_open")
		return
	}
	e := old
	if e.Opens.IsZero() || e.Opens.After(now) {
		e.Opens = now
	}
	if !e.Closes.IsZero() && !e.Closes.After(now) {
		e.Closes = time.Time{}
	}
	if !s.change(c, e, audit.Entry{Action: "edition.open", Detail: changes(old, e)}) {
		return
	}
	c.Redirect(http.StatusSeeOther, editionPath(sv.ID, e.Year)+"?done=surveys_opened")
}

// closeEdition closes an open edition now.
func (s *section) closeEdition(c *gin.Context) {
	sv, old, ok := s.findEdition(c)
	if !ok {
		return
	}
	now := s.k.Now().UTC().Truncate(time.Second)
	if old.StatusAt(now) != survey.StatusOpen {
		c.Redirect(http.StatusSeeOther, editionPath(sv.ID, old.Year)+"?done=surveys_not_open")
		return
	}
	e := old
	e.Closes = now
	if !e.Opens.IsZero() && !e.Opens.Before(now) {
		// Opened this very second: times are kept to the second, and an edition closes after
		// it opens.
		e.Opens = now.Add(-time.Second)
	}
	if !s.change(c, e, audit.Entry{Action: "edition.close", Detail: changes(old, e)}) {
		return
	}
	c.Redirect(http.StatusSeeOther, editionPath(sv.ID, e.Year)+"?done=surveys_closed")
}

// formatDate writes a day as the console does ("1 octobre 2026", "October 1, 2026").
var formatDate = console.Funcs["date"].(func(time.Time, string) string)

func midnight(t time.Time) bool { return t.Equal(t.Truncate(24 * time.Hour)) }

// when writes a moment of an edition for people: its day, and its time when not midnight.
func when(t time.Time, lang string) string {
	if midnight(t) {
		return formatDate(t, lang)
	}
	return formatDate(t, lang) + ", " + t.UTC().Format("15:04") + " UTC"
}

// ending says when an edition closes: its last day, or the moment it closes.
func ending(closes time.Time, lang string) string {
	if midnight(closes) {
		return console.T(lang, "surveys_last_day", when(closes.AddDate(0, 0, -1), lang))
	}
	return console.T(lang, "surveys_closes_on", when(closes, lang))
}
