package analytics

import (
	"math"
	"testing"
)

// Published values: Newcombe, "Two-sided confidence intervals for the single proportion"
// and "Interval estimation for the difference between independent proportions" (Statistics
// in Medicine, 1998), and R's t.test on the sleep data set.

func TestWilson(t *testing.T) {
	tests := []struct {
		k, n      int
		low, high float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
	}
	for _, tt := range tests {
		got := Wilson(tt.k, tt.n)
		if got == nil || !near(got.Low, tt.low, 5e-5) || !near(got.High, tt.high, 5e-5) {
			t.Errorf("Wilson(%d, %d) = %+v, want [%.4f, %.4f]", tt.k, tt.n, got, tt.low, tt.high)
		}
	}
	if Wilson(0, 0) != nil || Wilson(3, 2) != nil {
		t.Error("Wilson of an impossible share should be nil")
	}
}

func TestNewcombe(t *testing.T) {
	tests := []struct {
		k1, n1, k2, n2 int // change k1/n1 − k2/n2 as the paper writes it
		low, high      float64
	}{
		{56, 70, 48, 80, 0.0524, 0.3339},
		{9, 10, 3, 10, 0.1705, 0.8090},
		{5, 56, 0, 29, -0.0381, 0.1926},
		{0, 10, 0, 20, -0.1611, 0.2775},
		{10, 10, 0, 20, 0.6791, 1.0000},
	}
	for _, tt := range tests {
		// Newcombe(from, to) is the change to − from: the paper's first sample is "to".
		got := Newcombe(tt.k2, tt.n2, tt.k1, tt.n1)
		if got == nil || !near(got.Low, tt.low, 5e-5) || !near(got.High, tt.high, 5e-5) {
			t.Errorf("%d/%d − %d/%d: %+v, want [%.4f, %.4f]", tt.k1, tt.n1, tt.k2, tt.n2, got, tt.low, tt.high)
		}
	}
}

func TestStudentT975(t *testing.T) {
	tests := []struct{ df, want float64 }{
		{1, 12.7062047}, {2, 4.3026527}, {5, 2.5705818}, {10, 2.2281389}, {30, 2.0422725},
		{1000, 1.9623391}, {math.Inf(1), 1.9599640},
	}
	for _, tt := range tests {
		if got := StudentT975(tt.df); !near(got, tt.want, 5e-7) {
			t.Errorf("StudentT975(%v) = %.7f, want %.7f", tt.df, got, tt.want)
		}
	}
}

var sleep1 = []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
var sleep2 = []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}

func TestMeanIntervalAndWelch(t *testing.T) {
	m1, s1 := meanSD(sleep1)
	m2, s2 := meanSD(sleep2)
	// t.test(sleep1): 95 percent confidence interval -0.5297804 2.0297804
	got := MeanInterval(m1, s1, len(sleep1))
	if got == nil || !near(got.Low, -0.5297804, 1e-6) || !near(got.High, 2.0297804, 1e-6) {
		t.Errorf("MeanInterval = %+v", got)
	}
	// t.test(extra ~ group, data = sleep): Welch, -3.3654832 0.2054832 for group 1 − group 2.
	w := Welch(m2, s2, len(sleep2), m1, s1, len(sleep1))
	if w == nil || !near(w.Low, -3.3654832, 1e-6) || !near(w.High, 0.2054832, 1e-6) {
		t.Errorf("Welch = %+v", w)
	}
	if w.Excludes(0) {
		t.Error("the sleep difference is not significant at 95%")
	}
	for _, tt := range []struct {
		name string
		got  *Interval
	}{
		{"one value", MeanInterval(3, 0, 1)},
		{"no spread", MeanInterval(3, 0, 10)},
		{"welch one value", Welch(1, 1, 1, 2, 1, 10)},
		{"welch no spread", Welch(1, 0, 5, 2, 0, 5)},
	} {
		if tt.got != nil {
			t.Errorf("%s: interval %+v, want none", tt.name, tt.got)
		}
	}
}

func meanSD(xs []float64) (float64, float64) {
	var h hist
	sorted := append([]float64(nil), xs...)
	for _, x := range sorted {
		h.add(x, 1)
	}
	m := h.mean()
	return m, h.sd(m)
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Newton's method converges in a few steps from the bracket's middle: a wrong density (the
// step's slope) would fall back on bisection, right but slow, and the cache hides it.
func TestStudentT975ConvergesFast(t *testing.T) {
	for _, df := range []float64{1, 1.5, 2, 3, 4.7, 10, 29, 100, 1000, 1e5} {
		got, steps := solveT975(df)
		if want := StudentT975(df); got != want || steps < 2 || steps > 10 { // 4 to 8 here; bisection takes 40

			t.Errorf("df %v: %v in %d steps (StudentT975 %v)", df, got, steps, want)
		}
	}
}

// An interval includes its bounds: a change whose interval ends exactly at 0 is not flagged.
func TestExcludesBounds(t *testing.T) {
	i := &Interval{Low: 0, High: 0.25}
	for v, want := range map[float64]bool{0: false, 0.25: false, -1e-12: true, 0.25 + 1e-12: true, 0.1: false} {
		if got := i.Excludes(v); got != want {
			t.Errorf("[0, 0.25].Excludes(%v) = %v", v, got)
		}
	}
	var none *Interval
	if none.Excludes(0) {
		t.Error("no interval excludes nothing")
	}
}

// The incomplete beta and Student's t distribution against closed forms, on both sides of
// the point where the continued fraction changes branch ((a+1)/(a+b+2)): I_x(2, 3) is
// 6x² − 8x³ + 3x⁴; with 1 degree of freedom t is Cauchy, P(T ≤ t) = ½ + atan(t)/π; with 2,
// P(T ≤ t) = ½ + t / (2√(2 + t²)).
func TestIncompleteBetaClosedForms(t *testing.T) {
	for _, x := range []float64{0.05, 0.2, 0.4, 0.45, 0.6, 0.9, 0.99} {
		want := 6*x*x - 8*x*x*x + 3*x*x*x*x
		if got := regIncBeta(x, 2, 3); math.Abs(got-want) > 1e-12 {
			t.Errorf("I_%g(2, 3) = %.15f, want %.15f", x, got, want)
		}
	}
	for _, tt := range []float64{0.1, 0.5, 1, 2, 10, 100} {
		if got, want := studentTCDF(tt, 1), 0.5+math.Atan(tt)/math.Pi; math.Abs(got-want) > 1e-12 {
			t.Errorf("P(T ≤ %g), 1 df = %.15f, want %.15f", tt, got, want)
		}
		if got, want := studentTCDF(tt, 2), 0.5+tt/(2*math.Sqrt(2+tt*tt)); math.Abs(got-want) > 1e-12 {
			t.Errorf("P(T ≤ %g), 2 df = %.15f, want %.15f", tt, got, want)
		}
	}
}
