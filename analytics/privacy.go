package analytics

import (
	"slices"
	"time"
)

// Privacy for funders. The network is small: a cell of three psychologists from one country
// points at people. In everything meant for funders:
//
//   - a cell with fewer respondents than the threshold is suppressed (SmallCell): its size
//     and statistics are withheld, and the cell says so;
//   - along every dimension of the breakdown, a line (the cells that differ only by that
//     dimension) must hide either no cell or at least two that together hold at least the
//     threshold; otherwise a reader could subtract the shown cells from the line's total
//     (published by a coarser request) and recover a hidden one. The smallest shown cells of
//     the line are withheld too (Complementary) until it does;
//   - a change between two editions is withheld when either of its cells is;
//   - a comment never shows its author's organisation, role or language, shows the edition
//     only when that edition's cell reaches the threshold and the country only when that
//     country's cell in that edition does (and is shown); when fewer respondents than the
//     threshold answered at all, no comment is shown.
//
// Everything one publication shows is suppressed together (Pattern): a group hidden from its
// response counts is hidden from every question too, since a question everyone answers counts
// the same respondents, and its complementary cells would otherwise differ from one table to
// the next and let a reader recover a hidden cell by combining two tables.
//
// Coordinators see every figure.

// Pattern is the groups one publication hides everywhere: the cells its response counts
// suppress, by the publication's breakdown. Set on a Request, every result of the request hides
// them as well as its own small cells (and completes its lines around them).
type Pattern struct {
	by        []Dimension
	hidden    map[Group]Suppression
	sizes     map[Group]int // of the hidden groups
	threshold int
}

// patternOf is the pattern of a response-count result.
func patternOf(r *Result) *Pattern {
	p := &Pattern{by: slices.Clone(r.By), hidden: map[Group]Suppression{}, sizes: map[Group]int{}, threshold: r.Threshold}
	for _, c := range r.Responses {
		if c.Suppressed != "" {
			g := c.Group.Only(p.by)
			p.hidden[g], p.sizes[g] = c.Suppressed, c.size
		}
	}
	return p
}

// Hides says why the pattern hides a group of a table broken down by by, or "" when it does
// not. A table at least as fine as the pattern's hides what the pattern hides. A coarser
// table's cell adds up pattern groups: it hides nothing unless the groups it adds up hide
// one alone, or several holding fewer than the threshold together, which its total would
// reveal (Complementary).
func (p *Pattern) Hides(g Group, by []Dimension) Suppression {
	if p == nil || len(p.hidden) == 0 {
		return ""
	}
	if !slices.ContainsFunc(p.by, func(d Dimension) bool { return !slices.Contains(by, d) }) {
		return p.hidden[g.Only(p.by)]
	}
	coarse := slices.DeleteFunc(slices.Clone(p.by), func(d Dimension) bool { return !slices.Contains(by, d) })
	count, size := 0, 0
	for h, n := range p.sizes {
		if h.Only(coarse) == g.Only(coarse) {
			count, size = count+1, size+n
		}
	}
	if count == 0 || count >= 2 && size >= p.threshold {
		return ""
	}
	return Complementary
}

// Len is the number of groups the pattern hides.
func (p *Pattern) Len() int {
	if p == nil {
		return 0
	}
	return len(p.hidden)
}

// sized is a cell as suppression sees it.
type sized struct {
	key  cellKey
	size int
}

// suppress decides which cells funders may not see: the small ones, those pattern hides, and
// the complementary cells that protect them along the dimensions lines.
func suppress(cells []sized, by, lines []Dimension, threshold int, pattern *Pattern) map[cellKey]Suppression {
	out := map[cellKey]Suppression{}
	for _, c := range cells {
		if c.size < threshold {
			out[c.key] = SmallCell
		} else if why := pattern.Hides(c.key.group, by); why != "" {
			out[c.key] = why
		}
	}
	if len(out) == 0 {
		return out
	}
	for changed := true; changed; {
		changed = false
		for _, d := range lines {
			byLine := map[cellKey][]sized{}
			for _, c := range cells {
				line := keyOf(c.key.group.With(d, ""), c.key.item)
				byLine[line] = append(byLine[line], c)
			}
			for _, line := range byLine {
				if complete(line, out, threshold) {
					changed = true
				}
			}
		}
	}
	return out
}

// complete withholds the smallest shown cells of a line that hides some until it hides at
// least two holding at least threshold respondents (or hides all), and reports whether it
// withheld any.
func complete(line []sized, out map[cellKey]Suppression, threshold int) bool {
	hidden, count := 0, 0
	for _, c := range line {
		if out[c.key] != "" {
			hidden, count = hidden+c.size, count+1
		}
	}
	safe := func() bool { return count == 0 || count >= 2 && hidden >= threshold }
	if safe() {
		return false
	}
	shown := slices.DeleteFunc(slices.Clone(line), func(c sized) bool { return out[c.key] != "" })
	slices.SortStableFunc(shown, func(a, b sized) int {
		if a.size != b.size {
			return a.size - b.size
		}
		return compareGroups(a.key.group, b.key.group)
	})
	added := false
	for _, c := range shown {
		if safe() {
			break
		}
		out[c.key] = Complementary
		hidden, count = hidden+c.size, count+1
		added = true
	}
	return added
}

// redactCells sets the figures of shown cells and withholds those of suppressed ones.
func redactCells(cells []Cell, hidden map[cellKey]Suppression) {
	for i := range cells {
		c := &cells[i]
		if why := hidden[keyOf(c.Group, c.Item)]; why != "" {
			*c = Cell{Group: c.Group, Item: c.Item, Suppressed: why, size: c.size}
			continue
		}
		c.N = ptr(c.size)
	}
}

// commentViews shows comments to the audience. cellSizes counts the respondents who
// answered, by edition and country, under the request's filter; hidden says whether an
// edition (Group with Edition alone) or a country's cell in an edition (Group with both) is
// suppressed elsewhere in what funders see, so that its comments do not count it.
func commentViews(list []Comment, a Audience, cellSizes []Count, threshold int, hidden func(Group) bool) []CommentView {
	editions, countries := map[int]int{}, map[Group]int{}
	for _, c := range cellSizes {
		editions[c.Group.Edition] += c.N
		countries[Group{Edition: c.Group.Edition, Country: c.Group.Country}] += c.N
	}
	out := make([]CommentView, 0, len(list))
	for _, c := range list {
		v := CommentView{Text: c.Text}
		switch a {
		case Coordinator:
			v.Profile = c.Group
			if !c.SubmittedAt.IsZero() {
				v.Submitted = c.SubmittedAt.UTC().Format(time.DateOnly)
			}
		default:
			if editions[c.Group.Edition] >= threshold && !hidden(Group{Edition: c.Group.Edition}) {
				v.Profile.Edition = c.Group.Edition
				if g := (Group{Edition: c.Group.Edition, Country: c.Group.Country}); countries[g] >= threshold && !hidden(g) {
					v.Profile.Country = c.Group.Country
				}
			}
		}
		out = append(out, v)
	}
	return out
}
