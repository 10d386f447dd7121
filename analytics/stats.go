package analytics

import (
	"math"
	"slices"
	"strings"

	"github.com/palabre/palabre/survey"
)

// Statistics from histograms. A Store returns, per group and matrix row, how many
// respondents gave each value; answers on scales take few distinct values, so this is
// small, and every statistic below is exact, not estimated.

// cellKey identifies a cell: a group and a matrix row.
type cellKey struct {
	group Group
	item  string
}

func keyOf(g Group, item string) cellKey { return cellKey{g, item} }

// hist is a histogram of numeric answers, sorted by value.
type hist struct {
	vals   []float64
	counts []int
	n      int
}

func (h *hist) add(v float64, c int) {
	h.vals, h.counts, h.n = append(h.vals, v), append(h.counts, c), h.n+c
}

// at returns the value of 0-based rank r.
func (h *hist) at(r int) float64 {
	cum := 0
	for i, c := range h.counts {
		if cum += c; r < cum {
			return h.vals[i]
		}
	}
	return h.vals[len(h.vals)-1]
}

// quantile is the p-quantile by linear interpolation between order statistics (Hyndman and
// Fan's type 7, R's and NumPy's default): with the values sorted x[0..n-1], h = (n−1)p and
// Q(p) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
func (h *hist) quantile(p float64) float64 {
	pos := float64(h.n-1) * p
	lo := int(math.Floor(pos))
	x := h.at(lo)
	if frac := pos - float64(lo); frac > 0 {
		x += frac * (h.at(lo+1) - x)
	}
	return x
}

func (h *hist) mean() float64 {
	s := 0.0
	for i, v := range h.vals {
		s += v * float64(h.counts[i])
	}
	return s / float64(h.n)
}

// sd is the sample standard deviation (n − 1 denominator); 0 for fewer than two values.
func (h *hist) sd(mean float64) float64 {
	if h.n < 2 {
		return 0
	}
	s := 0.0
	for i, v := range h.vals {
		s += float64(h.counts[i]) * (v - mean) * (v - mean)
	}
	return math.Sqrt(s / float64(h.n-1))
}

func (h *hist) countIf(keep func(float64) bool) int {
	k := 0
	for i, v := range h.vals {
		if keep(v) {
			k += h.counts[i]
		}
	}
	return k
}

// cellsFromDistribution turns a store's histograms into cells, each computed with the
// question as its edition's form asks it.
func (p *plan) cellsFromDistribution(d *Distribution) []Cell {
	// Bins arrive sorted by group, item and value, so a cell's bins are adjacent: each cell
	// keeps its runs of bins (one, unless the store was asked once per kind of value).
	runs := map[cellKey][][]Bin{}
	for start := 0; start < len(d.Bins); {
		k := keyOf(d.Bins[start].Group, d.Bins[start].Item)
		end := start + 1
		for end < len(d.Bins) && d.Bins[end].Item == k.item && d.Bins[end].Group == k.group {
			end++
		}
		runs[k] = append(runs[k], d.Bins[start:end])
		start = end
	}
	cells := make([]Cell, 0, len(d.Answered))
	for _, c := range d.Answered {
		if c.N == 0 {
			continue
		}
		q := p.questionFor(c.Group.Edition)
		cell := Cell{Group: c.Group, Item: c.Item, size: c.N}
		bins := runs[keyOf(c.Group, c.Item)]
		switch valueOf(q) {
		case ValueText:
			if q.Type == survey.Date {
				cell.Dates = dateStats(textValues(bins))
			} else {
				cell.Choices = p.choiceStats(q, textCounts(bins), c.N)
			}
		case ValueChoices:
			cell.Choices = p.choiceStats(q, textCounts(bins), c.N)
		case ValueNumber:
			var h hist
			for _, run := range bins {
				for _, b := range run {
					if b.Text == "" { // a number: text values are never empty
						h.add(b.Num, b.N)
					}
				}
			}
			cell.Scale, cell.NPS = p.scaleStats(q, &h)
		}
		cells = append(cells, cell)
	}
	return cells
}

// choiceStats lists every choice of q in order, then any value stored that q does not offer
// (none unless the data predates the catalog), with its count and share of n.
func (p *plan) choiceStats(q *survey.Question, counts map[string]int, n int) []ChoiceStat {
	var out []ChoiceStat
	add := func(key, label string) {
		k := counts[key]
		out = append(out, ChoiceStat{Key: key, Label: label, Count: k, Share: ratio(k, n), CI: Wilson(k, n)})
	}
	known := map[string]bool{}
	if q.Type == survey.YesNo {
		for _, key := range []string{"yes", "no"} {
			known[key] = true
			add(key, yesNoLabels[key].In(p.lang, survey.DefaultLanguage))
		}
	}
	if q.Type == survey.Acknowledge {
		known[survey.AcknowledgeValue] = true
		add(survey.AcknowledgeValue, acknowledgeLabel.In(p.lang, survey.DefaultLanguage))
	}
	for _, c := range q.Choices {
		known[c.Key] = true
		add(c.Key, c.Label.In(p.lang, p.survey.DefaultLanguage))
	}
	var extra []string
	for key, k := range counts {
		if !known[key] && key != "" && k > 0 {
			extra = append(extra, key)
		}
	}
	slices.Sort(extra)
	for _, key := range extra {
		add(key, key)
	}
	return out
}

