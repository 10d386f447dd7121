// Package browsertest drives palabre's participant pages in headless Chromium (Debian's
// chromium package) for tests: a phone-sized tab, with or without JavaScript, that fills
// and submits forms and takes screenshots.
//
// A test that needs a browser starts with
//
//	ctx := browsertest.NewContext(t, browsertest.Options{})
//
// which skips the test when Chromium is not installed, unless CI is set (to anything), where it fails.
// Form fields are named as the page names them: "profile.country",
// "profile.organisation", "profile.role", a question's key, and "question.item" for a
// matrix row.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Options configure a browser tab.
type Options struct {
	// Width and Height of the viewport in CSS pixels; 360×740, a common phone, when zero.
	Width, Height int
	// NoJavaScript disables the pages' scripts, as for a participant whose browser runs
	// none.
	NoJavaScript bool
	// Timeout bounds everything the tab does; 90 seconds when zero.
	Timeout time.Duration
}

// Chromium returns the path of the Chromium binary. When there is none the test is
// skipped, or fails when CI is set (to anything), where the browser must be there.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if p := "/usr/bin/chromium"; fileExists(p) {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (Debian: apt-get install chromium)")
	}
	t.Skip("chromium is not installed (Debian: apt-get install chromium); skipping the browser test")
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Allocator starts a headless Chromium that works as root and without network access,
// with a fresh profile, and returns a context for chromedp.NewContext. The browser stops
// when the test ends.
func Allocator(t testing.TB, opts Options) context.Context {
	t.Helper()
	path := Chromium(t)
	w, h := size(opts)
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 90 * time.Second
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	alloc, cancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	)
	t.Cleanup(func() { cancel(); cancelTimeout() })
	return alloc
}

// NewContext opens a tab of a new browser (see Allocator), sized and, if asked, without
// JavaScript. Run chromedp actions with it; it is closed when the test ends.
func NewContext(t testing.TB, opts Options) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(Allocator(t, opts), chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)
	w, h := size(opts)
	steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(int64(w), int64(h))}
	if opts.NoJavaScript {
		steps = append(steps, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func size(opts Options) (int, int) {
	w, h := opts.Width, opts.Height
	if w == 0 {
		w = 360
	}
	if h == 0 {
		h = 740
	}
	return w, h
}

// Dir returns the directory screenshots go to: $PALABRE_SCREENSHOTS, created if need be,
// or else a temporary directory of the test.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("PALABRE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// Screenshot saves a PNG of the whole page, not only the viewport, as dir/name.png, logs
// its path and returns it.
func Screenshot(ctx context.Context, t testing.TB, dir, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
	return p
}
