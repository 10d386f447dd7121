package analytics

import (
	"math"
	"slices"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
)

// Reason says why answers from two editions are not compared.
type Reason string

const (
	NotAsked       Reason = "not_asked"       // the question (or matrix row) is not in one edition's form
	Reworded       Reason = "reworded"        // Question.ChangedIn falls between the two editions
	TypeChanged    Reason = "type_changed"    // the question's type differs
	ScaleChanged   Reason = "scale_changed"   // the points of a Likert or matrix scale, or a rating's bounds, differ
	ChoicesChanged Reason = "choices_changed" // the choices, or how many may be selected, differ
	// CalculationChanged: a calculate question's calculation differs (written alike aside).
	CalculationChanged Reason = "calculation_changed"
)

// Comparable reports whether the answers to question a in edition from and to question b
// (the same key) in edition to can be compared; when not, it says why. A nil question was
// not asked. Matrix rows are compared one by one: see ItemComparable.
func Comparable(a *survey.Question, from int, b *survey.Question, to int) (Reason, bool) {
	if a == nil || b == nil {
		return NotAsked, false
	}
	lo, hi := min(from, to), max(from, to)
	for _, q := range []*survey.Question{a, b} {
		if q.ChangedIn > lo && q.ChangedIn <= hi {
			return Reworded, false
		}
	}
	if a.Type != b.Type {
		return TypeChanged, false
	}
	switch a.Type {
	case survey.Likert, survey.Matrix:
		if !slices.Equal(choiceKeys(a.Choices), choiceKeys(b.Choices)) {
			return ScaleChanged, false
		}
	case survey.Rating:
		alo, _, ahi, _ := a.Bounds()
		blo, _, bhi, _ := b.Bounds()
		if alo != blo || ahi != bhi {
			return ScaleChanged, false
		}
	case survey.Calculate:
		if canonical(a.Calculation) != canonical(b.Calculation) {
			return CalculationChanged, false
		}
	case survey.SingleChoice, survey.MultipleChoice:
		ka, kb := choiceKeys(a.Choices), choiceKeys(b.Choices)
		slices.Sort(ka)
		slices.Sort(kb)
		if !slices.Equal(ka, kb) || a.MinSelected != b.MinSelected || a.MaxSelected != b.MaxSelected {
			return ChoicesChanged, false
		}
	}
	return "", true
}

// ItemComparable reports whether a matrix row is asked in both versions of a comparable
// matrix.
func ItemComparable(a, b *survey.Question, item string) bool {
	_, inA := a.Item(item)
	_, inB := b.Item(item)
	return inA && inB
}

func choiceKeys(cs []survey.Choice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Key
	}
	return out
}

// changes compares each edition in scope with the previous one, cell by cell, for the
// statistics the question's type has. Cells are full (not yet redacted); suppressed tells
// which are withheld.
func (p *plan) changes(cells []Cell, suppressed map[cellKey]Suppression) ([]Change, []NotCompared) {
	byKey := map[cellKey]*Cell{}
	var groups []cellKey // cells without their edition, in order of first appearance
	seen := map[cellKey]bool{}
	for i := range cells {
		c := &cells[i]
		byKey[keyOf(c.Group, c.Item)] = c
		k := keyOf(c.Group.With(Edition, ""), c.Item)
		if !seen[k] {
			seen[k] = true
			groups = append(groups, k)
		}
	}
	var out []Change
	var not []NotCompared
	for i := 1; i < len(p.editions); i++ {
		from, to := p.editions[i-1].Year, p.editions[i].Year
		qa, qb := p.questions[from], p.questions[to]
		if qa == nil && qb == nil {
			continue // asked in neither: nothing to say
		}
		if reason, ok := Comparable(qa, from, qb, to); !ok {
			not = append(not, p.notCompared(from, to, "", reason, qa, qb))
			continue
		}
		if qb.Type == survey.Matrix {
			for _, it := range qb.Items {
				if !ItemComparable(qa, qb, it.Key) {
					not = append(not, p.notCompared(from, to, it.Key, NotAsked, qa, qb))
				}
			}
		}
		for _, g := range groups {
			a, b := byKey[cellKey{g.group.With(Edition, itoa(from)), g.item}], byKey[cellKey{g.group.With(Edition, itoa(to)), g.item}]
			if a == nil || b == nil || (qb.Type == survey.Matrix && !ItemComparable(qa, qb, g.item)) {
				continue
			}
			hidden := suppressed[keyOf(a.Group, a.Item)]
			if hidden == "" {
				hidden = suppressed[keyOf(b.Group, b.Item)]
			}
			for _, ch := range cellChanges(qb, a, b) {
				ch.Group, ch.Item = g.group, g.item
				ch.From.Edition, ch.To.Edition = from, to
				if hidden != "" {
					ch = Change{Group: ch.Group, Item: ch.Item, Measure: ch.Measure, Choice: ch.Choice,
						From: ChangePoint{Edition: from}, To: ChangePoint{Edition: to}, Suppressed: hidden}
				}
				out = append(out, ch)
			}
		}
	}
	return out, not
}

