package httpapi

import (
	"net/http"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// apiKeyJSON is the ApiKey object of the /v2/api_keys extension. It never
// carries the secret.
type apiKeyJSON struct {
	RecordType  string   `json:"record_type"`
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Status      string   `json:"status"`
	MaskedKey   string   `json:"masked_key"`
	ExpiresAt   *string  `json:"expires_at"`
	LastUsedAt  *string  `json:"last_used_at"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
}

// createdAPIKeyJSON is the answer to a create: the only one with the secret.
type createdAPIKeyJSON struct {
	apiKeyJSON
	APIKey string `json:"api_key"`
}

type apiKeyList struct {
	Data []apiKeyJSON   `json:"data"`
	Meta paginationMeta `json:"meta"`
}

type createAPIKeyBody struct {
	Description *string   `json:"description"`
	Tags        *[]string `json:"tags"`
	ExpiresAt   *string   `json:"expires_at"`
}

type updateAPIKeyBody struct {
	Description *string   `json:"description"`
	Tags        *[]string `json:"tags"`
	Status      *string   `json:"status"`
}

// newAPIKeyJSON shows k as of now: "expired" is derived from the service's
// clock, the one authentication judges keys by.
func newAPIKeyJSON(k *backend.APIKey, now time.Time) apiKeyJSON {
	tags := k.Tags
	if tags == nil {
		tags = []string{}
	}
	return apiKeyJSON{
		RecordType: "api_key", ID: k.ID, Description: k.Description, Tags: tags,
		Status: string(k.DisplayStatus(now)), MaskedKey: k.MaskedKey,
		ExpiresAt: optionalTimestamp(k.ExpiresAt), LastUsedAt: optionalTimestamp(k.LastUsedAt),
		CreatedAt: timestamp(k.CreatedAt), UpdatedAt: timestamp(k.UpdatedAt),
	}
}

// optionalTimestamp renders an optional time, nil as JSON null.
func optionalTimestamp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timestamp(*t)
	return &s
}

func (s *server) createAPIKey(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	// Every field is optional, so no body at all asks for a plain key.
	var body createAPIKeyBody
	if err := decodeBody(w, r, &body, bodyOptional); err != nil {
		return err
	}
	k, secret, err := s.svc.CreateAPIKey(r.Context(), c, backend.CreateAPIKeyInput{
		Description: body.Description, Tags: body.Tags, ExpiresAt: body.ExpiresAt,
	})
	if err != nil {
		return err
	}
	// Answered 200 like the contract's managed-account create.
	writeJSON(w, http.StatusOK, data[createdAPIKeyJSON]{Data: createdAPIKeyJSON{
		apiKeyJSON: newAPIKeyJSON(k, s.svc.Now()), APIKey: secret,
	}})
	return nil
}

func (s *server) listAPIKeys(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	status, page, err := parseAPIKeyQuery(r.URL)
	if err != nil {
		return err
	}
	keys, meta, err := s.svc.ListAPIKeys(r.Context(), c, status, page)
	if err != nil {
		return err
	}
	now := s.svc.Now()
	out := apiKeyList{Data: make([]apiKeyJSON, 0, len(keys)), Meta: newPaginationMeta(meta)}
	for _, k := range keys {
		out.Data = append(out.Data, newAPIKeyJSON(k, now))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) getAPIKey(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	k, err := s.svc.GetAPIKey(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[apiKeyJSON]{Data: newAPIKeyJSON(k, s.svc.Now())})
	return nil
}

func (s *server) updateAPIKey(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body updateAPIKeyBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	k, err := s.svc.UpdateAPIKey(r.Context(), c, r.PathValue("id"), backend.UpdateAPIKeyInput{
		Description: body.Description, Tags: body.Tags, Status: body.Status,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[apiKeyJSON]{Data: newAPIKeyJSON(k, s.svc.Now())})
	return nil
}

func (s *server) revokeAPIKey(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	// No body is defined; an empty object is tolerated, anything else is
	// refused like any unknown field.
	if err := decodeBody(w, r, &struct{}{}, bodyOptional); err != nil {
		return err
	}
	k, err := s.svc.RevokeAPIKey(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[apiKeyJSON]{Data: newAPIKeyJSON(k, s.svc.Now())})
	return nil
}
