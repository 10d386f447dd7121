package web_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest"
	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/invite/invitetest"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
)

// memoryDB stands for the database behind the ingest pipeline.
type memoryDB struct{ rows []*survey.Response }

func (m *memoryDB) WriteResponses(_ context.Context, batch []*survey.Response) error {
	m.rows = append(m.rows, batch...)
	return nil
}

func (m *memoryDB) ResponseDigests(context.Context, func(survey.ResponseID, uint64, time.Time)) error {
	return nil
}

// Through the real write path (journal, index of response ids) and the access log, a
// response sent with an invitation leaves no trace of its token: not the token, not its hash,
// in no file and no log line. A resubmission is recognised by the pipeline itself.
func TestInvitationLeavesNoTrace(t *testing.T) {
	gin.SetMode(gin.TestMode)
	ctx := context.Background()
	dir := t.TempDir()
	db := &memoryDB{}
	p, err := ingest.Open(ctx, ingest.Config{Dir: filepath.Join(dir, "journal"), BatchInterval: 10 * time.Millisecond}, db, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	catalog := surveytest.Seed("meeting", now)
	all, _ := catalog.Surveys(ctx)
	e, _ := all[0].Edition(2026)
	e.Access = survey.AccessInvitation
	if err := catalog.SaveEdition(ctx, e); err != nil {
		t.Fatal(err)
	}
	invites := invite.NewService(&invitetest.Memory{})
	forms, err := web.NewForms(web.FormsConfig{Catalog: catalog, Sink: p, Now: func() time.Time { return now }, Invitations: invites})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	engine := gin.New()
	engine.Use(web.RequestIDs(), web.AccessLog(slog.New(slog.NewJSONHandler(&logs, nil))))
	forms.Register(engine)
	fx := &fixture{engine: engine}
	b, err := invites.Generate(ctx, "meeting", 2026, 1)
	if err != nil {
		t.Fatal(err)
	}
	tok := b.Tokens[0]

	if w := get(fx, "/s/meeting/2026?t="+tok, nil); w.Code != http.StatusOK {
		t.Fatalf("form: %d", w.Code)
	}
	id := survey.NewResponseID().String()
	for i, want := range []int{http.StatusCreated, http.StatusOK} {
		if w := post(fx, inviteResponses, response(id, nil), inviteHeader(tok)); w.Code != want {
			t.Fatalf("submission %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	v := formValues(id)
	req := httptest.NewRequest(http.MethodPost, "/s/meeting/2026?t="+tok, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	if w.Code != http.StatusConflict { // the same id with the page's other answers
		t.Fatalf("form post: %d", w.Code)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(db.rows) != 1 || db.rows[0].ID.String() != id {
		t.Fatalf("delivered %d responses", len(db.rows))
	}
	secrets := []string{tok, invite.Hash(tok), invite.Hash(tok)[:16]}
	files := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds %q", path, s)
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("%d files read: %v", files, err)
	}
	if !strings.Contains(logs.String(), `"path":"/s/meeting/2026"`) {
		t.Fatalf("no access log: %s", logs.String())
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the access log holds %q", s)
		}
	}
}
