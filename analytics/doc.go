// Package analytics answers "what did people answer, by country, organisation, role, year
// and language": response counts and rates, the distribution of every question type
// (shares, means, quartiles, top-2-box, NPS), free-text comments, and year-over-year
// comparisons with 95% confidence intervals, with small cells suppressed for funders.
//
// It depends on the standard library and survey only. The data comes from a Store (the
// ClickHouse adapter in analytics/clickhouse) that returns small per-value histograms; every
// statistic is computed here, in Go, from those histograms, so one SQL shape serves them
// all and quantiles follow one documented definition (Hyndman and Fan's type 7, the default
// of R and NumPy). analyticstest.Reference computes the same results from raw responses with
// code that shares nothing with this package but its result types; tests hold the two
// together, over the in-memory store and over ClickHouse.
package analytics
