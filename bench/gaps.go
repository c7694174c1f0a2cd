package bench

import "fmt"

// Explanations of missed targets, from profiles of the code paths behind
// them (go tool pprof on the Go benchmarks, and on a provider build that
// writes a CPU profile); the report includes one only when its target is
// missed. They state what the profiles showed when they were taken, and
// what was changed because of them.

// gapTerraform explains a Terraform ratio above its target; the same cause
// covers every operation and type.
func gapTerraform(string, string) string {
	return `### Terraform: a Telnyx resource costs Terraform more than the anchors

` + "`terraform_data`" + ` is built into Terraform: no plugin process, no RPC. ` + "`null_resource`" + ` and
` + "`random_string`" + ` pay the plugin protocol as this provider does, but no network: the gap to them is
what a resource with a real API and a larger state costs. A provider's resource costs
a plugin process per command phase (the table counts them: 3 to 5 per command, each starting, making
its mTLS certificate and serving its schema) and, per resource, several gRPC calls (validate, plan,
apply or read) whose values both sides encode and decode against the resource's schema (12
attributes and a timeouts block for ` + "`telnyx_managed_account`" + ` since its schema version 2, 15
before). On a 2-core machine the command is CPU-bound, and the CPU column shows where it goes.
CPU profiles of the provider during ` + "`apply`" + ` of 100 managed accounts (a provider build that writes a profile, ` + "`go tool pprof`" + `):
terraform-plugin-framework's planning and value conversion (plan modifiers, ` + "`tftypes.Transform`" + `,
` + "`Schema.GetAttributes`" + ` copying the attribute map at each path step) about 35%, gRPC and msgpack
about 20%, the Go runtime and GC about 25%, and the provider's own code (Create, Read, Delete and
the API client) about 10%.

Three causes were found and removed with these benchmarks:

- The plugin SDK logs every RPC step at TRACE unless told otherwise, and Terraform decodes each
  JSON line from the plugin's stderr and throws it away when TF_LOG is not set: a quarter of the
  provider's CPU and about half of Terraform's extra CPU. The provider now turns its loggers off
  when neither TF_LOG nor TF_LOG_PROVIDER is set (Terraform would discard the lines), which
  halved the provider's and Terraform's CPU per resource (main.go, logging.go).
- ` + "`telnyx_managed_account`" + ` read the account back after creating or updating it, though the API's
  answer is the account as it now is: one request per created account instead of two
  (resource_managed_account.go, Create and Update).
- The size of the state. Terraform rewrites the whole state after each resource it creates or
  destroys, under its lock (a destroy also serializes the state it started from, to compare): CPU
  profiles of a destroy of 300 accounts (a Terraform 1.15.9 build that writes a CPU profile) put
  about half of Terraform's CPU there, which grows as the number of resources squared times the
  bytes of each instance; this is why destroy scales worse than linearly (the Terraform section's
  scaling table shows it: milliseconds per resource that grow with the size). An account took about
  1,100 bytes of state, ` + "`random_string`" + ` about 630. Schema version 2 of
  ` + "`telnyx_managed_account`" + ` dropped the attributes that only repeated others (` + "`api_user`" + `,
  ` + "`organization_name`" + `, ` + "`status`" + `; the data source keeps them) and the sensitive mark of the
  write-only password, which hid nothing (about 630 bytes now); ` + "`manager_account_id`" + ` stays,
  since configurations may read it and the resource has no other way to give it.

What remains is the per-resource cost of the plugin protocol and of the framework, which every
framework provider pays; closing it further would mean fewer attributes with plan modifiers, or
changes in terraform-plugin-framework itself.
`
}

// gapRetrieveThroughput explains a retrieve slower than 10 times Prism.
const gapRetrieveThroughput = `### Retrieve throughput under 10 times Prism's

` + retrieveProfile + `
The load generator and Prism's Node.js share the same cores as the backend.
`

