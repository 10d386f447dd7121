package analyticstest

import (
	"math"
	"slices"
	"sync"

	"github.com/palabre/palabre/analytics"
)

// The reference's statistics, written from their textbook definitions and on purpose by
// other routes than the analytics package: the Wilson interval as the roots of its
// quadratic, the Student t quantile by bisection on a power series of the incomplete beta
// function (analytics uses Newton's method on a continued fraction), means and variances
// from the raw values rather than from histograms.

// z975 is the 0.975 quantile of the standard normal distribution (R: qnorm(0.975)).
const z975 = 1.959963984540054

// wilson is the Wilson score interval of k/n: the two roots in π of
// (k/n − π)² = z²·π(1 − π)/n, that is
// π = (2k + z² ± z·√(z² + 4k(n − k)/n)) / (2(n + z²)).
func wilson(k, n int) *analytics.Interval {
	if n <= 0 || k < 0 || k > n {
		return nil
	}
	kf, nf, z2 := float64(k), float64(n), z975*z975
	root := z975 * math.Sqrt(z2+4*kf*(nf-kf)/nf)
	den := 2 * (nf + z2)
	return &analytics.Interval{Low: math.Max(0, (2*kf+z2-root)/den), High: math.Min(1, (2*kf+z2+root)/den)}
}

// newcombe is the hybrid score interval of kb/nb − ka/na (Newcombe 1998, method 10): each
// side of the difference takes the distance from each share to the relevant end of its own
// Wilson interval, combined in quadrature.
func newcombe(ka, na, kb, nb int) *analytics.Interval {
	wa, wb := wilson(ka, na), wilson(kb, nb)
	if wa == nil || wb == nil {
		return nil
	}
	pa, pb := float64(ka)/float64(na), float64(kb)/float64(nb)
	d := pb - pa
	return &analytics.Interval{
		Low:  d - math.Sqrt((pb-wb.Low)*(pb-wb.Low)+(wa.High-pa)*(wa.High-pa)),
		High: d + math.Sqrt((wb.High-pb)*(wb.High-pb)+(pa-wa.Low)*(pa-wa.Low)),
	}
}

// moments returns the mean and the sample variance (n − 1) of xs.
func moments(xs []float64) (mean, variance float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / (n - 1)
}

// meanInterval is Student's t interval of the mean of xs: x̄ ± t(0.975, n−1)·s/√n; nil for
// fewer than two values or no spread.
func meanInterval(xs []float64) *analytics.Interval {
	n := len(xs)
	if n < 2 {
		return nil
	}
	mean, v := moments(xs)
	if v == 0 {
		return nil
	}
	half := tQuantile975(float64(n-1)) * math.Sqrt(v/float64(n))
	return &analytics.Interval{Low: mean - half, High: mean + half}
}

// welch is Welch's t interval of mean(b) − mean(a), with the Welch–Satterthwaite degrees
// of freedom; nil when either sample has fewer than two values or neither has spread.
func welch(a, b []float64) *analytics.Interval {
	if len(a) < 2 || len(b) < 2 {
		return nil
	}
	ma, va := moments(a)
	mb, vb := moments(b)
	na, nb := float64(len(a)), float64(len(b))
	sa, sb := va/na, vb/nb
	se2 := sa + sb
	if se2 == 0 {
		return nil
	}
	df := se2 * se2 / (sa*sa/(na-1) + sb*sb/(nb-1))
	half := tQuantile975(df) * math.Sqrt(se2)
	return &analytics.Interval{Low: mb - ma - half, High: mb - ma + half}
}

// quantile7 is the p-quantile of sorted xs by Hyndman and Fan's type 7 (R's default):
// h = (n − 1)p, Q = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
func quantile7(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	j := int(math.Floor(h))
	if j+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[j] + (h-float64(j))*(sorted[j+1]-sorted[j])
}

var tQuantiles sync.Map // df → tQuantile975(df)

// tQuantile975 is the 0.975 quantile of Student's t with df degrees of freedom (df may be
// fractional): bisection on tTwoSided until the bracket stops shrinking.
func tQuantile975(df float64) float64 {
	if t, ok := tQuantiles.Load(df); ok {
		return t.(float64)
	}
	lo, hi := 0.0, 1.0
	for tTwoSided(hi, df) < 0.95 {
		lo, hi = hi, 2*hi
	}
	for range 200 {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if tTwoSided(mid, df) < 0.95 {
			lo = mid
		} else {
			hi = mid
		}
	}
	t := lo + (hi-lo)/2
	tQuantiles.Store(df, t)
	return t
}

// tTwoSided is P(|T| ≤ t) for Student's t with df degrees of freedom:
// I_x(½, df/2) with x = t²/(df + t²), or 1 − I_{1−x}(df/2, ½) when x is large, so that the
// series below always runs with its argument at most ½.
func tTwoSided(t, df float64) float64 {
	x := t * t / (df + t*t)
	if x <= 0.5 {
		return incBetaSeries(x, 0.5, df/2)
	}
	return 1 - incBetaSeries(df/(df+t*t), df/2, 0.5)
}

// incBetaSeries is the regularised incomplete beta function I_x(a, b) by its
// hypergeometric series (Abramowitz and Stegun 26.5.4):
// I_x(a, b) = x^a (1−x)^b / (a·B(a, b)) · Σ_{n≥0} (a+b)_n / (a+1)_n · x^n,
// whose terms are all positive, for 0 ≤ x ≤ ½.
func incBetaSeries(x, a, b float64) float64 {
	if x <= 0 {
		return 0
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(a*math.Log(x) + b*math.Log1p(-x) + lab - la - lb - math.Log(a))
	sum, term := 1.0, 1.0
	for n := 0.0; n < 10000; n++ {
		term *= (a + b + n) / (a + 1 + n) * x
		sum += term
		if term < 1e-17*sum {
			break
		}
	}
	return front * sum
}

// sortedCopy returns xs sorted, leaving xs alone.
func sortedCopy(xs []float64) []float64 {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}
