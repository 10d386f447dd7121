package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/form.js static/form.css
var staticFS embed.FS

// parsePages parses every page template once.
func parsePages() (*template.Template, error) {
	t, err := template.ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse templates: %w", err)
	}
	return t, nil
}

// asset is a file served from the binary, with its gzip-compressed form and a hash of its
// content that versions its URL.
type asset struct {
	contentType string
	body, gz    []byte
	hash        string
}

func loadAssets() (map[string]*asset, error) {
	out := map[string]*asset{}
	for name, ctype := range map[string]string{"form.js": "text/javascript; charset=utf-8", "form.css": "text/css; charset=utf-8"} {
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			return nil, fmt.Errorf("web: read %s: %w", name, err)
		}
		sum := sha256.Sum256(b)
		out[name] = &asset{contentType: ctype, body: b, gz: compress(b), hash: hex.EncodeToString(sum[:6])}
	}
	return out, nil
}

// assetURL is the versioned URL of a static file: it changes whenever the file does, so
// browsers may keep it for a year.
func (f *Forms) assetURL(name string) string {
	return f.base + "/static/" + name + "?v=" + f.assets[name].hash
}

// static serves form.js and form.css. With the current ?v= hash the response is cached for
// a year; otherwise the ETag lets browsers revalidate.
func (f *Forms) static(c *gin.Context) {
	a, ok := f.assets[c.Param("file")]
	if !ok {
		c.Status(http.StatusNotFound)
		return
	}
	etag := `"` + a.hash + `"`
	h := c.Writer.Header()
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if c.Query("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	sendBytes(c, http.StatusOK, a.contentType, a.body, a.gz)
}

// send writes a text body, compressed with gzip when the client accepts it and it is worth
// it.
func send(c *gin.Context, status int, contentType string, body []byte) {
	var gz []byte
	if len(body) >= 1024 && acceptsGzip(c) {
		gz = compress(body)
	}
	sendBytes(c, status, contentType, body, gz)
}

// SendPrepared writes a body prepared once with its gzip form (Gzip), choosing by the
// client's Accept-Encoding.
func SendPrepared(c *gin.Context, status int, contentType string, body, gz []byte) {
	sendBytes(c, status, contentType, body, gz)
}

// Gzip compresses body as SendPrepared sends it.
func Gzip(body []byte) []byte { return compress(body) }

func sendBytes(c *gin.Context, status int, contentType string, body, gz []byte) {
	h := c.Writer.Header()
	h.Add("Vary", "Accept-Encoding")
	if gz != nil && acceptsGzip(c) {
		h.Set("Content-Encoding", "gzip")
		body = gz
	}
	c.Data(status, contentType, body)
}

func acceptsGzip(c *gin.Context) bool {
	for _, part := range strings.Split(c.GetHeader("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			return strings.ReplaceAll(params, " ", "") != "q=0"
		}
	}
	return false
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return w
}}

func compress(b []byte) []byte {
	var buf bytes.Buffer
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	gzipWriters.Put(w)
	return buf.Bytes()
}
