package localcatalog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// An edition by invitation stays by invitation in the copy: a restart while the database is
// away must not open it to anyone.
func TestCopyKeepsEditionAccess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	now := time.Now()
	db := surveytest.Seed("feedback", now)
	e := surveytest.Edition("feedback", now.Year(), "Tanger", time.Time{}, time.Time{})
	e.Access = survey.AccessInvitation
	if err := db.SaveEdition(ctx, e); err != nil {
		t.Fatal(err)
	}
	first, err := Open(db, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Surveys(ctx); err != nil {
		t.Fatal(err)
	}
	db.FailWith(errDown)
	second, err := Open(db, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := second.Surveys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := all[0].Edition(now.Year())
	if !ok || got.Access != survey.AccessInvitation {
		t.Errorf("edition from the copy %+v", got)
	}
	if prev, _ := all[0].Edition(now.Year() - 1); prev.Access != survey.AccessOpen {
		t.Errorf("an open edition reads %q", prev.Access)
	}
}
