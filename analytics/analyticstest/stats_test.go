package analyticstest

import (
	"math"
	"testing"

	"github.com/palabre/palabre/survey"
)

// The reference's statistics pinned to published values and to closed forms, so that the
// yardstick is not itself only checked against the code it measures.

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
// methods. Statistics in Medicine 1998;17:857–872, Table II, method 3 (Wilson score, no
// continuity correction), printed to 4 decimals.
func TestWilsonPublished(t *testing.T) {
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
		got := wilson(tt.k, tt.n)
		if got == nil || !near(got.Low, tt.low, 5e-5) || !near(got.High, tt.high, 5e-5) {
			t.Errorf("wilson(%d, %d) = %+v, want [%.4f, %.4f]", tt.k, tt.n, got, tt.low, tt.high)
		}
	}
	// By hand: for k = 0 the interval is [0, z²/(n + z²)]; for k = n, [n/(n + z²), 1].
	z2 := z975 * z975
	if got := wilson(0, 20); got.Low != 0 || !near(got.High, z2/(20+z2), 1e-15) {
		t.Errorf("wilson(0, 20) = %+v", got)
	}
	if got := wilson(7, 7); !near(got.Low, 7/(7+z2), 1e-15) || got.High != 1 {
		t.Errorf("wilson(7, 7) = %+v", got)
	}
	for _, bad := range [][2]int{{0, 0}, {3, 2}, {-1, 4}} {
		if wilson(bad[0], bad[1]) != nil {
			t.Errorf("wilson(%d, %d) should be nil", bad[0], bad[1])
		}
	}
}

// Newcombe RG. Interval estimation for the difference between independent proportions:
// comparison of eleven methods. Statistics in Medicine 1998;17:873–890, Table II, method 10
// (hybrid score), examples (a), (b) and (d) to (h), θ = π1 − π2, printed to 4 decimals.
func TestNewcombePublished(t *testing.T) {
	tests := []struct {
		k1, n1, k2, n2 int
		low, high      float64
	}{
		{56, 70, 48, 80, 0.0524, 0.3339},
		{9, 10, 3, 10, 0.1705, 0.8090},
		{5, 56, 0, 29, -0.0381, 0.1926},
		{0, 10, 0, 20, -0.1611, 0.2775},
		{0, 10, 0, 10, -0.2775, 0.2775},
		{10, 10, 0, 20, 0.6791, 1.0000},
		{10, 10, 0, 10, 0.6075, 1.0000},
	}
	for _, tt := range tests {
		// newcombe(from, to) is the change to − from: the paper's first sample is "to".
		got := newcombe(tt.k2, tt.n2, tt.k1, tt.n1)
		if got == nil || !near(got.Low, tt.low, 5e-5) || !near(got.High, tt.high, 5e-5) {
			t.Errorf("%d/%d − %d/%d = %+v, want [%.4f, %.4f]", tt.k1, tt.n1, tt.k2, tt.n2, got, tt.low, tt.high)
		}
	}
	if newcombe(0, 0, 1, 2) != nil || newcombe(1, 2, 3, 2) != nil {
		t.Error("newcombe of an impossible share should be nil")
	}
}

// Student's t 0.975 quantile: closed forms for 1 and 2 degrees of freedom, the distribution
// function in closed form (Abramowitz and Stegun 26.7.3) for 3 and 4, and R's qt(0.975, df)
// for the others.
func TestTQuantilePublished(t *testing.T) {
	if got, want := tQuantile975(1), math.Tan(0.475*math.Pi); !near(got, want, 1e-11*want) {
		t.Errorf("df 1: %.15g, want tan(0.475π) = %.15g", got, want)
	}
	// df 2: F(t) = ½ + t / (2√(2 + t²)), so t = 0.95·√(2 / (1 − 0.95²)).
	if got, want := tQuantile975(2), 0.95*math.Sqrt(2/(1-0.95*0.95)); !near(got, want, 1e-12*want) {
		t.Errorf("df 2: %.15g, want %.15g", got, want)
	}
	// P(|T| ≤ t): df 3, (2/π)(θ + sinθ·cosθ) with θ = atan(t/√3); df 4, sinθ(1 + cos²θ/2)
	// with θ = atan(t/2). Both must be 0.95 at the quantile.
	t3 := tQuantile975(3)
	th := math.Atan(t3 / math.Sqrt(3))
	if a := 2 / math.Pi * (th + math.Sin(th)*math.Cos(th)); !near(a, 0.95, 1e-13) {
		t.Errorf("df 3: P(|T| ≤ %.12g) = %.15g", t3, a)
	}
	t4 := tQuantile975(4)
	th = math.Atan(t4 / 2)
	if a := math.Sin(th) * (1 + math.Cos(th)*math.Cos(th)/2); !near(a, 0.95, 1e-13) {
		t.Errorf("df 4: P(|T| ≤ %.12g) = %.15g", t4, a)
	}
	for _, tt := range []struct{ df, want float64 }{
		{3, 3.182446305}, {4, 2.776445105}, {5, 2.570581836}, {9, 2.262157163}, {10, 2.228138852},
		{30, 2.042272456}, {1e6, 1.959966},
	} {
		if got := tQuantile975(tt.df); !near(got, tt.want, 1e-6) {
			t.Errorf("qt(0.975, %v) = %.9f, want %.9f", tt.df, got, tt.want)
		}
	}
	// Fractional degrees of freedom lie between their neighbours.
	if a, b, c := tQuantile975(17), tQuantile975(17.776), tQuantile975(18); !(a > b && b > c) {
		t.Errorf("t(17) %v, t(17.776) %v, t(18) %v not decreasing", a, b, c)
	}
}

