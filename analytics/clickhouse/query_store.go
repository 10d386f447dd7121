package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/palabre/palabre/analytics"
)

var _ analytics.Store = (*DB)(nil)

// ResponseCounts counts the distinct responses of a survey per group.
func (db *DB) ResponseCounts(ctx context.Context, q analytics.Query) ([]analytics.Count, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	sql, args := ResponseCountsSQL(q)
	rows, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("count responses: %w", err)
	}
	defer rows.Close()
	var out []analytics.Count
	g := newGroupScan(q.By)
	var n uint64
	for rows.Next() {
		if err := rows.Scan(append(g.dest(), &n)...); err != nil {
			return nil, fmt.Errorf("count responses: %w", err)
		}
		out = append(out, analytics.Count{Group: g.group(), N: int(n)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count responses: %w", err)
	}
	return out, nil
}

// Distribution reads a question's histograms.
func (db *DB) Distribution(ctx context.Context, q analytics.Query, question string, v analytics.Value) (*analytics.Distribution, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	sql, args := DistributionSQL(q, question, v)
	rows, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("distribution of %s: %w", question, err)
	}
	defer rows.Close()
	d := &analytics.Distribution{}
	g := newGroupScan(q.By)
	var (
		item string
		num  float64
		text string
		n    uint64
	)
	dest := append(g.dest(), &item)
	switch v {
	case analytics.ValueNumber:
		dest = append(dest, &num)
	case analytics.ValueText, analytics.ValueChoices:
		dest = append(dest, &text)
	}
	dest = append(dest, &n)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("distribution of %s: %w", question, err)
		}
		group := g.group()
		switch {
		case v == analytics.ValueAnswered || v == analytics.ValueChoices && text == "":
			d.Answered = append(d.Answered, analytics.Count{Group: group, Item: item, N: int(n)})
			continue
		}
		d.Bins = append(d.Bins, analytics.Bin{Group: group, Item: item, Num: num, Text: text, N: int(n)})
		if v == analytics.ValueChoices {
			continue
		}
		// One value per respondent: who answered is the sum of the bins (which arrive
		// sorted by group and item).
		if last := len(d.Answered) - 1; last >= 0 && d.Answered[last].Group == group && d.Answered[last].Item == item {
			d.Answered[last].N += int(n)
		} else {
			d.Answered = append(d.Answered, analytics.Count{Group: group, Item: item, N: int(n)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("distribution of %s: %w", question, err)
	}
	return d, nil
}

// Comments reads a page of a question's text answers.
func (db *DB) Comments(ctx context.Context, q analytics.Query, question string, page analytics.Page) ([]analytics.Comment, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	sql, args := CommentsSQL(q, question, page)
	rows, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("comments on %s: %w", question, err)
	}
	defer rows.Close()
	out := []analytics.Comment{}
	for rows.Next() {
		var (
			c       analytics.Comment
			edition uint16
			at      time.Time
		)
		if err := rows.Scan(&edition, &c.Group.Country, &c.Group.Organisation, &c.Group.Role, &c.Group.Language, &at, &c.Text); err != nil {
			return nil, fmt.Errorf("comments on %s: %w", question, err)
		}
		c.Group.Edition, c.SubmittedAt = int(edition), at.UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("comments on %s: %w", question, err)
	}
	return out, nil
}

// groupScan reads the group columns of a row, in the order groupColumns writes them.
type groupScan struct {
	dims    []analytics.Dimension
	edition uint16
	strs    [len(dimensionOrder)]string
}

var dimensionOrder = [...]analytics.Dimension{analytics.Edition, analytics.Country, analytics.Organisation, analytics.Role, analytics.Language}

func newGroupScan(by []analytics.Dimension) *groupScan {
	g := &groupScan{}
	for _, d := range dimensionOrder {
		for _, b := range by {
			if b == d {
				g.dims = append(g.dims, d)
			}
		}
	}
	return g
}

func (g *groupScan) dest() []any {
	out := make([]any, 0, len(g.dims)+3)
	for i, d := range g.dims {
		if d == analytics.Edition {
			out = append(out, &g.edition)
		} else {
			out = append(out, &g.strs[i])
		}
	}
	return out
}

func (g *groupScan) group() analytics.Group {
	var out analytics.Group
	for i, d := range g.dims {
		if d == analytics.Edition {
			out.Edition = int(g.edition)
		} else {
			out = out.With(d, g.strs[i])
		}
	}
	return out
}
