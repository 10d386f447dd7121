package surveys

import (
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

func TestSize(t *testing.T) {
	for _, tt := range []struct {
		n          int64
		lang, want string
	}{
		{1 << 20, "en", "1\u00a0MiB"}, {16 << 20, "fr", "16\u00a0Mio"}, {3 << 19, "fr", "1,5\u00a0Mio"},
		{3 << 19, "en", "1.5\u00a0MiB"}, {64 << 10, "es", "64\u00a0KiB"},
	} {
		if got := size(tt.n, tt.lang); got != tt.want {
			t.Errorf("size(%d, %s) = %q, want %q", tt.n, tt.lang, got, tt.want)
		}
	}
}

func TestChanges(t *testing.T) {
	day := func(m, d int) time.Time { return time.Date(2026, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	old := survey.Edition{SurveyID: "s", Year: 2026, FormVersion: 1, Opens: day(5, 1)}
	e := old
	if got := changes(old, e); got != "" {
		t.Fatalf("no change: %q", got)
	}
	e.FormVersion, e.Opens, e.Closes, e.Place = 2, day(5, 2).Add(90*time.Minute), day(6, 1), "Lomé"
	want := `form version: 1 → 2; place: — → "Lomé"; opens: 2026-05-01 → 2026-05-02 01:30:00 UTC; closes: — → 2026-06-01`
	if got := changes(old, e); got != want {
		t.Fatalf("changes %q\nwant     %q", got, want)
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\ana\form.xlsx`: "form.xlsx", "../../etc/passwd": "passwd", "a\x00b\n.yaml": "ab.yaml", "": "upload", "/": "upload",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}
