package analytics

import "time"

// Arrival is one response as a live page lists it: when it arrived and from which country
// and organisation, never its answers nor anything else about its respondent.
type Arrival struct {
	At           time.Time // when palabre first received it (survey.Response.SubmittedAt), UTC
	Country      string
	Organisation string
}
