package audit_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/audit/audittest"
)

func TestMemoryStoreContract(t *testing.T) { audittest.StoreContract(t, audittest.NewMemory()) }

func TestCSVRoundTripAndFormulas(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 30, 0, 0, time.FixedZone("CET", 3600))
	tricky := []string{"=1+1", "+33 6 12", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", "a\r\nb", "a,b", `say "hi"`, "line\nbreak", "é ñ ç «»", ""}
	var entries []audit.Entry
	for _, s := range tricky {
		entries = append(entries, audit.Entry{At: at, UserID: s, Email: s, Action: s, Survey: s, Target: s, Detail: s, Address: s, Request: s})
	}
	var buf bytes.Buffer
	if err := audit.WriteCSV(&buf, entries); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\uFEFFtime_utc,user_id,email,action,survey,target,detail,address,request\r\n") {
		t.Errorf("header %q", out[:min(len(out), 80)])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(tricky)+1 {
		t.Fatalf("%d rows, want %d", len(rows), len(tricky)+1)
	}
	for i, s := range tricky {
		row := rows[i+1]
		if row[0] != "2026-05-01T11:30:00Z" {
			t.Errorf("time %q", row[0])
		}
		want := s
		if s != "" && strings.ContainsRune("=+-@\t\r\n", rune(s[0])) {
			want = "'" + s
		}
		if s == "a\r\nb" {
			want = "a\nb"
		}
		if s == "\rx" {
			want = "'\nx" // line breaks are written as line feeds
		}
		for j := 1; j < len(row); j++ {
			if row[j] != want {
				t.Errorf("%q column %s read back %q, want %q", s, audit.Columns[j], row[j], want)
			}
		}
	}
}

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0", "+1": "'+1", "-1": "'-1", "@x": "'@x",
		"safe": "safe", "": "", " =x": " =x", "'=x": "'=x"} {
		if got := audit.Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFilterPageSize(t *testing.T) {
	for limit, want := range map[int]int{0: audit.DefaultLimit, -3: audit.DefaultLimit, 7: 7, audit.MaxLimit + 1: audit.MaxLimit} {
		if got := (audit.Filter{Limit: limit}).PageSize(); got != want {
			t.Errorf("limit %d: %d, want %d", limit, got, want)
		}
	}
}
