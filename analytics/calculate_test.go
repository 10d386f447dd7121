package analytics

import (
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
