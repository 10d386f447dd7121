package main

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// TestMetricsAddressTaken checks that a taken metrics address fails the start when it was
// asked for, and only turns metrics off (loudly) when it is the default.
func TestMetricsAddressTaken(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if ln, err := listenOps(busy.Addr().String(), true, log); err == nil || ln != nil {
		t.Errorf("explicit taken address: %v, %v; want an error", ln, err)
	}
	ln, err := listenOps(busy.Addr().String(), false, log)
	if err != nil || ln != nil {
		t.Errorf("default taken address: %v, %v; want no listener and no error", ln, err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "metrics and profiles are off") {
		t.Errorf("log does not say the metrics are off:\n%s", logs.String())
	}
	if ln, err := listenOps("", true, log); ln != nil || err != nil {
		t.Errorf("empty address: %v, %v; want off", ln, err)
	}
}
