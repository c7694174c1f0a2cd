// Package proc runs the reference backend as a process of its own, as an
// operator deploys it, for the tests and harnesses that need one: replicas
// on one database, a backend killed and restarted, a benchmark's server.
// It builds the binaries, starts `reference-backend serve` on a loopback
// port, waits until it answers /healthz, passes its log on line by line,
// and stops it. (Package backendtest runs the backend in-process instead.)
package proc

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Module is the import path of this repository's module.
const Module = "github.com/managedaccounts/terraform-provider-telnyx"

// BackendPackage is the import path of the reference backend's command.
const BackendPackage = Module + "/cmd/reference-backend"

// startTimeout bounds a start: building nothing, a backend listens within
// seconds, but a PostgreSQL backend migrates first, and the machine may be
// busy with other tests.
const startTimeout = 60 * time.Second

// Build compiles the main package pkg (an import path) with the go command
// on PATH into dir/name, and returns the binary's path.
func Build(ctx context.Context, dir, name, pkg string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is not on PATH: %w", err)
	}
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", out, pkg) //nolint:gosec // G204: the go command, building this module
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
	}
	return out, nil
}

// Builder builds a main package once for a whole test binary, into a
// folder of its own that Remove deletes (from TestMain).
type Builder struct {
	Name    string // the binary's name
	Package string // the main package's import path

	once sync.Once
	dir  string
	path string
	err  error
}

// Path builds the binary on the first call, and returns its path.
func (b *Builder) Path() (string, error) {
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", b.Name+"-build-"); b.err != nil {
			return
		}
		b.path, b.err = Build(context.Background(), b.dir, b.Name, b.Package)
	})
	return b.path, b.err
}

// Remove deletes what Path built.
func (b *Builder) Remove() {
	if b.dir != "" {
		_ = os.RemoveAll(b.dir)
	}
}

// Options say how to run `reference-backend serve`.
type Options struct {
	// Binary is the reference-backend binary (see Build).
	Binary string
	// Args are serve's flags. Without --addr, the backend listens on a free
	// loopback port.
	Args []string
	// Env is the backend's environment; nil is this process's.
	Env []string
	// Log receives the backend's log (its standard error), a whole line per
	// Write, from one goroutine; every Write has returned when Exited is
	// closed. Nil discards it.
	Log io.Writer
}

// Backend is a running `reference-backend serve`.
type Backend struct {
	Addr string // host:port, where it listens
	URL  string // http://Addr

	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error // cmd.Wait's, once exited is closed
	logTail *logTail
}

// Start runs `serve` and returns once the backend answers /healthz with
// 200 OK. ctx bounds the start, not the backend, which runs until Stop or
// Kill. An error says why it did not start, with the end of its log.
func Start(ctx context.Context, o Options) (*Backend, error) {
	args := append([]string{"serve"}, o.Args...)
	if !slices.Contains(o.Args, "--addr") {
		args = append(args, "--addr", "127.0.0.1:0")
	}
	// ctx bounds the start only: the backend outlives it.
	cmd := exec.CommandContext(context.WithoutCancel(ctx), o.Binary, args...) //nolint:gosec // G204: the backend binary the caller built
	cmd.Env = o.Env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.Binary, err)
	}
	b := &Backend{cmd: cmd, exited: make(chan struct{}), logTail: &logTail{}}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	listening := make(chan string, 1)
	go func() {
		defer close(b.exited)
		copyLog(stderr, io.MultiWriter(b.logTail, log), listening)
		b.exitErr = cmd.Wait()
	}()

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	select {
	case b.Addr = <-listening:
		b.URL = "http://" + b.Addr
	case <-b.exited:
		return nil, fmt.Errorf("the backend exited (%w) before listening; its log ends:\n%s", b.exitErr, b.logTail)
	case <-ctx.Done():
		b.Kill()
		return nil, fmt.Errorf("the backend did not listen: %w; its log ends:\n%s", ctx.Err(), b.logTail)
	}
	if err := WaitHealthy(ctx, b.URL); err != nil {
		b.Kill()
		return nil, fmt.Errorf("%w; its log ends:\n%s", err, b.logTail)
	}
	return b, nil
}

