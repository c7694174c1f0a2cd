package providerdata_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// apiError is an answer of the API in its error envelope.
func apiError(status int, code, detail, pointer string) *client.Error {
	o := client.ErrorObject{Code: code, Title: http.StatusText(status), Detail: detail}
	if pointer != "" {
		o.Source = &client.ErrorSource{Pointer: pointer}
	}
	return &client.Error{Method: http.MethodPost, Path: "/things", StatusCode: status, RequestID: "req-1", Errors: []client.ErrorObject{o}}
}

// TestAddAPIErrorSaysWhatToDo: every kind of failed call ends in a detail
// that says what the API said, what to do about it, and then the whole
// error to quote; each kind's advice names what the user can change.
func TestAddAPIErrorSaysWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want []string // in order
	}{
		{"unauthenticated", apiError(401, "10009", "Authentication failed: the account is disabled.", ""),
			[]string{"The Telnyx API answered: Authentication failed: the account is disabled.",
				"api_key", "TELNYX_API_KEY", "managed_account_id", "enable", "POST /things: 401", "req-1"}},
		{"forbidden", apiError(403, "10010", "Only manager accounts may use the managed accounts endpoints.", ""),
			[]string{"The Telnyx API answered: Only manager accounts", "manager's api_key", "without managed_account_id", "403"}},
		{"not found", apiError(404, "10005", "Managed account not found", ""),
			[]string{"The Telnyx API answered: Managed account not found", "Check the id", "another manager's", "404"}},
		{"invalid field", apiError(422, "10004", "card.number is not a valid card number.", "/card/number"),
			[]string{"The Telnyx API answered: card.number is not a valid card number.",
				"Correct the argument behind the field the API names (/card/number)", "[at /card/number]"}},
		{"refused as it stands", apiError(422, "10004", "This account uses rollup billing: its manager pays its charges.", ""),
			[]string{"rollup billing", "refused the request as it stands", "422"}},
		{"bad request", apiError(400, "10015", "filter[status][eq] must be one of …", ""),
			[]string{"could not read the request", "bug in the provider", "400"}},
		{"conflict", apiError(409, "10004", "Changed meanwhile.", ""),
			[]string{"at the same time", "run again", "409"}},
		{"rate limited", apiError(429, "10011", "Too many requests.", ""),
			[]string{"limited the rate", "-parallelism", "max_retries", "429"}},
		{"server failure", apiError(503, "10007", "Try again shortly.", ""),
			[]string{"The Telnyx API answered: Try again shortly.", "configuration is not at fault", "request id", "503"}},
		{"not the API", &client.Error{Method: http.MethodGet, Path: "/balance", StatusCode: 404, Body: "<html>nginx</html>"},
			[]string{"base_url", "TELNYX_BASE_URL", client.DefaultBaseURL, "<html>nginx</html>"}},
		{"proxy failure", &client.Error{Method: http.MethodGet, Path: "/balance", StatusCode: 502, Body: "<html>bad gateway</html>"},
			[]string{"configuration is not at fault", "bad gateway"}},
		{"no answer", &client.ConnectionError{Method: http.MethodGet, Path: "/balance", Err: errors.New("connection refused")},
			[]string{"no answer", "base_url", "TELNYX_BASE_URL", "network", "GET /balance: connection refused"}},
		{"unexpected answer", &client.UnexpectedAnswerError{Method: http.MethodGet, Path: "/balance", StatusCode: 200, Err: errors.New("bad json"), Body: "<html>"},
			[]string{"base_url", "does not answer like the Telnyx API", client.DefaultBaseURL, "GET /balance: the API answered 200"}},
		{"timed out", &client.StoppedError{Method: http.MethodGet, Path: "/balance", Attempts: 2, Err: context.DeadlineExceeded},
			[]string{"timed out before the Telnyx API completed it", "raise the timeout", "timed out after 2 attempts"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			providerdata.AddAPIError(&diags, "Unable to frob the thing t-1", tc.err)
			if len(diags) != 1 || diags[0].Severity() != diag.SeverityError {
				t.Fatalf("diagnostics = %v, want one error", diags)
			}
			if !strings.HasPrefix(diags[0].Summary(), "Unable to frob the thing t-1") {
				t.Errorf("summary %q lost the caller's", diags[0].Summary())
			}
			detail, rest := diags[0].Detail(), diags[0].Detail()
			for _, want := range tc.want {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("the detail lacks %q (after the phrases before it):\n%s", want, detail)
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

// TestAddAPIErrorPutsTheCallersAdviceFirst: what only the caller knows
// (here, that the object exists although its create failed) comes before
// the advice by kind of failure.
func TestAddAPIErrorPutsTheCallersAdviceFirst(t *testing.T) {
	var diags diag.Diagnostics
	providerdata.AddAPIError(&diags, "Unable to finish the thing", apiError(503, "10007", "Try again shortly.", ""),
		"The thing t-1 exists: untaint it.")
	detail := diags[0].Detail()
	answered, own, generic := strings.Index(detail, "Try again shortly."), strings.Index(detail, "untaint it"), strings.Index(detail, "not at fault")
	if answered < 0 || own < answered || generic < own {
		t.Fatalf("want the API's words, then the caller's advice, then the generic advice:\n%s", detail)
	}
}

func TestOfAccount(t *testing.T) {
	if got := providerdata.OfAccount(""); got != "" {
		t.Errorf(`OfAccount("") = %q, want "" (the provider's own account goes without saying)`, got)
	}
	if got := providerdata.OfAccount("acc-1"); got != " of the managed account acc-1" {
		t.Errorf(`OfAccount("acc-1") = %q`, got)
	}
}