// retrieveProfile is where a retrieve's CPU goes in the backend's process,
// from CPU profiles of BenchmarkRetrieveManagedAccount on SQLite, and what
// was changed because of them; both retrieve explanations include it.
const retrieveProfile = `A retrieve is one read transaction on the store (Service.ReadAs): the key with its account in one
statement, the managed account with its primary key in a second, its ledger totals in a third; then
the JSON of the account, sent once the transaction has ended. Profiles found, and these changes
removed: SQLite's parser taking 43% of a retrieve, because the driver prepared every statement anew
(the store's connections now keep their prepared statements, sqlite/stmtcache.go); a third of what
was left re-planning the primary-key lookup on every run (its partial index was matched through
bound parameters; it now names the index's condition as literals, sqlite/api_keys.go); two read
transactions per request (the key check, then the answer: now one, which on PostgreSQL saves a
BEGIN, a COMMIT and their round trips); and five statements where three do (the key and its
account, the account and its primary key, each read by one join).

What a profile shows now, of the backend's CPU per retrieve on SQLite: the store's transaction
about three fifths (BEGIN and COMMIT a tenth, the two joined lookups two fifths, the ledger totals
a twentieth); within the lookups, the SQLite driver names each result's columns anew on every run
(names and declared types of 29 columns per join: about a tenth of the retrieve) and watches the
request's context with a goroutine per statement (about 6%); the garbage collector about an eighth
(about 400 allocations per retrieve); the access log 4%, the JSON of the answer 2%, the key's HMAC
2%. On PostgreSQL, pgx allocates the description of any result wider than 16 columns on every
query, which both joins are. What is left to try: fewer columns per lookup (the caller's account is
used whole by the handlers), a driver that keeps a prepared statement's column names, and a context
without cancellation for the short lookups (a client that goes away would no longer interrupt
them). Caching the key check would not pay here: revocation, disabling and cancelling must hold on
the next request on every replica, so a cached key still needs a statement in the same transaction
to check that nothing changed, and one indexed statement is what the check is now.
`

// gapRetrieveLatency explains a retrieve p99 at or above 10 ms.
const gapRetrieveLatency = `### Retrieve p99 at or above 10 ms

The load is a closed loop: 50 connections each wait for their answer before sending again, so the
mean latency is 50 divided by the throughput (Little's law): at 7,000 requests/s it is 7 ms before
any tail. A p99 under 10 ms at 50 connections needs both more throughput (above) and a tight tail;
on 2 cores shared by the server and the generator, the tail is the scheduler and the garbage
collector (about 25 KB allocated per retrieve). The backend's peak memory (below) leaves room to
trade memory for fewer collections (GOGC, GOMEMLIMIT in the backend's environment), not done
here: it is the operator's choice.
`

// gapCreate explains creates under 2,000 per second, with the figures of
// the create hot path (hot, may be nil) and the disk's durable-write time.
func gapCreate(hot *GoBench, syncMs float64) string {
	split := ""
	wall, wallOK := hot.Figure(benchCreate, "ns/op")
	cpu, cpuOK := hot.Figure(benchCreate, "cpu-ns/op")
	if wallOK && cpuOK && cpu < wall {
		split = fmt.Sprintf(" In process, one at a time (BenchmarkCreateManagedAccount below), a create takes %.2f ms, of which "+
			"%.2f ms is CPU (the whole process's, the collector's included): the other %.2f ms is waiting, for the commit to "+
			"reach the disk above all, the wait that the creates of one batch share.", wall/1e6, cpu/1e6, (wall-cpu)/1e6)
	} else if wallOK && cpuOK {
		split = fmt.Sprintf(" In process, one at a time (BenchmarkCreateManagedAccount below), a create takes %.2f ms, all of it "+
			"CPU.", wall/1e6)
	}
	disk := ""
	if syncMs > 0 {
		disk = fmt.Sprintf(" (a lone 4 KiB write with fsync takes %.2f ms on this disk; a commit writes and syncs the WAL frames "+
			"of every page the transaction changed: the accounts, their keys, the audit entries and their indexes)", syncMs)
	}
	return `### Creates under 2,000 per second

Each create is one durable write transaction (the manager's limit, the email, the account, its primary
key, its balance and the audit entry), and SQLite syncs the WAL at every commit` + disk + `:
synchronous=FULL, chosen so that an account or key reported as created survives a power loss. The
store commits by group commit (DESIGN.md, storage): the transactions that wait for the single writer
together run in one SQLite transaction, each in a savepoint of its own, which commits and syncs once
before any of them is answered; a lone writer commits at once. Under the create load, one fsync then
serves many creates (strace -f -e trace=fsync,fdatasync on the backend counts them), and the commit's
CPU is shared too: before group commit, each create paid one fsync and about twice the backend CPU.` + split + `

What bounds the rate then is CPU, not the disk: the HTTP, JSON, authentication and key generation of
the creates run side by side, but the functions of one batch run one after another on the writer
connection, so their SQL is a serial section, on 2 cores shared with the load generator. The CPU of
a create was cut where the profile pointed: counting the manager's managed accounts for its limit
grew with the manager; migration 0012 keeps that count on the manager's row, current through
triggers, so a create reads one row. What remains is spread over SQLite's inserts (the account, its
key, its balance, the audit entry). What would close the gap is less of that serial SQL per create,
or more cores for the rest.
`
}

// gapMemory explains a backend peak at or above 150 MB.
const gapMemory = `### Backend memory at or above 150 MB

The backend's peak is above the target under the load the table names. No heap profile of it was
taken for this report (the runs made while the harness was written peaked at 31 to 44 MB):
a heap profile of the matching Go benchmark (` + "`go test -bench … -memprofile`" + `) shows what holds it.
`

