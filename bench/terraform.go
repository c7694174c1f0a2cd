package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Resource types the Terraform benchmark compares.
const (
	TerraformData        = "terraform_data"
	TelnyxManagedAccount = "telnyx_managed_account"
	TelnyxAPIKey         = "telnyx_api_key" //nolint:gosec // G101: a resource type, not a credential
	// The anchors: HashiCorp's own terraform-plugin-framework providers,
	// built from their sources by make bench when it is given them.
	NullResource = "null_resource"
	RandomString = "random_string"
)

// A provider the benchmark runs through dev_overrides, under the wrapper
// that records its processes (wrapper.go).
type benchProvider struct {
	source string // the address in required_providers and dev_overrides
	name   string // its binary's name, which Terraform looks for
}

var (
	telnyxProvider = benchProvider{"registry.terraform.io/managedaccounts/telnyx", ProviderBinaryName}
	nullProvider   = benchProvider{"registry.terraform.io/hashicorp/null", "terraform-provider-null"}
	randomProvider = benchProvider{"registry.terraform.io/hashicorp/random", "terraform-provider-random"}
)

// providerOf is the provider of a resource type, or false for Terraform's
// built-in terraform_data.
func providerOf(typ string) (benchProvider, bool) {
	switch typ {
	case TelnyxManagedAccount, TelnyxAPIKey:
		return telnyxProvider, true
	case NullResource:
		return nullProvider, true
	case RandomString:
		return randomProvider, true
	}
	return benchProvider{}, false
}

// isTelnyx tells the types of this provider, which the backend serves.
func isTelnyx(typ string) bool { return typ == TelnyxManagedAccount || typ == TelnyxAPIKey }

// Terraform operations, in the order each run makes them.
const (
	OpApply   = "apply"
	OpPlan    = "plan"
	OpDestroy = "destroy"
)

// keysPerAccount spreads N API keys over managed accounts: the backend
// allows 100 keys per account.
const keysPerAccount = 50

// TerraformOptions say what RunTerraform measures.
type TerraformOptions struct {
	Terraform string // the terraform binary
	Provider  string // the provider binary built from this tree
	// NullProvider and RandomProvider are the anchors' binaries; without
	// them their resources are not measured, and AnchorsSkipped says why.
	NullProvider   string
	RandomProvider string
	AnchorsSkipped string
	Wrapper        string // benchdriver itself, run as the provider (wrapper.go)
	Backend        string // the reference-backend binary
	Dir            string // work folder, created

	N           int // resources of each type
	Parallelism int // terraform -parallelism
	Runs        int // apply, plan and destroy of every type, this many times
	Types       []string
	Progress    io.Writer
}

// TerraformResults are the runs of the Terraform benchmark.
type TerraformResults struct {
	TerraformVersion string         `json:"terraform_version"`
	N                int            `json:"n"`
	Parallelism      int            `json:"parallelism"`
	Runs             int            `json:"runs"`
	Resources        []ResourceRuns `json:"resources"`
	// LoadAverage is the machine's load averages when the runs began.
	LoadAverage string `json:"load_average,omitempty"`
	// AnchorsSkipped says why null_resource and random_string were not
	// measured; empty when they were.
	AnchorsSkipped string `json:"anchors_skipped,omitempty"`
}

// ResourceRuns are the runs of one resource type.
type ResourceRuns struct {
	Type  string   `json:"type"`
	Setup string   `json:"setup,omitempty"`
	Ops   []OpRuns `json:"ops"`
}

// OpRuns are the runs of one operation on one resource type; every slice
// has one element per run.
type OpRuns struct {
	Op      string    `json:"op"`
	Seconds []float64 `json:"seconds"`
	// Requests are the backend's requests during the operation, by route.
	Requests []map[string]int `json:"requests,omitempty"`
	// ProviderPeakBytes is the largest peak of the provider processes
	// Terraform started for the operation; ProviderProcesses is how many
	// it started.
	ProviderPeakBytes []int64 `json:"provider_peak_bytes,omitempty"`
	ProviderProcesses []int   `json:"provider_processes,omitempty"`
	BackendPeakBytes  []int64 `json:"backend_peak_bytes,omitempty"`
	// CPU time, user and system, in seconds: Terraform's own (its
	// providers' excluded), the provider processes', the backend's.
	TerraformCPUSeconds []float64 `json:"terraform_cpu_seconds"`
	ProviderCPUSeconds  []float64 `json:"provider_cpu_seconds,omitempty"`
	BackendCPUSeconds   []float64 `json:"backend_cpu_seconds,omitempty"`
}

// Op is the runs of op, or nil.
func (r *ResourceRuns) Op(op string) *OpRuns {
	return find(r.Ops, func(o *OpRuns) bool { return o.Op == op })
}

