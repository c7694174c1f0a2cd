package backend

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMaskKey checks that a masked key shows at most the key's first three
// and last four bytes: never the rest of a key, whatever its length or
// content.
func FuzzMaskKey(f *testing.F) {
	f.Add(NewAPIKey())
	for _, seed := range []string{"", "KEY", "KEY1234", "KEY12345", "KEYé1234", "op-0123456789abcdef", "KEY\x00\xff_secret_tail"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		masked := MaskKey(key)
		if len(key) <= 7 {
			if masked != "KEY…" {
				t.Fatalf("MaskKey(%q) = %q, want KEY… for a key this short", key, masked)
			}
			return
		}
		if want := key[:3] + "…" + key[len(key)-4:]; masked != want {
			t.Fatalf("MaskKey(%q) = %q, want %q", key, masked, want)
		}
		if middle := key[3 : len(key)-4]; len(middle) >= 8 && strings.Contains(masked, middle) {
			t.Fatalf("MaskKey(%q) = %q shows the key's middle", key, masked)
		}
		if utf8.ValidString(key) && len(key) > 7 && utf8.RuneCountInString(masked) > 8 {
			t.Fatalf("MaskKey(%q) = %q is longer than a prefix, an ellipsis and four characters", key, masked)
		}
	})
}
