//go:build !linux

package bench

import (
	"fmt"
	"os"
)

// RunProviderWrapper needs Linux (Pdeathsig, ru_maxrss in kilobytes).
func RunProviderWrapper([]string) int {
	fmt.Fprintln(os.Stderr, "benchdriver: the provider wrapper runs on Linux only")
	return 1
}