// R's sleep data set (Cushny and Peebles): extra hours of sleep with two drugs.
var (
	sleep1 = []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
	sleep2 = []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}
)

// R 4.x, printed to 7 decimals:
//
//	t.test(extra ~ group, data = sleep)    Welch: -3.3654832  0.2054832, df = 17.776
//	t.test(sleep1)                         one sample: -0.5297804  2.0297804
//	t.test(sleep1 - sleep2)                (the paired test): -2.4598858 -0.7001142
func TestTIntervalsPublished(t *testing.T) {
	w := welch(sleep2, sleep1) // mean(sleep1) − mean(sleep2)
	if w == nil || !near(w.Low, -3.3654832, 1e-7) || !near(w.High, 0.2054832, 1e-7) {
		t.Errorf("welch = %+v", w)
	}
	m := meanInterval(sleep1)
	if m == nil || !near(m.Low, -0.5297804, 1e-7) || !near(m.High, 2.0297804, 1e-7) {
		t.Errorf("mean interval = %+v", m)
	}
	diff := make([]float64, len(sleep1))
	for i := range diff {
		diff[i] = sleep1[i] - sleep2[i]
	}
	if p := meanInterval(diff); p == nil || !near(p.Low, -2.4598858, 1e-7) || !near(p.High, -0.7001142, 1e-7) {
		t.Errorf("paired = %+v", p)
	}
	// Welch–Satterthwaite by hand: var(sleep1) = 3.2005556, var(sleep2) = 4.0090000.
	_, v1 := moments(sleep1)
	_, v2 := moments(sleep2)
	if !near(v1, 3.200555556, 1e-9) || !near(v2, 4.009, 1e-9) {
		t.Errorf("variances %v %v", v1, v2)
	}
	se2 := v1/10 + v2/10
	df := se2 * se2 / ((v1/10)*(v1/10)/9 + (v2/10)*(v2/10)/9)
	if !near(df, 17.776, 5e-4) {
		t.Errorf("df = %v, R says 17.776", df)
	}
	for _, tt := range []struct {
		name string
		a, b []float64
	}{{"one value", []float64{3}, sleep1}, {"no spread", []float64{2, 2, 2}, []float64{5, 5}}} {
		if welch(tt.a, tt.b) != nil {
			t.Errorf("welch %s should be nil", tt.name)
		}
	}
	if meanInterval([]float64{4}) != nil || meanInterval([]float64{4, 4, 4}) != nil {
		t.Error("a mean of one value, or of no spread, has no interval")
	}
}

// R: quantile(x) (type 7), by hand: h = (n − 1)p.
func TestQuantile7Published(t *testing.T) {
	tests := []struct {
		xs   []float64
		want [5]float64 // 0, .25, .5, .75, 1
	}{
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, [5]float64{1, 3.25, 5.5, 7.75, 10}}, // quantile(1:10)
		{[]float64{1, 2, 3, 4}, [5]float64{1, 1.75, 2.5, 3.25, 4}},
		{[]float64{0, 1, 1, 2, 3, 5, 8, 13}, [5]float64{0, 1, 2.5, 5.75, 13}}, // h = 1.75, 3.5, 5.25
		{[]float64{7}, [5]float64{7, 7, 7, 7, 7}},
	}
	for _, tt := range tests {
		var got [5]float64
		for i, p := range []float64{0, .25, .5, .75, 1} {
			got[i] = quantile7(tt.xs, p)
		}
		if got != tt.want {
			t.Errorf("quantile(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
}

// NPS by hand: ratings 10 9 9 8 7 6 0 10 10 3 are 5 promoters, 2 passives and 3 detractors:
// 50% − 30% = 20. As the mean of five +100, two 0 and three −100 its sample variance is
// (5·80² + 2·20² + 3·120²)/9 = 76000/9, so the interval is 20 ± t(9)·√(76000/90).
func TestNPSByHand(t *testing.T) {
	s := nps([]float64{10, 9, 9, 8, 7, 6, 0, 10, 10, 3})
	if s.Score != 20 || s.Promoters.Count != 5 || s.Passives.Count != 2 || s.Detractors.Count != 3 ||
		s.Promoters.Share != 0.5 || s.Detractors.Share != 0.3 {
		t.Fatalf("nps = %+v", s)
	}
	half := 2.262157163 * math.Sqrt(76000.0/90)
	if s.CI == nil || !near(s.CI.Low, 20-half, 1e-6) || !near(s.CI.High, 20+half, 1e-6) {
		t.Errorf("nps interval %+v, want 20 ± %.6f", s.CI, half)
	}
	// Top-2-box and every point of a 5-point Likert scale: 5 and 4 are the top two.
	r := &ref{survey: survey.Survey{DefaultLanguage: "en"}, lang: "en"}
	q := Forms()[0]
	lk, _, _ := q.Question("organisation")
	sc, n := r.scale(lk, []float64{5, 4, 4, 3, 1, 5, 2})
	if n != nil || sc.Top2.Count != 4 || !near(sc.Top2.Share, 4.0/7, 1e-15) || len(sc.Points) != 5 ||
		sc.Points[0].Count != 1 || sc.Points[3].Count != 2 || sc.Median != 4 {
		t.Errorf("likert scale %+v, top2 %+v", sc, sc.Top2)
	}
}
