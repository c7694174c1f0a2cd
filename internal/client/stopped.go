package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// StoppedError is a call that ran out of time or was cancelled before the
// API completed it: during an attempt, while waiting to retry, or because
// the next retry would have waited past the deadline. It unwraps to
// context.DeadlineExceeded or context.Canceled.
type StoppedError struct {
	Method string
	Path   string
	// Attempts is how many requests were sent.
	Attempts int
	// LastAnswer is what the last attempt that got an answer ended with: an
	// *Error for a retryable status (429, 5xx), else a connection error; nil
	// when no attempt ended before the call stopped.
	LastAnswer error
	// Err is the reason the call stopped.
	Err error
}

func (e *StoppedError) Error() string {
	what := "stopped"
	switch {
	case errors.Is(e.Err, context.DeadlineExceeded):
		what = "timed out"
	case errors.Is(e.Err, context.Canceled):
		what = "cancelled"
	}
	plural := "s"
	if e.Attempts == 1 {
		plural = ""
	}
	msg := fmt.Sprintf("%s %s: %s after %d attempt%s (%v)", e.Method, e.Path, what, e.Attempts, plural, e.Err)
	var apiErr *Error
	switch {
	case errors.As(e.LastAnswer, &apiErr):
		msg += "; the API's last answer: " + apiErr.describe()
	case e.LastAnswer != nil:
		msg += "; the last attempt failed: " + e.LastAnswer.Error()
	}
	return msg
}

func (e *StoppedError) Unwrap() error { return e.Err }

// retryPastDeadlineError stops a call whose next retry would only begin
// after its context's deadline.
type retryPastDeadlineError struct {
	wait time.Duration
}

func (e *retryPastDeadlineError) Error() string {
	return "waiting " + e.wait.String() + " to retry would pass the deadline"
}

func (e *retryPastDeadlineError) Unwrap() error { return context.DeadlineExceeded }

// stopCause returns why a failed call stopped early, or nil when it failed
// for another reason.
func stopCause(ctx context.Context, err error) error {
	if pastDeadline, ok := errors.AsType[*retryPastDeadlineError](err); ok {
		return pastDeadline
	}
	return ctx.Err()
}

// callTrace follows one logical call through its attempts. retryablehttp
// runs a call's attempts, checks and waits on one goroutine, so it needs no
// lock.
type callTrace struct {
	method, path string
	attempts     int
	last         error
	// plannedWait is the wait checkRetry chose for the next attempt, for the
	// Backoff to use.
	plannedWait    time.Duration
	hasPlannedWait bool
}

type callTraceKey struct{}

// maxRecordedErrorBytes bounds what is read of a retryable answer's body to
// keep it as the last answer.
const maxRecordedErrorBytes = 64 << 10

// record keeps a retryable attempt's outcome. The body it reads is put back
// in front of the rest, so that whoever reads resp next sees all of it.
func (t *callTrace) record(resp *http.Response, err error) {
	if resp == nil {
		t.last = err
		return
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxRecordedErrorBytes))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	t.last = newError(t.method, t.path, resp, head)
}
