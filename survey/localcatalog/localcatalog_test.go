package localcatalog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

var errDown = errors.New("connection refused")

// TestRestartServesTheCopyWhileTheDatabaseIsDown is what palabre relies on after a restart
// during an outage: a catalog read once is served from the file by a new process, forms
// included, and the database is not asked by every call meanwhile.
func TestRestartServesTheCopyWhileTheDatabaseIsDown(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	db := surveytest.Seed("feedback", time.Now())

	first, err := Open(db, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.Exists() {
		t.Fatal("a catalog without a file says it has a copy")
	}
	want, err := first.Surveys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Exists() {
		t.Fatal("no copy after a successful read")
	}
	wantForm, err := db.Form(ctx, "feedback", 1)
	if err != nil {
		t.Fatal(err)
	}

	db.FailWith(errDown)
	counted := &countingCatalog{Catalog: db}
	second, err := Open(counted, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := second.Surveys(ctx)
	if err != nil {
		t.Fatalf("surveys from the copy: %v", err)
	}
	if !reflect.DeepEqual(normalise(t, got), normalise(t, want)) {
		t.Errorf("surveys from the copy = %+v, want %+v", got, want)
	}
	form, err := second.Form(ctx, "feedback", 1)
	if err != nil {
		t.Fatalf("form from the copy: %v", err)
	}
	if form.Digest() != wantForm.Digest() {
		t.Error("the form read from the copy differs from the stored one")
	}
	if _, err := second.Form(ctx, "feedback", 9); !errors.Is(err, errDown) {
		t.Errorf("a form the copy lacks = %v, want the database's error", err)
	}

	// Calls within the pause after a failure do not ask the database again.
	asked := counted.lists
	for range 3 {
		if _, err := second.Surveys(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if counted.lists != asked {
		t.Errorf("the database was asked %d more times within the pause", counted.lists-asked)
	}
}

// countingCatalog counts the survey lists asked of the catalog underneath.
type countingCatalog struct {
	*surveytest.Catalog
	lists int
}

func (c *countingCatalog) Surveys(ctx context.Context) ([]survey.Survey, error) {
	c.lists++
	return c.Catalog.Surveys(ctx)
}

// TestFirstStartWithoutCopyFails: with no file and no database there is nothing to serve.
func TestFirstStartWithoutCopyFails(t *testing.T) {
	db := surveytest.Seed("feedback", time.Now())
	db.FailWith(errDown)
	c, err := Open(db, filepath.Join(t.TempDir(), FileName), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Surveys(context.Background()); !errors.Is(err, errDown) {
		t.Errorf("Surveys = %v, want the database's error", err)
	}
}

// TestCopyFollowsTheDatabase: a new edition reaches the file at the next list, an unchanged
// list is not written again, and a damaged file is refused by name.
func TestCopyFollowsTheDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	now := time.Now()
	db := surveytest.Seed("feedback", now)
	c, err := Open(db, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Surveys(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if _, err := c.Surveys(ctx); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(path); !after.ModTime().Equal(before.ModTime()) {
		t.Error("an unchanged catalog was written again")
	}
	if err := c.SaveEdition(ctx, surveytest.Edition("feedback", now.Year()+2, "Lomé", now.AddDate(2, 0, 0), time.Time{})); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Surveys(ctx); err != nil {
		t.Fatal(err)
	}
	db.FailWith(errDown)
	reopened, err := Open(db, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := reopened.Surveys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list[0].Editions); n != 4 {
		t.Errorf("the copy holds %d editions, want 4 (the new one included)", n)
	}

	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(db, path, nil); err == nil {
		t.Error("a damaged copy was accepted")
	}
}

// normalise drops the monotonic clock readings that a JSON round trip does not keep.
func normalise(t *testing.T, list []survey.Survey) []survey.Survey {
	t.Helper()
	out := make([]survey.Survey, len(list))
	for i, s := range list {
		s.Editions = append([]survey.Edition(nil), s.Editions...)
		for j := range s.Editions {
			s.Editions[j].Opens = s.Editions[j].Opens.Round(0).UTC()
			s.Editions[j].Closes = s.Editions[j].Closes.Round(0).UTC()
		}
		out[i] = s
	}
	return out
}