// gapReport says where a usage report spends its time.
const gapReport = `### Usage report over its target

A report's time is SQLite reading and grouping the rows of its blocks of rollups, about a
microsecond a row with the pure-Go driver, then handing the groups to Go (a few
microseconds each). The benchmarked report reads about 26,000 rows (three blocks over
1,000 accounts) and returns about 1,800 groups.
`

// gapIngestion says where usage ingestion spends its time, from a CPU
// profile of Ingest10kBatch (go test -cpuprofile, pprof -top -cum).
const gapIngestion = `### Usage ingestion under its target

Migration 0011 stores events compactly (the id as a 17-byte key, the five dimension values
as one row of usage_event_dimensions, integer times, the batch's ingestion time once): 10
values per event instead of 15, rows of about 60 bytes instead of 200. The multi-row
statements are prepared once per connection (chunks of fixed sizes) and are INSERT OR FAIL
(no statement journal). Measured side by side on the same machine, that raised
Ingest10kBatch by about a quarter with the same random ids.

A CPU profile of Ingest10kBatch (` + "`go test -bench 'Ingest10kBatch$' -cpuprofile`" + `)
then splits a batch of 10,000 events with time-ordered ids as follows:

- about 30%: inserting the events (a rowid table and the index of their keys), about 6
  microseconds an event in the pure-Go SQLite, binding included;
- about 24%: adding to the rollups (about 730 per batch) and to their blocks (six spans
  each, about 4,400): upserts on long text keys, about 10 microseconds each;
- about 12%: garbage collection, mostly of the arguments database/sql and the driver
  allocate per bound value (about 10 MB a batch), on the other core;
- about 4% each: the commit (synchronous=FULL), the lookup of the ids already stored,
  and parsing the events in Go;
- the rest: rating, ledger charges.

Random ids cost more, and more as the database grows: each lands on a random page of the
index of event ids, so that a batch rewrites thousands of pages of it (and, once the index
outgrows the writer's 32 MiB page cache, reads them back first). Time-ordered ids (UUIDv7)
append to its end instead; simulate-usage sends them by default, and the backend's
README.md and DEPLOYMENT.md (cmd/reference-backend/) advise producers to. Through HTTP, decoding the JSON of a batch (about 60 ms
for 10,000 events, a quarter of the request) comes on top; two producers posting at once
hide it behind each other's writes. Decoding the events in parallel was tried and measured
slower on two cores (the extra pass over the array cost more than it saved).

What is left to try: one span fewer in the blocks (the day blocks repeat the rollups, but
reading days from the rollups instead would slow reports); a narrower block key (integer
ids for managers, accounts and dimension values, which the report plan shared with
PostgreSQL would have to join back).
`

// gapRetrieveVsLimit explains a retrieve under 25% of httplimit's
// throughput, with the CPU per request of both loads (b the backend's, l
// httplimit's).
func gapRetrieveVsLimit(b, l loadMedians) string {
	cpu := ""
	if bs, ok := b.cpu[TierServer]; ok {
		if ls, ok := l.cpu[TierServer]; ok {
			cpu = fmt.Sprintf(" Per answered request, the backend's process used %.0f µs of CPU and httplimit's %.0f µs; "+
				"the generator used %s µs and %s µs (all of it is CPU the two cores share, so the rates stand roughly "+
				"in the inverse ratio of the totals, %.0f µs against %.0f µs).", bs, ls,
				b.cpuText(TierGenerator), l.cpuText(TierGenerator), b.cpuTotal(), l.cpuTotal())
		}
	}
	return `### Retrieve under 25% of httplimit's throughput

httplimit answers the same request with the same bytes from memory: Go's HTTP server, a map lookup
and a write. Both loads run the server and the load generator on the same cores until they are
busy, so the throughput of each is set by the CPU a request costs both.` + cpu + ` What the backend
does beyond httplimit is the key check, the read transaction on the store, JSON encoding, the access
log and the middleware.

` + retrieveProfile
}

// gapReplicas explains two PostgreSQL replicas' retrieves more than 5%
// below one's, with the CPU per request of each tier (one and two the
// medians of the two setups).
func gapReplicas(one, two loadMedians) string {
	return `### Two PostgreSQL replicas more than 5% below one on retrieves

On one machine a second replica brings no CPU: the same cores run both replicas, PostgreSQL and
the load generator, so two replicas serve the same requests with the same CPU or they serve fewer.
Per answered request (backend / PostgreSQL / generator, µs of CPU): one replica ` + one.cpuText(TierServer, TierDatabase, TierGenerator) +
		`, two replicas ` + two.cpuText(TierServer, TierDatabase, TierGenerator) + `. Whatever the second replica adds per request
is its cost: a second Go runtime whose idle processors spin looking for work, twice the
connections to PostgreSQL (a server process each), and the scheduler moving more processes over the
same two cores.
`
}
