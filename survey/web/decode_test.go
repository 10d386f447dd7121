package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/palabre/palabre/survey"
)

// usualBody is a response as browsers send it: a profile and 30 answers (one likert, an
// 8-row matrix, ten more likert, five single choices, two multiple choices, two ratings, a
// number and a comment), keys in the form's order.
const usualBody = `{"id":"0190f3a2-7c4e-7b1a-9d2e-3f4a5b6c7d8e",` +
	`"respondent":{"country":"SN","organisation":"Association Jàmm ak Xéewal","role":"social_worker","language":"fr"},` +
	`"answers":{"satisfaction":"agree",` +
	`"topics":{"child_protection":"very_useful","advocacy":"useful","education":"very_useful","health":"somewhat_useful",` +
	`"nutrition":"useful","water":"not_useful","livelihoods":"useful","gender":"very_useful"},` +
	`"venue":"agree","schedule":"neutral","materials":"strongly_agree","facilitation":"agree","pace":"disagree",` +
	`"relevance":"strongly_agree","exchange":"agree","follow_up":"neutral","logistics":"agree","overall":"strongly_agree",` +
	`"attended":"yes","session_role":"facilitator","format":"in_person","working_language":"french","travel":"bus",` +
	`"sessions":["plenary","workshops","field_visits"],"channels":["email","radio"],` +
	`"recommend":9,"speakers":8,"families":42,` +
	`"improve":"Plus de temps pour les échanges entre régions ; les ateliers étaient « très » riches.\nMerci à l’équipe !"}}`

// sameResult fails unless decodeSubmission's result (got, err) is encoding/json's (want, wantErr).
func sameResult(t *testing.T, got survey.Submission, err error, want survey.Submission, wantErr error) {
	t.Helper()
	switch {
	case err == nil && wantErr == nil:
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded\n%#v\nencoding/json decodes\n%#v", got, want)
		}
	case err == nil || wantErr == nil:
		t.Fatalf("error %v, encoding/json's %v", err, wantErr)
	default:
		var e, we *survey.Error
		if !errors.As(err, &e) || !errors.As(wantErr, &we) {
			t.Fatalf("error %v, encoding/json's %v: not both *survey.Error", err, wantErr)
		}
		if err.Error() != wantErr.Error() || e.Code != we.Code || !reflect.DeepEqual(e.Message, we.Message) {
			t.Fatalf("error %v (%+v), encoding/json's %v (%+v)", err, e.Message, wantErr, we.Message)
		}
	}
}

