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
			got := suppress(tt.cells, tt.by, 5)
			if !maps.Equal(got, tt.want) {
				t.Errorf("suppress = %v, want %v", got, tt.want)
			}
		})
	}
}
