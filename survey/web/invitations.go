package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/invite"

	"github.com/gin-gonic/gin"
)

func init() {
	ui["by_invitation"] = survey.Text{"fr": "Sur invitation", "en": "By invitation", "es": "Por invitación"}
	ui["invitation_used"] = survey.Text{"fr": "Lien déjà utilisé", "en": "Link already used", "es": "Enlace ya utilizado"}
}

// releaseTimeout bounds giving an invitation back after its response could not be stored.
const releaseTimeout = 10 * time.Second

// invitationError reports whether err is an invitation refused (missing, not valid, used).
func invitationError(err error) bool {
	return errors.Is(err, invite.ErrMissing) || errors.Is(err, invite.ErrInvalid) || errors.Is(err, invite.ErrUsed)
}

// checkInvitation says whether token lets its holder see the form of ed, an edition by
// invitation: nil, or the refusal to show.
func (f *Forms) checkInvitation(ctx context.Context, ed *edition, token string) error {
	if f.invites == nil {
		return errNoInvitations
	}
	return refusal(f.invites.Check(ctx, ed.SurveyID, ed.Year, token))
}

// storeDownRetry is how long a participant is told to wait when the invitations cannot be
// read (the database is away): their answers stay in the browser meanwhile.
const storeDownRetry = 30

// refusal is what a participant is told for an error of the invitations: why the link is
// refused, or, when the invitations could not be read, to try again shortly.
func refusal(err error) error {
	if err == nil || invitationError(err) {
		return invite.Refusal(err)
	}
	return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgUnavailable), RetryAfter: storeDownRetry, Err: err}
}

var errNoInvitations = errors.New("web: an edition is by invitation but palabre was given no invitations store")

// submitInvited stores r, a valid response to ed, an edition by invitation, spending token.
//
// A response already accepted under its id (sent again because its confirmation was lost)
// is answered as a duplicate whether its invitation is used or not; a new response must
// bring an unused invitation, which it claims before it is submitted. When the submission
// fails, or finds the response already stored, the claim is given back, so the participant
// can send again. The token goes no further than the invitations store: the response holds
// nothing of it.
func (f *Forms) submitInvited(ctx context.Context, ed *edition, r *survey.Response, token string) (survey.Receipt, error) {
	if f.invites == nil {
		return survey.Receipt{}, errNoInvitations
	}
	// Only the link's shape is checked before a resubmission is recognised: a response already
	// stored is a duplicate whether its link is used or not, and costs no query.
	if token == "" {
		return survey.Receipt{}, invite.Refusal(invite.ErrMissing)
	}
	if !invite.ValidToken(token) {
		return survey.Receipt{}, invite.Refusal(invite.ErrInvalid)
	}
	// Attempts with one token in this process take turns: a form sent twice at once is then
	// one response and one duplicate, not a response and a refusal.
	unlock := f.invites.Lock(token)
	defer unlock()
	if rc, known, err := f.recognizer.Recognize(ctx, r); known || err != nil {
		return rc, err
	}
	claim, err := f.invites.Claim(ctx, ed.SurveyID, ed.Year, token)
	if errors.Is(err, invite.ErrUsed) {
		// Another process may have been storing this very response.
		if rc, known, rerr := f.recognizer.Recognize(ctx, r); known || rerr != nil {
			return rc, rerr
		}
	}
	if err != nil {
		return survey.Receipt{}, refusal(err)
	}
	rc, err := f.sink.Submit(ctx, r)
	if err != nil || rc.Duplicate {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if rerr := claim.Release(rctx); rerr != nil {
			// The invitation stays spent: the participant must ask for another link.
			f.log.Error("an invitation could not be given back after its response was not stored",
				slog.String("survey", ed.SurveyID), slog.Int("year", ed.Year), slog.String("error", rerr.Error()))
		}
	}
	if err != nil {
		return rc, fmt.Errorf("submit response %s: %w", r.ID, err)
	}
	return rc, nil
}

// invitationPage says why the form of an edition by invitation is not shown or not taken,
// with the status of the refusal: 403 for a missing or unknown link, 410 for a used one.
func (f *Forms) invitationPage(c *gin.Context, ed *edition, lang string, err error) {
	e := survey.AsError(err)
	if !invitationError(err) {
		f.errorPage(c, err, lang)
		return
	}
	heading := "by_invitation"
	if errors.Is(err, invite.ErrUsed) {
		heading = "invitation_used"
	}
	form := ed.form.cf.Form
	v := &messageView{page: f.newPage(c, lang, form.Title.In(lang, form.DefaultLanguage), form.Languages),
		Heading: tr(lang, heading), Paragraphs: []string{e.Message.In(lang)},
		Links: []link{{f.base + "/?lang=" + url.QueryEscape(lang), tr(lang, "all_surveys")}}}
	_ = c.Error(err)
	f.render(c, Status(e.Code), "message", v)
}

// withToken adds an invitation's token to a path of the edition's pages.
func withToken(path, token string) string {
	if token == "" {
		return path
	}
	return path + "?" + invite.TokenParam + "=" + url.QueryEscape(token)
}

// formAction is where the form of ed posts: its page, with the invitation's token for an
// edition by invitation. The token rides in the address, not in a field, so the script's
// draft (kept per edition) never stores it, and a page sent back with errors, its language
// links and a post retried after a lost connection all keep it.
func (f *Forms) formAction(ed *edition, token string) string {
	path := f.editionPath(ed.SurveyID, ed.Year)
	if !ed.ByInvitation() {
		return path
	}
	return withToken(path, token)
}