func TestDecodeSubmission(t *testing.T) {
	tests := []struct {
		name string
		body string
		fast bool                // taken by the one-pass parser
		want *survey.Submission  // when set, the expected result
		vals map[string][]string // when set, the expected values
		err  string              // when set, part of the expected error
	}{
		{name: "usual", body: usualBody, fast: true, want: &survey.Submission{
			ID:         "0190f3a2-7c4e-7b1a-9d2e-3f4a5b6c7d8e",
			Respondent: survey.Respondent{Country: "SN", Organisation: "Association Jàmm ak Xéewal", Role: "social_worker", Language: "fr"},
			Values: map[string][]string{
				"satisfaction": {"agree"}, "topics.child_protection": {"very_useful"}, "topics.advocacy": {"useful"},
				"topics.education": {"very_useful"}, "topics.health": {"somewhat_useful"}, "topics.nutrition": {"useful"},
				"topics.water": {"not_useful"}, "topics.livelihoods": {"useful"}, "topics.gender": {"very_useful"},
				"venue": {"agree"}, "schedule": {"neutral"}, "materials": {"strongly_agree"}, "facilitation": {"agree"},
				"pace": {"disagree"}, "relevance": {"strongly_agree"}, "exchange": {"agree"}, "follow_up": {"neutral"},
				"logistics": {"agree"}, "overall": {"strongly_agree"}, "attended": {"yes"}, "session_role": {"facilitator"},
				"format": {"in_person"}, "working_language": {"french"}, "travel": {"bus"},
				"sessions": {"plenary", "workshops", "field_visits"}, "channels": {"email", "radio"},
				"recommend": {"9"}, "speakers": {"8"}, "families": {"42"},
				"improve": {"Plus de temps pour les échanges entre régions ; les ateliers étaient « très » riches.\nMerci à l’équipe !"},
			}}},
		{name: "white space everywhere", fast: true,
			body: " \t\r\n{ \"id\" : \"x\" , \"answers\" : { \"a\" : [ \"1\" , 2 ] , \"m\" : { \"r\" : 3 , \"s\" : null } } } \n",
			vals: map[string][]string{"a": {"1", "2"}, "m.r": {"3"}}},
		{name: "empty object", body: `{}`, fast: true, want: &survey.Submission{Values: map[string][]string{}}},

		// Strings
		{name: "simple escapes", body: `{"answers":{"c":"q\"b\\s\/b\bf\fn\nr\rt\t"}}`, fast: true,
			vals: map[string][]string{"c": {"q\"b\\s/b\bf\fn\nr\rt\t"}}},
		{name: "unicode escapes", body: `{"answers":{"c":"\u00e9\u00C9 \u20ac\u0000"}}`, fast: true,
			vals: map[string][]string{"c": {"éÉ €\x00"}}},
		{name: "surrogate pair", body: `{"answers":{"c":"\ud83d\ude00!"}}`, fast: true, vals: map[string][]string{"c": {"😀!"}}},
		{name: "lone high surrogate", body: `{"answers":{"c":"\ud800x"}}`, fast: true, vals: map[string][]string{"c": {"\uFFFDx"}}},
		{name: "lone low surrogate", body: `{"answers":{"c":"\udc00\ud800"}}`, fast: true, vals: map[string][]string{"c": {"\uFFFD\uFFFD"}}},
		{name: "high surrogate then a pair", body: `{"answers":{"c":"\ud800\ud83d\ude00"}}`, fast: true,
			vals: map[string][]string{"c": {"\uFFFD😀"}}},
		{name: "high surrogate then an escape", body: `{"answers":{"c":"\ud800\n"}}`, fast: true,
			vals: map[string][]string{"c": {"\uFFFD\n"}}},
		{name: "escaped answer key and row", body: `{"answers":{"t\u00f3pico":{"r\u00e9gion":"a"}}}`, fast: true,
			vals: map[string][]string{"tópico.région": {"a"}}},
		{name: "escaped field name", body: `{"\u0069d":"x","respondent":{"c\u006funtry":"SN"}}`,
			want: &survey.Submission{ID: "x", Respondent: survey.Respondent{Country: "SN"}, Values: map[string][]string{}}},
		{name: "invalid UTF-8 kept in a plain value", body: "{\"answers\":{\"c\":\"a\xffb\"}}",
			vals: map[string][]string{"c": {"a\xffb"}}},
		{name: "invalid UTF-8 replaced in an escaped value", body: "{\"answers\":{\"c\":\"a\xff\\n\"}}",
			vals: map[string][]string{"c": {"a\uFFFD\n"}}},
		{name: "invalid UTF-8 replaced in a key", body: "{\"answers\":{\"k\xed\xa0\x80\":\"a\"}}",
			vals: map[string][]string{"k\uFFFD\uFFFD\uFFFD": {"a"}}},
		{name: "control character", body: "{\"answers\":{\"c\":\"a\tb\"}}", err: "invalid character"},
		{name: "unknown escape", body: `{"answers":{"c":"\x41"}}`, err: "invalid character 'x' in string escape code"},
		{name: "short unicode escape", body: `{"answers":{"c":"\u12"}}`, err: "invalid character"},

		// Repeated keys: the last wins, objects merge, and null leaves a field as it was but
		// empties the answers.
		{name: "id twice", body: `{"id":"a","id":"b"}`, fast: true, want: &survey.Submission{ID: "b", Values: map[string][]string{}}},
		{name: "id then null", body: `{"id":"a","id":null}`, fast: true, want: &survey.Submission{ID: "a", Values: map[string][]string{}}},
		{name: "respondent twice", body: `{"respondent":{"country":"SN","role":"a"},"respondent":{"role":"b","country":null},"respondent":null}`,
			fast: true, want: &survey.Submission{Respondent: survey.Respondent{Country: "SN", Role: "b"}, Values: map[string][]string{}}},
		{name: "answers twice", body: `{"answers":{"a":"1","b":"2"},"answers":{"b":"3"}}`, fast: true,
			vals: map[string][]string{"a": {"1"}, "b": {"3"}}},
		{name: "answers then null", body: `{"answers":{"a":"1"},"answers":null,"answers":{"b":"2"}}`, fast: true,
			vals: map[string][]string{"b": {"2"}}},
		{name: "answer then null", body: `{"answers":{"a":"1","a":null}}`, fast: true, vals: map[string][]string{}},
		{name: "matrix then value", body: `{"answers":{"a":{"r":"1"},"b":"x","a":"2"}}`, fast: true,
			vals: map[string][]string{"a": {"2"}, "b": {"x"}}},
		{name: "value then matrix", body: `{"answers":{"a":"2","a":{"r":"1"}}}`, fast: true, vals: map[string][]string{"a.r": {"1"}}},
		{name: "list thrice", body: `{"answers":{"b":"1","a":"x","b":["2","3"],"c":[],"b":["4"]}}`, fast: true,
			vals: map[string][]string{"a": {"x"}, "b": {"4"}}},
		{name: "row twice", body: `{"answers":{"m":{"r":"1","s":"2","r":"3"}}}`, vals: map[string][]string{"m.r": {"3"}, "m.s": {"2"}}},
		{name: "row then null", body: `{"answers":{"m":{"r":"1","r":null}}}`, vals: map[string][]string{}},
		{name: "fields meeting", body: `{"answers":{"a.b":"x","a":{"b":"y"},"a.b.c":["1"],"a.b.":{"c":"0"}}}`, fast: true,
			vals: map[string][]string{"a.b": {"y", "x"}, "a.b.c": {"1"}, "a.b..c": {"0"}}},
		{name: "rows meeting", body: `{"answers":{"a.b":{"c":"2"},"a":{"b.c":"1"}}}`, fast: true,
			vals: map[string][]string{"a.b.c": {"1", "2"}}},

		// Field names in other casings match, as encoding/json matches them.
		{name: "ID", body: `{"ID":"x","Respondent":{"COUNTRY":"SN"},"ANSWERS":{"a":"1"}}`,
			want: &survey.Submission{ID: "x", Respondent: survey.Respondent{Country: "SN"}, Values: map[string][]string{"a": {"1"}}}},
		{name: "Kelvin sign", body: `{"respondent":{"\u212aountry":"SN"}}`, err: "unknown field"},
		{name: "unknown field", body: `{"id":"x","answer":{}}`, err: `unknown field "answer"`},
		{name: "unknown respondent field", body: `{"respondent":{"city":"Dakar"}}`, err: `unknown field "city"`},

		// Shapes
		{name: "null respondent", body: `{"id":"x","respondent":null,"answers":{"a":"1"}}`, fast: true,
			want: &survey.Submission{ID: "x", Values: map[string][]string{"a": {"1"}}}},
		{name: "null body", body: `null`, want: &survey.Submission{Values: map[string][]string{}}},
		{name: "array body", body: `[]`, err: "cannot unmarshal array"},
		{name: "number id", body: `{"id":1}`, err: "cannot unmarshal number"},
		{name: "string respondent", body: `{"respondent":"SN"}`, err: "cannot unmarshal string"},
		{name: "number in respondent", body: `{"respondent":{"role":1}}`, err: "cannot unmarshal number"},
		{name: "string answers", body: `{"answers":"a"}`, err: "cannot unmarshal string"},
		{name: "unanswered", body: `{"answers":{"a":null,"b":[],"c":{},"d":{"r":null}}}`, fast: true, vals: map[string][]string{}},
		{name: "boolean", body: `{"answers":{"a":true}}`, err: `answers["a"]: expected`},
		{name: "null in a list", body: `{"answers":{"a":["x",null]}}`, err: `answers["a"]: expected`},
		{name: "list in a list", body: `{"answers":{"a":[["x"]]}}`, err: `answers["a"]: expected`},
		{name: "object in a row", body: `{"answers":{"a":{"r":{"x":"1"}}}}`, err: `answers["a"]: expected`},
		{name: "first bad answer by key", body: `{"answers":{"z":false,"b":"1","a":[true]}}`, err: `answers["a"]: expected`},
		{name: "deep nesting", body: `{"answers":{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`,
			err: "exceeded max depth"},
		{name: "many rows", body: manyRows(maxRows + 1), vals: manyRowValues(maxRows + 1)},
		{name: "most rows", body: manyRows(maxRows), fast: true, vals: manyRowValues(maxRows)},

		// Numbers are kept as written.
		{name: "numbers", body: `{"answers":{"a":-0,"b":1e3,"c":1.50,"d":[1E+3,-0.0e-0],"e":{"r":123456789012345678901234567890}}}`,
			fast: true, vals: map[string][]string{"a": {"-0"}, "b": {"1e3"}, "c": {"1.50"}, "d": {"1E+3", "-0.0e-0"},
				"e.r": {"123456789012345678901234567890"}}},
		{name: "leading zero", body: `{"answers":{"a":01}}`, err: "invalid character '1' after object key:value pair"},
		{name: "bare point", body: `{"answers":{"a":1.}}`, err: "invalid character '}' after decimal point"},
		{name: "leading point", body: `{"answers":{"a":.5}}`, err: "invalid character '.'"},
		{name: "plus sign", body: `{"answers":{"a":+1}}`, err: "invalid character '+'"},
		{name: "bare minus", body: `{"answers":{"a":-}}`, err: "invalid character '}' in numeric literal"},
		{name: "bare exponent", body: `{"answers":{"a":[1e]}}`, err: "invalid character ']' in exponent"},

		// The end of the body
		{name: "trailing white space", body: "{\"id\":\"x\"}\n\t \r\n", fast: true, want: &survey.Submission{ID: "x", Values: map[string][]string{}}},
		{name: "trailing object", body: `{}{}`, err: "unexpected data after the JSON object"},
		{name: "trailing word", body: `{} x`, err: "unexpected data after the JSON object"},
		{name: "trailing open string", body: `{} "abc`, err: "unexpected data after the JSON object"},
		{name: "trailing comma", body: `{"answers":{"a":"1",}}`, err: "invalid character '}' looking for beginning of object key string"},
		{name: "empty body", body: ``, err: "the body is empty"},
		{name: "blank body", body: " \n", err: "the body is empty"},
		{name: "cut short", body: `{"answers":{"a":"x"`, err: "the JSON ends too early"},
		{name: "cut in a string", body: `{"answers":{"a":"x`, err: "the JSON ends too early"},
		{name: "byte order mark", body: "\uFEFF{}", err: "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, fast := new(decodeState).parse([]byte(tt.body)); fast != tt.fast {
				t.Errorf("one-pass parser took it: %v, want %v", fast, tt.fast)
			}
			got, err := decodeSubmission(strings.NewReader(tt.body))
			want, wantErr := decodeJSON(strings.NewReader(tt.body))
			sameResult(t, got, err, want, wantErr)
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want %q", err, tt.err)
				}
			case err != nil:
				t.Errorf("error %v", err)
			case tt.want != nil && !reflect.DeepEqual(got, *tt.want):
				t.Errorf("decoded\n%#v\nwant\n%#v", got, *tt.want)
			case tt.vals != nil && !reflect.DeepEqual(got.Values, tt.vals):
				t.Errorf("values %#v, want %#v", got.Values, tt.vals)
			}
		})
	}
}

