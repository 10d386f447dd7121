package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
)

// baselineBody is the JSON palabre's API takes, decoded the same way, validated not at all.
type baselineBody struct {
	ID         string            `json:"id"`
	Respondent map[string]string `json:"respondent"`
	Answers    map[string]any    `json:"answers"`
}

// serveBaseline serves a bare Gin handler that decodes a response and answers 201: the cost
// of HTTP and JSON alone, against which palabre's ingestion is compared.
func serveBaseline(ctx context.Context, addr string, out io.Writer) error {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/api/v1/surveys/:survey/editions/:year/responses", func(c *gin.Context) {
		var b baselineBody
		if err := json.NewDecoder(c.Request.Body).Decode(&b); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusCreated, gin.H{"id": b.ID, "status": "accepted"})
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "baseline serving on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: e}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
