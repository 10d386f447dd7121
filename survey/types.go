package survey

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/palabre/palabre/survey/expr"
)

// The question types XLSForm forms bring beside the feedback survey's own. How each is
// stored (the columns of an answer):
//
//	time         value_text "HH:MM", or "HH:MM:SS" when the seconds are not zero
//	datetime     value_text "YYYY-MM-DDTHH:MM[:SS]", the participant's wall clock as typed;
//	             a value sent with a UTC offset is stored in UTC with a final "Z"
//	geopoint     value_text "lat lon alt accuracy" in degrees and metres (0 for a part not
//	             given), as ODK writes it
//	acknowledge  value_text "OK" and value_num 1; an unticked acknowledge is unanswered
//
// A range is a number question with a Step (see Question.Step).
const (
	Time        QuestionType = "time"        // a time of day, HH:MM
	DateTime    QuestionType = "datetime"    // a date and time of day, YYYY-MM-DDTHH:MM
	Geopoint    QuestionType = "geopoint"    // a position: latitude, longitude, altitude, accuracy
	Acknowledge QuestionType = "acknowledge" // a box the participant ticks: "OK"
)

// AcknowledgeValue is the stored value of a ticked acknowledge question.
const AcknowledgeValue = "OK"

func init() {
	for k, t := range typeMessages {
		messages[k] = t
	}
}

// Messages of the validation of the types above.
const (
	MsgBadTime         MessageKey = "bad_time"
	MsgBadDateTime     MessageKey = "bad_datetime"
	MsgBadGeopoint     MessageKey = "bad_geopoint"
	MsgNotAcknowledged MessageKey = "not_acknowledged"
	MsgOffStep         MessageKey = "off_step"
)

var typeMessages = map[MessageKey]Text{
	MsgBadTime: {French: "Saisissez une heure (HH:MM).",
		English: "Enter a time (HH:MM).",
		Spanish: "Introduzca una hora (HH:MM)."},
	MsgBadDateTime: {French: "Saisissez une date et une heure (AAAA-MM-JJ HH:MM).",
		English: "Enter a date and a time (YYYY-MM-DD HH:MM).",
		Spanish: "Introduzca una fecha y una hora (AAAA-MM-DD HH:MM)."},
	MsgBadGeopoint: {French: "Saisissez une position : latitude (−90 à 90) et longitude (−180 à 180) en degrés décimaux, séparées par une espace, par exemple « 14.6937 -17.4441 ».",
		English: "Enter a position: latitude (−90 to 90) and longitude (−180 to 180) in decimal degrees, separated by a space, for example “14.6937 -17.4441”.",
		Spanish: "Introduzca una posición: latitud (−90 a 90) y longitud (−180 a 180) en grados decimales, separadas por un espacio, por ejemplo «14.6937 -17.4441»."},
	MsgNotAcknowledged: {French: "Cochez la case pour confirmer.",
		English: "Tick the box to confirm.",
		Spanish: "Marque la casilla para confirmar."},
	MsgOffStep: {French: "La valeur doit aller de %[2]v en %[2]v à partir de %[1]v.",
		English: "The value must be %[1]v plus a multiple of %[2]v.",
		Spanish: "El valor debe ser %[1]v más un múltiplo de %[2]v."},
}

// StepBase is the value from which a number question's steps count: its minimum, or 0.
func (q *Question) StepBase() float64 {
	if q.Min != nil {
		return *q.Min
	}
	return 0
}

// OnStep reports whether n is the base of q plus a whole number of its steps (always true
// without a step). Decimal steps are compared with a tolerance of a millionth of a step,
// so that 0.3 is on the steps of 0.1 from 0.
func (q *Question) OnStep(n float64) bool {
	if q.Step == nil || *q.Step <= 0 {
		return true
	}
	k := (n - q.StepBase()) / *q.Step
	return math.Abs(k-math.Round(k)) <= 1e-6
}

// ParseTime reads a time of day, "HH:MM", "HH:MM:SS" or "HH:MM:SS.fff" (the fraction is
// dropped), and returns it as stored: "HH:MM", or "HH:MM:SS" when the seconds are not zero.
func ParseTime(s string) (string, bool) {
	for _, layout := range []string{"15:04", "15:04:05", "15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Second() != 0 {
				return t.Format("15:04:05"), true
			}
			return t.Format("15:04"), true
		}
	}
	return "", false
}

// ParseDateTime reads a date and time of day: "YYYY-MM-DDTHH:MM[:SS]" (a space may stand for
// the T), the participant's wall clock, kept as it is; or the same with a UTC offset
// (RFC 3339), stored in UTC with a final "Z".
func ParseDateTime(s string) (string, bool) {
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil && t.Year() >= 1 && t.Year() <= 9999 {
		t = t.UTC().Truncate(time.Second)
		if t.Year() < 1 || t.Year() > 9999 {
			return "", false
		}
		return t.Format("2006-01-02T15:04:05Z"), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Second() != 0 {
				return t.Format("2006-01-02T15:04:05"), true
			}
			return t.Format("2006-01-02T15:04"), true
		}
	}
	return "", false
}

// ParseGeopoint reads a position: "lat lon [alt [accuracy]]", numbers separated by spaces
// (a comma may follow each), in decimal degrees and metres; latitude within ±90, longitude within ±180,
// accuracy not negative. It returns the position as stored: four numbers, 0 for a part not
// given.
func ParseGeopoint(s string) (string, bool) {
	// "14.6937, -17.4441" as maps copy it: a comma may end a number, never stand inside one,
	// where it would be a decimal comma ("14,69" is not 14 and 69).
	f := strings.Fields(s)
	for i, w := range f {
		f[i] = strings.TrimSuffix(w, ",")
	}
	if len(f) < 2 || len(f) > 4 {
		return "", false
	}
	var n [4]float64
	for i, w := range f {
		x, err := strconv.ParseFloat(w, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e7 {
			return "", false
		}
		n[i] = x
	}
	if math.Abs(n[0]) > 90 || math.Abs(n[1]) > 180 || n[3] < 0 {
		return "", false
	}
	out := make([]string, 4)
	for i, x := range n {
		out[i] = expr.FormatNumber(x)
	}
	return strings.Join(out, " "), true
}

// acknowledged reports whether s ticks an acknowledge question: "OK" (as ODK stores it),
// "true", "yes" or "1", whatever their case.
func acknowledged(s string) bool {
	switch strings.ToLower(s) {
	case "ok", "true", "yes", "1":
		return true
	}
	return false
}

// parseNew validates the answer to a question of one of the types above; handled is false
// for the other types.
func (v *validation) parseNew(q *Question, s string) (a Answer, val expr.Value, ok, handled bool) {
	a = Answer{Question: q.Key}
	fail := func(key MessageKey) (Answer, expr.Value, bool, bool) {
		v.fail(q.Key, key)
		return a, expr.Value{}, false, true
	}
	var text string
	switch q.Type {
	case Time:
		if text, ok = ParseTime(s); !ok {
			return fail(MsgBadTime)
		}
	case DateTime:
		if text, ok = ParseDateTime(s); !ok {
			return fail(MsgBadDateTime)
		}
	case Geopoint:
		if text, ok = ParseGeopoint(s); !ok {
			return fail(MsgBadGeopoint)
		}
	case Acknowledge:
		if !acknowledged(s) {
			return fail(MsgNotAcknowledged)
		}
		text, a.Num, a.HasNum = AcknowledgeValue, 1, true
	default:
		return a, expr.Value{}, false, false
	}
	a.Text = text
	return a, expr.Str(text), true, true
}
