// Package invitesheet hands a batch of participants' invitation links to the coordinator who
// generated it: as CSV (for a mail merge) and as a printable A4 page with one QR code per
// link (for a meeting room). Tokens are stored only as hashes, so what these write is the
// only copy of the links: they are produced once, when the links are generated.
//
// The console mounts Handler on a route of its own (behind its sign-in, authorisation and
// CSRF checks), or calls Generate and the writers itself.
package invitesheet

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/invite"
)

// Sheet is a batch of links to one edition, with what a page about them shows.
type Sheet struct {
	SurveyID string
	Title    survey.Text // the survey's title
	Year     int
	Place    string
	Created  time.Time
	Batch    string // the generation's id
	Links    []invite.Link
}

// ErrNoEdition is a generation asked for an edition the catalog does not have.
var ErrNoEdition = errors.New("invitesheet: no such edition")

// Generate makes n invitations to a survey's edition and returns them as links on the site
// whose public address is baseURL (e.g. https://surveys.example.org). The edition must exist;
// it may still be open (the coordinator switches it to "by invitation" when ready).
func Generate(ctx context.Context, svc *invite.Service, catalog survey.Catalog, baseURL, surveyID string, year, n int) (Sheet, error) {
	all, err := catalog.Surveys(ctx)
	if err != nil {
		return Sheet{}, err
	}
	for _, s := range all {
		if s.ID != surveyID {
			continue
		}
		e, ok := s.Edition(year)
		if !ok {
			break
		}
		b, err := svc.Generate(ctx, surveyID, year, n)
		if err != nil {
			return Sheet{}, err
		}
		return Sheet{SurveyID: surveyID, Title: s.Title, Year: year, Place: e.Place, Created: b.Created,
			Batch: b.ID, Links: b.Links(baseURL)}, nil
	}
	return Sheet{}, ErrNoEdition
}

// CSVHeader is the first row of the CSV: each link's number in the batch (to tick off the
// links handed out) and the link itself. The token alone is of no use to anyone: it is not a
// column.
var CSVHeader = []string{"number", "link"}

