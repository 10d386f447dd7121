package analytics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/palabre/palabre/survey"
)

func TestHistQuantileType7(t *testing.T) {
	tests := []struct {
		values    []float64
		q1, m, q3 float64
	}{
		// R: quantile(x, c(.25, .5, .75), type = 7)
		{[]float64{1, 2, 3, 4}, 1.75, 2.5, 3.25},
		{[]float64{1, 2, 2, 3, 5, 8}, 2, 2.5, 4.5},
		{[]float64{7}, 7, 7, 7},
		{[]float64{0, 10}, 2.5, 5, 7.5},
	}
	for _, tt := range tests {
		h := histOf(tt.values)
		if got := [3]float64{h.quantile(.25), h.quantile(.5), h.quantile(.75)}; got != [3]float64{tt.q1, tt.m, tt.q3} {
			t.Errorf("quartiles of %v = %v, want %v", tt.values, got, [3]float64{tt.q1, tt.m, tt.q3})
		}
	}
}

// The histogram statistics agree on random data with the same statistics computed from the
// raw values by their definitions.
func TestHistMatchesRaw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	q := &survey.Question{Key: "q", Type: survey.Rating}
	p := &plan{scope: &scope{survey: survey.Survey{DefaultLanguage: "fr"}, lang: "fr"}}
	for i := range 200 {
		n := 1 + rng.IntN(60)
		xs := make([]float64, n)
		for j := range xs {
			xs[j] = float64(rng.IntN(11))
		}
		h := histOf(xs)
		gs, gn := p.scaleStats(q, &h)
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		sum, promoters, detractors := 0.0, 0, 0
		for _, x := range xs {
			sum += x
			switch {
			case x >= 9:
				promoters++
			case x <= 6:
				detractors++
			}
		}
		mean, ss := sum/float64(n), 0.0
		for _, x := range xs {
			ss += (x - mean) * (x - mean)
		}
		sd := 0.0
		if n > 1 {
			sd = math.Sqrt(ss / float64(n-1))
		}
		type7 := func(p float64) float64 {
			h := float64(n-1) * p
			j := int(h)
			if j+1 >= n {
				return sorted[n-1]
			}
			return sorted[j] + (h-float64(j))*(sorted[j+1]-sorted[j])
		}
		if len(gs.Points) != 11 {
			t.Fatalf("%d points on a 0–10 rating", len(gs.Points))
		}
		for v, pt := range gs.Points {
			if k := len(slices.DeleteFunc(slices.Clone(xs), func(x float64) bool { return x != float64(v) })); pt.Value != float64(v) || pt.Count != k {
				t.Fatalf("case %d %v: point %+v, want %d × %d", i, xs, pt, k, v)
			}
		}
		if !near(gs.Mean, mean, 1e-12) || !near(gs.SD, sd, 1e-12) || gs.Q1 != type7(.25) ||
			gs.Median != type7(.5) || gs.Q3 != type7(.75) || gs.Min != sorted[0] || gs.Max != sorted[n-1] ||
			!near(gn.Score, 100*float64(promoters-detractors)/float64(n), 1e-9) {
			t.Fatalf("case %d %v: hist %+v %+v", i, xs, gs, gn)
		}
	}
}

func TestNPS(t *testing.T) {
	q := &survey.Question{Key: "q", Type: survey.Rating}
	p := &plan{scope: &scope{survey: survey.Survey{DefaultLanguage: "fr"}, lang: "fr"}}
	h := histOf([]float64{10, 9, 9, 8, 7, 6, 0, 10, 10, 3})
	_, nps := p.scaleStats(q, &h)
	// 5 promoters, 2 passives, 3 detractors of 10: 50% − 30% = 20.
	if nps == nil || nps.Score != 20 || nps.Promoters.Count != 5 || nps.Passives.Count != 2 || nps.Detractors.Count != 3 {
		t.Fatalf("NPS = %+v", nps)
	}
	if nps.CI == nil || nps.CI.Low >= 20 || nps.CI.High <= 20 {
		t.Errorf("NPS interval %+v should surround 20", nps.CI)
	}
	five := 5.0
	q.Max = &five
	if _, nps := p.scaleStats(q, &h); nps != nil {
		t.Error("a 0–5 rating has no NPS")
	}
}

func TestDateStats(t *testing.T) {
	bin := func(date string, n int) Bin { return Bin{Text: date, N: n} }
	want := &DateStat{First: "2024-03-02", Median: "2024-03-20", Last: "2025-01-09",
		Months: []MonthCount{{"2024-03", 3}, {"2024-05", 1}, {"2025-01", 1}}}
	for name, runs := range map[string][][]Bin{
		"one sorted run": {{bin("2024-03-02", 1), bin("2024-03-20", 2), bin("2024-05-01", 1), bin("2025-01-09", 1)}},
		"two runs sharing a date": {{bin("2024-03-20", 1), bin("2025-01-09", 1)},
			{bin("2024-03-02", 1), bin("2024-03-20", 1), bin("2024-05-01", 1)}},
		"one unsorted run": {{bin("2025-01-09", 1), bin("2024-03-02", 1), bin("2024-03-20", 2), bin("2024-05-01", 1)}},
	} {
		got := dateStats(textValues(runs))
		if got.First != want.First || got.Median != want.Median || got.Last != want.Last || !slices.Equal(got.Months, want.Months) {
			t.Errorf("%s: dateStats = %+v, want %+v", name, got, want)
		}
	}
}

func histOf(xs []float64) hist {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	var h hist
	for i, x := range sorted {
		if i > 0 && x == sorted[i-1] {
			h.counts[len(h.counts)-1]++
			h.n++
			continue
		}
		h.add(x, 1)
	}
	return h
}
