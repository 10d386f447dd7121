package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/web"
	"github.com/palabre/palabre/survey/access"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// countingStore counts the histograms read: a workbook built reads them, a cached one not.
type countingStore struct {
	*analyticstest.Store
	reads atomic.Int64
}

func (s *countingStore) Distribution(ctx context.Context, q analytics.Query, question string, v analytics.Value) (*analytics.Distribution, error) {
	s.reads.Add(1)
	return s.Store.Distribution(ctx, q, question, v)
}

// token is the credential of a coordinator of every survey (see accounts).
var token = "Bearer " + accounts().all

func server(t testing.TB) (*gin.Engine, *countingStore) {
	t.Helper()
	gin.SetMode(gin.TestMode)
	store := &countingStore{Store: analyticstest.NewStore(analyticstest.Responses(3, 26)...)}
	svc := analytics.NewService(analyticstest.Catalog(), store, 5)
	h, err := web.New(web.Config{Builder: reports.NewBuilder(analyticstest.Catalog(), svc, "v-test"),
		Gate:     accounts().gate,
		CacheDir: t.TempDir(), Version: "v-test", VersionTTL: time.Nanosecond,
		Now: func() time.Time { return time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(surveyweb.RequestIDs())
	h.Register(r)
	return r, store
}

func get(r http.Handler, url string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Cookie" {
			req.AddCookie(&http.Cookie{Name: access.SessionCookie, Value: header[i+1]})
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

const base = "/api/v1/surveys/partners-meeting/report.xlsx"

// TestDownloadWorkbook: a coordinator downloads a workbook with a readable name and an
// ETag; the same request again is served from the cache (no histogram read) or answered 304;
// a new response changes the ETag and builds again.
func TestDownloadWorkbook(t *testing.T) {
	r, store := server(t)
	w := get(r, base+"?edition=2024,2025&lang=es&country=SN,PE,MA", "Authorization", token)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="partners-meeting_2024-2025_es_2026-01-20.xlsx"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if ct := w.Header().Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("Content-Type %q", ct)
	}
	etag := w.Header().Get("ETag")
	f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatalf("the body is not a workbook: %v", err)
	}
	sheets := f.GetSheetList()
	f.Close()
	if sheets[0] != "Resumen" || !strings.Contains(strings.Join(sheets, "|"), "Datos") {
		t.Errorf("sheets %v", sheets)
	}
	reads := store.reads.Load()
	if reads == 0 {
		t.Fatal("the workbook read no histogram")
	}

	again := get(r, base+"?lang=es&country=PE,MA,SN&edition=2025,2024", "Authorization", token)
	if again.Code != http.StatusOK || !bytes.Equal(again.Body.Bytes(), w.Body.Bytes()) || again.Header().Get("ETag") != etag {
		t.Errorf("the same request again: status %d, same body %v, ETag %q / %q", again.Code,
			bytes.Equal(again.Body.Bytes(), w.Body.Bytes()), again.Header().Get("ETag"), etag)
	}
	if store.reads.Load() != reads {
		t.Errorf("the same request on the same data built the workbook again (%d histogram reads)", store.reads.Load()-reads)
	}
	if nm := get(r, base+"?edition=2024,2025&lang=es&country=SN,PE,MA", "Authorization", token, "If-None-Match", etag); nm.Code != http.StatusNotModified || nm.Body.Len() != 0 {
		t.Errorf("If-None-Match: status %d, %d bytes", nm.Code, nm.Body.Len())
	}

	// New data: a new version.
	more := analyticstest.Responses(99, 3)
	store.Add(more[len(more)-1])
	changed := get(r, base+"?edition=2024,2025&lang=es&country=SN,PE,MA", "Authorization", token, "If-None-Match", etag)
	if changed.Code != http.StatusOK || changed.Header().Get("ETag") == etag || store.reads.Load() == reads {
		t.Errorf("after a new response: status %d, ETag %q (was %q)", changed.Code, changed.Header().Get("ETag"), etag)
	}

	// Funders' version, asked by a coordinator: named so, without data.
	fw := get(r, base+"?audience=funder&lang=en", "Authorization", token)
	if fw.Code != http.StatusOK || !strings.Contains(fw.Header().Get("Content-Disposition"), "partners-meeting_all_en_funder_2026-01-20.xlsx") {
		t.Errorf("funder workbook: %d %q", fw.Code, fw.Header().Get("Content-Disposition"))
	}
}

// TestConcurrentDownloadsBuildOnce: ten coordinators asking at once get one build.
func TestConcurrentDownloadsBuildOnce(t *testing.T) {
	r, store := server(t)
	get(r, base+"?lang=fr&edition=2023", "Authorization", token) // warm: learn how many reads one build takes
	one := store.reads.Load()
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = get(r, base+"?lang=en", "Authorization", token).Code
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if c != http.StatusOK {
			t.Errorf("status %d", c)
		}
	}
	if got := store.reads.Load() - one; got > 2*one {
		t.Errorf("%d histogram reads for ten identical requests; one build reads about %d", got, one)
	}
}

func TestDownloadRefused(t *testing.T) {
	r, _ := server(t)
	tests := []struct {
		name, url string
		header    []string
		status    int
		code      string
	}{
		{"no token", base, nil, 401, "unauthorized"},
		{"wrong token", base, []string{"Authorization", "Bearer nope"}, 401, "unauthorized"},
		{"unknown parameter", base + "?countries=SN", []string{"Authorization", token}, 400, "malformed"},
		{"unknown dimension", base + "?by=city", []string{"Authorization", token}, 400, "malformed"},
		{"unknown edition", base + "?edition=2019", []string{"Authorization", token}, 400, "malformed"},
		{"unknown audience", base + "?audience=public", []string{"Authorization", token}, 400, "malformed"},
		{"funders by organisation", base + "?audience=funder&by=organisation", []string{"Authorization", token}, 400, "malformed"},
		{"unknown survey", "/api/v1/surveys/nope/report.xlsx", []string{"Authorization", token}, 404, "not_found"},
	}
	for _, tc := range tests {
		w := get(r, tc.url, tc.header...)
		var body struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != tc.status || body.Error.Code != tc.code || body.Error.Message == "" {
			t.Errorf("%s: %d %q %q, want %d %s", tc.name, w.Code, body.Error.Code, body.Error.Message, tc.status, tc.code)
		}
	}
}

// BenchmarkCachedDownload is a repeated download on unchanged data: the data version's
// query and the cached file.
//
//	go test -run '^$' -bench CachedDownload ./reports/web
func BenchmarkCachedDownload(b *testing.B) {
	r, _ := server(b)
	if w := get(r, base, "Authorization", token); w.Code != http.StatusOK {
		b.Fatal(w.Code)
	}
	b.ResetTimer()
	for b.Loop() {
		if w := get(r, base, "Authorization", token); w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