func (p *plan) notCompared(from, to int, item string, reason Reason, qa, qb *survey.Question) NotCompared {
	year := to // the edition from which the question differs
	if reason == NotAsked && (qa == nil || item != "") {
		year = from // the question, or the matrix row (only rows new in to are listed), is not in from
	}
	if reason == Reworded && qb.ChangedIn != 0 {
		year = qb.ChangedIn
	}
	return NotCompared{From: from, To: to, Item: item, Reason: reason,
		Message: reasonMessages[reason].Text(year).In(p.lang, survey.DefaultLanguage)}
}

// cellChanges computes the changes from cell a to cell b of question q.
func cellChanges(q *survey.Question, a, b *Cell) []Change {
	var out []Change
	share := func(m Measure, choice string, ka, na, kb, nb int) {
		out = append(out, newChange(m, choice, na, ratio(ka, na), nb, ratio(kb, nb), Newcombe(ka, na, kb, nb)))
	}
	if a.Choices != nil && b.Choices != nil {
		for _, cb := range b.Choices {
			ka := 0
			for _, ca := range a.Choices {
				if ca.Key == cb.Key {
					ka = ca.Count
				}
			}
			share(MeasureShare, cb.Key, ka, a.size, cb.Count, b.size)
		}
	}
	if a.Scale != nil && b.Scale != nil {
		sa, sb := a.Scale, b.Scale
		out = append(out, newChange(MeasureMean, "", a.size, sa.Mean, b.size, sb.Mean,
			Welch(sa.Mean, sa.SD, a.size, sb.Mean, sb.SD, b.size)))
		if sa.Top2 != nil && sb.Top2 != nil {
			share(MeasureTop2, "", sa.Top2.Count, a.size, sb.Top2.Count, b.size)
		}
	}
	if a.NPS != nil && b.NPS != nil {
		ma, sda := npsMoments(a.NPS, a.size)
		mb, sdb := npsMoments(b.NPS, b.size)
		out = append(out, newChange(MeasureNPS, "", a.size, a.NPS.Score, b.size, b.NPS.Score,
			Welch(ma, sda, a.size, mb, sdb, b.size)))
	}
	return out
}

func newChange(m Measure, choice string, na int, va float64, nb int, vb float64, ci *Interval) Change {
	d := vb - va
	return Change{Measure: m, Choice: choice,
		From: ChangePoint{N: ptr(na), Value: ptr(va)}, To: ChangePoint{N: ptr(nb), Value: ptr(vb)},
		Delta: ptr(d), CI: ci, Significant: ci.Excludes(0)}
}

// npsMoments returns the mean and sample standard deviation of the scores +100, 0 and −100
// of an NPS cell of n respondents.
func npsMoments(s *NPSStat, n int) (mean, sd float64) {
	if n < 2 {
		return s.Score, 0
	}
	pp, pd := float64(s.Promoters.Count)/float64(n), float64(s.Detractors.Count)/float64(n)
	mean = 100 * (pp - pd)
	variance := 100 * 100 * (pp + pd - (pp-pd)*(pp-pd)) * float64(n) / float64(n-1)
	return mean, math.Sqrt(max(variance, 0))
}

func ratio(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

func ptr[T any](v T) *T { return &v }

// canonical is an expression in canonical form, or as written when it does not parse.
func canonical(src string) string {
	if e, err := expr.Parse(src); err == nil {
		return e.String()
	}
	return src
}
