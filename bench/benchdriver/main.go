// Command benchdriver runs the benchmarks of `make bench` that are not Go
// benchmarks, and writes BENCHMARKS.md:
//
//	benchdriver machine   -out machine.json            describe this machine
//	benchdriver terraform -out terraform.json [flags]  Terraform beside null_resource, random_string, terraform_data
//	benchdriver http      -out http.json [flags]       the backend's HTTP API beside Prism
//	benchdriver http-postgres -out pg.json [flags]     the same loads on PostgreSQL, 1 and 2 replicas
//	benchdriver report    [flags] > BENCHMARKS.md      the report of every section
//
// Run under the name terraform-provider-telnyx (as the terraform benchmark
// arranges through dev_overrides), it is the provider wrapper that records
// the provider's peak memory (package bench, wrapper.go).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/bench"
)

func main() {
	if bench.IsProviderWrapper(os.Args[0]) {
		os.Exit(bench.RunProviderWrapper(os.Args[1:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchdriver: %v\n", err)
		os.Exit(1)
	}
}

const usage = "usage: benchdriver machine|terraform|http|http-postgres|report [flags] (see -h of each)"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("benchdriver "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the results (JSON) to this file")
	switch args[0] {
	case "machine":
		terraform := fs.String("terraform", "terraform", "the terraform binary")
		node := fs.String("node", "", "the node binary that runs Prism, if any")
		dir := fs.String("dir", os.TempDir(), "where to time a durable write (where the benchmarks keep their databases)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return writeJSON(*out, bench.DescribeMachine(ctx, *terraform, *node, *dir))

	case "terraform":
		var o bench.TerraformOptions
		fs.StringVar(&o.Terraform, "terraform", "terraform", "the terraform binary")
		fs.StringVar(&o.Provider, "provider", "bin/terraform-provider-telnyx", "the provider binary")
		fs.StringVar(&o.NullProvider, "null-provider", "", "the anchor hashicorp/null's binary (empty: the anchors are not measured)")
		fs.StringVar(&o.RandomProvider, "random-provider", "", "the anchor hashicorp/random's binary (empty: the anchors are not measured)")
		fs.StringVar(&o.AnchorsSkipped, "anchors-skipped", "", "why the anchors are not measured, for the report")
		fs.StringVar(&o.Backend, "backend", "bin/reference-backend", "the reference-backend binary")
		fs.StringVar(&o.Dir, "dir", "", "work folder (default: a temporary folder, removed at the end)")
		fs.IntVar(&o.N, "n", 500, "resources of each type")
		fs.IntVar(&o.Parallelism, "parallelism", 10, "terraform -parallelism")
		fs.IntVar(&o.Runs, "runs", 5, "runs of apply, plan and destroy of each type")
		types := fs.String("types", "", "comma-separated resource types (default: terraform_data, null_resource and random_string "+
			"when given the anchors, telnyx_managed_account, telnyx_api_key)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *types != "" {
			o.Types = strings.Split(*types, ",")
		}
		o.Progress = stderr
		cleanup, err := workDir(&o.Dir, "bench-terraform-")
		if err != nil {
			return err
		}
		defer cleanup()
		for _, p := range []*string{&o.Provider, &o.Backend, &o.NullProvider, &o.RandomProvider} {
			if *p == "" {
				continue
			}
			if *p, err = filepath.Abs(*p); err != nil {
				return err
			}
		}
		if o.Wrapper, err = os.Executable(); err != nil {
			return err
		}
		res, err := bench.RunTerraform(ctx, o)
		if err != nil {
			return err
		}
		return writeJSON(*out, res)

	case "http":
		var o bench.HTTPOptions
		loadFlags(fs, &o, "endpoint and server")
		fs.StringVar(&o.Prism, "prism", "", "the prism executable (empty: the backend alone, with -prism-unavailable saying why)")
		fs.StringVar(&o.PrismUnavailable, "prism-unavailable", "", "why Prism is not run, for the report")
		fs.StringVar(&o.Contract, "contract", "internal/backend/httpapi/testdata/telnyx-openapi-subset.yaml", "the OpenAPI document Prism mocks (a verbatim copy of the Telnyx contract)")
		fs.StringVar(&o.HTTPLimit, "httplimit", "", "the httplimit anchor's binary (empty: the retrieve is not compared with it, and -httplimit-skipped says why)")
		fs.StringVar(&o.HTTPLimitSkipped, "httplimit-skipped", "", "why the httplimit anchor is not measured, for the report")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if o.HTTPLimit == "" && o.HTTPLimitSkipped == "" {
			o.HTTPLimitSkipped = "no httplimit was given to the harness"
		}
		if o.Prism != "" {
			if _, err := os.Stat(o.Prism); err != nil {
				o.PrismUnavailable, o.Prism = "Prism is not installed: "+err.Error(), ""
			}
		}
		if o.Prism == "" && o.PrismUnavailable == "" {
			o.PrismUnavailable = "no Prism was given to the harness"
		}
		o.Progress = stderr
		cleanup, err := workDir(&o.Dir, "bench-http-")
		if err != nil {
			return err
		}
		defer cleanup()
		for _, p := range []*string{&o.Backend, &o.HTTPLimit} {
			if *p == "" {
				continue
			}
			if *p, err = filepath.Abs(*p); err != nil {
				return err
			}
		}
		res, err := bench.RunHTTP(ctx, o)
		if err != nil {
			return err
		}
		return writeJSON(*out, res)

	case "http-postgres":
		var o bench.PostgresOptions
		loadFlags(fs, &o.HTTPOptions, "endpoint and setup")
		fs.StringVar(&o.AdminURL, "postgres-url", "", "admin URL of a throwaway PostgreSQL server (scripts/postgres.sh start); empty: -postgres-unavailable says why")
		fs.StringVar(&o.Unavailable, "postgres-unavailable", "", "why PostgreSQL is not measured, for the report")
		fs.IntVar(&o.DBMaxConns, "db-max-conns", 10, "each replica's --db-max-conns (10 is the backend's default)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		o.Progress = stderr
		cleanup, err := workDir(&o.Dir, "bench-http-postgres-")
		if err != nil {
			return err
		}
		defer cleanup()
		if o.Backend, err = filepath.Abs(o.Backend); err != nil {
			return err
		}
		res, err := bench.RunPostgresHTTP(ctx, o)
		if err != nil {
			return err
		}
		return writeJSON(*out, res)

	case "report":
		var in bench.ReportInput
		machine := fs.String("machine", "", "machine.json of `benchdriver machine`")
		terraform := fs.String("terraform", "", "comma-separated terraform.json files of `benchdriver terraform`, one per size")
		httpRes := fs.String("http", "", "http.json of `benchdriver http`")
		pgRes := fs.String("http-postgres", "", "the JSON of `benchdriver http-postgres`")
		usage := fs.String("usage", "", "comma-separated outputs of the usage Go benchmarks (go test -bench)")
		hot := fs.String("hotpaths", "", "output of the hot-path Go benchmarks (go test -bench -benchmem)")
		fs.BoolVar(&in.Quick, "quick", false, "the run used the small sizes of BENCH_QUICK")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if err := readJSON(*machine, &in.Machine); err != nil {
			return err
		}
		for _, path := range splitList(*terraform) {
			t := &bench.TerraformResults{}
			if err := readJSON(path, t); err != nil {
				return err
			}
			in.Terraform = append(in.Terraform, t)
		}
		if *httpRes != "" {
			in.HTTP = &bench.HTTPResults{}
			if err := readJSON(*httpRes, in.HTTP); err != nil {
				return err
			}
		}
		if *pgRes != "" {
			in.Postgres = &bench.PostgresResults{}
			if err := readJSON(*pgRes, in.Postgres); err != nil {
				return err
			}
		}
		var err error
		if in.Usage, err = bench.ParseGoBenchFiles(splitList(*usage)); err != nil {
			return err
		}
		if in.HotPaths, err = bench.ParseGoBenchFiles(splitList(*hot)); err != nil {
			return err
		}
		return bench.WriteReport(stdout, in)
	}
	return fmt.Errorf("unknown command %q; %s", args[0], usage)
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// workDir makes *dir a temporary folder when it is empty, and returns what
// removes it; a folder given by the user is kept.
func workDir(dir *string, pattern string) (func(), error) {
	if *dir != "" {
		abs, err := filepath.Abs(*dir)
		*dir = abs
		return func() {}, err
	}
	tmp, err := os.MkdirTemp("", pattern)
	if err != nil {
		return nil, err
	}
	*dir = tmp
	return func() { _ = os.RemoveAll(tmp) }, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o600) //nolint:gosec // G703: the file the user named with -out
}

func readJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path) //nolint:gosec // G304: files named by make bench
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// loadFlags declares the flags the two HTTP loads share; what names what
// each measured load covers.
func loadFlags(fs *flag.FlagSet, o *bench.HTTPOptions, what string) {
	backend, dir, concurrency, runs, warmup, duration := &o.Backend, &o.Dir, &o.Concurrency, &o.Runs, &o.Warmup, &o.Duration
	fs.Func("endpoints", "comma-separated endpoints to load (default: all of "+
		strings.Join([]string{bench.EndpointRetrieve, bench.EndpointList250, bench.EndpointCreate}, ", ")+")", func(v string) error {
		o.Endpoints = splitList(v)
		return nil
	})
	fs.StringVar(backend, "backend", "bin/reference-backend", "the reference-backend binary")
	fs.StringVar(dir, "dir", "", "work folder (default: a temporary folder, removed at the end)")
	fs.IntVar(concurrency, "concurrency", 50, "connections, each with one request in flight")
	fs.DurationVar(warmup, "warmup", 2*time.Second, "load before each measurement, not counted")
	fs.DurationVar(duration, "duration", 10*time.Second, "measured load of each "+what)
	fs.IntVar(runs, "runs", 5, "runs of every load")
}
