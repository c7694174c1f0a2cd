package httpapi

import (
	"encoding/json"
	"testing"
)

// TestAppendJSONStringIsJSON: whatever a stored value holds, the hand-written
// report body quotes it as encoding/json would read it back.
func TestAppendJSONStringIsJSON(t *testing.T) {
	for _, s := range []string{"", "US", "2025-01-16", "f65ceda4-6522-4ad6-aede-98de83385123", `a"b\c`, "tab\there", "line\nfeed",
		"caf\u00e9", "\u2028", "<b>&", "\xff\xfe"} {
		got := appendJSONString([]byte("x"), s)
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil {
			t.Fatalf("%q became %s, not a JSON string: %v", s, got[1:], err)
		}
		want := s
		if s == "\xff\xfe" {
			want = "\ufffd\ufffd" // invalid UTF-8, replaced as encoding/json does
		}
		if back != want || got[0] != 'x' {
			t.Fatalf("%q became %s, read back as %q", s, got, back)
		}
	}
}