// Resource is the runs of a resource type, or nil.
func (t *TerraformResults) Resource(typ string) *ResourceRuns {
	return find(t.Resources, func(r *ResourceRuns) bool { return r.Type == typ })
}

// tfEnv is what the benchmark's terraform commands run with.
type tfEnv struct {
	opts     TerraformOptions
	cliCfg   string
	peaksDir string
	backend  *BackendProcess
}

// RunTerraform runs `terraform apply`, a no-change `plan` and `destroy` of N
// resources of each type, Runs times, each type after the other within a
// run, against one backend process, and measures each command's wall-clock
// time, the backend's requests and the peak memory of both programs.
func RunTerraform(ctx context.Context, opts TerraformOptions) (*TerraformResults, error) {
	if opts.N < 1 || opts.Runs < 1 || opts.Parallelism < 1 {
		return nil, errors.New("terraform benchmark: N, runs and parallelism must be at least 1")
	}
	anchors := opts.NullProvider != "" && opts.RandomProvider != ""
	if !anchors && opts.AnchorsSkipped == "" {
		opts.AnchorsSkipped = "the harness was given no anchors' binaries"
	}
	if anchors {
		opts.AnchorsSkipped = ""
	}
	if len(opts.Types) == 0 {
		opts.Types = []string{TerraformData}
		if anchors {
			opts.Types = append(opts.Types, NullResource, RandomString)
		}
		opts.Types = append(opts.Types, TelnyxManagedAccount, TelnyxAPIKey)
	}
	for _, typ := range opts.Types {
		if (typ == NullResource || typ == RandomString) && !anchors {
			return nil, fmt.Errorf("terraform benchmark: %s needs the anchors' binaries (%s)", typ, opts.AnchorsSkipped)
		}
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	e := &tfEnv{opts: opts, peaksDir: filepath.Join(opts.Dir, "provider-peaks")}
	if err := e.prepare(); err != nil {
		return nil, err
	}
	version, err := TerraformVersion(ctx, opts.Terraform)
	if err != nil {
		return nil, err
	}
	res := &TerraformResults{TerraformVersion: version, N: opts.N, Parallelism: opts.Parallelism, Runs: opts.Runs, LoadAverage: LoadAverage(),
		AnchorsSkipped: opts.AnchorsSkipped}
	for _, typ := range opts.Types {
		res.Resources = append(res.Resources, ResourceRuns{Type: typ, Setup: setupOf(typ, opts.N)})
	}

	e.backend, err = StartBackend(ctx, opts.Backend, filepath.Join(opts.Dir, "backend"))
	if err != nil {
		return nil, err
	}
	defer e.backend.Stop()
	if err := ResetPeakRSS(e.backend.Pid()); err != nil {
		fmt.Fprintf(opts.Progress, "benchdriver: cannot reset the backend's peak memory (%v); its peaks are since it started\n", err)
	}
	for run := 1; run <= opts.Runs; run++ {
		for i := range res.Resources {
			if err := e.run(ctx, run, &res.Resources[i]); err != nil {
				return nil, fmt.Errorf("run %d, %s: %w", run, res.Resources[i].Type, err)
			}
		}
	}
	return res, nil
}

func setupOf(typ string, n int) string {
	switch typ {
	case TelnyxManagedAccount:
		return "managed accounts of one manager (the provider's key)"
	case TelnyxAPIKey:
		return fmt.Sprintf("keys of managed accounts made beforehand (%d, with at most %d keys each: the backend allows 100 per account); "+
			"the provider acts as each account with its key, looked up once per provider process", accountsForKeys(n), keysPerAccount)
	case NullResource:
		return "hashicorp/null built from the anchors' sources (terraform-plugin-framework, two attributes, no network)"
	case RandomString:
		return "hashicorp/random built from the anchors' sources (terraform-plugin-framework, about fifteen attributes " +
			"with plan modifiers, `length = 16`, no network)"
	}
	return "Terraform's built-in resource, no provider process"
}

func accountsForKeys(n int) int { return (n + keysPerAccount - 1) / keysPerAccount }

// prepare writes the CLI configuration whose dev_overrides make Terraform
// run the wrapper (benchdriver) as each provider: nothing is downloaded, and
// each provider process's peak memory and CPU time are recorded.
func (e *tfEnv) prepare() error {
	if err := os.MkdirAll(e.peaksDir, 0o700); err != nil {
		return err
	}
	var overrides strings.Builder
	for _, p := range []benchProvider{telnyxProvider, nullProvider, randomProvider} {
		pluginDir := filepath.Join(e.opts.Dir, "provider", p.name)
		if err := os.MkdirAll(pluginDir, 0o700); err != nil {
			return err
		}
		link := filepath.Join(pluginDir, p.name)
		_ = os.Remove(link)
		if err := os.Symlink(e.opts.Wrapper, link); err != nil {
			return err
		}
		fmt.Fprintf(&overrides, "    %q = %q\n", p.source, pluginDir)
	}
	e.cliCfg = filepath.Join(e.opts.Dir, "terraform.tfrc")
	cfg := "provider_installation {\n  dev_overrides {\n" + overrides.String() + "  }\n  direct {}\n}\n"
	return os.WriteFile(e.cliCfg, []byte(cfg), 0o600)
}

// run makes one run of one resource type: apply, plan, destroy.
func (e *tfEnv) run(ctx context.Context, run int, rr *ResourceRuns) error {
	wd := filepath.Join(e.opts.Dir, fmt.Sprintf("run-%d", run), rr.Type)
	if err := os.MkdirAll(wd, 0o700); err != nil {
		return err
	}
	env, err := e.workspace(ctx, wd, rr.Type)
	if err != nil {
		return err
	}
	if rr.Type == TerraformData {
		// The built-in provider needs no download; init still sets the
		// folder up, outside the measurement.
		if _, _, err := e.terraform(ctx, wd, env, "init", "-input=false", "-no-color"); err != nil {
			return err
		}
	}
	par := "-parallelism=" + strconv.Itoa(e.opts.Parallelism)
	commands := []struct {
		op   string
		args []string
	}{
		{OpApply, []string{"apply", "-auto-approve", "-input=false", "-no-color", par}},
		// -detailed-exitcode: 2 means the plan proposes changes, which a
		// plan right after an apply must never do.
		{OpPlan, []string{"plan", "-input=false", "-no-color", "-detailed-exitcode", par}},
		{OpDestroy, []string{"destroy", "-auto-approve", "-input=false", "-no-color", par}},
	}
	for _, c := range commands {
		if err := ClearProviderPeaks(e.peaksDir); err != nil {
			return err
		}
		_ = ResetPeakRSS(e.backend.Pid())
		before := e.backend.Counts()
		backendCPU, _ := ProcessCPU(e.backend.Pid())
		took, cpu, err := e.terraform(ctx, wd, env, c.args...)
		if err != nil {
			return err
		}
		after := e.backend.Counts()
		or := rr.Op(c.op)
		if or == nil {
			rr.Ops = append(rr.Ops, OpRuns{Op: c.op})
			or = &rr.Ops[len(rr.Ops)-1]
		}
		or.Seconds = append(or.Seconds, took.Seconds())
		msg := fmt.Sprintf("terraform run %d/%d: %s %s of %d in %.2f s", run, e.opts.Runs, rr.Type, c.op, e.opts.N, took.Seconds())
		if _, ok := providerOf(rr.Type); !ok {
			or.TerraformCPUSeconds = append(or.TerraformCPUSeconds, cpu)
			msg += fmt.Sprintf(", CPU: terraform %.2f s (%.2f ms per resource)", cpu, 1000*cpu/float64(e.opts.N))
			fmt.Fprintln(e.opts.Progress, msg)
			continue
		}
		procs, err := ProviderProcesses(e.peaksDir)
		if err != nil {
			return err
		}
		var peak int64
		var providerCPU float64
		for _, p := range procs {
			peak, providerCPU = max(peak, p.PeakBytes), providerCPU+p.CPUSeconds
		}
		or.ProviderPeakBytes = append(or.ProviderPeakBytes, peak)
		or.ProviderProcesses = append(or.ProviderProcesses, len(procs))
		or.ProviderCPUSeconds = append(or.ProviderCPUSeconds, providerCPU)
		or.TerraformCPUSeconds = append(or.TerraformCPUSeconds, max(0, cpu-providerCPU))
		msg += fmt.Sprintf(", provider peak %.0f MB over %d processes, CPU: terraform %.2f s, provider %.2f s (%.2f ms per resource together)",
			mb(peak), len(procs), max(0, cpu-providerCPU), providerCPU, 1000*cpu/float64(e.opts.N))
		if isTelnyx(rr.Type) {
			reqs := CountsSince(before, after)
			or.Requests = append(or.Requests, reqs)
			if p, err := PeakRSS(e.backend.Pid()); err == nil {
				or.BackendPeakBytes = append(or.BackendPeakBytes, p)
			}
			var spent float64
			if after, err := ProcessCPU(e.backend.Pid()); err == nil {
				spent = after - backendCPU
				or.BackendCPUSeconds = append(or.BackendCPUSeconds, spent)
			}
			msg += fmt.Sprintf(", backend %.2f s; %.2f requests per resource", spent, float64(total(reqs))/float64(e.opts.N))
		}
		fmt.Fprintln(e.opts.Progress, msg)
	}
	return nil
}

// workspace writes wd's configuration for typ, creating what it needs in
// the backend first, and returns the environment of its terraform commands.
func (e *tfEnv) workspace(ctx context.Context, wd, typ string) ([]string, error) {
	env := terraformEnv(e.cliCfg)
	var config string
	switch typ {
	case TerraformData:
		config = fmt.Sprintf(`resource "terraform_data" "bench" {
  count = %d
  input = "bench ${count.index}"
}
`, e.opts.N)
	case NullResource:
		env = append(env, ProviderExecEnv+"="+e.opts.NullProvider, ProviderPeakDirEnv+"="+e.peaksDir)
		config = requiredProvider("null", nullProvider) + fmt.Sprintf(`
resource "null_resource" "bench" {
  count = %d
}
`, e.opts.N)
	case RandomString:
		env = append(env, ProviderExecEnv+"="+e.opts.RandomProvider, ProviderPeakDirEnv+"="+e.peaksDir)
		config = requiredProvider("random", randomProvider) + fmt.Sprintf(`
resource "random_string" "bench" {
  count  = %d
  length = 16
}
`, e.opts.N)
	case TelnyxManagedAccount, TelnyxAPIKey:
		_, key, err := e.backend.NewManager(ctx, e.opts.N+keysPerAccount)
		if err != nil {
			return nil, err
		}
		env = append(env, "TELNYX_API_KEY="+key, "TELNYX_BASE_URL="+e.backend.RootURL+"/v2",
			ProviderExecEnv+"="+e.opts.Provider, ProviderPeakDirEnv+"="+e.peaksDir)
		config = requiredProvider("telnyx", telnyxProvider) + `
provider "telnyx" {}
`
		if typ == TelnyxManagedAccount {
			config += fmt.Sprintf(`
resource "telnyx_managed_account" "bench" {
  count         = %d
  business_name = "Bench customer ${count.index}"
}
`, e.opts.N)
			break
		}
		accounts, err := e.backend.NewManagedAccounts(ctx, key, accountsForKeys(e.opts.N))
		if err != nil {
			return nil, err
		}
		vars, err := json.Marshal(map[string]any{"managed_account_ids": accounts})
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(wd, "terraform.tfvars.json"), vars, 0o600); err != nil {
			return nil, err
		}
		config += fmt.Sprintf(`
variable "managed_account_ids" {
  type = list(string)
}

resource "telnyx_api_key" "bench" {
  count              = %d
  managed_account_id = var.managed_account_ids[count.index %% length(var.managed_account_ids)]
  description        = "bench ${count.index}"
}
`, e.opts.N)
	default:
		return nil, fmt.Errorf("unknown resource type %q", typ)
	}
	return env, os.WriteFile(filepath.Join(wd, "main.tf"), []byte(config), 0o600)
}

