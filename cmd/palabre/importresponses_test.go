package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
)

// TestImportResponses loads a small Kobo export with palabre import-responses: the
// responses are counted once however often the file is loaded, a file with a bad row loads
// nothing and names the row, and a mapping file reads an export with other names.
func TestImportResponses(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn})
	ctx := context.Background()
	palabre := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, env, &out)
		return out.String(), err
	}
	if out, err := palabre("import", "--demo"); err != nil {
		t.Fatalf("import --demo: %v\n%s", err, out)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := "start;end;profile/country;profile/organisation;profile/role;first_meeting;content/overall_satisfaction;" +
		"content/sessions/sharing_experiences;content/sessions/questioning_practices;content/sessions/pooling_tools;" +
		"content/sessions/building_tools;content/sessions/partner_visit;content/sessions/guide_handover;" +
		"take_home/take_back;take_home/take_back/tools;take_home/take_back/contacts;recommend;_id;_uuid;_submission_time;_index\n"
	row := func(uuid, country, rec string) string {
		return "2019-11-20T10:00:00.000+01:00;2019-11-20T10:20:00.000+01:00;" + country + ";Foyer Saint-Paul;Juriste;Non;Satisfait·e;" +
			"Très utile;Utile;Utile;Peu utile;Utile;Très utile;Des outils d'accompagnement Des contacts dans le réseau;1;1;" + rec + ";1;" + uuid + ";2019-11-20T09:20:00;1\n"
	}
	good := write("kobo.csv", "\uFEFF"+head+row("c0ffee00-0000-4000-8000-000000000001", "Sénégal", "9")+row("c0ffee00-0000-4000-8000-000000000002", "PE", "7"))
	out, err := palabre("import-responses", "--survey", "partners-meeting", "--edition", "2019", good)
	if err != nil || !strings.Contains(out, "2 responses loaded into partners-meeting 2019") || !strings.Contains(out, "0 already there; 0 rows skipped") {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	out, err = palabre("import-responses", good, "--survey", "partners-meeting", "--edition", "2019")
	if err != nil || !strings.Contains(out, "0 responses loaded") || !strings.Contains(out, "2 already there") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	if n, err := db.CountResponses(ctx, "partners-meeting", 2019); err != nil || n != 2 {
		t.Fatalf("%d responses after two imports (%v)", n, err)
	}

	bad := write("bad.csv", head+row("c0ffee00-0000-4000-8000-000000000003", "SN", "8")+row("c0ffee00-0000-4000-8000-000000000004", "SN", "12"))
	out, err = palabre("import-responses", "--survey", "partners-meeting", "--edition", "2020", bad)
	if err == nil || !strings.Contains(out, `row 3, column "recommend", value "12"`) || !strings.Contains(out, "1 problem in 1 row, so nothing is loaded") {
		t.Fatalf("bad file: %v\n%s", err, out)
	}
	if n, err := db.CountResponses(ctx, "partners-meeting", 2020); err != nil || n != 0 {
		t.Fatalf("a refused file left %d responses (%v)", n, err)
	}

	mapping := write("mapping.yaml", "columns:\n  Reco: recommend\n  Pays: profile.country\nconstants:\n  organisation: Foyer Saint-Paul\n  role: lawyer\n")
	other := strings.NewReplacer("recommend", "Reco", "profile/country", "Pays", "profile/organisation;", "", "profile/role;", "").Replace(head)
	line := strings.Replace(row("c0ffee00-0000-4000-8000-000000000005", "Maroc", "10"), "Foyer Saint-Paul;Juriste;", "", 1)
	mapped := write("mapped.csv", other+line)
	out, err = palabre("import-responses", "--survey", "partners-meeting", "--edition", "2020", "--mapping", mapping, mapped)
	if err != nil || !strings.Contains(out, "1 responses loaded") {
		t.Fatalf("mapped import: %v\n%s", err, out)
	}
	if _, err := palabre("import-responses", "--survey", "partners-meeting", good); err == nil {
		t.Fatal("no --edition is accepted")
	}
}
