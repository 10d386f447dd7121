package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this file run the real binary, as a person or a service manager does: built
// once per test run, started, signalled, killed and started again on the data it left.

var (
	binaryOnce sync.Once
	binaryDir  string
	binaryPath string
	binaryErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// palabreBinary builds bin/palabre's equivalent once for this test run.
func palabreBinary(t testing.TB) string {
	t.Helper()
	binaryOnce.Do(func() {
		binaryDir, binaryErr = os.MkdirTemp("", "palabre-bin-")
		if binaryErr != nil {
			return
		}
		binaryPath = filepath.Join(binaryDir, "palabre")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

var metricsRE = regexp.MustCompile(`metrics:\s+(http://\S+)/metrics`)

// process is one running `palabre serve`.
type process struct {
	t    testing.TB
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	ops  string // the metrics address, http://127.0.0.1:port
	out  *syncBuffer
	done chan struct{}
	err  error // the exit status, once done is closed
}

// startProcess starts `palabre serve` with env (and nothing else from the test's own
// environment but PATH and HOME) and returns once it has printed the address it serves.
func startProcess(t testing.TB, env map[string]string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(palabreBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{t: t, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	deadline := time.After(30 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(p.out.String()); m != nil {
			if ops := metricsRE.FindStringSubmatch(p.out.String()); ops != nil {
				p.base, p.ops = m[1], ops[1]
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("palabre serve exited at start: %v\n%s", p.err, p.out)
		case <-deadline:
			t.Fatalf("palabre serve printed no address within 30s:\n%s", p.out)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stop sends SIGINT, as Ctrl-C does, and waits for a clean exit.
func (p *process) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
		if p.err != nil {
			p.t.Fatalf("palabre serve exited with %v after SIGINT:\n%s", p.err, p.out)
		}
	case <-time.After(30 * time.Second):
		p.t.Fatalf("palabre serve still running 30s after SIGINT:\n%s", p.out)
	}
}

// kill sends SIGKILL: no flush, no cleanup, as a power cut or the OOM killer.
func (p *process) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// waitReady polls /readyz until it answers 200 and returns how long that took since start.
func (p *process) waitReady(start time.Time) time.Duration {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start)
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("not ready within 60s; last /readyz: %s\n%s", last, p.out)
	return 0
}

// proxy forwards TCP connections to a target and can refuse them for a while: to palabre, a
// ClickHouse behind a proxy that is down is a ClickHouse that is down, while the other tests
// keep the real server.
type proxy struct {
	t      testing.TB
	addr   string
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, addr: ln.Addr().String(), target: target, conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *proxy) forward(c net.Conn) {
	s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil {
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.conns[c], p.conns[s] = struct{}{}, struct{}{}
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close() }()
	io.Copy(c, s)
	c.Close()
}

// down refuses new connections and cuts the open ones.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// up accepts connections again on the same address.
func (p *proxy) up() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port may linger for a moment after the close
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy back up on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// submitter posts responses to the demo survey's JSON API and remembers what was
// acknowledged.
type submitter struct {
	t      testing.TB
	client *http.Client

	mu    sync.Mutex
	acked map[string]string // response id → body, for every 201 or 200
}

func newSubmitter(t testing.TB) *submitter {
	return &submitter{t: t, client: &http.Client{Timeout: 30 * time.Second}, acked: map[string]string{}}
}

// demoBody is a valid answer to the demo feedback survey with the given id and
// recommendation.
func demoBody(id string, recommend int) string {
	return `{"id":"` + id + `",
	  "respondent":{"country":"SN","organisation":"Samusocial Sénégal","role":"social_worker","language":"fr"},
	  "answers":{"first_meeting":"no","overall_satisfaction":"satisfied","take_back":["tools"],"recommend":` + fmt.Sprint(recommend) + `,
	    "sessions":{"sharing_experiences":"useful","questioning_practices":"useful","pooling_tools":"very_useful",
	      "building_tools":"useful","partner_visit":"very_useful","guide_handover":"useful"}}}`
}

// post sends body and returns the status, or 0 when no answer came (a killed server).
func (s *submitter) post(base, id, body string) int {
	resp, err := s.client.Post(base+"/api/v1/surveys/partners-meeting/editions/2026/responses", "application/json",
		strings.NewReader(body))
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		s.mu.Lock()
		s.acked[id] = body
		s.mu.Unlock()
	}
	return resp.StatusCode
}

// mustPost posts body and fails the test unless the status is want.
func (s *submitter) mustPost(base, id, body string, want int) {
	s.t.Helper()
	if got := s.post(base, id, body); got != want {
		s.t.Fatalf("POST response %s = %d, want %d", id, got, want)
	}
}

func (s *submitter) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.acked))
	for id := range s.acked {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// logTail is the end of a process's output, for failure messages.
func logTail(b *syncBuffer) string {
	s := b.String()
	if len(s) > 4000 {
		s = s[len(s)-4000:]
	}
	return string(bytes.TrimSpace([]byte(s)))
}
