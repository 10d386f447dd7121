package analytics

import (
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// TestCalculateValues checks how a calculate question's answers are counted: as numbers
// when its calculation always gives one, else as text (its Text is always stored).
func TestCalculateValues(t *testing.T) {
	for calc, want := range map[string]Value{
		"${adults} + ${children}":            ValueNumber,
		"round(${a} div ${b}, 1)":            ValueNumber,
		"if(${a} > 4, 'large', 'small')":     ValueText,
		"concat(${a}, ' ', ${b})":            ValueText,
		"${a}":                               ValueText,
		"if(count-selected(${a}) > 1, 1, 0)": ValueNumber,
	} {
		q := &survey.Question{Key: "c", Type: survey.Calculate, Calculation: calc}
		if got := valueOf(q); got != want {
			t.Errorf("%s: %s, want %s", calc, got, want)
		}
	}
}

func TestCalculateComparable(t *testing.T) {
	q := func(calc string) *survey.Question {
		return &survey.Question{Key: "c", Type: survey.Calculate, Calculation: calc}
	}
	if r, ok := Comparable(q("${a}+${b}"), 2024, q("${a} + ${b}"), 2025); !ok {
		t.Errorf("the same calculation, spaced otherwise: %s", r)
	}
	if r, ok := Comparable(q("${a} + ${b}"), 2024, q("${a} * ${b}"), 2025); ok || r != CalculationChanged {
		t.Errorf("another calculation: %q %v", r, ok)
	}
	for _, lang := range []string{"fr", "en", "es"} {
		if m := reasonMessages[CalculationChanged].Message(2025).In(lang); m == "" || strings.Contains(m, "analytics_") {
			t.Errorf("%s: %q", lang, m)
		}
	}
}
