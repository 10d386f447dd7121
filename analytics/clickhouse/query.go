package clickhouse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/palabre/palabre/analytics"
)

// The analytics queries, built by pure functions: identifiers come only from the fixed
// table below, every value is bound with "?".
//
// Counting each response once before merges. A response delivered twice is stored twice
// until ReplacingMergeTree merges the parts, which may be never for a small table. Three
// ways to count it once were measured on 18.16 (bench_test.go: 9.9 million answers with
// retried batches, 2 cores shared with other work, warm, clickhouse-client medians), for a
// rating (873,000 answers) and a matrix (2.5 million) broken down by country × edition:
//
//   - SELECT … FROM answers FINAL (merges at read time):  rating 557 ms, matrix 1,310 ms;
//   - GROUP BY response_id, item_key first, then count:   rating 387 ms;
//   - uniqExact(response_id) per group, item and value:    rating  82 ms, matrix   290 ms.
//
// The last is exact because a response has one value per question and matrix row (several
// for multiple choice, each counted in its own bin) and its copies carry the same values
// (the write path refuses a resubmission with other answers; the seed generator is
// deterministic), so the distinct response ids in a bin are the respondents who gave that
// value. A plain count() (rating 41 ms, matrix 118 ms) counts copies, but is exact where
// the table's layout shows no copy can be: parts.go says when, and the builders below take
// a Dedup naming the editions that still need distinct ids.
//
// Quantiles are not computed here: 18.16's quantileExact takes an order statistic without
// interpolating (the median of 1, 2, 3, 4 is 3), unlike the type-7 definition analytics
// uses, and it lacks the quantileExactInclusive of current servers. Queries return
// per-value histograms instead, and analytics computes every statistic from them in Go.

// dimensionColumns is the only source of identifiers in these queries.
var dimensionColumns = map[analytics.Dimension]string{
	analytics.Edition:      "edition",
	analytics.Country:      "country",
	analytics.Organisation: "organisation",
	analytics.Role:         "role",
	analytics.Language:     "language",
}

// checkQuery refuses what the builders cannot express: an unknown dimension, a year that is
// not a number.
func checkQuery(q analytics.Query) error {
	if q.Survey == "" {
		return fmt.Errorf("analytics query: no survey")
	}
	for _, d := range q.By {
		if _, ok := dimensionColumns[d]; !ok {
			return fmt.Errorf("analytics query: unknown dimension %q", d)
		}
	}
	for d, vals := range q.Filter {
		if _, ok := dimensionColumns[d]; !ok {
			return fmt.Errorf("analytics query: unknown dimension %q", d)
		}
		for _, v := range vals {
			if _, err := strconv.ParseUint(v, 10, 16); d == analytics.Edition && err != nil {
				return fmt.Errorf("analytics query: edition %q is not a year", v)
			}
		}
	}
	return nil
}

// groupColumns returns the columns of by in the order of analytics.Dimensions, which is
// also the order results sort by.
func groupColumns(by []analytics.Dimension) []string {
	var out []string
	for _, d := range analytics.Dimensions {
		for _, b := range by {
			if b == d {
				out = append(out, dimensionColumns[d])
			}
		}
	}
	return out
}

// where is the condition on survey, question (when not empty) and filter, with its args;
// extra conditions are appended as given.
func where(q analytics.Query, question string, extra ...string) (string, []any) {
	conds, args := []string{"survey_id = ?"}, []any{q.Survey}
	if question != "" {
		conds, args = append(conds, "question_key = ?"), append(args, question)
	}
	conds = append(conds, extra...)
	for _, d := range analytics.Dimensions {
		vals, ok := q.Filter[d]
		if !ok {
			continue
		}
		marks := make([]string, len(vals))
		for i, v := range vals {
			marks[i] = "?"
			if d == analytics.Edition {
				args = append(args, year(v))
			} else {
				args = append(args, v)
			}
		}
		if len(vals) == 0 {
			marks = []string{"NULL"} // an empty list keeps nothing
		}
		conds = append(conds, dimensionColumns[d]+" IN ("+strings.Join(marks, ", ")+")")
	}
	return "WHERE " + strings.Join(conds, "\n  AND "), args
}

// readEditions are the editions q reads, nil for all. q must pass checkQuery.
func readEditions(q analytics.Query) []uint16 {
	vals, ok := q.Filter[analytics.Edition]
	if !ok {
		return nil
	}
	out := make([]uint16, 0, len(vals))
	for _, v := range vals {
		out = append(out, year(v))
	}
	return out
}

