package clickhouse

import (
	"reflect"
	"testing"
)

func TestLayoutPlan(t *testing.T) {
	l := layout{2023: {"2023_1_9_2"}, 2024: {"2024_10_10_0", "2024_11_11_0"}, 2025: {"2025_2_8_1", "2025_12_12_0"}}
	for _, c := range []struct {
		name     string
		l        layout
		editions []uint16
		want     Dedup
	}{
		{"unknown layout", nil, nil, Dedup{Everywhere: true}},
		{"empty table", layout{}, nil, Dedup{}},
		{"all editions", l, nil, Dedup{Editions: []uint16{2024, 2025}}},
		{"one compacted edition", l, []uint16{2023}, Dedup{}},
		{"a filter on editions with copies", l, []uint16{2025, 2023}, Dedup{Editions: []uint16{2025}}},
		{"only editions with copies: distinct everywhere", l, []uint16{2024, 2025}, Dedup{Everywhere: true}},
		{"an edition without data", l, []uint16{2019}, Dedup{}},
		{"no edition", l, []uint16{}, Dedup{}},
	} {
		if got := c.l.only(c.editions).plan(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: plan = %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestLayoutSteady(t *testing.T) {
	before := layout{2023: {"2023_1_9_2"}, 2024: {"2024_10_10_0", "2024_11_11_0"}}
	d := before.plan() // distinct ids in 2024, plain counts elsewhere
	for _, c := range []struct {
		name  string
		after layout
		want  bool
	}{
		{"nothing changed", layout{2023: {"2023_1_9_2"}, 2024: {"2024_10_10_0", "2024_11_11_0"}}, true},
		{"an insert into an edition counted by distinct ids", layout{2023: {"2023_1_9_2"}, 2024: {"2024_10_10_0", "2024_11_11_0", "2024_13_13_0"}}, true},
		{"a merge in an edition counted by distinct ids", layout{2023: {"2023_1_9_2"}, 2024: {"2024_10_11_1"}}, true},
		{"an insert into a counted edition", layout{2023: {"2023_1_9_2", "2023_13_13_0"}, 2024: {"2024_10_10_0", "2024_11_11_0"}}, false},
		{"a counted edition rewritten", layout{2023: {"2023_1_9_3"}, 2024: {"2024_10_10_0", "2024_11_11_0"}}, false},
		{"a new edition", layout{2023: {"2023_1_9_2"}, 2024: {"2024_10_10_0", "2024_11_11_0"}, 2025: {"2025_13_13_0"}}, false},
		{"a counted edition dropped", layout{2024: {"2024_10_10_0", "2024_11_11_0"}}, false},
		{"layout unknown afterwards", nil, false},
	} {
		if got := before.steady(c.after, d); got != c.want {
			t.Errorf("%s: steady = %v, want %v", c.name, got, c.want)
		}
	}
	if !before.steady(nil, Dedup{Everywhere: true}) {
		t.Error("counting distinct ids everywhere needs no steady layout")
	}
}
