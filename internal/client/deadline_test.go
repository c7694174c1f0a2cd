package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// overloaded answers 503 with the error envelope and Retry-After.
func overloaded(retryAfter string) func(http.ResponseWriter, *http.Request) {
	return apiError(http.StatusServiceUnavailable, "10007", "Service unavailable", "overloaded, try again shortly",
		"Retry-After", retryAfter)
}

// wantStopped checks that err is a *client.StoppedError that unwraps to
// cause, after attempts attempts (any number when attempts is 0), with the
// 503 of overloaded as its last answer when a deadline stopped it.
func wantStopped(t *testing.T, err error, cause error, attempts int) {
	t.Helper()
	stopped, ok := errors.AsType[*client.StoppedError](err)
	if !ok {
		t.Fatalf("err = %v (%T), want a *client.StoppedError", err, err)
	}
	if !errors.Is(err, cause) {
		t.Fatalf("err = %v, want %v in its chain", err, cause)
	}
	if attempts != 0 && stopped.Attempts != attempts {
		t.Errorf("Attempts = %d, want %d", stopped.Attempts, attempts)
	}
	if !errors.Is(cause, context.DeadlineExceeded) {
		return // a cancellation may come before the answer was read
	}
	last, ok := errors.AsType[*client.Error](stopped.LastAnswer)
	if !ok || last.StatusCode != http.StatusServiceUnavailable || last.Detail() != "overloaded, try again shortly" {
		t.Errorf("LastAnswer = %v, want the 503 with its detail", stopped.LastAnswer)
	}
	for _, phrase := range []string{"GET /balance: timed out after", "503 Service Unavailable", "overloaded, try again shortly"} {
		if !strings.Contains(err.Error(), phrase) {
			t.Errorf("error %q does not say %q", err, phrase)
		}
	}
}

// TestRetryThatWouldPassTheDeadlineIsNotAttempted: the server asks for a
// retry in an hour (capped at retry_wait_max, an hour too) and the call has
// a minute; the client gives up at once instead of sleeping until the
// deadline, and says what the API answered.
func TestRetryThatWouldPassTheDeadlineIsNotAttempted(t *testing.T) {
	rec := newRecorder(t, overloaded("3600"))
	c := rec.client(t, func(cfg *client.Config) { cfg.MaxRetries, cfg.RetryWaitMax = 10, time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	_, err := c.GetBalance(ctx)
	wantStopped(t, err, context.DeadlineExceeded, 1)
	if !strings.Contains(err.Error(), "waiting 1h0m0s to retry would pass the deadline") {
		t.Errorf("error %q does not say why it stopped early", err)
	}
	if ctx.Err() != nil {
		t.Error("the call returned only once its deadline had passed; it should have stopped at the first answer")
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("server saw %d attempts, want 1", n)
	}
}

// TestDeadlineEndsARetryingCall: with short waits and retries enough for
// far longer than the deadline, the call ends at its deadline (during an
// attempt, a wait, or before a wait that would pass it) with the deadline
// as its cause and the API's last answer, not after every retry.
func TestDeadlineEndsARetryingCall(t *testing.T) {
	rec := newRecorder(t, apiError(http.StatusServiceUnavailable, "10007", "Service unavailable", "overloaded, try again shortly"))
	const maxRetries = 100_000
	c := rec.client(t, func(cfg *client.Config) {
		cfg.MaxRetries, cfg.RetryWaitMin, cfg.RetryWaitMax = maxRetries, 10*time.Millisecond, 20*time.Millisecond
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()

	_, err := c.GetBalance(ctx)
	wantStopped(t, err, context.DeadlineExceeded, 0)
	stopped, _ := errors.AsType[*client.StoppedError](err)
	// The deadline may cut the last attempt before the server sees it: the
	// client counts it, the server does not.
	if n := len(rec.requests()); stopped == nil || stopped.Attempts < 1 || stopped.Attempts > n+1 || n > maxRetries {
		t.Errorf("error %v after %d requests: want a StoppedError counting between 1 and one more than the requests seen, far below %d", err, n, maxRetries)
	}
}

// TestDeadlineDuringAnAttemptKeepsThePreviousAnswer: the second attempt
// hangs until the deadline; the error still carries the first attempt's
// 503, so the user learns the API was overloaded, not only that time ran out.
func TestDeadlineDuringAnAttemptKeepsThePreviousAnswer(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	rec := newRecorder(t,
		overloaded("0"),
		func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
	)
	c := rec.client(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()

	_, err := c.GetBalance(ctx)
	wantStopped(t, err, context.DeadlineExceeded, 2)
}

// TestCancelledCallSaysCancelled: cancellation is told apart from a timeout.
func TestCancelledCallSaysCancelled(t *testing.T) {
	rec := newRecorder(t, overloaded("3600"))
	c := rec.client(t, func(cfg *client.Config) { cfg.RetryWaitMax = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-rec.arrived
		cancel()
	}()
	_, err := c.GetBalance(ctx)
	wantStopped(t, err, context.Canceled, 1)
	if !strings.Contains(err.Error(), "GET /balance: cancelled after 1 attempt") {
		t.Errorf("error %q does not say it was cancelled", err)
	}
}

// TestRetriesRunOutBeforeTheDeadline: when the retries end first, the
// answer is the API's error as usual, not a timeout.
func TestRetriesRunOutBeforeTheDeadline(t *testing.T) {
	rec := newRecorder(t, overloaded("0"))
	c := rec.client(t, func(cfg *client.Config) { cfg.MaxRetries = 2 })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.GetBalance(ctx)
	if errors.Is(err, context.DeadlineExceeded) || client.StatusCode(err) != http.StatusServiceUnavailable {
		t.Fatalf("err = %v, want the API's 503", err)
	}
	if n := len(rec.requests()); n != 3 {
		t.Fatalf("server saw %d attempts, want 3", n)
	}
}