// year is an edition filter's value as stored; checkQuery has checked it is a year.
func year(v string) uint16 {
	y, _ := strconv.ParseUint(v, 10, 16)
	return uint16(y)
}

func list(cols ...string) string { return strings.Join(cols, ", ") }

// ResponseCountsSQL counts responses per group, each once where d says copies may be. q
// must pass checkQuery.
func ResponseCountsSQL(q analytics.Query, d Dedup) (string, []any) {
	cols := groupColumns(q.By)
	w, args := where(q, "")
	return countedSQL(cols, cols, "responses", w, args, d)
}

// DistributionSQL counts, per group, matrix row and value, the respondents who gave that
// value, each once where d says copies may be. For multiple choice every selected choice is
// a value, and the empty value (never a choice key) counts the respondents who answered at
// all; with ValueAnswered there is no value column, only that count. q must pass
// checkQuery.
func DistributionSQL(q analytics.Query, question string, v analytics.Value, d Dedup) (string, []any) {
	cols := append(groupColumns(q.By), "item_key")
	from, value, cond := "answers", "", ""
	switch v {
	case analytics.ValueNumber:
		value, cond = "assumeNotNull(value_num) AS v", "value_num IS NOT NULL"
	case analytics.ValueText:
		value, cond = "value_text AS v", "value_text != ''"
	case analytics.ValueChoices:
		from, value = "answers\nARRAY JOIN arrayPushFront(value_choices, '') AS v", "v"
	}
	var extra []string
	if cond != "" {
		extra = append(extra, cond)
	}
	w, args := where(q, question, extra...)
	keys := slices.Clone(cols)
	if value != "" {
		keys = append(keys, "v")
		cols = append(cols, value)
	}
	return countedSQL(cols, keys, from, w, args, d)
}

// countedSQL selects cols and the number of responses per keys from the rows of from that
// match w. It counts rows (each response is one row per group) where every response is
// stored once, and distinct response ids in the editions of d, summing both per group.
func countedSQL(cols, keys []string, from, w string, args []any, d Dedup) (string, []any) {
	branch := func(count, alias, cond string) string {
		sql := "SELECT " + list(append(slices.Clone(cols), count+" AS "+alias)...) + "\nFROM " + from + "\n" + w + cond
		if len(keys) > 0 {
			sql += "\nGROUP BY " + list(keys...)
		}
		return sql
	}
	order := ""
	if len(keys) > 0 {
		order = "\nORDER BY " + list(keys...)
	}
	switch {
	case d.Everywhere:
		return branch(countDistinct, "n", "") + order, args
	case len(d.Editions) == 0:
		return branch("count()", "n", "") + order, args
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(d.Editions)), ", ")
	sql := "SELECT " + list(append(slices.Clone(keys), "sum(c) AS n")...) + "\nFROM (\n" +
		branch("count()", "c", "\n  AND edition NOT IN ("+marks+")") + "\nUNION ALL\n" +
		branch(countDistinct, "c", "\n  AND edition IN ("+marks+")") + "\n)"
	if len(keys) > 0 {
		sql += "\nGROUP BY " + list(keys...)
	}
	all := make([]any, 0, 2*(len(args)+len(d.Editions)))
	for range 2 {
		all = append(all, args...)
		for _, e := range d.Editions {
			all = append(all, e)
		}
	}
	return sql + order, all
}

// countDistinct counts each response once however many copies are stored.
const countDistinct = "uniqExact(response_id)"

// CommentsSQL lists the first rows of a question's text answers, newest edition first, then
// latest submitted, then by profile and text so that pages are stable, with each row's
// response id. Copies of a response are identical rows, hence adjacent: the caller keeps
// one. A top-N sort reads the texts once; grouping every answer by response first was
// seven times slower on 18.16 (480,000 comments: 206 ms against 30 ms). q must pass
// checkQuery.
func CommentsSQL(q analytics.Query, question string, rows int) (string, []any) {
	w, args := where(q, question, "value_text != ''")
	sql := "SELECT edition, country, organisation, role, language, submitted_at, value_text, response_id\nFROM answers\n" + w +
		"\nORDER BY edition DESC, submitted_at DESC, country, organisation, role, language, value_text, response_id" +
		"\nLIMIT ?"
	return sql, append(args, rows)
}
