package web

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/palabre/palabre/survey"
)

// readBody appends everything r yields to buf. The error is nil at the end of the body, and
// otherwise what r reported (such as *http.MaxBytesError), with the bytes read before it.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	if cap(buf) == 0 {
		buf = make([]byte, 0, 4096)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// failingReader fails every read with err.
type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// decodeStates keeps the buffers of finished decodings for the next ones.
var decodeStates = sync.Pool{New: func() any { return new(decodeState) }}

// Buffers grown past these sizes by an unusual body are left to the garbage collector.
const (
	keepBytes   = 64 << 10
	keepAnswers = 1 << 10
)

// decodeState reads the usual shape of a response in one pass:
//
//	{"id": "…", "respondent": {"country": "…", …}, "answers": {"key": value, …}}
//
// where a value is null, a string, a number, a list of strings and numbers, or an object of
// strings, numbers and nulls by row. Field names must be written exactly (encoding/json
// also takes other casings), strings must be valid UTF-8, and matrix rows must not repeat
// and stay few; anything else is left to encoding/json.
type decodeState struct {
	body    []byte // the request body, read whole
	data    []byte // what is being parsed
	pos     int
	text    []byte        // every string kept, unescaped, end to end
	answers []answerEntry // in the order sent
	vals    []valueRef
	rows    []span // the rows of the matrix being read
	dotted  bool   // an answer key holds a dot, so fields of two answers may coincide
}

// span is a piece of decodeState.text.
type span struct{ off, end int }

// arena holds the text of every string of a submission, which are pieces of it.
type arena string

func (a arena) at(s span) string { return string(a[s.off:s.end]) }

// answerEntry is one answer sent, its values being vals[first:end].
type answerEntry struct {
	key        span
	matrix     bool
	first, end int
}

// valueRef is one value of an answer: field is its key, or "key.item" for a matrix row.
type valueRef struct{ field, text span }

// maxRows bounds the rows of one matrix on the fast path, as repeated rows are looked for
// one by one.
const maxRows = 64

// release returns d to decodeStates, without the buffers an unusual body made large.
func (d *decodeState) release() {
	if cap(d.body) > keepBytes {
		d.body = nil
	}
	if cap(d.text) > keepBytes {
		d.text = nil
	}
	if cap(d.answers) > keepAnswers || cap(d.vals) > keepAnswers {
		d.answers, d.vals = nil, nil
	}
	d.data = nil
	decodeStates.Put(d)
}

// parse returns the submission in data, ok being false when data does not have the usual
// shape; then encoding/json must decide, as it may accept data differently or refuse it.
func (d *decodeState) parse(data []byte) (sub survey.Submission, ok bool) {
	d.data, d.pos = data, 0
	d.text, d.answers, d.vals, d.rows, d.dotted = d.text[:0], d.answers[:0], d.vals[:0], d.rows[:0], false
	var id span
	var who [4]span // country, organisation, role, language
	if !d.next('{') {
		return sub, false
	}
	if !d.next('}') {
		for {
			name, ok := d.name()
			if !ok || !d.next(':') || !d.more() {
				return sub, false
			}
			switch string(name) {
			case "id": // null leaves the field as it was, as encoding/json does
				switch d.data[d.pos] {
				case 'n':
					ok = d.null()
				case '"':
					id, ok = d.str()
				default:
					ok = false
				}
			case "respondent":
				ok = d.respondent(&who)
			case "answers":
				ok = d.answerObject()
			default:
				ok = false
			}
			if !ok {
				return sub, false
			}
			if d.next(',') {
				continue
			}
			if d.next('}') {
				break
			}
			return sub, false
		}
	}
	d.space()
	if d.pos != len(d.data) {
		return sub, false
	}
	return d.submission(id, who), true
}

// submission builds the result with every string in one allocation.
func (d *decodeState) submission(id span, who [4]span) survey.Submission {
	at := arena(d.text).at
	sub := survey.Submission{
		ID: at(id),
		Respondent: survey.Respondent{
			Country: at(who[0]), Organisation: at(who[1]), Role: at(who[2]), Language: at(who[3]),
		},
	}
	size := len(d.answers) // the fields, with room for addInOrder's markers
	for _, a := range d.answers {
		if a.matrix {
			size += a.end - a.first
		}
	}
	sub.Values = make(map[string][]string, size)
	vals := make([]string, len(d.vals))
	for i, v := range d.vals {
		vals[i] = at(v.text)
	}
	if d.dotted || !d.addInOrder(sub.Values, at, vals) {
		clear(sub.Values)
		d.addByKey(sub.Values, at, vals)
	}
	return sub
}

