package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// demoResponse is a JSON response to the demo survey's open edition.
func demoResponse() string {
	b, _ := json.Marshal(map[string]any{
		"id":         survey.NewResponseID().String(),
		"respondent": map[string]string{"country": "MA", "organisation": "100% Mamans", "role": "psychologist", "language": "fr"},
		"answers": map[string]any{"first_meeting": "no", "take_back": []string{"tools"}, "overall_satisfaction": "very_satisfied", "recommend": 9,
			"sessions": map[string]string{"sharing_experiences": "very_useful", "questioning_practices": "useful", "pooling_tools": "useful",
				"building_tools": "slightly_useful", "partner_visit": "very_useful", "guide_handover": "very_useful"}},
	})
	return string(b)
}

const demoResponses = "/api/v1/surveys/partners-meeting/editions/2026/responses"

// TestServeAdmission drives the real `palabre serve` wiring: a submission in flight takes the
// only place, so the next is refused at once with 503, Retry-After and a localised JSON error;
// once it is done, submissions pass again; past a client's rate, submissions and analytics
// are refused with 429, while pages, assets and health checks are not limited.
func TestServeAdmission(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_BATCH_INTERVAL": "50ms"}
	if err := run(context.Background(), []string{"import", "--demo"}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("import --demo: %v", err)
	}
	base, _, stop := startServe(t, env, "--max-inflight-submissions", "1", "--admission-wait", "0", "--rate-limit", "0")
	post := func(lang string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+demoResponses, strings.NewReader(demoResponse()))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	errorMessage := func(resp *http.Response) string {
		t.Helper()
		defer resp.Body.Close()
		var b struct {
			Error struct{ Code, Message string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
			t.Fatalf("%d: not a JSON error: %v", resp.StatusCode, err)
		}
		return b.Error.Code + ": " + b.Error.Message
	}

	// A participant on a slow connection: headers sent, body still coming. Its request holds
	// the only place while palabre reads the body. (Should a request of the loop below come
	// first, the slow one is refused instead: start again.)
	var (
		slow    net.Conn
		body    string
		refused *http.Response
	)
	waitFor(t, "a slow submission to hold the only place", func() bool {
		if slow != nil {
			slow.Close()
		}
		var err error
		if slow, err = net.Dial("tcp", strings.TrimPrefix(base, "http://")); err != nil {
			t.Fatal(err)
		}
		body = demoResponse()
		fmt.Fprintf(slow, "POST %s HTTP/1.1\r\nHost: palabre\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			demoResponses, len(body), body[:len(body)-1])
		time.Sleep(50 * time.Millisecond)
		if refused = post("en"); refused.StatusCode == http.StatusServiceUnavailable {
			return true
		}
		refused.Body.Close()
		return false
	})
	defer slow.Close()
	if refused.Header.Get("Retry-After") != "1" {
		t.Errorf("503 with Retry-After %q", refused.Header.Get("Retry-After"))
	}
	if msg := errorMessage(refused); msg != "unavailable: The server is receiving too many responses right now. Please try again in a few seconds: your answers are kept in this browser." {
		t.Errorf("refusal: %s", msg)
	}
	fmt.Fprint(slow, body[len(body)-1:])
	status, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil || status.StatusCode != http.StatusCreated {
		t.Fatalf("the slow submission: %v %v", status, err)
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// A server with a rate of 1 a second and a burst of 4 per address.
	env["PALABRE_RATE_LIMIT"], env["PALABRE_DATA"] = "1", t.TempDir()
	base, _, stop = startServe(t, env, "--rate-burst", "4")
	defer stop()
	var limited *http.Response
	for i := 0; i < 20; i++ {
		resp := post("es")
		if resp.StatusCode == http.StatusTooManyRequests {
			limited = resp
			break
		}
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("submission %d: %d", i, resp.StatusCode)
		}
		resp.Body.Close()
	}
	if limited == nil {
		t.Fatal("20 submissions from one address at once were never limited to 1 a second")
	}
	if ra := limited.Header.Get("Retry-After"); ra != "1" {
		t.Errorf("429 with Retry-After %q", ra)
	}
	if msg := errorMessage(limited); !strings.HasPrefix(msg, "too_many_requests: Demasiadas solicitudes desde su dirección") {
		t.Errorf("rate limited: %s", msg)
	}
	resp, err := http.Get(base + "/api/v1/surveys/partners-meeting/analytics")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("analytics past the client's rate: %d", resp.StatusCode)
	}
	resp.Body.Close()
	for _, path := range []string{"/healthz", "/", "/s/partners-meeting/2026", "/api/v1/surveys"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s past the client's rate: %d, want 200", path, resp.StatusCode)
		}
	}
	time.Sleep(1100 * time.Millisecond)
	if resp := post("fr"); resp.StatusCode != http.StatusCreated {
		t.Errorf("a second later: %d", resp.StatusCode)
	}
}

func TestAdmissionFlagsAreChecked(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve", "--max-inflight-submissions", "-1"}, nil, "max-inflight-submissions and max-inflight-analytics must not be negative"},
		{[]string{"serve", "--admission-wait", "-1s"}, nil, "admission-wait must not be negative"},
		{[]string{"serve", "--rate-burst", "0"}, nil, "rate-burst must be at least 1"},
		{[]string{"serve"}, map[string]string{"PALABRE_RATE_LIMIT": "-5"}, "rate-limit must not be negative"},
		{[]string{"serve", "--trusted-proxies", "10.0.0.0/40"}, nil, "trusted-proxies"},
	} {
		env := map[string]string{"PALABRE_DATA": t.TempDir()}
		for k, v := range tt.env {
			env[k] = v
		}
		err := run(context.Background(), tt.args, envFrom(env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%v) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}
