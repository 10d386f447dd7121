package dashboard

import "html/template"

// pageTemplate is the dashboard page. No inline script runs and no element has a style
// attribute: the JSON options are data (type application/json), and when Offline the
// assets are inlined, the scripts at the end of the body (ECharts packed, as data, then
// dashboard.js, which unpacks and runs it).
var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{{.Title}} — {{.Words.dashboard}}</title>
{{if .Offline}}<style>{{.Style}}</style>
{{else}}<link rel="stylesheet" href="{{.AssetBase}}/dashboard.css">
<script src="{{.AssetBase}}/echarts.min.js" defer></script>
<script src="{{.AssetBase}}/dashboard.js" defer></script>
{{end}}</head>
<body>
<header class="page-header">
<h1>{{.Title}}</h1>
{{with .Editions}}<p class="editions">{{.}}</p>
{{end}}<p class="generated">{{.Generated}}</p>
<p class="threshold">{{.Threshold}}</p>
{{if .Offline}}<p class="offline-note">{{.Words.offline_note}}</p>
{{end}}{{with .Languages}}<nav class="languages" aria-label="{{$.Words.languages}}"><ul>
{{range .}}<li>{{if .Current}}<span aria-current="page" lang="{{.Code}}">{{.Name}}</span>{{else}}<a href="{{.URL}}" lang="{{.Code}}" hreflang="{{.Code}}">{{.Name}}</a>{{end}}</li>
{{end}}</ul></nav>
{{end}}{{if or .Workbook .Export}}<ul class="downloads">
{{with .Workbook}}<li><a href="{{.}}" download>{{$.Words.workbook}}</a></li>
{{end}}{{with .Export}}<li><a href="{{.}}" download>{{$.Words.offline}}</a></li>
{{end}}</ul>
{{end}}<noscript><p class="nojs">{{.Words.nojs}}</p></noscript>
<nav class="toc" aria-labelledby="toc-h"><h2 id="toc-h">{{.Words.contents}}</h2><ol>
{{range .Sections}}<li><a href="#{{.ID}}">{{.Title}}</a></li>
{{end}}</ol></nav>
</header>
<main>
{{range .Sections}}<section id="{{.ID}}" class="block" aria-labelledby="{{.ID}}-h">
<h2 id="{{.ID}}-h">{{.Title}}</h2>
{{with .Meta}}<p class="meta">{{.}}</p>
{{end}}{{range .Notes}}<p class="note">{{.}}</p>
{{end}}{{range .Parts}}{{with .Chart}}<figure class="figure">
<h3 class="chart-title" id="c-{{.N}}-h">{{.Title}}</h3>
<div class="chart {{.Size}}" id="c-{{.N}}" data-option="opt-{{.N}}" role="img" aria-label="{{.Title}}"></div>
<script type="application/json" id="opt-{{.N}}">{{.Option}}</script>
<div class="chart-actions"><button type="button" data-png="c-{{.N}}" data-filename="{{.Filename}}">{{$.Words.png}}</button></div>
</figure>
{{end}}{{with .Note}}<p class="note">{{.}}</p>
{{end}}{{with .Table}}{{$cols := len .Head}}<div class="table-wrap">
<table{{with .Class}} class="{{.}}"{{end}}>
<caption>{{.Caption}}</caption>
<thead><tr>{{range .Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
{{with .Groups}}{{range .}}<tbody><tr><th scope="rowgroup" colspan="{{$cols}}">{{.Head}}</th></tr>
{{template "rows" .Rows}}</tbody>
{{end}}{{else}}<tbody>
{{template "rows" .Rows}}</tbody>
{{end}}</table>
</div>
{{end}}{{with .Comments}}<div class="comments">
<h3>{{.Title}}</h3>
{{with .Note}}<p class="note">{{.}}</p>
{{end}}{{with .Items}}<ul>
{{range .}}<li><p>{{.Text}}</p>{{with .Meta}}<small>{{.}}</small>{{end}}</li>
{{end}}</ul>
{{end}}</div>
{{end}}{{end}}</section>
{{end}}</main>
<footer class="page-footer">
<p>{{.Generated}}</p>
{{with .Expires}}<p class="expires">{{.}}</p>
{{end}}</footer>
{{with .Packed}}<script type="text/plain" data-palabre-gzip>{{.}}</script>
{{end}}{{range .Scripts}}<script>{{.}}</script>
{{end}}</body>
</html>
{{define "rows"}}{{range .}}<tr{{with .Class}} class="{{.}}"{{end}}><th scope="row">{{.Head}}</th>{{range .Cells}}<td{{with .Class}} class="{{.}}"{{end}}{{if gt .Span 1}} colspan="{{.Span}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}{{end}}`))

// messageTemplate is the page of a link that leads nowhere (404) or no longer (410):
// plain HTML, readable anywhere, with nothing to load.
var messageTemplate = template.Must(template.New("message").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{range .Text}}<p>{{.}}</p>
{{end}}</main>
</body>
</html>
`))