func manyRows(n int) string {
	var b strings.Builder
	b.WriteString(`{"answers":{"m":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"r` + strings.Repeat("x", i) + `":"v"`)
	}
	b.WriteString(`}}}`)
	return b.String()
}

func manyRowValues(n int) map[string][]string {
	vals := map[string][]string{}
	for i := range n {
		vals["m.r"+strings.Repeat("x", i)] = []string{"v"}
	}
	return vals
}

// A decoded submission keeps its strings once its buffers serve the next body.
func TestDecodeSubmissionKeepsText(t *testing.T) {
	first, err := decodeSubmission(strings.NewReader(usualBody))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := decodeJSON(strings.NewReader(usualBody))
	other := strings.ReplaceAll(usualBody, "agree", "other")
	for range 10 {
		if _, err := decodeSubmission(strings.NewReader(other)); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(first, want) {
		t.Fatalf("changed to %#v", first)
	}
}

// errAfter yields data, then fails with err.
type errAfter struct {
	data []byte
	err  error
}

func (r *errAfter) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestDecodeSubmissionReadFailure(t *testing.T) {
	pad := strings.Repeat(" ", 200)
	tests := []struct {
		name  string
		body  string
		limit int64 // 0: the read fails with errReset at the end of the body instead
		code  survey.Code
	}{
		{name: "too large", body: usualBody, limit: 100, code: survey.CodeTooLarge},
		{name: "too large in a string", body: `{"answers":{"a":"` + pad + `"}}`, limit: 100, code: survey.CodeTooLarge},
		{name: "too large after the object", body: `{"id":"x"}` + pad, limit: 100, code: survey.CodeTooLarge},
		{name: "too large after an open string", body: `{"id":"x"} "` + pad, limit: 100, code: survey.CodeTooLarge},
		// encoding/json stops at the first bad byte, before the limit.
		{name: "bad before the limit", body: `{"id":x` + pad, limit: 100, code: survey.CodeMalformed},
		{name: "data after the object before the limit", body: `{"id":"x"} 1` + pad, limit: 100, code: survey.CodeMalformed},
		{name: "at the limit", body: usualBody, limit: int64(len(usualBody))},
		{name: "reset", body: usualBody, code: survey.CodeMalformed},
		{name: "reset after the object", body: `{}`, code: survey.CodeMalformed},
	}
	errReset := errors.New("connection reset by peer")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := func() io.Reader {
				if tt.limit == 0 {
					return &errAfter{data: []byte(tt.body), err: errReset}
				}
				return http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader(tt.body)), tt.limit)
			}
			got, err := decodeSubmission(body())
			want, wantErr := decodeJSON(iotest.OneByteReader(body()))
			sameResult(t, got, err, want, wantErr)
			if c := survey.ErrorCode(err); c != tt.code {
				t.Errorf("code %q, want %q (%v)", c, tt.code, err)
			}
			if tt.code == survey.CodeTooLarge {
				if tooLarge := new(http.MaxBytesError); !errors.As(err, &tooLarge) || tooLarge.Limit != tt.limit {
					t.Errorf("error %v, want the *http.MaxBytesError", err)
				}
			}
		})
	}
}

