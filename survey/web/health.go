package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// ReadinessCheck reports why palabre cannot serve its purpose now, or nil when it can.
type ReadinessCheck func(ctx context.Context) error

// Healthz answers 200 while the process runs.
func Healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// Readyz answers 200 when every check passes and 503 with the first failure's reason
// otherwise. Each check gets at most timeout.
func Readyz(timeout time.Duration, checks map[string]ReadinessCheck) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
		defer cancel()
		status := gin.H{}
		ready := true
		for name, check := range checks {
			if err := check(ctx); err != nil {
				status[name] = err.Error()
				ready = false
			} else {
				status[name] = "ok"
			}
		}
		if !ready {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": status})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": status})
	}
}
