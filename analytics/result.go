package analytics

import "github.com/palabre/palabre/survey"

// Result is the answer to one Request: response counts, or one question's cells, comments
// and year-over-year changes.
type Result struct {
	Survey    string      `json:"survey"`
	Audience  Audience    `json:"audience"`
	Threshold int         `json:"threshold"` // smallest cell shown to funders
	By        []Dimension `json:"by"`
	Filter    Filter      `json:"filter,omitempty"`
	Editions  []int       `json:"editions"` // the editions in scope, oldest first
	// Question is set for a question's result; Responses for response counts.
	Question  *QuestionInfo  `json:"question,omitempty"`
	Responses []ResponseCell `json:"responses,omitempty"`
	Cells     []Cell         `json:"cells,omitempty"`
	Comments  *Comments      `json:"comments,omitempty"`
	// Changes and NotCompared are set when the request compares editions.
	Changes     []Change      `json:"changes,omitempty"`
	NotCompared []NotCompared `json:"not_compared,omitempty"`
}

// QuestionInfo describes the question of a result, in the request's language, as the
// latest form in scope words it.
type QuestionInfo struct {
	Key     string              `json:"key"`
	Type    survey.QuestionType `json:"type"`
	Label   string              `json:"label"`
	Choices []Label             `json:"choices,omitempty"` // choices, or the points of a scale
	Items   []Label             `json:"items,omitempty"`   // matrix rows
	NPS     bool                `json:"nps,omitempty"`     // a 0–10 rating, with NPS
}

// Label is a choice, point or row with its text.
type Label struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Suppression says why a cell's figures are withheld from funders.
type Suppression string

const (
	// SmallCell: fewer respondents than the threshold.
	SmallCell Suppression = "small_cell"
	// Complementary: large enough, but withheld so that a suppressed neighbour cannot be
	// recovered by subtracting the shown cells from a total.
	Complementary Suppression = "complementary"
)

// ResponseCell is the number of responses in a group, and the response rate when the group
// is a whole edition whose number of invited people is known.
type ResponseCell struct {
	Group      Group       `json:"group"`
	N          *int        `json:"n"` // null when suppressed
	Invited    int         `json:"invited,omitempty"`
	Rate       *float64    `json:"rate,omitempty"`
	Suppressed Suppression `json:"suppressed,omitempty"`
	size       int
}

// Cell is one question's answers in one group (and matrix row). Which statistics are set
// depends on the question's type; all are null when the cell is suppressed.
type Cell struct {
	Group      Group       `json:"group"`
	Item       string      `json:"item,omitempty"`
	N          *int        `json:"n"` // respondents who answered; null when suppressed
	Suppressed Suppression `json:"suppressed,omitempty"`
	// Choices: single choice, yes/no and multiple choice (whose shares are of the
	// respondents who answered, so they may add up to more than 1).
	Choices []ChoiceStat `json:"choices,omitempty"`
	// Scale: Likert, matrix, rating and number.
	Scale *ScaleStat `json:"scale,omitempty"`
	// NPS: 0–10 ratings.
	NPS *NPSStat `json:"nps,omitempty"`
	// Dates: date questions.
	Dates *DateStat `json:"dates,omitempty"`

	size int // respondents, kept when N is hidden
}

// ChoiceStat is how many respondents chose one choice, and their share.
type ChoiceStat struct {
	Key   string    `json:"key"`
	Label string    `json:"label"`
	Count int       `json:"count"`
	Share float64   `json:"share"`
	CI    *Interval `json:"ci,omitempty"`
}

