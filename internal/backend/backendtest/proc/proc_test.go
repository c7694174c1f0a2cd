package proc_test

import (
	"context"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
)

// TestBackend builds the backend once, with a Builder, for its subtests.
func TestBackend(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the backend")
	}
	build := &proc.Builder{Name: "reference-backend", Package: proc.BackendPackage}
	bin, err := build.Path()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		build.Remove()
		if _, err := os.Stat(bin); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after Remove, the binary is still there (%v)", err)
		}
	}()
	if again, err := build.Path(); again != bin || err != nil {
		t.Fatalf("a second Path = %s, %v; want the first build, %s", again, err, bin)
	}
	t.Run("serves until stopped", func(t *testing.T) { testStartServesUntilStopped(t, bin) })
	t.Run("says why it did not start", func(t *testing.T) { testStartSaysWhyTheBackendDidNotStart(t, bin) })
	t.Run("killed, restarts on its port", func(t *testing.T) { testKillStopsAtOnceAndThePortServesAgain(t, bin) })
}

// testStartServesUntilStopped: Start returns a backend that answers on a
// loopback port, its log reaches Log, and SIGTERM stops it cleanly.
func testStartServesUntilStopped(t *testing.T, bin string) {
	var logs proc.SyncBuffer
	b, err := proc.Start(t.Context(), proc.Options{
		Binary: bin,
		Args:   []string{"--data-dir", t.TempDir()},
		Env:    proc.EnvironWithout("REFERENCE_BACKEND_"),
		Log:    &logs,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.Addr, "127.0.0.1:") || b.URL != "http://"+b.Addr {
		t.Errorf("listening on %q (%s), want a loopback port", b.Addr, b.URL)
	}
	resp, err := http.Get(b.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz: %d", resp.StatusCode)
	}
	if err := b.Stop(30 * time.Second); err != nil {
		t.Errorf("Stop: %v", err)
	}
	select {
	case <-b.Exited():
	default:
		t.Error("Stop returned before the backend exited")
	}
	if !strings.Contains(logs.String(), `"msg":"reference backend listening"`) || !strings.Contains(b.LogTail(), "listening") {
		t.Errorf("the log did not reach Log and LogTail:\n%s", logs.String())
	}
	if err := b.Stop(time.Second); err != nil {
		t.Errorf("Stop of a stopped backend: %v", err)
	}
}

// testStartSaysWhyTheBackendDidNotStart: a backend that exits at once is an
// error quoting its log.
func testStartSaysWhyTheBackendDidNotStart(t *testing.T, bin string) {
	_, err := proc.Start(t.Context(), proc.Options{
		Binary: bin,
		Args:   []string{"--data-dir", t.TempDir(), "--log-level", "loud"},
		Env:    proc.EnvironWithout("REFERENCE_BACKEND_"),
	})
	if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "info or debug") {
		t.Fatalf("Start with a bad flag: %v, want an error quoting the backend's complaint", err)
	}
}

// testKillStopsAtOnceAndThePortServesAgain: a killed backend exits at
// once, and starts again on the same port.
func testKillStopsAtOnceAndThePortServesAgain(t *testing.T, bin string) {
	addr, err := proc.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	opts := proc.Options{Binary: bin, Args: []string{"--data-dir", t.TempDir(), "--addr", addr},
		Env: proc.EnvironWithout("REFERENCE_BACKEND_")}
	for range 2 {
		b, err := proc.Start(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if b.Addr != addr {
			t.Errorf("listening on %s, want %s", b.Addr, addr)
		}
		b.Kill()
		if b.ExitErr() == nil {
			t.Error("a killed backend exited with status 0")
		}
	}
}

func TestWaitHealthyGivesUpWithTheContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	addr, err := proc.FreeLoopbackAddr() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.WaitHealthy(ctx, "http://"+addr); err == nil {
		t.Fatal("WaitHealthy succeeded with nothing listening")
	}
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitHealthy returned before its context ended: %v", err)
	}
}

func TestRandomHex(t *testing.T) {
	a, b := proc.RandomHex(16), proc.RandomHex(16)
	if len(a) != 32 || a == b {
		t.Errorf("RandomHex(16) = %q then %q", a, b)
	}
	if _, err := hex.DecodeString(a); err != nil {
		t.Errorf("RandomHex: %v", err)
	}
}
