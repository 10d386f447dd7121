package seed

import (
	"fmt"
	"github.com/palabre/palabre/survey/expr"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/palabre/palabre/survey"
)

// values draws an answer to every question that takes one, shown or not: Validate keeps
// those that skip logic shows and drops the others. Optional questions are sometimes left
// unanswered, free text most often.
func (g *generator) values(p *participant, submitted time.Time) map[string][]string {
	out := map[string][]string{}
	for _, q := range g.cf.Form.Questions() {
		if !q.TakesAnswer() {
			continue
		}
		skip := 8
		if q.Type == survey.ShortText || q.Type == survey.LongText {
			skip = 45
		}
		if !q.Required && p.rng.IntN(100) < skip {
			continue
		}
		g.answer(p, q, submitted, out)
	}
	return out
}

// redraw replaces a refused value: drawn again, or removed when optional and refused often.
func (g *generator) redraw(p *participant, field string, submitted time.Time, values map[string][]string, attempt int) {
	key, _, _ := strings.Cut(field, ".")
	q, _, ok := g.cf.Form.Question(key)
	if !ok {
		delete(values, field)
		return
	}
	if !q.Required && attempt >= 3 {
		delete(values, field)
		return
	}
	p.redraws++
	g.answer(p, q, submitted, values)
}

func (g *generator) answer(p *participant, q *survey.Question, submitted time.Time, out map[string][]string) {
	rng := p.rng
	switch q.Type {
	case survey.YesNo:
		v := "no"
		if rng.Float64() < sigmoid(1.2+0.8*p.mood) {
			v = "yes"
		}
		out[q.Key] = []string{v}
	case survey.SingleChoice:
		out[q.Key] = []string{q.Choices[p.weighted(q, q.Choices, nil)].Key}
	case survey.MultipleChoice:
		out[q.Key] = p.several(q)
	case survey.Likert:
		out[q.Key] = []string{q.Choices[p.point(len(q.Choices), effect(q.Key))-1].Key}
	case survey.Matrix:
		for _, it := range q.Items {
			if !q.Required && rng.IntN(100) < 4 {
				continue
			}
			out[q.Key+"."+it.Key] = []string{q.Choices[p.point(len(q.Choices), effect(q.Key+"."+it.Key))-1].Key}
		}
	case survey.Rating:
		lo, _, hi, _ := q.Bounds()
		x := sigmoid(1.1 + 0.9*p.mood + 0.6*rng.NormFloat64())
		out[q.Key] = []string{strconv.Itoa(int(math.Round(lo + (hi-lo)*x)))}
	case survey.Number:
		out[q.Key] = []string{p.number(q)}
	case survey.ShortText:
		out[q.Key] = []string{clip(p.pick(words), q.TextLimit())}
	case survey.LongText:
		out[q.Key] = []string{clip(p.pick(comments), q.TextLimit())}
	case survey.Acknowledge:
		out[q.Key] = []string{survey.AcknowledgeValue}
	case survey.Time:
		out[q.Key] = []string{fmt.Sprintf("%02d:%02d", 8+rng.IntN(10), 5*rng.IntN(12))}
	case survey.DateTime:
		day := g.start().Add(-time.Duration(1+rng.IntN(330)) * 24 * time.Hour)
		out[q.Key] = []string{day.Format(time.DateOnly) + fmt.Sprintf("T%02d:%02d", 8+rng.IntN(10), 5*rng.IntN(12))}
	case survey.Geopoint:
		out[q.Key] = []string{fmt.Sprintf("%.5f %.5f 0 %d", -30+60*rng.Float64(), -90+120*rng.Float64(), 5+rng.IntN(30))}
	case survey.Date:
		// In the year before the edition opens, so that the same seed gives the same dates
		// whatever the day; only if a constraint refuses such a date (an edition opening in
		// the future, a date that must be in the past) is it drawn again before Now.
		latest := g.start()
		if p.redraws > 0 && g.opts.Now.Before(latest) {
			latest = g.opts.Now
		}
		days := 1 + rng.IntN(330)
		out[q.Key] = []string{latest.Add(-time.Duration(days) * 24 * time.Hour).Format(time.DateOnly)}
	}
}

// point is a point of a k-point scale, higher for happier participants.
func (p *participant) point(k int, effect float64) int {
	x := sigmoid(0.9 + 0.8*p.mood + effect + 0.5*p.rng.NormFloat64())
	return min(k, max(1, 1+int(x*float64(k))))
}

// weighted picks one of choices; each country has its own leanings, and "other" is rare.
func (p *participant) weighted(q *survey.Question, choices []survey.Choice, taken map[int]bool) int {
	weights := make([]float64, len(choices))
	total := 0.0
	for i, c := range choices {
		if taken[i] {
			continue
		}
		w := 1 + float64(hash(q.Key+"/"+p.who.Country+"/"+c.Key)%5)
		if c.Key == "other" {
			w = 0.4
		}
		weights[i] = w
		total += w
	}
	x := p.rng.Float64() * total
	for i, w := range weights {
		if x -= w; x < 0 && w > 0 {
			return i
		}
	}
	for i := len(choices) - 1; i > 0; i-- {
		if !taken[i] {
			return i
		}
	}
	return 0
}

// several picks between the question's minimum (at least one) and maximum choices (at most
// three when it sets none).
func (p *participant) several(q *survey.Question) []string {
	lo, hi := max(1, q.MinSelected), q.MaxSelected
	if hi == 0 {
		hi = min(3, len(q.Choices))
	}
	hi = max(lo, min(hi, len(q.Choices)))
	k := lo + p.rng.IntN(hi-lo+1)
	taken := map[int]bool{}
	var out []string
	for range k {
		i := p.weighted(q, q.Choices, taken)
		taken[i] = true
		out = append(out, q.Choices[i].Key)
	}
	return out
}

// number is about log-normal around 40 (families supported, say), within the bounds.
func (p *participant) number(q *survey.Question) string {
	lo, hasLo, hi, hasHi := q.Bounds()
	v := math.Exp(math.Log(40) + 0.3*p.mood + 0.8*p.rng.NormFloat64())
	if hasHi && v > hi {
		v = hi
	}
	if hasLo && v < lo {
		v = lo
	}
	if q.Integer {
		v = math.Round(v)
		if hasHi && v > hi {
			v = math.Floor(hi)
		}
		if hasLo && v < lo {
			v = math.Ceil(lo)
		}
	} else {
		v = math.Round(v*10) / 10
	}
	if q.Step != nil && *q.Step > 0 {
		// On the steps of a range, within its bounds.
		base, step := q.StepBase(), *q.Step
		k := math.Round((v - base) / step)
		if hasHi && base+k*step > hi {
			k = math.Floor((hi - base) / step)
		}
		if k < 0 && hasLo {
			k = 0
		}
		v = base + k*step
		return expr.FormatNumber(math.Round(v*1e9) / 1e9)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// pick chooses a text in the participant's language, warmer for happier participants.
func (p *participant) pick(bank map[string][]string) string {
	list := bank[p.who.Language]
	if len(list) == 0 {
		list = bank[survey.French]
	}
	x := sigmoid(0.6*p.mood + 0.7*p.rng.NormFloat64())
	return list[min(len(list)-1, int(x*float64(len(list))))]
}

// effect is a question's (or matrix row's) own leaning, from its key.
func effect(key string) float64 { return 0.15 * (float64(hash(key)%5) - 2) }

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func clip(s string, limit int) string {
	r := []rune(s)
	if len(r) > limit {
		return strings.TrimSpace(string(r[:limit]))
	}
	return s
}
