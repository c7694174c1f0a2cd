package httpapi

import "slices"

// What the tests of package httpapi_test reach inside: functions that only
// tests call.

// SecretRequestMembers returns the JSON pointers of the write-only secrets
// of each route's request body, by route pattern.
func SecretRequestMembers() map[string][]string {
	out := make(map[string][]string, len(secretRequestMembers))
	for route, pointers := range secretRequestMembers {
		out[route] = slices.Clone(pointers)
	}
	return out
}

// Routes returns the patterns the API serves ("POST /v2/api_keys", …), in
// the order they are registered. The portal's pages under /portal/ are not
// API routes and are not listed.
func Routes() []string {
	s := &server{mux: newRouter()}
	s.routes()
	return slices.Clone(s.mux.patterns)
}