// requiredProvider is the terraform block that names p under local.
func requiredProvider(local string, p benchProvider) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    %s = {
      source = %q
    }
  }
}
`, local, strings.TrimPrefix(p.source, "registry.terraform.io/"))
}

// terraformEnv is this process's environment without the TF_ variables
// that would change what Terraform does (logging, extra arguments, data
// folders), with the benchmark's CLI configuration, no update check and no
// prompts.
func terraformEnv(cliConfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "TELNYX_") || strings.HasPrefix(kv, "CHECKPOINT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
}

// terraform runs one terraform command in wd and returns its wall-clock
// time and the CPU time of terraform and the children it waited for (its
// providers). Its output goes to a log beside the configuration, quoted in
// the error when the command fails.
func (e *tfEnv) terraform(ctx context.Context, wd string, env []string, args ...string) (time.Duration, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	logPath := filepath.Join(wd, args[0]+".log")
	out, err := os.Create(logPath) //nolint:gosec // G304: the harness's own work dir
	if err != nil {
		return 0, 0, err
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, e.opts.Terraform, args...) //nolint:gosec // G204: terraform with the harness's arguments
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = wd, env, out, out
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		if args[0] == "plan" && cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 2 {
			return took, 0, fmt.Errorf("terraform plan after apply proposed changes (see %s): %s", logPath, tail(logPath))
		}
		return took, 0, fmt.Errorf("terraform %s: %w: %s", args[0], err, tail(logPath))
	}
	return took, (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(), nil
}

// TerraformVersion is `terraform version`'s version number.
func TerraformVersion(ctx context.Context, terraform string) (string, error) {
	cmd := exec.CommandContext(ctx, terraform, "version", "-json")
	cmd.Env = terraformEnv(os.DevNull)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("terraform version: %w", err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &v); err != nil {
		return "", fmt.Errorf("terraform version -json: %w", err)
	}
	return v.Version, nil
}

func total(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}