// WriteCSV writes the links as CSV, one row per link after CSVHeader.
func WriteCSV(w io.Writer, links []invite.Link) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, l := range links {
		if err := cw.Write([]string{strconv.Itoa(l.N), l.URL}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// FileName is the name a download of the sheet is offered under, without extension:
// invitations-{survey}-{year}-{date and time}.
func (s Sheet) FileName() string {
	return fmt.Sprintf("invitations-%s-%d-%s", s.SurveyID, s.Year, s.Created.UTC().Format("20060102-150405"))
}

// noStore is set on every answer holding links: no cache keeps them.
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// ServeCSV answers with the sheet's CSV as a download.
func ServeCSV(w http.ResponseWriter, s Sheet) error {
	h := w.Header()
	noStore(h)
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+s.FileName()+`.csv"`)
	w.WriteHeader(http.StatusOK)
	return WriteCSV(w, s.Links)
}

// PerPage is how many links a printed A4 page holds: 3 columns of 4.
const PerPage = 12

// pageCSP lets the page use its own style sheet (by hash) and its inline QR codes, nothing
// else: no script, no request anywhere.
var pageCSP = "default-src 'none'; style-src 'sha256-" + hashOf(pageStyle) + "'; img-src data:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// ServePage answers with the printable page in lang (fr, en or es).
func ServePage(w http.ResponseWriter, s Sheet, lang string) error {
	var buf strings.Builder
	if err := WritePage(&buf, s, lang); err != nil {
		return err
	}
	h := w.Header()
	noStore(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	w.WriteHeader(http.StatusOK)
	_, err := io.WriteString(w, buf.String())
	return err
}

// card is one link on the printed page.
type card struct {
	N   int
	URL string
	QR  template.HTML
}

type pageView struct {
	Lang, Title, Heading, Sub string
	Style                     template.CSS
	CSV                       template.URL
	CSVName                   string
	T                         func(string) string
	Pages                     [][]card
}

// WritePage writes the printable page: one card per link, each with its QR code, its number
// and the link written out, PerPage to an A4 page; on screen, a note that the links are
// shown only now and a link to download them as CSV.
func WritePage(w io.Writer, s Sheet, lang string) error {
	lang = language(lang)
	title := s.Title.In(lang, survey.DefaultLanguage)
	v := pageView{Lang: lang, Style: template.CSS(pageStyle), CSVName: s.FileName() + ".csv",
		T:       func(key string) string { return words[key].In(lang, survey.DefaultLanguage) },
		Heading: title + " " + strconv.Itoa(s.Year)}
	v.Title = v.T("invitations") + " · " + v.Heading
	sub := []string{fmt.Sprintf(v.T("count"), len(s.Links))}
	if s.Place != "" {
		sub = append([]string{s.Place}, sub...)
	}
	v.Sub = strings.Join(sub, " · ")
	var csvText strings.Builder
	if err := WriteCSV(&csvText, s.Links); err != nil {
		return err
	}
	v.CSV = template.URL("data:text/csv;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(csvText.String())))
	var page []card
	for _, l := range s.Links {
		qr, err := QRSVG(l.URL)
		if err != nil {
			return err
		}
		page = append(page, card{N: l.N, URL: l.URL, QR: qr})
		if len(page) == PerPage {
			v.Pages, page = append(v.Pages, page), nil
		}
	}
	if len(page) > 0 {
		v.Pages = append(v.Pages, page)
	}
	return pageTemplate.Execute(w, v)
}

func language(lang string) string {
	switch lang {
	case survey.French, survey.English, survey.Spanish:
		return lang
	}
	return survey.DefaultLanguage
}

// QRSVG draws a QR code of text (error correction level M, which survives a crease or a
// smudge) as an inline SVG image, one unit per module with the quiet zone around it, dark
// modules as one path of horizontal runs.
func QRSVG(text string) (template.HTML, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("QR code: %w", err)
	}
	bm := q.Bitmap()
	n := len(bm)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-hidden="true">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

var words = map[string]survey.Text{
	"invitations": {"fr": "Invitations", "en": "Invitations", "es": "Invitaciones"},
	"count":       {"fr": "%d liens personnels", "en": "%d personal links", "es": "%d enlaces personales"},
	"once": {"fr": "Ces liens ne sont montrés qu'une fois : palabre n'en garde qu'une empreinte et ne peut pas les afficher de nouveau. Imprimez cette page ou téléchargez les liens maintenant. S'ils sont perdus, générez-en d'autres.",
		"en": "These links are shown only once: palabre keeps only a fingerprint of each and cannot show them again. Print this page or download the links now. If they are lost, generate new ones.",
		"es": "Estos enlaces se muestran una sola vez: palabre solo guarda una huella de cada uno y no puede volver a mostrarlos. Imprima esta página o descargue los enlaces ahora. Si se pierden, genere otros."},
	"anonymous": {"fr": "Chaque lien permet d'envoyer une seule réponse, qui reste anonyme : la réponse ne garde aucune trace du lien.",
		"en": "Each link sends one response, which stays anonymous: the response keeps no trace of the link.",
		"es": "Cada enlace permite enviar una sola respuesta, que sigue siendo anónima: la respuesta no guarda ningún rastro del enlace."},
	"download": {"fr": "Télécharger les liens (CSV)", "en": "Download the links (CSV)", "es": "Descargar los enlaces (CSV)"},
	"print":    {"fr": "Pour imprimer : Ctrl+P (⌘+P sur Mac), format A4.", "en": "To print: Ctrl+P (⌘+P on a Mac), A4 paper.", "es": "Para imprimir: Ctrl+P (⌘+P en Mac), papel A4."},
	"number":   {"fr": "n° ", "en": "No. ", "es": "n.º "},
	"scan":     {"fr": "Scannez pour répondre", "en": "Scan to answer", "es": "Escanee para responder"},
	"single":   {"fr": "Lien personnel, pour une seule réponse", "en": "Personal link, for one response", "es": "Enlace personal, para una sola respuesta"},
}

const pageStyle = `@page{size:A4;margin:10mm}
*{box-sizing:border-box}
body{font:11pt/1.4 system-ui,sans-serif;margin:0;color:#000;background:#fff}
.screen{max-width:190mm;margin:0 auto;padding:6mm 0}
.screen p{margin:.4em 0}
.warn{border-left:4px solid #b00;padding:.3em .8em;background:#fff4f4}
.sheet{width:190mm;margin:0 auto;display:grid;grid-template-columns:repeat(3,1fr);grid-auto-rows:68mm;gap:0;break-after:page}
.sheet:last-child{break-after:auto}
.card{border:1px dashed #999;padding:3mm;text-align:center;break-inside:avoid;display:flex;flex-direction:column;align-items:center;justify-content:center}
.card svg{width:38mm;height:38mm}
.card .t{font-size:8pt;margin:1mm 0 0}
.card .n{font-weight:bold;font-size:9pt}
.card .u{font:6.5pt/1.2 ui-monospace,monospace;word-break:break-all;margin:1mm 0 0}
h1{font-size:14pt;margin:0}
@media screen and (max-width:200mm){.sheet{width:auto;grid-template-columns:repeat(auto-fill,minmax(58mm,1fr))}}
@media print{.screen{display:none}}`

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>{{.Style}}</style>
</head>
<body>
<div class="screen">
<h1>{{.Heading}}</h1>
<p>{{.Sub}}</p>
<p class="warn" role="alert">{{call .T "once"}}</p>
<p>{{call .T "anonymous"}}</p>
<p><a href="{{.CSV}}" download="{{.CSVName}}">{{call .T "download"}}</a> · {{call .T "print"}}</p>
</div>
{{range .Pages}}<div class="sheet">
{{range .}}<div class="card">{{.QR}}<p class="t"><span class="n">{{$.Heading}} · {{call $.T "number"}}{{.N}}</span><br>{{call $.T "scan"}} — {{call $.T "single"}}</p><p class="u">{{.URL}}</p></div>
{{end}}</div>
{{end}}</body>
</html>
`))