// ScaleStat summarises numeric answers. Quartiles and median use linear interpolation
// between order statistics (type 7). On Likert and matrix scales the values are the points'
// 1-based positions.
type ScaleStat struct {
	Mean   float64   `json:"mean"`
	MeanCI *Interval `json:"mean_ci,omitempty"`
	SD     float64   `json:"sd"` // sample standard deviation (n − 1)
	Min    float64   `json:"min"`
	Q1     float64   `json:"q1"`
	Median float64   `json:"median"`
	Q3     float64   `json:"q3"`
	Max    float64   `json:"max"`
	// Top2 is the share of the two highest points (Likert and matrix).
	Top2 *ShareStat `json:"top2,omitempty"`
	// Points counts each point of a Likert or matrix scale or of a rating, including the
	// points nobody chose.
	Points []PointStat `json:"points,omitempty"`
}

// ShareStat is a count, its share of the cell and the share's interval.
type ShareStat struct {
	Count int       `json:"count"`
	Share float64   `json:"share"`
	CI    *Interval `json:"ci,omitempty"`
}

// PointStat is the number of respondents who gave one value of a scale.
type PointStat struct {
	Value float64 `json:"value"`
	Key   string  `json:"key,omitempty"`
	Label string  `json:"label,omitempty"`
	Count int     `json:"count"`
}

// NPSStat is the net promoter score of a 0–10 rating: the share of promoters (9–10) minus
// the share of detractors (0–6), from −100 to 100. Its interval treats the score as the
// mean of +100 (promoter), 0 (passive) and −100 (detractor).
type NPSStat struct {
	Score      float64   `json:"score"`
	CI         *Interval `json:"ci,omitempty"`
	Promoters  ShareStat `json:"promoters"`
	Passives   ShareStat `json:"passives"`
	Detractors ShareStat `json:"detractors"`
}

// DateStat summarises date answers (YYYY-MM-DD).
type DateStat struct {
	First  string       `json:"first"`
	Median string       `json:"median"` // the lower of the two middle dates when n is even
	Last   string       `json:"last"`
	Months []MonthCount `json:"months"`
}

// MonthCount is the number of dates in one month (YYYY-MM).
type MonthCount struct {
	Month string `json:"month"`
	Count int    `json:"count"`
}

// Comments are a text question's answers, a page of them.
type Comments struct {
	Total      *int          `json:"total"` // respondents who answered; null when suppressed
	Suppressed Suppression   `json:"suppressed,omitempty"`
	Offset     int           `json:"offset"`
	List       []CommentView `json:"list"`
}

// CommentView is a comment with as much of its respondent's profile as the audience may
// see: for funders never the organisation, role or language, and the country and edition
// only when that cell is at least the threshold.
type CommentView struct {
	Profile   Group  `json:"profile"`
	Submitted string `json:"submitted,omitempty"` // date, coordinators only
	Text      string `json:"text"`
}

// Measure names the statistic a Change compares.
type Measure string

const (
	MeasureShare Measure = "share" // the share of one choice
	MeasureMean  Measure = "mean"
	MeasureTop2  Measure = "top2"
	MeasureNPS   Measure = "nps"
)

// Change is the change of one statistic of a group between two editions, with both sample
// sizes and the 95% interval of the change: when the interval excludes 0, Significant.
type Change struct {
	Group       Group       `json:"group"` // without edition
	Item        string      `json:"item,omitempty"`
	Measure     Measure     `json:"measure"`
	Choice      string      `json:"choice,omitempty"`
	From        ChangePoint `json:"from"`
	To          ChangePoint `json:"to"`
	Delta       *float64    `json:"delta"`
	CI          *Interval   `json:"ci,omitempty"`
	Significant bool        `json:"significant"`
	Suppressed  Suppression `json:"suppressed,omitempty"`
}

// ChangePoint is one side of a Change.
type ChangePoint struct {
	Edition int      `json:"edition"`
	N       *int     `json:"n"`
	Value   *float64 `json:"value"`
}

// NotCompared says why a question (or a matrix row) is not compared between two editions.
type NotCompared struct {
	From    int    `json:"from"`
	To      int    `json:"to"`
	Item    string `json:"item,omitempty"`
	Reason  Reason `json:"reason"`
	Message string `json:"message"`
}