// addInOrder adds the answers to values in the order sent, which gives what decodeJSON
// gives when no key is sent twice and no key holds a dot; it reports false, having added
// some, when a key comes twice.
func (d *decodeState) addInOrder(values map[string][]string, at func(span) string, vals []string) bool {
	held := false
	for _, a := range d.answers {
		key, n := at(a.key), len(values)
		if a.matrix || a.end == a.first {
			values[key] = nil // held until the end, to find the key if it comes again
			held = true
		} else {
			values[key] = vals[a.first:a.end:a.end]
		}
		if len(values) == n {
			return false
		}
		if a.matrix {
			for j := a.first; j < a.end; j++ {
				values[at(d.vals[j].field)] = vals[j : j+1 : j+1]
			}
		}
	}
	if held {
		for _, a := range d.answers {
			if a.matrix || a.end == a.first {
				delete(values, at(a.key))
			}
		}
	}
	return true
}

// addByKey adds the answers to values as decodeJSON does: the last of a key sent twice
// wins, and values meeting in one field are added in the order of their answers' keys.
func (d *decodeState) addByKey(values map[string][]string, at func(span) string, vals []string) {
	answers := d.answers
	slices.SortStableFunc(answers, func(a, b answerEntry) int { return strings.Compare(at(a.key), at(b.key)) })
	add := func(field string, v []string) {
		if old, ok := values[field]; ok {
			v = append(old, v...)
		}
		values[field] = v
	}
	for i, a := range answers {
		if i+1 < len(answers) && at(a.key) == at(answers[i+1].key) {
			continue // sent again later
		}
		switch {
		case a.matrix:
			for j := a.first; j < a.end; j++ {
				add(at(d.vals[j].field), vals[j:j+1:j+1])
			}
		case a.end > a.first:
			add(at(a.key), vals[a.first:a.end:a.end])
		}
	}
}

func (d *decodeState) respondent(who *[4]span) bool {
	switch d.data[d.pos] {
	case 'n': // null leaves the respondent as it was
		return d.null()
	case '{':
		d.pos++
	default:
		return false
	}
	if d.next('}') {
		return true
	}
	for {
		name, ok := d.name()
		if !ok || !d.next(':') || !d.more() {
			return false
		}
		var field *span
		switch string(name) {
		case "country":
			field = &who[0]
		case "organisation":
			field = &who[1]
		case "role":
			field = &who[2]
		case "language":
			field = &who[3]
		default:
			return false
		}
		switch d.data[d.pos] {
		case 'n':
			ok = d.null()
		case '"':
			*field, ok = d.str()
		default:
			ok = false
		}
		if !ok {
			return false
		}
		if d.next(',') {
			continue
		}
		return d.next('}')
	}
}

func (d *decodeState) answerObject() bool {
	switch d.data[d.pos] {
	case 'n': // null empties the answers sent so far
		d.answers = d.answers[:0]
		return d.null()
	case '{':
		d.pos++
	default:
		return false
	}
	if d.next('}') {
		return true
	}
	for {
		if !d.more() || d.data[d.pos] != '"' {
			return false
		}
		key, ok := d.str()
		if !ok || !d.next(':') || !d.more() {
			return false
		}
		if bytes.IndexByte(d.text[key.off:key.end], '.') >= 0 {
			d.dotted = true
		}
		a := answerEntry{key: key, first: len(d.vals)}
		switch c := d.data[d.pos]; c {
		case 'n':
			ok = d.null()
		case '[':
			ok = d.list(key)
		case '{':
			a.matrix = true
			ok = d.matrix(key)
		default:
			ok = d.scalar(key)
		}
		if !ok {
			return false
		}
		a.end = len(d.vals)
		d.answers = append(d.answers, a)
		if d.next(',') {
			continue
		}
		return d.next('}')
	}
}

// scalar reads a string or a number as a value of field.
func (d *decodeState) scalar(field span) bool {
	var s span
	var ok bool
	switch c := d.data[d.pos]; {
	case c == '"':
		s, ok = d.str()
	case c == '-' || '0' <= c && c <= '9':
		s, ok = d.number()
	}
	if ok {
		d.vals = append(d.vals, valueRef{field: field, text: s})
	}
	return ok
}

func (d *decodeState) list(key span) bool {
	d.pos++
	if d.next(']') {
		return true
	}
	for {
		if !d.more() || !d.scalar(key) {
			return false
		}
		if d.next(',') {
			continue
		}
		return d.next(']')
	}
}

