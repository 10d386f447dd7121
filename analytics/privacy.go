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
//     country's cell in that edition does; when fewer respondents than the threshold
//     answered at all, no comment is shown.
//
// Coordinators see every figure.

// sized is a cell as suppression sees it.
type sized struct {
	key  cellKey
	size int
}

// suppress decides which cells funders may not see.
func suppress(cells []sized, by []Dimension, threshold int) map[cellKey]Suppression {
	out := map[cellKey]Suppression{}
	for _, c := range cells {
		if c.size < threshold {
			out[c.key] = SmallCell
		}
	}
	if len(out) == 0 {
		return out
	}
	for changed := true; changed; {
		changed = false
		for _, d := range by {
			lines := map[cellKey][]sized{}
			for _, c := range cells {
				line := keyOf(c.key.group.With(d, ""), c.key.item)
				lines[line] = append(lines[line], c)
			}
			for _, line := range lines {
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
// answered, by edition and country, under the request's filter.
func commentViews(list []Comment, a Audience, cellSizes []Count, threshold int) []CommentView {
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
			if editions[c.Group.Edition] >= threshold {
				v.Profile.Edition = c.Group.Edition
				if countries[Group{Edition: c.Group.Edition, Country: c.Group.Country}] >= threshold {
					v.Profile.Country = c.Group.Country
				}
			}
		}
		out = append(out, v)
	}
	return out
}
