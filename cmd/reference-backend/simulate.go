package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/usagesim"
)

// simulateConfig is everything simulate-usage is told.
type simulateConfig struct {
	url          string
	operatorKey  string
	accounts     []string
	allManagedOf string
	sim          usagesim.Config
	batchSize    int
}

// Limits and defaults of simulate-usage.
const (
	simulateTimeout  = 2 * time.Minute // per request: a full batch takes well under a second
	simulateAttempts = 5               // per batch, on network errors, 429 and 5xx
	listPageSize     = 250
)

const simulateUsage = `reference-backend simulate-usage posts realistic usage (messaging, voice and
wireless events) for chosen accounts and days to a running backend, through
its operator API (POST /reference/usage_events), in batches.

The traffic is a function of --seed, the accounts and the days: running the
same command again sends the same events with the same ids, which the backend
counts as duplicates and ignores. Each account has a home country, a few
international destinations, the products it uses and a volume of its own
(a few accounts make most of the traffic); events follow office hours in
the account's home country.

Usage:
  reference-backend simulate-usage --operator-key KEY (--accounts ID,ID | --all-managed-of MANAGER_ID) [flags]

Flags:
`

// parseSimulateConfig reads simulate-usage's flags, falling back to the
// environment for the URL and the operator key. now chooses the default days.
func parseSimulateConfig(args []string, getenv func(string) string, output io.Writer, now time.Time) (simulateConfig, error) {
	fs := flag.NewFlagSet("reference-backend simulate-usage", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprint(output, simulateUsage)
		fs.PrintDefaults()
	}
	var (
		cfg       simulateConfig
		accounts  string
		startDate string
		seed      uint64
	)
	fs.StringVar(&cfg.url, "url", "", "root URL of the running backend (env REFERENCE_BACKEND_URL; default http://127.0.0.1:8787)")
	fs.StringVar(&cfg.operatorKey, "operator-key", "", "the backend's operator key (env REFERENCE_BACKEND_OPERATOR_KEY)")
	fs.StringVar(&accounts, "accounts", "", "comma-separated ids of the accounts to make usage for")
	fs.StringVar(&cfg.allManagedOf, "all-managed-of", "", "make usage for every managed account (not cancelled) of this manager id")
	fs.IntVar(&cfg.sim.Days, "days", 7, "number of UTC days of usage")
	fs.StringVar(&startDate, "start-date", "", "first day, YYYY-MM-DD (default: --days days before today, so that the last day is yesterday)")
	fs.IntVar(&cfg.sim.EventsPerDay, "events-per-day", 1000, "average events per account and day")
	fs.Uint64Var(&seed, "seed", 1, "seed of the traffic: the same seed, accounts and days give the same events")
	fs.IntVar(&cfg.batchSize, "batch-size", backend.MaxUsageBatch, "events per request, at most 10000")
	fs.BoolVar(&cfg.sim.RandomIDs, "random-ids", false, "random-looking event ids (UUIDv5) instead of time-ordered ones (UUIDv7)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.url == "" {
		cfg.url = getenv("REFERENCE_BACKEND_URL")
	}
	if cfg.url == "" {
		cfg.url = "http://127.0.0.1:8787"
	}
	if cfg.operatorKey == "" {
		cfg.operatorKey = getenv("REFERENCE_BACKEND_OPERATOR_KEY")
	}
	cfg.sim.Seed = seed
	for id := range strings.SplitSeq(accounts, ",") {
		if id = strings.TrimSpace(id); id != "" {
			cfg.accounts = append(cfg.accounts, id)
		}
	}
	return cfg, cfg.complete(startDate, now)
}