func (d *decodeState) matrix(key span) bool {
	d.pos++
	if d.next('}') {
		return true
	}
	d.rows = d.rows[:0]
	for {
		if !d.more() || d.data[d.pos] != '"' {
			return false
		}
		// The row's field, key.item, is written whole; item is its end.
		field := len(d.text)
		d.text = append(d.text, d.text[key.off:key.end]...)
		d.text = append(d.text, '.')
		item, ok := d.str()
		if !ok || len(d.rows) == maxRows {
			return false
		}
		for _, r := range d.rows {
			if bytes.Equal(d.text[r.off:r.end], d.text[item.off:item.end]) {
				return false // a repeated row
			}
		}
		d.rows = append(d.rows, item)
		if !d.next(':') || !d.more() {
			return false
		}
		if d.data[d.pos] == 'n' {
			ok = d.null()
		} else {
			ok = d.scalar(span{field, item.end})
		}
		if !ok {
			return false
		}
		if d.next(',') {
			continue
		}
		return d.next('}')
	}
}

// space skips JSON white space.
func (d *decodeState) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\n', '\r', '\t':
			d.pos++
		default:
			return
		}
	}
}

// more skips white space and tells whether anything follows.
func (d *decodeState) more() bool {
	d.space()
	return d.pos < len(d.data)
}

// next skips white space and c, if c comes next.
func (d *decodeState) next(c byte) bool {
	if d.more() && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// name reads an object key as written, for comparison with field names: any key written
// otherwise than plainly will match none.
func (d *decodeState) name() ([]byte, bool) {
	if !d.more() || d.data[d.pos] != '"' {
		return nil, false
	}
	n := bytes.IndexByte(d.data[d.pos+1:], '"')
	if n < 0 {
		return nil, false
	}
	name := d.data[d.pos+1 : d.pos+1+n]
	d.pos += n + 2
	return name, true
}

func (d *decodeState) null() bool {
	if len(d.data)-d.pos >= 4 && string(d.data[d.pos:d.pos+4]) == "null" {
		d.pos += 4
		return true
	}
	return false
}

// number copies a JSON number as written.
func (d *decodeState) number() (span, bool) {
	data, i := d.data, d.pos
	digits := func() bool {
		start := i
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		return i > start
	}
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case !digits():
		return span{}, false
	}
	if i < len(data) && data[i] == '.' {
		i++
		if !digits() {
			return span{}, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits() {
			return span{}, false
		}
	}
	s := span{off: len(d.text)}
	d.text = append(d.text, data[d.pos:i]...)
	s.end = len(d.text)
	d.pos = i
	return s, true
}

// str unescapes the JSON string at d.pos into d.text, as encoding/json does. Invalid UTF-8,
// which encoding/json replaces in some places and keeps in others, is refused.
func (d *decodeState) str() (span, bool) {
	data := d.data
	i := d.pos + 1
	s := span{off: len(d.text)}
	plain := i
	for i < len(data) {
		for i < len(data) && plainASCII[data[i]] {
			i++
		}
		if i == len(data) {
			break
		}
		switch c := data[i]; {
		case c == '"':
			d.text = append(d.text, data[plain:i]...)
			s.end = len(d.text)
			d.pos = i + 1
			return s, true
		case c == '\\':
			d.text = append(d.text, data[plain:i]...)
			n, ok := d.escape(data[i:])
			if !ok {
				return span{}, false
			}
			i += n
			plain = i
		case c < 0x20:
			return span{}, false
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				return span{}, false
			}
			i += n
		}
	}
	return span{}, false
}

// plainASCII tells the ASCII bytes that stand for themselves in a JSON string.
var plainASCII = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// escape unescapes the escape sequence that starts b and tells how long it was. A \u
// escape of half a surrogate pair without the other half is U+FFFD.
func (d *decodeState) escape(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	var c byte
	switch b[1] {
	case '"', '\\', '/':
		c = b[1]
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		r := hex4(b)
		if r < 0 {
			return 0, false
		}
		n := 6
		if utf16.IsSurrogate(r) {
			if p := utf16.DecodeRune(r, hex4(b[6:])); p != utf8.RuneError {
				r, n = p, 12
			} else {
				r = utf8.RuneError
			}
		}
		d.text = utf8.AppendRune(d.text, r)
		return n, true
	default:
		return 0, false
	}
	d.text = append(d.text, c)
	return 2, true
}

// hex4 reads the code of the \uXXXX escape starting b, or -1.
func hex4(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
