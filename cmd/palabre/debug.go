package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// opsHandlers is what the metrics address serves besides Go's profiles.
type opsHandlers struct {
	metrics http.Handler
	readyz  http.HandlerFunc // with each failing check's detail
}

// serveOps serves /metrics, a detailed /readyz and Go's pprof profiles on their own listener,
// apart from the public routes, and returns its base URL. It stops when ctx ends.
func serveOps(ctx context.Context, ln net.Listener, h opsHandlers, log *slog.Logger) string {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h.metrics)
	mux.HandleFunc("GET /readyz", h.readyz)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	log.Info("metrics and profiles", slog.String("metrics", base+"/metrics"), slog.String("profiles", base+"/debug/pprof/"))
	return base
}

// listenOps opens the metrics address. An address given explicitly must be free; the default
// one may be taken (another palabre on the same machine), which only costs the metrics.
func listenOps(addr string, explicit bool, log *slog.Logger) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if explicit {
		return nil, fmt.Errorf("cannot listen on metrics address %s: %w", addr, err)
	}
	log.Error("metrics and profiles are off: the default metrics address is taken (set --metrics-addr)",
		slog.String("addr", addr), slog.Any("error", err))
	return nil, nil
}