func (cfg *simulateConfig) complete(startDate string, now time.Time) error {
	u, err := url.Parse(cfg.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url must be an http or https URL such as http://127.0.0.1:8787, not %q", cfg.url)
	}
	cfg.url = strings.TrimSuffix(cfg.url, "/")
	if cfg.operatorKey == "" {
		return errors.New("--operator-key (or REFERENCE_BACKEND_OPERATOR_KEY) is required: usage goes in through the operator API")
	}
	if (len(cfg.accounts) == 0) == (cfg.allManagedOf == "") {
		return errors.New("give either --accounts or --all-managed-of")
	}
	if cfg.batchSize < 1 || cfg.batchSize > backend.MaxUsageBatch {
		return fmt.Errorf("--batch-size must be between 1 and %d", backend.MaxUsageBatch)
	}
	if cfg.sim.Days < 1 || cfg.sim.Days > usagesim.MaxDays {
		return fmt.Errorf("--days must be between 1 and %d", usagesim.MaxDays)
	}
	if cfg.sim.EventsPerDay < 1 || cfg.sim.EventsPerDay > usagesim.MaxEventsPerDay {
		return fmt.Errorf("--events-per-day must be between 1 and %d", usagesim.MaxEventsPerDay)
	}
	today := now.UTC().Truncate(24 * time.Hour)
	cfg.sim.Start = today.AddDate(0, 0, -cfg.sim.Days)
	if startDate != "" {
		if cfg.sim.Start, err = time.Parse(time.DateOnly, startDate); err != nil {
			return fmt.Errorf("--start-date must be a day such as 2025-01-31, not %q", startDate)
		}
	}
	// Usage cannot be in the future: the last day must be over.
	if last := cfg.sim.Start.AddDate(0, 0, cfg.sim.Days); last.After(today) {
		return fmt.Errorf("the last day simulated (%s) must be before today (%s): choose an earlier --start-date or fewer --days",
			last.AddDate(0, 0, -1).Format(time.DateOnly), today.Format(time.DateOnly))
	}
	return nil
}

func (a *app) runSimulate(ctx context.Context, args []string) int {
	cfg, err := parseSimulateConfig(args, a.getenv, a.stderr, time.Now())
	return runCommand(a, "simulate-usage", err, func() error { return a.simulate(ctx, cfg) })
}

// operatorClient calls a backend's operator API.
type operatorClient struct {
	root, key string
	http      *http.Client
}

// simulate sends the traffic of cfg in batches: the next batch is made
// while the backend stores the one before.
func (a *app) simulate(ctx context.Context, cfg simulateConfig) error {
	c := &operatorClient{root: cfg.url, key: cfg.operatorKey, http: &http.Client{Timeout: simulateTimeout}}
	cfg.sim.AccountIDs = cfg.accounts
	if cfg.allManagedOf != "" {
		ids, err := c.managedAccounts(ctx, cfg.allManagedOf)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return fmt.Errorf("manager %s has no managed account to make usage for", cfg.allManagedOf)
		}
		cfg.sim.AccountIDs = ids
	}
	gen, err := usagesim.New(cfg.sim)
	if err != nil {
		return err
	}
	total := cfg.sim.Total()
	fmt.Fprintf(a.stderr, "simulating %d events for %d accounts over %d days from %s, in batches of %d\n",
		total, len(cfg.sim.AccountIDs), cfg.sim.Days, cfg.sim.Start.Format(time.DateOnly), cfg.batchSize)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bodies := make(chan []byte, 1)
	made := make(chan error, 1)
	go func() {
		defer close(bodies)
		made <- makeBatches(ctx, gen, cfg.batchSize, bodies)
	}()
	start := time.Now()
	var accepted, duplicates, sent int64
	lastReport := start
	for body := range bodies {
		res, err := c.ingest(ctx, body)
		if err != nil {
			cancel() // stops the producer, which then fails with the cancellation
			if madeErr := <-made; madeErr != nil && !errors.Is(madeErr, context.Canceled) {
				err = errors.Join(err, madeErr)
			}
			return fmt.Errorf("after %d events: %w", sent, err)
		}
		accepted += int64(res.Accepted)
		duplicates += int64(res.Duplicates)
		sent += int64(res.Accepted + res.Duplicates)
		if time.Since(lastReport) >= time.Second {
			fmt.Fprintf(a.stderr, "%d of %d events sent\n", sent, total)
			lastReport = time.Now()
		}
	}
	if err := <-made; err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(a.stdout, "%d events sent for %d accounts over %d days from %s: %d accepted, %d duplicates, in %s (%.0f events/s)\n",
		sent, len(cfg.sim.AccountIDs), cfg.sim.Days, cfg.sim.Start.Format(time.DateOnly), accepted, duplicates,
		elapsed.Round(time.Millisecond), float64(sent)/elapsed.Seconds())
	return nil
}

