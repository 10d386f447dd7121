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
// The last is used (a plain count() takes 41 ms, but counts copies). It is exact because a
// response has one value per question and matrix row (several for multiple choice, each
// counted in its own bin) and its copies carry the same values (the write path refuses a
// resubmission with other answers; the seed generator is deterministic), so the distinct
// response ids in a bin are the respondents who gave that value.
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
				y, _ := strconv.ParseUint(v, 10, 16) // checked by checkQuery
				args = append(args, uint16(y))
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

func list(cols ...string) string { return strings.Join(cols, ", ") }

// ResponseCountsSQL counts distinct responses per group. q must pass checkQuery.
func ResponseCountsSQL(q analytics.Query) (string, []any) {
	cols := groupColumns(q.By)
	w, args := where(q, "")
	sql := "SELECT " + list(append(cols, "uniqExact(response_id) AS n")...) + "\nFROM responses\n" + w
	if len(cols) > 0 {
		sql += "\nGROUP BY " + list(cols...) + "\nORDER BY " + list(cols...)
	}
	return sql, args
}

// DistributionSQL counts, per group, matrix row and value, the distinct respondents who
// gave that value. For multiple choice every selected choice is a value, and the empty
// value (never a choice key) counts the respondents who answered at all; with
// ValueAnswered there is no value column, only that count. q must pass checkQuery.
func DistributionSQL(q analytics.Query, question string, v analytics.Value) (string, []any) {
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
	sql := "SELECT " + list(append(cols, "uniqExact(response_id) AS n")...) + "\nFROM " + from + "\n" + w +
		"\nGROUP BY " + list(keys...) + "\nORDER BY " + list(keys...)
	return sql, args
}

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
