package analytics

import (
	"slices"
	"strconv"
)

// Dimension is a property of the respondent that results are broken down and filtered by.
type Dimension string

// The dimensions every response carries.
const (
	Edition      Dimension = "edition" // the edition's year
	Country      Dimension = "country" // ISO 3166-1 alpha-2
	Organisation Dimension = "organisation"
	Role         Dimension = "role"
	Language     Dimension = "language" // the language the form was answered in
)

// Dimensions lists every dimension, in the order results sort by.
var Dimensions = []Dimension{Edition, Country, Organisation, Role, Language}

// Valid reports whether d is one of Dimensions.
func (d Dimension) Valid() bool { return slices.Contains(Dimensions, d) }

// Group is one cell of a breakdown: the values of the dimensions a result is broken down
// by; the others are zero.
type Group struct {
	Edition      int    `json:"edition,omitempty"`
	Country      string `json:"country,omitempty"`
	Organisation string `json:"organisation,omitempty"`
	Role         string `json:"role,omitempty"`
	Language     string `json:"language,omitempty"`
}

// Value returns the group's value for d, the year in decimal for Edition.
func (g Group) Value(d Dimension) string {
	switch d {
	case Edition:
		if g.Edition == 0 {
			return ""
		}
		return strconv.Itoa(g.Edition)
	case Country:
		return g.Country
	case Organisation:
		return g.Organisation
	case Role:
		return g.Role
	case Language:
		return g.Language
	}
	return ""
}

// With returns g with d set to v (a decimal year for Edition).
func (g Group) With(d Dimension, v string) Group {
	switch d {
	case Edition:
		g.Edition, _ = strconv.Atoi(v)
	case Country:
		g.Country = v
	case Organisation:
		g.Organisation = v
	case Role:
		g.Role = v
	case Language:
		g.Language = v
	}
	return g
}

// Only returns g with every dimension but those of by cleared.
func (g Group) Only(by []Dimension) Group {
	var out Group
	for _, d := range by {
		out = out.With(d, g.Value(d))
	}
	return out
}

// compareGroups orders groups by edition (numerically), then the other dimensions.
func compareGroups(a, b Group) int {
	if a.Edition != b.Edition {
		return a.Edition - b.Edition
	}
	for _, d := range Dimensions[1:] {
		if va, vb := a.Value(d), b.Value(d); va != vb {
			if va < vb {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Filter keeps the responses whose profile has one of the listed values, for every
// dimension it lists. Edition values are decimal years.
type Filter map[Dimension][]string

// Match reports whether a respondent's full profile passes the filter.
func (f Filter) Match(g Group) bool {
	for d, vals := range f {
		if !slices.Contains(vals, g.Value(d)) {
			return false
		}
	}
	return true
}

// Years returns the edition years the filter keeps, nil when it does not filter editions.
func (f Filter) Years() []int {
	vals, ok := f[Edition]
	if !ok {
		return nil
	}
	out := make([]int, 0, len(vals))
	for _, v := range vals {
		if y, err := strconv.Atoi(v); err == nil {
			out = append(out, y)
		}
	}
	return out
}

// Dimensions returns the dimensions the filter restricts, in the order of Dimensions.
func (f Filter) Dimensions() []Dimension {
	var out []Dimension
	for _, d := range Dimensions {
		if _, ok := f[d]; ok {
			out = append(out, d)
		}
	}
	return out
}

// clone returns a deep copy of f.
func (f Filter) clone() Filter {
	out := make(Filter, len(f))
	for d, v := range f {
		out[d] = slices.Clone(v)
	}
	return out
}
