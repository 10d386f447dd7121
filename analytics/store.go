package analytics

import (
	"context"
	"time"

	"github.com/palabre/palabre/survey"
)

// Store reads stored answers, aggregated. Every count is of distinct responses: a response
// stored twice (a batch delivered again before the database folded it) counts once.
// analytics/clickhouse implements it.
type Store interface {
	// ResponseCounts counts the responses of q's survey in each group of q.By that q.Filter
	// keeps. Groups without responses are absent; with no By, one Count (possibly 0).
	ResponseCounts(ctx context.Context, q Query) ([]Count, error)
	// Distribution counts, in each group and matrix row, the respondents who gave each value
	// of a question, read as v says.
	Distribution(ctx context.Context, q Query, question string, v Value) (*Distribution, error)
	// Comments returns the non-empty text answers to a question, one per response, newest
	// edition first, then latest submitted first, with the full profile of their respondent.
	Comments(ctx context.Context, q Query, question string, page Page) ([]Comment, error)
	// Responses calls fn with each response of q's survey that q.Filter keeps, once, edition
	// by edition (oldest first; within an edition in an order of the Store's), with its
	// answers sorted by question and matrix row; q.By is ignored. With questions, only the answers to those questions are read (a
	// response is still given, without answers, when it answered none of them). fn may keep
	// nothing of the response after it returns; an error from fn stops the reading and is
	// returned.
	Responses(ctx context.Context, q Query, questions []string, fn func(*survey.Response) error) error
}

// Query selects the responses of a survey and the dimensions to group them by.
type Query struct {
	Survey string
	By     []Dimension
	Filter Filter
}

// Value says which part of an answer a Distribution counts.
type Value string

const (
	// ValueNumber counts Answer.Num: ratings, numbers, and the 1-based points of Likert and
	// matrix scales.
	ValueNumber Value = "number"
	// ValueText counts Answer.Text: single choices, yes/no, dates.
	ValueText Value = "text"
	// ValueChoices counts each of Answer.Choices: a respondent to a multiple-choice question
	// is in as many bins as choices selected.
	ValueChoices Value = "choices"
	// ValueAnswered counts only who answered: no bins, Answered alone (free text).
	ValueAnswered Value = "answered"
)

// Distribution is a question's answers as histograms: few distinct values on scales and
// choices, so the histograms are small and every statistic computed from them is exact.
type Distribution struct {
	// Bins count respondents per group, item and value (Num for ValueNumber, Text
	// otherwise), sorted by group, item and value.
	Bins []Bin
	// Answered counts respondents who answered at all, per group and item: the base of
	// shares (for multiple choice it is not the sum of the bins).
	Answered []Count
}

// Bin is the number of respondents of a group who gave one value.
type Bin struct {
	Group Group
	Item  string // matrix row; "" for other questions
	Num   float64
	Text  string
	N     int
}

// Count is a number of respondents in a group (and matrix row).
type Count struct {
	Group Group
	Item  string
	N     int
}

// Page bounds a list.
type Page struct {
	Limit  int
	Offset int
}

// Comment is a text answer with the profile of its respondent (all of Group is set).
type Comment struct {
	Group       Group
	SubmittedAt time.Time
	Text        string
}
