package analyticstest

import (
	"encoding/json"
	"fmt"
	"math"
)

// Diff compares two values through their JSON encoding, numbers to a relative 1e-9, and
// describes the first difference ("" when equal).
func Diff(got, want any) string {
	var g, w any
	for _, p := range []struct {
		v   any
		out *any
	}{{got, &g}, {want, &w}} {
		b, err := json.Marshal(p.v)
		if err != nil {
			return err.Error()
		}
		if err := json.Unmarshal(b, p.out); err != nil {
			return err.Error()
		}
	}
	return diffJSON("", g, w)
}

func diffJSON(path string, g, w any) string {
	switch w := w.(type) {
	case map[string]any:
		gm, ok := g.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %v, want an object", path, g)
		}
		for k := range gm {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("%s.%s: unexpected %v", path, k, gm[k])
			}
		}
		for k, wv := range w {
			if d := diffJSON(path+"."+k, gm[k], wv); d != "" {
				return d
			}
		}
	case []any:
		ga, ok := g.([]any)
		if !ok || len(ga) != len(w) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
		for i := range w {
			if d := diffJSON(fmt.Sprintf("%s[%d]", path, i), ga[i], w[i]); d != "" {
				return d
			}
		}
	case float64:
		gf, ok := g.(float64)
		if !ok || math.Abs(gf-w) > 1e-9*math.Max(1, math.Abs(w)) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
	default:
		if g != w {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
	}
	return ""
}
