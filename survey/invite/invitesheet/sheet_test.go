package invitesheet_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"html"
	"image"
	"image/color"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/invite/invitesheet"
	"github.com/palabre/palabre/survey/invite/invitetest"
	"github.com/palabre/palabre/survey/surveytest"
)

var now = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

const base = "https://surveys.example.org/palabre/"

var runRE = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
var viewBoxRE = regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`)

// decodeSVG draws an SVG of QRSVG at 4 pixels per module and reads it with a QR decoder.
func decodeSVG(t *testing.T, svg string) string {
	t.Helper()
	vb := viewBoxRE.FindStringSubmatch(svg)
	if vb == nil {
		t.Fatalf("no viewBox in %.80s", svg)
	}
	n, _ := strconv.Atoi(vb[1])
	const scale = 4
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, m := range runRE.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for px := x * scale; px < (x+w)*scale; px++ {
			for py := y * scale; py < (y+1)*scale; py++ {
				img.SetGray(px, py, color.Gray{})
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR code does not decode: %v", err)
	}
	return res.GetText()
}

func TestQRDecodesToTheLink(t *testing.T) {
	for _, link := range []string{
		invite.LinkTo(base, "partners-meeting", 2026, strings.Repeat("Ab-_9", 8)+"xyz"),
		"https://x.org/s/a/2026?t=" + strings.Repeat("z", 43),
	} {
		svg, err := invitesheet.QRSVG(link)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeSVG(t, string(svg)); got != link {
			t.Errorf("decoded %q, want %q", got, link)
		}
	}
}

func newSheet(t *testing.T, n int) (invitesheet.Sheet, *invite.Service) {
	t.Helper()
	svc := invite.NewService(&invitetest.Memory{})
	s, err := invitesheet.Generate(context.Background(), svc, surveytest.Seed("meeting", now), base, "meeting", 2026, n)
	if err != nil {
		t.Fatal(err)
	}
	return s, svc
}

func TestGenerateAndCSV(t *testing.T) {
	s, svc := newSheet(t, 3)
	if len(s.Links) != 3 || s.Place != "Tanger" || s.Title.In("en", "fr") == "" {
		t.Fatalf("sheet %+v", s)
	}
	var b strings.Builder
	if err := invitesheet.WriteCSV(&b, s.Links); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != "number,link" {
		t.Fatalf("csv %q, %v", b.String(), err)
	}
	for i, row := range rows[1:] {
		u, err := url.Parse(row[1])
		if err != nil || row[0] != strconv.Itoa(i+1) || u.Scheme != "https" || u.Host != "surveys.example.org" ||
			u.Path != "/palabre/s/meeting/2026" {
			t.Errorf("row %q", row)
			continue
		}
		if err := svc.Check(context.Background(), "meeting", 2026, u.Query().Get(invite.TokenParam)); err != nil {
			t.Errorf("link %d does not open the edition: %v", i+1, err)
		}
	}
	if _, err := invitesheet.Generate(context.Background(), svc, surveytest.Seed("meeting", now), base, "meeting", 2031, 1); err != invitesheet.ErrNoEdition {
		t.Errorf("unknown edition: %v", err)
	}
}

var styleRE = regexp.MustCompile(`(?s)<style>(.*)</style>`)

func TestPrintablePage(t *testing.T) {
	s, _ := newSheet(t, 14)
	for _, tc := range []struct{ lang, once, scan string }{
		{"fr", "ne sont montrés qu'une fois", "Scannez pour répondre"},
		{"en", "shown only once", "Scan to answer"},
		{"es", "se muestran una sola vez", "Escanee para responder"},
	} {
		w := httptest.NewRecorder()
		if err := invitesheet.ServePage(w, s, tc.lang); err != nil {
			t.Fatal(err)
		}
		body := w.Body.String()
		text := html.UnescapeString(body)
		if !strings.Contains(text, tc.once) || strings.Count(text, tc.scan) != 14 || !strings.Contains(body, `<html lang="`+tc.lang+`">`) {
			t.Errorf("%s: page misses its words", tc.lang)
		}
		// Two A4 sheets: 12 cards, then 2.
		if got := strings.Count(body, `<div class="sheet">`); got != 2 {
			t.Errorf("%s: %d sheets", tc.lang, got)
		}
		if strings.Count(body, "<svg ") != 14 {
			t.Errorf("%s: %d QR codes", tc.lang, strings.Count(body, "<svg "))
		}
		// Each card's QR code decodes to the link written under it.
		cards := strings.Split(body, `<div class="card">`)[1:]
		for i, card := range cards[:3] {
			svg := card[:strings.Index(card, "</svg>")+6]
			if got := decodeSVG(t, svg); got != s.Links[i].URL || !strings.Contains(html.UnescapeString(card), s.Links[i].URL) {
				t.Errorf("card %d: QR %q, link %q", i+1, got, s.Links[i].URL)
			}
		}
		// The style sheet is allowed by its hash, and nothing else runs.
		style := styleRE.FindStringSubmatch(body)
		sum := sha256.Sum256([]byte(style[1]))
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || strings.Contains(body, "<script") {
			t.Errorf("CSP %q does not allow the style sheet", csp)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("cache %q", w.Header().Get("Cache-Control"))
		}
		// The CSV offered on the page holds the same links.
		m := regexp.MustCompile(`href="data:text/csv;charset=utf-8;base64,([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no CSV link", tc.lang)
		}
		raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
		if err != nil || !strings.Contains(string(raw), s.Links[13].URL) {
			t.Errorf("embedded CSV %q, %v", raw, err)
		}
	}
}

