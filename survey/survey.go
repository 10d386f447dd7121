package survey

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Survey is a questionnaire that a network runs year after year. Each year is an Edition, and
// each edition is answered through one immutable version of the survey's Form.
type Survey struct {
	ID          string `json:"id"` // stable slug, e.g. "partners-meeting"
	Title       Text   `json:"title"`
	Description Text   `json:"description,omitempty"`
	// DefaultLanguage is the language labels fall back to when a translation is missing.
	DefaultLanguage string `json:"default_language"`
	// Languages are the languages the participant may choose, the default first.
	Languages []string  `json:"languages"`
	Editions  []Edition `json:"editions"`
}

// Edition is one year's round of a survey, answered with one version of its form.
type Edition struct {
	SurveyID    string `json:"survey_id"`
	Year        int    `json:"year"`
	Place       string `json:"place,omitempty"` // where that year's meeting was held
	FormVersion int    `json:"form_version"`
	// Opens and Closes bound the period in which responses are accepted: from Opens
	// included to Closes excluded (a definition's last open day D is stored as Closes = the
	// start of D+1, UTC). A zero Opens means open from the start, a zero Closes means no end.
	Opens  time.Time `json:"opens,omitzero"`
	Closes time.Time `json:"closes,omitzero"`
	// Invited is how many people were invited, when known (0 = unknown); it is the base of
	// response rates.
	Invited int `json:"invited,omitempty"`
	// Access says who may answer: anyone with the edition's link (AccessOpen, the default),
	// or only a holder of a single-use invitation link (AccessInvitation).
	Access Access `json:"access,omitempty"`
}

// Access says who may answer an edition.
type Access string

const (
	// AccessOpen lets anyone with the edition's link answer, as often as they like.
	AccessOpen Access = ""
	// AccessInvitation takes one response per invitation link, each link generated for one
	// participant and spent by the response it sends.
	AccessInvitation Access = "invitation"
)

// ParseAccess reads an access mode as written in a definition: "open" (or nothing) or
// "invitation".
func ParseAccess(s string) (Access, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "open":
		return AccessOpen, nil
	case "invitation", "by invitation", "invitations":
		return AccessInvitation, nil
	}
	return "", fmt.Errorf("access %q is neither open nor invitation", s)
}

// ByInvitation reports whether e takes responses only through invitation links.
func (e Edition) ByInvitation() bool { return e.Access == AccessInvitation }

// Status tells whether an edition accepts responses at a given moment.
type Status string

const (
	StatusNotYetOpen Status = "not_yet_open"
	StatusOpen       Status = "open"
	StatusClosed     Status = "closed"
)

// StatusAt reports the edition's status at now.
func (e Edition) StatusAt(now time.Time) Status {
	switch {
	case !e.Opens.IsZero() && now.Before(e.Opens):
		return StatusNotYetOpen
	case !e.Closes.IsZero() && !now.Before(e.Closes):
		return StatusClosed
	default:
		return StatusOpen
	}
}

// Edition returns the survey's edition for year.
func (s *Survey) Edition(year int) (Edition, bool) {
	for _, e := range s.Editions {
		if e.Year == year {
			return e, true
		}
	}
	return Edition{}, false
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidSlug reports whether id may name a survey: lower-case letters, digits, '-' and '_',
// at most 64 characters, starting with a letter or digit.
func ValidSlug(id string) bool { return slugRE.MatchString(id) }

// MinYear and MaxYear bound edition years.
const (
	MinYear = 2000
	MaxYear = 2100
)

// CheckEdition reports what is wrong with e, or nil.
func CheckEdition(e Edition) error {
	switch {
	case !ValidSlug(e.SurveyID):
		return fmt.Errorf("edition: survey id %q is not a valid id", e.SurveyID)
	case e.Year < MinYear || e.Year > MaxYear:
		return fmt.Errorf("edition %d: year out of range %d–%d", e.Year, MinYear, MaxYear)
	case e.FormVersion < 1:
		return fmt.Errorf("edition %d: form version must be at least 1", e.Year)
	case !e.Opens.IsZero() && !e.Closes.IsZero() && !e.Closes.After(e.Opens):
		return fmt.Errorf("edition %d: closes (%s) is not after opens (%s)", e.Year,
			e.Closes.Format(time.DateOnly), e.Opens.Format(time.DateOnly))
	case e.Invited < 0:
		return fmt.Errorf("edition %d: invited must not be negative", e.Year)
	case e.Access != AccessOpen && e.Access != AccessInvitation:
		return fmt.Errorf("edition %d: access %q is neither open nor invitation", e.Year, e.Access)
	}
	return nil
}
