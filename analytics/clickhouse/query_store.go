package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/palabre/palabre/analytics"
)

var _ analytics.Store = (*DB)(nil)

// ResponseCounts counts the responses of a survey per group, each once.
func (db *DB) ResponseCounts(ctx context.Context, q analytics.Query) ([]analytics.Count, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	var out []analytics.Count
	err := db.counted(ctx, "responses", readEditions(q), func(d Dedup) error {
		var err error
		out, err = db.responseCounts(ctx, q, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count responses: %w", err)
	}
	return out, nil
}

func (db *DB) responseCounts(ctx context.Context, q analytics.Query, d Dedup) ([]analytics.Count, error) {
	sql, args := ResponseCountsSQL(q, d)
	rows, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.Count
	g := newGroupScan(q.By)
	var n uint64
	for rows.Next() {
		if err := rows.Scan(append(g.dest(), &n)...); err != nil {
			return nil, err
		}
		out = append(out, analytics.Count{Group: g.group(), N: int(n)})
	}
	return out, rows.Err()
}

// Distribution reads a question's histograms.
func (db *DB) Distribution(ctx context.Context, q analytics.Query, question string, v analytics.Value) (*analytics.Distribution, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	var out *analytics.Distribution
	err := db.counted(ctx, "answers", readEditions(q), func(d Dedup) error {
		var err error
		out, err = db.distribution(ctx, q, question, v, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("distribution of %s: %w", question, err)
	}
	return out, nil
}

func (db *DB) distribution(ctx context.Context, q analytics.Query, question string, v analytics.Value, dd Dedup) (*analytics.Distribution, error) {
	sql, args := DistributionSQL(q, question, v, dd)
	rows, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
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
			return nil, err
		}
		group := g.group()
		switch {
		case v == analytics.ValueAnswered || v == analytics.ValueChoices && text == "":
			d.Answered = append(d.Answered, analytics.Count{Group: group, Item: item, N: int(n)})
			continue
		}
		if len(d.Bins) == cap(d.Bins) {
			// Double: append's gentler growth copies large histograms (numbers, dates) many times.
			d.Bins = slices.Grow(d.Bins, max(len(d.Bins), 256))
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
	return d, rows.Err()
}

// Comments reads a page of a question's text answers, one per response. It reads the rows up
// to the end of the page and a little more, drops copies of a response, and reads further
// when copies left the page short.
func (db *DB) Comments(ctx context.Context, q analytics.Query, question string, page analytics.Page) ([]analytics.Comment, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	want := page.Offset + page.Limit
	for window := want + want/8 + 16; ; window *= 2 {
		list, read, err := db.comments(ctx, q, question, window)
		if err != nil {
			return nil, err
		}
		if len(list) >= want || read < window {
			if page.Offset >= len(list) {
				return []analytics.Comment{}, nil
			}
			return list[page.Offset:min(len(list), want)], nil
		}
	}
}

// comments reads the first rows of a question's text answers and keeps one per response;
// read is the number of rows read.
func (db *DB) comments(ctx context.Context, q analytics.Query, question string, rows int) (list []analytics.Comment, read int, err error) {
	sql, args := CommentsSQL(q, question, rows)
	r, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("comments on %s: %w", question, err)
	}
	defer r.Close()
	seen := map[uuid.UUID]bool{}
	for r.Next() {
		var (
			c       analytics.Comment
			edition uint16
			at      time.Time
			id      uuid.UUID
		)
		if err := r.Scan(&edition, &c.Group.Country, &c.Group.Organisation, &c.Group.Role, &c.Group.Language, &at, &c.Text, &id); err != nil {
			return nil, 0, fmt.Errorf("comments on %s: %w", question, err)
		}
		read++
		if seen[id] {
			continue
		}
		seen[id] = true
		c.Group.Edition, c.SubmittedAt = int(edition), at.UTC()
		list = append(list, c)
	}
	if err := r.Err(); err != nil {
		return nil, 0, fmt.Errorf("comments on %s: %w", question, err)
	}
	return list, read, nil
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