// scaleStats summarises a histogram of numeric answers to q.
func (p *plan) scaleStats(q *survey.Question, h *hist) (*ScaleStat, *NPSStat) {
	if h.n == 0 {
		return nil, nil
	}
	mean := h.mean()
	sd := h.sd(mean)
	s := &ScaleStat{Mean: mean, SD: sd, MeanCI: MeanInterval(mean, sd, h.n),
		Min: h.vals[0], Q1: h.quantile(0.25), Median: h.quantile(0.5), Q3: h.quantile(0.75), Max: h.vals[len(h.vals)-1]}
	count := func(v float64) int { return h.countIf(func(x float64) bool { return x == v }) }
	s.Points = p.points(q, count)
	if q.Type == survey.Likert || q.Type == survey.Matrix {
		top := float64(len(q.Choices) - 1)
		k := h.countIf(func(x float64) bool { return x >= top })
		s.Top2 = &ShareStat{Count: k, Share: ratio(k, h.n), CI: Wilson(k, h.n)}
	}
	if !hasNPS(q) {
		return s, nil
	}
	return s, npsStat(h.countIf(func(x float64) bool { return x >= 9 }),
		h.countIf(func(x float64) bool { return x >= 7 && x < 9 }),
		h.countIf(func(x float64) bool { return x < 7 }))
}

// points lists the points of a Likert or matrix scale, or the whole values of a rating of at
// most 21 points, with how many respondents gave each.
func (p *plan) points(q *survey.Question, count func(float64) int) []PointStat {
	var out []PointStat
	switch q.Type {
	case survey.Likert, survey.Matrix:
		for i, c := range q.Choices {
			out = append(out, PointStat{Value: float64(i + 1), Key: c.Key,
				Label: c.Label.In(p.lang, p.survey.DefaultLanguage), Count: count(float64(i + 1))})
		}
	case survey.Rating:
		lo, _, hi, _ := q.Bounds()
		if hi-lo <= 20 {
			for v := math.Ceil(lo); v <= hi; v++ {
				out = append(out, PointStat{Value: v, Count: count(v)})
			}
		}
	}
	return out
}

// npsStat builds an NPS from the numbers of promoters, passives and detractors.
func npsStat(promoters, passives, detractors int) *NPSStat {
	n := promoters + passives + detractors
	share := func(k int) ShareStat { return ShareStat{Count: k, Share: ratio(k, n), CI: Wilson(k, n)} }
	s := &NPSStat{Promoters: share(promoters), Passives: share(passives), Detractors: share(detractors)}
	s.Score = 100 * (s.Promoters.Share - s.Detractors.Share)
	mean, sd := npsMoments(s, n)
	s.CI = MeanInterval(mean, sd, n)
	return s
}

// dateStats summarises dates (YYYY-MM-DD, which sort as text) from their counts.
func dateStats(dates []textCount) *DateStat {
	n := 0
	for _, d := range dates {
		n += d.n
	}
	if n == 0 {
		return nil
	}
	s := &DateStat{First: dates[0].text, Last: dates[len(dates)-1].text}
	mid, cum := (n-1)/2, 0
	for _, d := range dates {
		if cum += d.n; s.Median == "" && mid < cum {
			s.Median = d.text
		}
		month := d.text[:min(7, len(d.text))]
		if len(s.Months) == 0 || s.Months[len(s.Months)-1].Month != month {
			s.Months = append(s.Months, MonthCount{Month: month})
		}
		s.Months[len(s.Months)-1].Count += d.n
	}
	return s
}

// textCount is how many respondents gave a text value.
type textCount struct {
	text string
	n    int
}

// textValues lists a cell's text values in order, each once with its count.
func textValues(runs [][]Bin) []textCount {
	var out []textCount
	for _, run := range runs {
		for _, b := range run {
			if b.Text != "" {
				out = append(out, textCount{b.Text, b.N})
			}
		}
	}
	if len(runs) == 1 && slices.IsSortedFunc(out, func(a, b textCount) int { return strings.Compare(a.text, b.text) }) {
		return out // one sorted run: already one entry per value
	}
	slices.SortStableFunc(out, func(a, b textCount) int { return strings.Compare(a.text, b.text) })
	merged := out[:0]
	for _, t := range out {
		if last := len(merged) - 1; last >= 0 && merged[last].text == t.text {
			merged[last].n += t.n
		} else {
			merged = append(merged, t)
		}
	}
	return merged
}

// textCounts counts a cell's text values.
func textCounts(runs [][]Bin) map[string]int {
	out := map[string]int{}
	for _, run := range runs {
		for _, b := range run {
			out[b.Text] += b.N
		}
	}
	return out
}

// sortCells orders cells by group, then matrix rows in the form's order.
func (p *plan) sortCells(cells []Cell) {
	rank := func(item string) int {
		return slices.IndexFunc(p.latest.Items, func(c survey.Choice) bool { return c.Key == item })
	}
	slices.SortStableFunc(cells, func(a, b Cell) int {
		if c := compareGroups(a.Group, b.Group); c != 0 {
			return c
		}
		if ra, rb := rank(a.Item), rank(b.Item); ra != rb {
			return ra - rb
		}
		if a.Item < b.Item {
			return -1
		} else if a.Item > b.Item {
			return 1
		}
		return 0
	})
}
