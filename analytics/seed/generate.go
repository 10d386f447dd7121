package seed

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/palabre/palabre/survey"
)

// Options say how many responses to generate.
type Options struct {
	// Seed selects the data set: the same seed gives the same responses.
	Seed uint64
	// PerEdition is the number of responses per edition when Responses is 0. When 0, it is
	// 26 (the size of the real meeting) but never more than an edition invited (when it
	// says how many), so no response rate passes 100 %.
	PerEdition int
	// Responses, when set, is the total, spread over the editions, later ones a little
	// larger (the network grows). It, and PerEdition when set, are volumes asked for on
	// purpose (tests, benchmarks), so they may pass what editions invited: see Counts.
	Responses int
	// Now bounds the dates drawn again when a constraint refuses a date before the
	// edition (an edition opening in the future); time.Now() when zero.
	Now time.Time
}

// DefaultPerEdition is the size of the real meeting.
const DefaultPerEdition = 26

// Generate makes responses to each edition, answered with the form whose version the edition
// names, and passes them to emit in order: edition by edition, in the order given. It stops
// at the first error of emit, which it returns.
func Generate(forms []*survey.Compiled, editions []survey.Edition, opts Options, emit func(*survey.Response) error) error {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	counts := Counts(editions, opts)
	for i, e := range editions {
		f := slices.IndexFunc(forms, func(cf *survey.Compiled) bool {
			return cf.Form.SurveyID == e.SurveyID && cf.Form.Version == e.FormVersion
		})
		if f < 0 {
			return fmt.Errorf("seed: no form version %d of %s for edition %d", e.FormVersion, e.SurveyID, e.Year)
		}
		g := &generator{cf: forms[f], edition: e, opts: opts}
		g.countries = g.profileCountries()
		for n := range counts[i] {
			r, err := g.response(n)
			if err != nil {
				return err
			}
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// Counts says how many responses Generate makes for each edition: PerEdition each, or by
// default 26 but at most the edition's Invited, or the share of Responses. A caller storing
// more responses than an edition invited raises Invited to it, so response rates stay true.
func Counts(editions []survey.Edition, opts Options) []int {
	n := len(editions)
	out := make([]int, n)
	if opts.Responses <= 0 {
		for i, e := range editions {
			switch {
			case opts.PerEdition > 0:
				out[i] = opts.PerEdition
			case e.Invited > 0:
				out[i] = min(DefaultPerEdition, e.Invited)
			default:
				out[i] = DefaultPerEdition
			}
		}
		return out
	}
	total, given := 0.0, 0
	for i := range n {
		total += 1 + 0.15*float64(i)
	}
	for i := range n {
		out[i] = int(math.Round(float64(opts.Responses) * (1 + 0.15*float64(i)) / total))
		given += out[i]
	}
	if n > 0 {
		out[n-1] += opts.Responses - given
	}
	return out
}

type generator struct {
	cf        *survey.Compiled
	edition   survey.Edition
	opts      Options
	countries []country
}

// profileCountries is the network's countries the form offers, or the form's own countries
// with no particular traits.
func (g *generator) profileCountries() []country {
	var out []country
	for _, code := range g.cf.Form.Profile.Countries {
		i := slices.IndexFunc(network, func(c country) bool { return c.code == code })
		if i >= 0 {
			out = append(out, network[i])
		} else {
			out = append(out, country{code: code, weight: 1, orgs: []string{"Association " + code}})
		}
	}
	return out
}

// participant is who answers, and how they feel about the meeting.
type participant struct {
	rng     *rand.Rand
	who     survey.Respondent
	mood    float64 // latent satisfaction, about N(0.3, 1)
	country country
	redraws int // values drawn again after the form refused them
}

// response generates response n of the edition. Each response has its own random stream, so
// a response does not depend on the ones before it.
func (g *generator) response(n int) (*survey.Response, error) {
	year := g.edition.Year
	// A ChaCha8 stream keyed by a hash of (seed, survey, year, n): streams of neighbouring
	// responses share nothing, two surveys never share an id, and the ids drawn from them
	// look like the random UUIDs browsers make (ClickHouse 18.16 hashes UUIDs with
	// structure very slowly).
	key := make([]byte, 24, 24+len(g.edition.SurveyID))
	binary.LittleEndian.PutUint64(key[0:], g.opts.Seed)
	binary.LittleEndian.PutUint64(key[8:], uint64(year))
	binary.LittleEndian.PutUint64(key[16:], uint64(n))
	key = append(key, g.edition.SurveyID...)
	rng := rand.New(rand.NewChaCha8(sha256.Sum256(key)))
	p := g.participant(rng)
	submitted := g.submittedAt(rng)
	var id survey.ResponseID
	for i := range 2 {
		v := rng.Uint64()
		for j := range 8 {
			id[i*8+j] = byte(v >> (8 * j))
		}
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	values := g.values(p, submitted)
	sub := survey.Submission{ID: id.String(), Respondent: p.who, Values: values}
	for attempt := 0; ; attempt++ {
		r, err := g.cf.Validate(sub, year)
		if err == nil {
			r.SubmittedAt = submitted
			r.ReceivedAt = submitted.Add(time.Duration(1+rng.IntN(90)) * time.Second)
			r.Channel = survey.ChannelSeed
			return r, nil
		}
		var e *survey.Error
		if !errors.As(err, &e) || e.Code != survey.CodeInvalid || attempt == 10 {
			return nil, fmt.Errorf("seed: response %d to %s %d is not valid: %w", n, g.edition.SurveyID, year, err)
		}
		// A constraint the generator cannot know refused a value: draw it again, or leave
		// an optional question unanswered after a few tries.
		for _, f := range e.Fields {
			g.redraw(p, f.Field, submitted, values, attempt)
		}
	}
}

func (g *generator) participant(rng *rand.Rand) *participant {
	f := g.cf.Form
	total := 0
	for _, c := range g.countries {
		total += c.weight
	}
	pick := rng.IntN(total)
	var c country
	for _, c = range g.countries {
		if pick -= c.weight; pick < 0 {
			break
		}
	}
	p := &participant{rng: rng, country: c}
	p.who.Country = c.code
	if len(f.Profile.Organisations) > 0 {
		p.who.Organisation = f.Profile.Organisations[rng.IntN(len(f.Profile.Organisations))].Key
	} else {
		p.who.Organisation = c.orgs[rng.IntN(len(c.orgs))]
	}
	p.who.Role = weightedRole(rng, f.Profile.Roles)
	p.who.Language = g.language(rng, c.code)
	orgEffect := 0.15 * (float64(hash(p.who.Organisation)%7)/3 - 1)
	years := float64(g.edition.Year - 2023)
	p.mood = 0.3 + c.effect + orgEffect + (networkTrend+c.trend)*years + rng.NormFloat64()
	return p
}

func weightedRole(rng *rand.Rand, roles []survey.Choice) string {
	total := 0
	for _, r := range roles {
		total += roleWeight(r.Key)
	}
	pick := rng.IntN(total)
	for _, r := range roles {
		if pick -= roleWeight(r.Key); pick < 0 {
			return r.Key
		}
	}
	return roles[len(roles)-1].Key
}

func roleWeight(key string) int {
	if w, ok := roleWeights[key]; ok {
		return w
	}
	return 1
}

// language: Spanish for Peru, a little English elsewhere, French otherwise, among what the
// form offers.
func (g *generator) language(rng *rand.Rand, countryCode string) string {
	f := g.cf.Form
	offers := func(l string) bool { return slices.Contains(f.Languages, l) }
	switch {
	case countryCode == "PE" && offers(survey.Spanish):
		return survey.Spanish
	case rng.IntN(100) < 8 && offers(survey.English):
		return survey.English
	case offers(survey.French):
		return survey.French
	}
	return f.DefaultLanguage
}

// start is when the edition opens: its Opens, or the meeting, early in November.
func (g *generator) start() time.Time {
	if !g.edition.Opens.IsZero() {
		return g.edition.Opens.UTC()
	}
	return time.Date(g.edition.Year, 11, 2, 9, 0, 0, 0, time.UTC)
}

// submittedAt is within the edition's opening, or in the fortnight after the meeting.
func (g *generator) submittedAt(rng *rand.Rand) time.Time {
	from := g.start()
	to := from.Add(14 * 24 * time.Hour)
	if !g.edition.Closes.IsZero() {
		to = g.edition.Closes
	}
	if !to.After(from) {
		return from.Truncate(time.Second)
	}
	return from.Add(time.Duration(rng.Int64N(int64(to.Sub(from))))).Truncate(time.Second).UTC()
}

// hash is FNV-1a, for traits that must not depend on the random stream.
func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
