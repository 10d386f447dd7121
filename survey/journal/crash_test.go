package journal

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

const crashDirEnv = "PALABRE_JOURNAL_CRASH_DIR"

// crashOpts are the options of the killed child and of the reopening parent.
var crashOpts = Options{SegmentSize: 256 << 10}

func payloadHash(p []byte) uint64 {
	h := fnv.New64a()
	h.Write(p)
	return h.Sum64()
}

// TestCrashChild is the process killed by TestCrashRecovery. It appends from
// many goroutines and prints "A seq hash" for every acknowledged record and
// "D seq" for every durable delivered watermark, until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	var mu sync.Mutex
	emit := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		os.Stdout.WriteString(fmt.Sprintf(format, args...)) // one write per line
	}
	j, err := Open(dir, crashOpts)
	if err != nil {
		emit("E open: %v\n", err)
		os.Exit(3)
	}
	ctx := context.Background()
	go func() { // a batcher that marks delivery 5000 records behind
		after := Seq(0)
		for {
			recs, err := j.Next(ctx, after, 128, 0)
			if err != nil {
				emit("E next: %v\n", err)
				return
			}
			after = recs[len(recs)-1].Seq
			if after > 5000 {
				if err := j.MarkDelivered(after - 5000); err != nil {
					emit("E deliver: %v\n", err)
					return
				}
				emit("D %d\n", after-5000)
			}
		}
	}()
	tag := time.Now().UnixNano()
	for g := range 64 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(tag), uint64(g)))
			for i := 0; ; i++ {
				p := payloadFor(int(tag%1000)*1_000_000+g*10_000+i, 16+rng.IntN(4000))
				seq, err := j.Append(ctx, p)
				if err != nil {
					emit("E append: %v\n", err)
					return
				}
				emit("A %d %x\n", seq, payloadHash(p))
			}
		}()
	}
	select {}
}

// TestCrashRecovery kills a child process at random moments while it
// appends, then checks that every acknowledged record survived intact.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	acked := map[Seq]uint64{}
	var delivered Seq
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []string, 1)
		go func() {
			var ls []string
			r := bufio.NewReader(out)
			for {
				l, err := r.ReadString('\n')
				if err != nil { // a partial last line was cut by the kill
					lines <- ls
					return
				}
				ls = append(ls, strings.TrimSuffix(l, "\n"))
			}
		}()
		time.Sleep(time.Duration(150+rand.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		ls := <-lines
		cmd.Wait()

		n := 0
		for _, l := range ls {
			var seq Seq
			var h uint64
			switch {
			case strings.HasPrefix(l, "A "):
				if _, err := fmt.Sscanf(l, "A %d %x", &seq, &h); err != nil {
					t.Fatalf("bad line %q", l)
				}
				if old, ok := acked[seq]; ok && old != h {
					t.Fatalf("round %d: seq %d acknowledged twice for different records", round, seq)
				}
				acked[seq] = h
				n++
			case strings.HasPrefix(l, "D "):
				fmt.Sscanf(l, "D %d", &seq)
				delivered = max(delivered, seq)
			case strings.HasPrefix(l, "E "):
				t.Fatalf("round %d: child failed: %s", round, l)
			}
		}

		j, err := Open(dir, crashOpts)
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		st := j.Stats()
		if st.DeliveredSeq < delivered {
			j.Close()
			t.Fatalf("round %d: delivered watermark %d, child reported %d", round, st.DeliveredSeq, delivered)
		}
		got := map[Seq]uint64{}
		for _, r := range readAll(t, j) {
			got[r.Seq] = payloadHash(r.Payload)
		}
		j.Close()
		// Segments stay preallocated, and the spare is never left behind.
		noSpare(t, dir)
		for _, f := range segFiles(t, dir) {
			if st, err := os.Stat(f); err != nil || st.Size() != crashOpts.SegmentSize {
				t.Fatalf("round %d: %s is %d bytes, want %d (%v)", round, f, st.Size(), crashOpts.SegmentSize, err)
			}
			segmentEnd(t, f)
		}
		missing := 0
		for seq, h := range acked {
			if seq <= st.DeliveredSeq {
				continue
			}
			if g, ok := got[seq]; !ok || g != h {
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("round %d: %d acknowledged records lost or damaged", round, missing)
		}
		t.Logf("round %d: %d acknowledged, journal at %d, delivered %d, torn bytes %d",
			round, n, st.LastSeq, st.DeliveredSeq, j.Recovery().DiscardedBytes)
	}
	if len(acked) == 0 {
		t.Fatal("the child never acknowledged a record")
	}
}
