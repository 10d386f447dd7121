package analytics

import (
	"math"
	"sync"
)

// Confidence intervals, all at 95%.
//
//   - a share k/n: Wilson's score interval, good for small n and shares near 0 or 1;
//   - a change between two shares: Newcombe's hybrid score interval (method 10 of Newcombe,
//     1998), built from the two Wilson intervals;
//   - a mean: Student's t interval; a change between two means: Welch's t interval, which
//     does not assume equal variances, with Welch–Satterthwaite degrees of freedom.
//
// An interval is nil when the data cannot give one (no respondents, fewer than two for a
// mean, no spread at all).

// z975 is the 97.5th percentile of the standard normal distribution.
const z975 = 1.959963984540054

// Interval is a 95% confidence interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Excludes reports whether v is outside the interval: a change whose interval excludes 0 is
// unlikely to be noise.
func (i *Interval) Excludes(v float64) bool { return i != nil && (v < i.Low || v > i.High) }

// Wilson returns the Wilson score interval of the share k/n.
func Wilson(k, n int) *Interval {
	if n <= 0 || k < 0 || k > n {
		return nil
	}
	p, nf, z2 := float64(k)/float64(n), float64(n), z975*z975
	denom := 1 + z2/nf
	center := (p + z2/(2*nf)) / denom
	half := z975 / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return &Interval{Low: math.Max(0, center-half), High: math.Min(1, center+half)}
}

// Newcombe returns the interval of the change k2/n2 − k1/n1 between two independent shares.
func Newcombe(k1, n1, k2, n2 int) *Interval {
	w1, w2 := Wilson(k1, n1), Wilson(k2, n2)
	if w1 == nil || w2 == nil {
		return nil
	}
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	d := p2 - p1
	return &Interval{
		Low:  d - math.Hypot(p2-w2.Low, w1.High-p1),
		High: d + math.Hypot(w2.High-p2, p1-w1.Low),
	}
}

// MeanInterval returns Student's t interval of a mean from its sample standard deviation.
func MeanInterval(mean, sd float64, n int) *Interval {
	if n < 2 || sd == 0 || math.IsNaN(sd) {
		return nil
	}
	half := StudentT975(float64(n-1)) * sd / math.Sqrt(float64(n))
	return &Interval{Low: mean - half, High: mean + half}
}

// Welch returns Welch's t interval of the change mean2 − mean1 between two independent
// samples, from their means, sample standard deviations and sizes.
func Welch(mean1, sd1 float64, n1 int, mean2, sd2 float64, n2 int) *Interval {
	if n1 < 2 || n2 < 2 {
		return nil
	}
	v1, v2 := sd1*sd1/float64(n1), sd2*sd2/float64(n2)
	se2 := v1 + v2
	if se2 == 0 || math.IsNaN(se2) {
		return nil
	}
	df := se2 * se2 / (v1*v1/float64(n1-1) + v2*v2/float64(n2-1))
	d, half := mean2-mean1, StudentT975(df)*math.Sqrt(se2)
	return &Interval{Low: d - half, High: d + half}
}

// StudentT975 returns the 97.5th percentile of Student's t distribution with df degrees of
// freedom (df may be fractional, as Welch's are): Newton's method on the distribution
// function, kept inside a bracket by bisection. Results are remembered: cells share their
// degrees of freedom.
func StudentT975(df float64) float64 {
	if math.IsInf(df, 1) || df > 1e7 {
		return z975
	}
	if t, ok := tCache.Load(df); ok {
		return t.(float64)
	}
	t, _ := solveT975(df)
	tCache.Store(df, t)
	return t
}

// solveT975 finds StudentT975(df) and says in how many Newton steps.
func solveT975(df float64) (t float64, steps int) {
	lo, hi := 0.0, 1.0
	for studentTCDF(hi, df) < 0.975 {
		lo, hi = hi, hi*2
	}
	lg1, _ := math.Lgamma((df + 1) / 2)
	lg2, _ := math.Lgamma(df / 2)
	logNorm := lg1 - lg2 - 0.5*math.Log(df*math.Pi)
	t = (lo + hi) / 2
	for range 100 {
		steps++
		f := studentTCDF(t, df) - 0.975
		if f == 0 {
			break // the root, to the distribution function's precision
		}
		if f < 0 {
			lo = t
		} else {
			hi = t
		}
		pdf := math.Exp(logNorm - (df+1)/2*math.Log1p(t*t/df))
		next := t - f/pdf
		if next <= lo || next >= hi || math.IsNaN(next) {
			next = (lo + hi) / 2
		}
		if math.Abs(next-t) < 1e-13*math.Max(1, t) {
			t = next
			break
		}
		t = next
	}
	return t, steps
}

var tCache sync.Map // df → StudentT975(df)

// studentTCDF is P(T ≤ t) for t ≥ 0: 1 − ½·I_{df/(df+t²)}(df/2, ½).
func studentTCDF(t, df float64) float64 {
	return 1 - 0.5*regIncBeta(df/(df+t*t), df/2, 0.5)
}

// regIncBeta is the regularised incomplete beta function I_x(a, b), by its continued
// fraction (Numerical Recipes, §6.4).
func regIncBeta(x, a, b float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(x, a, b) / a
	}
	return 1 - front*betaCF(1-x, b, a)/b
}

func betaCF(x, a, b float64) float64 {
	const tiny, eps = 1e-300, 1e-15
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	// step applies one term aa of the fraction (modified Lentz) and returns its factor.
	step := func(aa float64) float64 {
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		return d * c
	}
	for m := 1; m <= 300; m++ {
		mf := float64(m)
		m2 := 2 * mf
		h *= step(mf * (b - mf) * x / ((qam + m2) * (a + m2)))
		del := step(-(a + mf) * (qab + mf) * x / ((a + m2) * (qap + m2)))
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}