// listeningLine is in the log line that says where the backend listens.
var listeningLine = []byte(`"msg":"reference backend listening"`)

// copyLog copies the backend's log to w a line at a time, and sends the
// address it listens on to listening, once. A line longer than the buffer
// goes on in pieces: no line is held whole in memory.
func copyLog(r io.Reader, w io.Writer, listening chan<- string) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			_, _ = w.Write(line)
			if listening != nil && bytes.Contains(line, listeningLine) {
				var entry struct {
					Addr string `json:"addr"`
				}
				if json.Unmarshal(line, &entry) == nil && entry.Addr != "" {
					listening <- entry.Addr
					listening = nil
				}
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return
		}
	}
}

// WaitHealthy waits until url's /healthz answers 200 OK, for at most ten
// seconds or until ctx ends.
func WaitHealthy(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s/healthz never answered 200 (last: %w)", url, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Pid is the backend's process id.
func (b *Backend) Pid() int { return b.cmd.Process.Pid }

// Exited is closed once the backend has exited and its log is read.
func (b *Backend) Exited() <-chan struct{} { return b.exited }

// ExitErr is how the backend exited (nil: status 0), once Exited is closed.
func (b *Backend) ExitErr() error { return b.exitErr }

// LogTail is the end of the backend's log, for an error message.
func (b *Backend) LogTail() string { return b.logTail.String() }

// ErrStopTimeout is Stop's error when the backend had to be killed.
var ErrStopTimeout = errors.New("the backend did not stop in time after SIGTERM, and was killed")

// Stop sends SIGTERM, as an orchestrator does, and waits for the backend to
// drain and exit, at most grace; then it kills it (ErrStopTimeout). Else
// the error is how the backend exited. Stopping a stopped backend returns
// how it exited.
func (b *Backend) Stop(grace time.Duration) error {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
		return b.exitErr
	case <-time.After(grace):
		b.Kill()
		return fmt.Errorf("%w (after %s)", ErrStopTimeout, grace)
	}
}

// Kill sends SIGKILL and waits for the backend to exit: no shutdown, no
// flush, no closing of the database.
func (b *Backend) Kill() {
	_ = b.cmd.Process.Kill()
	<-b.exited
}

// tailBytes is how much of the end of its log a backend's errors quote.
const tailBytes = 4 << 10

// logTail keeps the end of a log. It copies bytes, never allocates per
// line: a benchmark's backend writes a line per request.
type logTail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *logTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4*tailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(p), nil
}

// String is the last whole lines of the log, up to tailBytes.
func (t *logTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > tailBytes {
		b = b[len(b)-tailBytes:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(bytes.TrimSpace(b))
}

// EnvironWithout is this process's environment without the variables whose
// names start with prefix, so that a developer's settings do not reach a
// backend a test configures.
func EnvironWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}

// FreeLoopbackAddr is a loopback address whose port is free right now, for
// a backend that must listen on the same port again after a restart.
//
// The port is taken below the kernel's ephemeral range: a backend restarted
// on it must find it free, and while the backend is down, a client that
// keeps connecting to a port of that range can be given the port itself as
// its own (a TCP self-connect), which then holds it.
func FreeLoopbackAddr() (string, error) {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				low = n
			}
		}
	}
	var lastErr error
	for range 100 {
		port := 10000 + mathrand.IntN(low-10000) //nolint:gosec // a test port, not a secret
		ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			lastErr = err
			continue
		}
		addr := ln.Addr().String()
		return addr, ln.Close()
	}
	return "", fmt.Errorf("no free loopback port below %d: %w", low, lastErr)
}

// RandomHex is n random bytes in hex, for keys and secrets of a test.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails: crypto/rand crashes the program instead
	return hex.EncodeToString(b)
}

// SyncBuffer collects a log written from several goroutines (a backend's
// reader, a server's handlers), for a test to read.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
