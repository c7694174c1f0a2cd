package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The provider wrapper: Terraform's dev_overrides point at folders whose
// terraform-provider-telnyx (and the anchors' terraform-provider-null and
// terraform-provider-random) is benchdriver itself. Run under such a name, it
// starts the real provider (ProviderExecEnv) as its child with the same
// arguments, standard streams and environment, so that the plugin handshake
// and the gRPC connection go straight between Terraform and the provider,
// and when the provider exits it writes the provider's peak resident memory
// (the kernel's ru_maxrss of the child) and CPU time to a file in
// ProviderPeakDirEnv.
// This catches every provider process Terraform starts, however short-lived,
// which polling /proc could miss.
const (
	ProviderExecEnv    = "BENCH_PROVIDER_EXEC"
	ProviderPeakDirEnv = "BENCH_PROVIDER_PEAK_DIR"
	// ProviderBinaryName is the name Terraform runs the wrapper under as
	// this project's provider.
	ProviderBinaryName = "terraform-provider-telnyx"
)

// IsProviderWrapper tells whether the program runs as the provider wrapper:
// under the name of one of the providers the benchmark runs.
func IsProviderWrapper(arg0 string) bool {
	base := filepath.Base(arg0)
	for _, p := range []benchProvider{telnyxProvider, nullProvider, randomProvider} {
		if strings.HasPrefix(base, p.name) {
			return true
		}
	}
	return false
}

// ProviderProcess is what the wrapper recorded of one provider process.
type ProviderProcess struct {
	PeakBytes  int64
	CPUSeconds float64 // user and system
}

// formatProviderProcess is the content of a wrapper's file.
func formatProviderProcess(p ProviderProcess) string {
	return strconv.FormatInt(p.PeakBytes, 10) + " " + strconv.FormatFloat(p.CPUSeconds, 'f', 3, 64) + "\n"
}

// ProviderProcesses are the provider processes recorded in dir since it was
// last cleared.
func ProviderProcesses(dir string) ([]ProviderProcess, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var procs []ProviderProcess
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".peak") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name())) //nolint:gosec // G304: the harness's own folder
		if err != nil {
			return nil, err
		}
		var p ProviderProcess
		if _, err := fmt.Sscan(string(b), &p.PeakBytes, &p.CPUSeconds); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		procs = append(procs, p)
	}
	return procs, nil
}

// ClearProviderPeaks removes the recorded peaks from dir.
func ClearProviderPeaks(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".peak") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
