package web

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
)

// uiLanguages are the languages palabre's own interface is translated into.
var uiLanguages = []string{survey.French, survey.English, survey.Spanish}

// Language picks the language to answer in: the "lang" query parameter when it is one palabre
// speaks, else the best match of Accept-Language, else French.
func Language(c *gin.Context) string {
	return Negotiate(c.Query("lang"), c.GetHeader("Accept-Language"), uiLanguages, survey.DefaultLanguage)
}

// Negotiate picks a language among offered: explicit when offered, else the Accept-Language
// entry with the highest quality whose tag, or primary tag, is offered, else fallback.
func Negotiate(explicit, acceptLanguage string, offered []string, fallback string) string {
	has := func(l string) bool {
		for _, o := range offered {
			if o == l {
				return true
			}
		}
		return false
	}
	if explicit != "" && has(explicit) {
		return explicit
	}
	best, bestQ := "", 0.0
	for i, part := range strings.Split(acceptLanguage, ",") {
		if i >= 32 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		// The whole tag when offered (a form's own tag such as kreyol-ayisyen), else its
		// primary part.
		l := strings.ToLower(strings.TrimSpace(tag))
		if !has(l) {
			l, _, _ = strings.Cut(l, "-")
		}
		if q > bestQ && has(l) {
			best, bestQ = l, q
		}
	}
	if best != "" {
		return best
	}
	return fallback
}

// QueryValues splits a query parameter's comma-separated values, so that country=SN,PE and
// country=SN&country=PE mean the same; blank values are dropped.
func QueryValues(raw []string) []string {
	var out []string
	for _, r := range raw {
		for _, v := range strings.Split(r, ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}
