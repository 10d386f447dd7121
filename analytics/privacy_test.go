package analytics

import (
	"maps"
	"testing"
)

func TestSuppress(t *testing.T) {
	c := func(country string, edition, n int) sized {
		return sized{keyOf(Group{Country: country, Edition: edition}, ""), n}
	}
	key := func(country string, edition int) cellKey { return keyOf(Group{Country: country, Edition: edition}, "") }
	tests := []struct {
		name  string
		cells []sized
		by    []Dimension
		want  map[cellKey]Suppression
	}{
		{"all large", []sized{c("SN", 0, 12), c("MA", 0, 9)}, []Dimension{Country}, map[cellKey]Suppression{}},
		{"one small: its smallest neighbour hides it",
			[]sized{c("SN", 0, 12), c("MA", 0, 3), c("PE", 0, 20)}, []Dimension{Country},
			map[cellKey]Suppression{key("MA", 0): SmallCell, key("SN", 0): Complementary}},
		{"two small that together reach the threshold",
			[]sized{c("SN", 0, 12), c("MA", 0, 3), c("ML", 0, 2)}, []Dimension{Country},
			map[cellKey]Suppression{key("MA", 0): SmallCell, key("ML", 0): SmallCell}},
		{"two small below the threshold together",
			[]sized{c("SN", 0, 12), c("MA", 0, 1), c("ML", 0, 2), c("PE", 0, 7)}, []Dimension{Country},
			map[cellKey]Suppression{key("MA", 0): SmallCell, key("ML", 0): SmallCell, key("PE", 0): Complementary}},
		{"alone in its line", []sized{c("SN", 0, 3)}, []Dimension{Country}, map[cellKey]Suppression{key("SN", 0): SmallCell}},
		{"country × edition: both directions protected",
			[]sized{c("SN", 2024, 10), c("MA", 2024, 3), c("SN", 2025, 9), c("MA", 2025, 8)},
			[]Dimension{Country, Edition},
			map[cellKey]Suppression{key("MA", 2024): SmallCell, key("SN", 2024): Complementary,
				key("MA", 2025): Complementary, key("SN", 2025): Complementary}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := suppress(tt.cells, tt.by, tt.by, 5, nil)
			if !maps.Equal(got, tt.want) {
				t.Errorf("suppress = %v, want %v", got, tt.want)
			}
		})
	}
}

// A pattern hides its groups from every table at least as fine as its own, and from a
// coarser table the totals that would reveal them: a total adding up a single hidden group,
// or hidden groups holding fewer than the threshold together.
func TestPatternHides(t *testing.T) {
	p := &Pattern{by: []Dimension{Country, Edition}, threshold: 5,
		hidden: map[Group]Suppression{{Edition: 2024, Country: "SN"}: SmallCell, {Edition: 2025, Country: "MA"}: Complementary,
			{Edition: 2026, Country: "SN"}: SmallCell, {Edition: 2026, Country: "PE"}: Complementary,
			{Edition: 2023, Country: "SN"}: SmallCell, {Edition: 2023, Country: "PE"}: SmallCell,
			{Edition: 2027, Country: "SN"}: SmallCell, {Edition: 2027, Country: "PE"}: SmallCell},
		sizes: map[Group]int{{Edition: 2024, Country: "SN"}: 3, {Edition: 2025, Country: "MA"}: 9,
			{Edition: 2026, Country: "SN"}: 2, {Edition: 2026, Country: "PE"}: 6,
			{Edition: 2023, Country: "SN"}: 2, {Edition: 2023, Country: "PE"}: 2,
			{Edition: 2027, Country: "SN"}: 2, {Edition: 2027, Country: "PE"}: 3}}
	byEdition := []Dimension{Edition}
	for _, tt := range []struct {
		g    Group
		by   []Dimension
		want Suppression
	}{
		{Group{Edition: 2024, Country: "SN"}, []Dimension{Country, Edition}, SmallCell},
		{Group{Edition: 2024, Country: "SN", Role: "lawyer"}, []Dimension{Role, Country, Edition}, SmallCell}, // finer
		{Group{Edition: 2024, Country: "MA"}, []Dimension{Edition, Country}, ""},
		{Group{Edition: 2024}, byEdition, Complementary}, // one hidden group: its total would reveal it
		{Group{Edition: 2025}, byEdition, Complementary},
		{Group{Edition: 2026}, byEdition, ""},            // two hidden, 8 together
		{Group{Edition: 2023}, byEdition, Complementary}, // two hidden, 4 together
		{Group{Edition: 2027}, byEdition, ""},            // two hidden, 5 together: the threshold itself
		{Group{Edition: 2022}, byEdition, ""},            // none hidden
		{Group{Country: "SN"}, []Dimension{Country}, ""}, // four hidden, 9 together
		{Group{Country: "MA"}, []Dimension{Country}, Complementary},
	} {
		if got := p.Hides(tt.g, tt.by); got != tt.want {
			t.Errorf("Hides(%+v, %v) = %q, want %q", tt.g, tt.by, got, tt.want)
		}
	}
	var none *Pattern
	if none.Hides(Group{Edition: 2024}, byEdition) != "" || none.Len() != 0 || p.Len() != 8 {
		t.Error("a nil pattern hides nothing")
	}
}