// makeBatches encodes the generator's events into request bodies of size
// events each.
func makeBatches(ctx context.Context, gen *usagesim.Generator, size int, out chan<- []byte) error {
	batch := make([]usagesim.Event, 0, size)
	send := func() error {
		body, err := json.Marshal(struct {
			Events []usagesim.Event `json:"events"`
		}{batch})
		if err != nil {
			return err
		}
		select {
		case out <- body:
		case <-ctx.Done():
			return ctx.Err()
		}
		batch = batch[:0]
		return nil
	}
	for e := range gen.Events() {
		batch = append(batch, e)
		if len(batch) == size {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		return send()
	}
	return nil
}

// ingestion is the backend's answer to a batch.
type ingestion struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// ingest posts one batch, again after a network error, a 429 or a 5xx: a
// batch sent twice is harmless, its events being duplicates the second time.
func (c *operatorClient) ingest(ctx context.Context, body []byte) (*ingestion, error) {
	var out struct {
		Data ingestion `json:"data"`
	}
	var err error
	for attempt := range simulateAttempts {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(1<<attempt) * 250 * time.Millisecond):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		var retry bool
		retry, err = c.do(ctx, http.MethodPost, "/reference/usage_events", body, &out)
		if err == nil {
			return &out.Data, nil
		}
		if !retry {
			break
		}
	}
	return nil, err
}

// managedAccounts lists the ids of a manager's managed accounts that are not
// cancelled, every page of them.
func (c *operatorClient) managedAccounts(ctx context.Context, managerID string) ([]string, error) {
	var ids []string
	for page := 1; ; page++ {
		var out struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Meta struct {
				TotalPages int `json:"total_pages"`
			} `json:"meta"`
		}
		path := "/reference/accounts/" + url.PathEscape(managerID) + "/managed_accounts?page[size]=" + strconv.Itoa(listPageSize) +
			"&page[number]=" + strconv.Itoa(page)
		if _, err := c.do(ctx, http.MethodGet, path, nil, &out); err != nil {
			return nil, fmt.Errorf("list the managed accounts of %s: %w", managerID, err)
		}
		for _, a := range out.Data {
			ids = append(ids, a.ID)
		}
		if page >= out.Meta.TotalPages {
			return ids, nil
		}
	}
}

// do sends one operator request and decodes a 2xx answer into out. On
// failure it tells whether trying again could help, and the error carries
// the backend's detail.
func (c *operatorClient) do(ctx context.Context, method, path string, body []byte, out any) (retry bool, err error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.root+path, reader)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return true, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var env struct {
			Errors []struct {
				Title  string `json:"title"`
				Detail string `json:"detail"`
				Source *struct {
					Pointer string `json:"pointer"`
				} `json:"source"`
			} `json:"errors"`
		}
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &env) == nil && len(env.Errors) > 0 {
			e := env.Errors[0]
			msg = e.Title + ": " + e.Detail
			if e.Source != nil && e.Source.Pointer != "" {
				msg += " (at " + e.Source.Pointer + ")"
			}
		}
		retry = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return retry, fmt.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, msg)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return false, fmt.Errorf("%s %s: unexpected answer: %w", method, path, err)
	}
	return false, nil
}