// FuzzDecodeSubmission checks the one-pass parser against encoding/json: whatever it takes
// must decode alike, and decodeSubmission must answer every body, read whole or cut at
// limit, as decodeJSON reading it byte by byte.
func FuzzDecodeSubmission(f *testing.F) {
	seeds := []string{
		usualBody,
		`{"id":"x","respondent":{"country":"SN","organisation":null},"answers":{"a":["1",2],"m":{"r":3,"s":null}}}`,
		`{"answers":{"c":"q\"b\\s\/b\bf\fn\nr\rt\t\u00e9\ud83d\ude00\ud800\udc00x\ud800"}}`,
		`{"answers":{"t\u00f3pico":{"r\u00e9gion":"a","r\u00e9gion":null},"a":1,"a":{"b":"c"}}}`,
		`{"id":"a","id":null,"respondent":{"role":"x"},"respondent":null,"answers":{"a":1},"answers":null}`,
		`{"answers":{"a.b":"x","a":{"b":"y"},"a.b.c":["1"]}}`,
		`{"ID":"x","Respondent":{"Country":"SN"},"\u0061nswers":{}}`,
		`{"answers":{"a":-0,"b":1e3,"c":1.50,"d":[1E+3,-0.0e-0],"e":01,"f":1.}}`,
		"{\"answers\":{\"c\":\"a\xffb\",\"k\xed\xa0\x80\":\"\\n\xc3\"}}",
		`{"answers":{"a":[["x"]],"b":{"r":{}},"c":true,"d":[null]}}`,
		`{} x`, `{}{}`, `{"answers":{"a":"x"`, ``, `null`, `[]`, `{"id":1}`, `{"respondent":{"city":"x"}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint16(0))
	}
	f.Add([]byte(usualBody), uint16(100))
	f.Add([]byte(`{"id":"x"}        `), uint16(12))
	f.Fuzz(checkDecoding)
}

// FuzzDecodeSubmissionShaped is FuzzDecodeSubmission on bodies mostly of the usual shape,
// with the repeated keys, dotted keys, escapes and odd numbers where the parser could
// part from encoding/json.
func FuzzDecodeSubmissionShaped(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("answers and more answers"))
	f.Add(bytes.Repeat([]byte{2, 3, 1, 4, 7, 0, 9, 5, 3, 3, 8, 1}, 10))
	f.Fuzz(func(t *testing.T, choices []byte) {
		checkDecoding(t, shapedBody(choices), 0)
	})
}

// checkDecoding is the check of FuzzDecodeSubmission.
func checkDecoding(t *testing.T, data []byte, limit uint16) {
	want, wantErr := decodeJSON(bytes.NewReader(data))
	if got, ok := new(decodeState).parse(data); ok {
		if wantErr != nil {
			t.Fatalf("one-pass parser took a body encoding/json refuses: %v", wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("one-pass parser decoded\n%#v\nencoding/json decodes\n%#v", got, want)
		}
	}
	body := func() io.Reader { return bytes.NewReader(data) }
	if limit > 0 {
		body = func() io.Reader {
			return http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(bytes.NewReader(data)), int64(limit))
		}
	}
	got, err := decodeSubmission(body())
	want, wantErr = decodeJSON(iotest.OneByteReader(body()))
	sameResult(t, got, err, want, wantErr)
}

// shapedBody builds a response from choices, one byte a choice. Half of them are clean:
// without the options marked "!", which the one-pass parser leaves to encoding/json.
func shapedBody(choices []byte) []byte {
	pick := func(n int) int {
		if len(choices) == 0 {
			return 0
		}
		c := choices[0]
		choices = choices[1:]
		return int(c) % n
	}
	clean := pick(2) == 0
	var out []byte
	add := func(options ...string) string {
		if clean {
			options = slices.DeleteFunc(slices.Clone(options), func(o string) bool { return strings.HasPrefix(o, "!") })
		}
		o := strings.TrimPrefix(options[pick(len(options))], "!")
		out = append(out, o...)
		out = append(out, []string{"", "", "", " ", "\n\t ", "\r"}[pick(6)]...)
		return o
	}
	text := []string{`""`, `"x"`, `"é"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u00C9"`, `"\ud83d\ude00"`, `"\ud800"`,
		`"\udc00\ud800x"`, `"\ud800\ud800\udc00"`, `"a\u0000"`, "!\"\xff\"", "!\"\xed\xa0\x80\"", `"€ ok"`, `!"\x"`}
	scalar := func() {
		if pick(2) == 0 {
			add(text...)
		} else {
			add(`0`, `-0`, `1e3`, `1.50`, `-12.5E-3`, `42`, `!01`, `!1.`, `!true`)
		}
	}
	object := func(keys []string, value func(key string)) {
		add("{")
		for i := range pick(6) {
			if i > 0 {
				add(",")
			}
			key := add(keys...)
			add(":")
			value(key)
		}
		add("}", "}", "}", "!}}", "!]", "!,}")
	}
	answer := func(string) {
		switch pick(8) {
		case 0:
			add("null")
		case 1, 2:
			scalar()
		case 3, 4:
			add("[")
			for i := range pick(4) {
				if i > 0 {
					add(",")
				}
				if !clean && pick(10) == 0 {
					add("null", "[]", "{}")
				} else {
					scalar()
				}
			}
			add("]", "]", "]", "!}")
		default:
			object([]string{`"b"`, `"c"`, `"b.c"`, `""`, `"\u0062"`, `"é"`}, func(string) {
				if pick(4) == 0 {
					add("null", "![]")
				} else {
					scalar()
				}
			})
		}
	}
	add("", "", " ", "\n")
	object([]string{`"id"`, `"id"`, `"respondent"`, `"answers"`, `"answers"`, `"answers"`, `!"ID"`, `!"Answers"`, `!"other"`}, func(name string) {
		switch {
		case pick(6) == 0:
			add("null")
		case name == `"respondent"`:
			object([]string{`"country"`, `"organisation"`, `"role"`, `"language"`, `!"Role"`, `!"city"`}, func(string) {
				if pick(5) == 0 {
					add("null", "!1")
				} else {
					add(text...)
				}
			})
		case strings.EqualFold(name, `"answers"`):
			object([]string{`"a"`, `"b"`, `"a.b"`, `"b.c"`, `"a.b.c"`, `""`, `"\u0061"`, `"é"`, `"a."`}, answer)
		default:
			add(text...)
		}
	})
	if !clean && pick(8) == 0 {
		add("x", "{}", `"`, "[")
	}
	return out
}

func BenchmarkDecodeSubmission(b *testing.B) {
	body := []byte(usualBody)
	r := bytes.NewReader(nil)
	for _, bm := range []struct {
		name   string
		decode func(io.Reader) (survey.Submission, error)
	}{
		{"encoding-json", decodeJSON},
		{"one-pass", decodeSubmission},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				r.Reset(body)
				if _, err := bm.decode(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