func TestHandler(t *testing.T) {
	gin.SetMode(gin.TestMode)
	svc := invite.NewService(&invitetest.Memory{})
	r := gin.New()
	// The console sets its own policy on every page; the sheet's replaces it.
	r.Use(func(c *gin.Context) {
		c.Header("Content-Security-Policy", "default-src 'none'; style-src 'self'")
		c.Next()
	})
	var recorded []string
	var recordErr error
	r.POST("/console/surveys/:survey/editions/:year/invitations", invitesheet.Handler(invitesheet.Config{
		Service: svc, Catalog: surveytest.Seed("meeting", now), BaseURL: base,
		Generated: func(c *gin.Context, s invitesheet.Sheet) error {
			recorded = append(recorded, s.SurveyID+"/"+strconv.Itoa(s.Year)+"/"+strconv.Itoa(len(s.Links))+"/"+strconv.FormatBool(s.Batch != ""))
			return recordErr
		}}))
	do := func(path string, form url.Values) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	const path = "/console/surveys/meeting/editions/2026/invitations"
	w := do(path, url.Values{"count": {"5"}, "format": {"csv"}})
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "invitations-meeting-2026-") || strings.Count(w.Body.String(), "\n") != 6 {
		t.Errorf("csv: %d %v %q", w.Code, w.Header(), w.Body)
	}
	w = do(path, url.Values{"count": {"2"}, "lang": {"es"}})
	if w.Code != http.StatusOK || !strings.Contains(html.UnescapeString(w.Body.String()), "Escanee") {
		t.Errorf("page: %d", w.Code)
	}
	if csp := w.Header().Values("Content-Security-Policy"); len(csp) != 1 || !strings.Contains(csp[0], "style-src 'sha256-") {
		t.Errorf("page policy %q", csp)
	}
	if c, _ := svc.Counts(context.Background(), "meeting", 2026); c.Generated != 7 {
		t.Errorf("generated %d", c.Generated)
	}
	for _, tc := range []struct {
		path   string
		form   url.Values
		status int
		text   string
	}{
		{path, url.Values{"count": {"0"}, "lang": {"en"}}, http.StatusBadRequest, "from 1 to 5000"},
		{path, url.Values{"count": {"5001"}, "lang": {"fr"}}, http.StatusBadRequest, "entre 1 et 5000"},
		{path, url.Values{"count": {"2"}, "format": {"pdf"}, "lang": {"es"}}, http.StatusBadRequest, "CSV"},
		{"/console/surveys/meeting/editions/2031/invitations", url.Values{"count": {"2"}, "lang": {"en"}}, http.StatusNotFound, "does not exist"},
		{"/console/surveys/nope/editions/2026/invitations", url.Values{"count": {"2"}, "lang": {"en"}}, http.StatusNotFound, "does not exist"},
	} {
		if w := do(tc.path, tc.form); w.Code != tc.status || !strings.Contains(w.Body.String(), tc.text) {
			t.Errorf("%s %v: %d %q", tc.path, tc.form, w.Code, w.Body)
		}
	}
	if c, _ := svc.Counts(context.Background(), "meeting", 2026); c.Generated != 7 {
		t.Errorf("refused requests generated links: %d", c.Generated)
	}
	if strings.Join(recorded, ",") != "meeting/2026/5/true,meeting/2026/2/true" {
		t.Errorf("recorded %v", recorded)
	}
	// Without a base address, links use the address the request came to.
	bare := gin.New()
	bare.POST("/g/:survey/:year", invitesheet.Handler(invitesheet.Config{Service: svc, Catalog: surveytest.Seed("meeting", now)}))
	req := httptest.NewRequest(http.MethodPost, "http://palabre.example.net/g/meeting/2026", strings.NewReader("count=1&format=csv"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	bare.ServeHTTP(w, req)
	if !strings.Contains(w.Body.String(), "\n1,http://palabre.example.net/s/meeting/2026?t=") {
		t.Errorf("links without a base: %q", w.Body)
	}
	// Links whose generation could not be recorded are not shown.
	recordErr = context.Canceled
	if w := do(path, url.Values{"count": {"3"}, "format": {"csv"}, "lang": {"en"}}); w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "https://") {
		t.Errorf("record failed: %d %q", w.Code, w.Body)
	}
}
