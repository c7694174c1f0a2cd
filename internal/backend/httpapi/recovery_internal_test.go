package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// TestPanicBecomesA500Envelope: a panicking handler answers 500 with code
// 10007, and the log holds the panic and its stack but not the request body.
func TestPanicBecomesA500Envelope(t *testing.T) {
	var logs bytes.Buffer
	s := &server{logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	h := withRequestID(s.withAccessLog(s.withRecovery(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("handler exploded")
	}))))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v2/managed_accounts?filter[email][eq]=x", strings.NewReader(`{"password":"hunter2-secret"}`))
	req.Header.Set("Authorization", "Bearer KEYsecret-header-value")
	h.ServeHTTP(rec, req)

	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("X-Request-Id") == "" {
		t.Fatalf("answer %d %v", rec.Code, rec.Header())
	}
	var env errorDocument
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || len(env.Errors) != 1 || env.Errors[0].Code != "10007" {
		t.Fatalf("body %s (%v)", rec.Body, err)
	}
	text := logs.String()
	for _, want := range []string{"handler exploded", "recovery_internal_test.go", `"status":500`, rec.Header().Get("X-Request-Id")} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %q:\n%s", want, text)
		}
	}
	for _, secret := range []string{"hunter2-secret", "KEYsecret-header-value", "filter[email]"} {
		if strings.Contains(text, secret) {
			t.Errorf("the log holds %q:\n%s", secret, text)
		}
	}
}

// TestPanicAfterTheAnswerBegan: nothing more is written once headers are out.
func TestPanicAfterTheAnswerBegan(t *testing.T) {
	s := &server{logger: slog.New(slog.DiscardHandler)}
	h := s.withRecovery(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("partial"))
		panic("late")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusAccepted || rec.Body.String() != "partial" {
		t.Fatalf("answer %d %q", rec.Code, rec.Body)
	}
}

// TestTransactionRetryIsNotAnInternalError: an error that is
// backend.ErrTxRetry (a nested transaction of an idempotent request that lost
// a race, whose whole request the store runs again) answers 503 in the
// envelope and is logged at debug level, never as an internal error.
func TestTransactionRetryIsNotAnInternalError(t *testing.T) {
	var logs bytes.Buffer
	s := &server{logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v2/managed_accounts", nil)
	s.writeError(rec, req, fmt.Errorf("postgres: insert account: %w", backend.ErrTxRetry))

	var env errorDocument
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || rec.Code != http.StatusServiceUnavailable ||
		len(env.Errors) != 1 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("answer %d %v %s (%v)", rec.Code, rec.Header(), rec.Body, err)
	}
	if text := logs.String(); strings.Contains(text, `"level":"ERROR"`) || !strings.Contains(text, "transaction runs again") {
		t.Errorf("log:\n%s", text)
	}
}
