package invite

import (
	"net/url"
	"strconv"
	"strings"
)

// TokenParam is the query parameter of a participant's link that carries the token:
// {base}/s/{survey}/{year}?t={token}. The access log writes paths without their query, so
// tokens stay out of it.
const TokenParam = "t"

// TokenHeader carries the token of a response sent to the JSON API.
const TokenHeader = "X-Palabre-Invitation"

// Link is one invitation as handed to a participant.
type Link struct {
	N     int    // its number in the batch, from 1, to tick off the cards handed out
	URL   string // the participant's link
	Token string
}

// LinkTo is the participant's link for token to a survey's edition on the site whose public
// address is base (scheme, host and any path palabre is served under).
func LinkTo(base, surveyID string, year int, token string) string {
	return strings.TrimRight(base, "/") + "/s/" + url.PathEscape(surveyID) + "/" + strconv.Itoa(year) +
		"?" + TokenParam + "=" + url.QueryEscape(token)
}

// Links are the batch's links on the site whose public address is base.
func (b Batch) Links(base string) []Link {
	out := make([]Link, len(b.Tokens))
	for i, t := range b.Tokens {
		out[i] = Link{N: i + 1, URL: LinkTo(base, b.SurveyID, b.Year, t), Token: t}
	}
	return out
}
