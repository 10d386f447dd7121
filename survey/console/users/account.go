package users

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
)

// accountBody is the signed-in user's own page.
type accountBody struct {
	row
	Tokens    []access.Token
	TokenName string
	Problem   string
	MaxName   int
}

func (s *section) account(c *gin.Context) {
	s.renderAccount(c, http.StatusOK, "", "")
}

func (s *section) renderAccount(c *gin.Context, status int, tokenName, problem string) {
	ctx := c.Request.Context()
	u := console.ViewerOf(c).User
	tokens, err := s.k.Access().Tokens(ctx, u.ID)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	catalog, err := s.k.Catalog().Surveys(ctx)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	body := accountBody{row: toRow(u, titles(catalog, console.Language(c)), u.ID), Tokens: tokens,
		TokenName: tokenName, Problem: problem, MaxName: MaxTokenNameLen}
	s.k.Render(c, status, s.pages, "account.html", s.k.NewPage(c, "users_account_title", body))
}

func (s *section) createToken(c *gin.Context) {
	ctx := c.Request.Context()
	u := console.ViewerOf(c).User
	name := strings.TrimSpace(c.PostForm("name"))
	if name == "" || utf8.RuneCountInString(name) > MaxTokenNameLen {
		s.renderAccount(c, http.StatusUnprocessableEntity, name, console.T(console.Language(c), "users_token_name_needed", MaxTokenNameLen))
		return
	}
	raw, t, err := s.k.Access().CreateToken(ctx, u, name)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	// Recorded once made, so that the entry names the token's public id; a token that cannot be
	// recorded is revoked at once and never shown.
	if err := s.k.Audit(c, audit.Entry{Action: "token.create", Target: t.ID, Detail: fmt.Sprintf("personal API token %q", t.Name)}); err != nil {
		if rerr := s.k.Access().RevokeToken(ctx, u.ID, t.ID); rerr != nil {
			err = errors.Join(err, rerr)
		}
		s.k.Fail(c, fmt.Errorf("audit token.create: %w", err))
		return
	}
	body := shownBody{Secret: raw, TokenName: t.Name, Base: s.base(c)}
	s.k.Render(c, http.StatusOK, s.pages, "shown.html", s.k.NewPage(c, "users_token_title", body))
}

func (s *section) revokeToken(c *gin.Context) {
	ctx := c.Request.Context()
	u := console.ViewerOf(c).User
	tokens, err := s.k.Access().Tokens(ctx, u.ID)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	id := c.Param("id")
	var t *access.Token
	for i := range tokens {
		if tokens[i].ID == id {
			t = &tokens[i]
		}
	}
	if t == nil { // unknown, or another user's
		s.k.NotFound(c)
		return
	}
	if !t.Revoked {
		if !s.audit(c, audit.Entry{Action: "token.revoke", Target: t.ID, Detail: fmt.Sprintf("personal API token %q", t.Name)}) {
			return
		}
		if err := s.k.Access().RevokeToken(ctx, u.ID, t.ID); err != nil {
			s.k.Fail(c, err)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, console.Base+"/account?done=users_done_token_revoked")
}

func (s *section) signOutEverywhere(c *gin.Context) {
	u := console.ViewerOf(c).User
	if !s.audit(c, audit.Entry{Action: "user.sessions_revoke", Target: u.Email, Detail: "signed out everywhere"}) {
		return
	}
	if err := s.k.Access().RevokeSessions(c.Request.Context(), u.ID); err != nil {
		s.k.Fail(c, err)
		return
	}
	signedOut(c)
}
