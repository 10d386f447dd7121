package audittest

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey/audit"
)

// StoreContract checks that store, empty, keeps the log as admins read it: run on Memory and
// on the ClickHouse store, it keeps the fake honest.
func StoreContract(t *testing.T, store audit.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	entries := []audit.Entry{
		{At: t0, UserID: "u-ana", Email: "ana@example.org", Action: "edition.save", Survey: "families", Target: "2026",
			Detail: "closes 2026-06-30", Address: "192.0.2.1", Request: "r1"},
		{At: t0.Add(time.Minute), UserID: "u-bob", Email: "bob@example.org", Action: "user.add", Target: "carla@example.org",
			Detail: "coordinator", Address: "192.0.2.2", Request: "r2"},
		{At: t0.Add(2 * time.Minute), Action: audit.ActionEraseResponse, Survey: "families",
			Target: "0b0e3a44-9d4f-4b6b-8d53-1d8e4b6b9a01", Detail: "=HYPERLINK(\"x\"), «demande RGPD»\nligne 2", Address: "cli"},
		{At: t0.Add(2 * time.Minute), UserID: "u-ana", Email: "ana@example.org", Action: "response.erase.failed", Survey: "street",
			Target: "id-2", Address: "192.0.2.1"},
		{At: t0.Add(3 * time.Minute), UserID: "u-ana", Email: "ana@example.org", Action: "dashboard.revoke", Survey: "street",
			Target: "d-1", Address: "2001:db8::1"},
	}
	for _, e := range entries {
		if err := store.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(es []audit.Entry) string {
		var b strings.Builder
		for _, e := range es {
			fmt.Fprintf(&b, "%s/%s ", e.Action, e.Target)
		}
		return strings.TrimSpace(b.String())
	}
	all, err := store.Entries(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(entries) {
		t.Fatalf("%d entries, want %d", len(all), len(entries))
	}
	// Newest first; of two at the same second, the later recorded first.
	want := []audit.Entry{entries[4], entries[3], entries[2], entries[1], entries[0]}
	for i := range want {
		if !reflect.DeepEqual(all[i], want[i]) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, all[i], want[i])
		}
	}

	for _, c := range []struct {
		name string
		f    audit.Filter
		want string
	}{
		{"user", audit.Filter{UserID: "u-ana"}, "dashboard.revoke/d-1 response.erase.failed/id-2 edition.save/2026"},
		{"email", audit.Filter{Email: "bob@example.org"}, "user.add/carla@example.org"},
		{"action", audit.Filter{Action: "response.erase"}, "response.erase/0b0e3a44-9d4f-4b6b-8d53-1d8e4b6b9a01"},
		{"action prefix", audit.Filter{Action: "response."}, "response.erase.failed/id-2 response.erase/0b0e3a44-9d4f-4b6b-8d53-1d8e4b6b9a01"},
		{"survey", audit.Filter{Survey: "street"}, "dashboard.revoke/d-1 response.erase.failed/id-2"},
		{"from (inclusive)", audit.Filter{From: t0.Add(2 * time.Minute)}, "dashboard.revoke/d-1 response.erase.failed/id-2 response.erase/0b0e3a44-9d4f-4b6b-8d53-1d8e4b6b9a01"},
		{"to (exclusive)", audit.Filter{To: t0.Add(2 * time.Minute)}, "user.add/carla@example.org edition.save/2026"},
		{"range and survey", audit.Filter{From: t0, To: t0.Add(time.Minute), Survey: "families"}, "edition.save/2026"},
		{"limit", audit.Filter{Limit: 2}, "dashboard.revoke/d-1 response.erase.failed/id-2"},
		{"offset", audit.Filter{Limit: 2, Offset: 2}, "response.erase/0b0e3a44-9d4f-4b6b-8d53-1d8e4b6b9a01 user.add/carla@example.org"},
		{"past the end", audit.Filter{Offset: 5}, ""},
		{"nothing", audit.Filter{UserID: "u-none"}, ""},
	} {
		got, err := store.Entries(ctx, c.f)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if ids(got) != c.want {
			t.Errorf("%s: %q, want %q", c.name, ids(got), c.want)
		}
	}

	// The export reads back with an RFC 4180 reader, formulas neutralised.
	var buf bytes.Buffer
	if err := audit.Export(ctx, &buf, store, audit.Filter{Survey: "families"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Error("the export has no UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !reflect.DeepEqual(rows[0], audit.Columns) {
		t.Fatalf("export rows %q", rows)
	}
	if rows[1][6] != "'"+entries[2].Detail || rows[1][0] != "2026-03-02T09:02:00Z" || rows[2][3] != "edition.save" {
		t.Errorf("export rows %q", rows[1:])
	}
}
