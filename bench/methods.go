package bench

// How each section is measured: the end of BENCHMARKS.md.

// howMeasured covers the sections benchdriver measures itself.
const howMeasured = `## How it is measured

` + "`make bench`" + ` builds the provider, the backend and benchdriver (bench/, a Go module of its own) from the tree, then
runs everything on loopback; nothing is downloaded but Prism (npm, into the git-ignored .bench/).
` + "`make bench BENCH_QUICK=1`" + ` runs every part at small sizes in a few minutes and writes
.bench/BENCHMARKS.quick.md instead; BENCH_SIZES, BENCH_COUNT, BENCH_TF_COUNT, BENCH_DURATION and
BENCH_PARALLELISM set the sizes (see the GNUmakefile).

- **Terraform**: for each run, a working folder per type (` + "`terraform_data`" + `, the anchors
  ` + "`null_resource`" + ` and ` + "`random_string`" + ` with ` + "`length = 16`" + `, ` + "`telnyx_managed_account`" + `,
  ` + "`telnyx_api_key`" + `) with N resources made by ` + "`count`" + `, for each N of BENCH_SIZES in turn, each put through ` + "`terraform apply`" + `, a
  ` + "`plan`" + ` that must find no change (` + "`-detailed-exitcode`" + `), and ` + "`destroy`" + `, all at the same
  ` + "`-parallelism`" + `. The time is the wall-clock time of the terraform process. Terraform runs with
  a generated CLI configuration whose ` + "`dev_overrides`" + ` point at the built provider and at the
  anchors' providers (no registry, no ` + "`terraform init`" + ` for them; ` + "`terraform_data`" + `'s folder is initialised offline, outside the
  timing), CHECKPOINT_DISABLE=1, and no TF_LOG. The anchors are HashiCorp's ` + "`hashicorp/null`" + ` and
  ` + "`hashicorp/random`" + ` (terraform-plugin-framework), which scripts/bench.sh builds with ` + "`go build`" + `
  from the sources in the folder BENCH_ANCHORS names (its default is in the GNUmakefile); without
  them the report says that they were not measured, and the targets against them are missed. The backend is the reference-backend binary on a
  fresh SQLite database, started once per size with ` + "`--rate-limit 0`" + ` (its default of 100
  requests per second per key would throttle the runs); each run uses a new manager account.
  API keys are spread over managed accounts made beforehand (the backend allows 100 keys per
  account), and the provider acts as each of them with its key, looked up once per provider
  process.
- **Requests per resource**: the backend's access log (a JSON line per request), counted by
  method and route during each command, divided by N. "Own" requests are those on the resource's
  routes; other routes (the managed accounts' keys looked up to act as them) are counted apart.
- **CPU**: Terraform's and its children's CPU time (the terraform process's rusage, which
  includes the provider processes it waited for) less the providers', the providers' own (see the
  wrapper below), and the backend's (from /proc/PID/stat before and after the command).
- **Provider memory**: Terraform runs benchdriver under each provider's name (dev_overrides point
  at folders where terraform-provider-telnyx, -null and -random are links to benchdriver); it starts the real
  provider as its child with the same arguments, streams and environment, so the plugin handshake
  and gRPC go straight between Terraform and the provider, and when the provider exits it writes
  the child's peak resident memory and CPU time (the kernel's ru_maxrss, ru_utime and ru_stime of
  the waited-for child) to a file. Every provider process of a command is counted, however short,
  which polling /proc could miss; the peak is the largest of them.
- **Backend HTTP**: benchdriver's load generator (Go net/http, one kept-alive connection per
  worker, 50 workers, each sending its next request when the previous answer has been read in
  full) for a fixed time after a warm-up, against the backend binary (SQLite, ` + "`--rate-limit 0`" + `,
  its JSON access log on) and then against ` + "`prism mock`" + ` of the Telnyx contract (internal/backend/httpapi/testdata/telnyx-openapi-subset.yaml),
  endpoint after endpoint in the same run; the retrieve also against httplimit (below). Latencies
  are exact percentiles of every request's time, from sending to the last byte of the answer.
  Retrieve and list use a manager with 250 managed accounts; creates go in turn to 64 managers
  made for each run (within the default limit of 1,000 managed accounts each). Prism answers its
  static examples: its list has one item where the backend's has 250. The generator, the server
  and Prism share the machine's cores.
- **CPU per request**: each tier's CPU time over the measured load (not its warm-up), divided by
  the requests answered: utime and stime of /proc/PID/stat, with cutime and cstime (the children
  a process waited for) and the processes below it, read before and after the load. Tiers: the
  server's processes (every replica), PostgreSQL's (the server and its process per connection),
  and the generator's own process, which also reads the backend's log from its pipe, as a log
  collector would.
- **httplimit**: an anchor of the BENCH_ANCHORS folder, built with ` + "`go build`" + ` in its
  folder: Go's net/http answering ` + "`GET /v2/managed_accounts/{id}`" + ` for the same key with the bytes the
  backend answered for the retrieve's account, from memory. It is the limit of a retrieve with this
  HTTP stack and this generator on this machine. Without BENCH_ANCHORS the report says the
  comparison was skipped.
- **Backend HTTP on PostgreSQL**: the same generator, loads and fixtures, after the SQLite loads,
  against a throwaway PostgreSQL 15 that ` + "`scripts/postgres.sh`" + ` starts for the section in a folder of its
  own and stops after it (the tests' recipe, ` + "`fsync`" + ` off). First one backend on a fresh database,
  then two replicas on another fresh database, sharing one ` + "`--server-secret`" + `; worker w of the
  generator keeps one connection to replica w mod 2, so each replica serves half the workers. Every
  replica runs with ` + "`--rate-limit 0`" + ` and ` + "`--db-max-conns`" + ` BENCH_DB_MAX_CONNS (10, the default);
  the fixtures are made through the first replica. If PostgreSQL cannot start, the section says
  why and the others still run.
- **Backend memory**: the backend's VmHWM from /proc/PID/status after each load, its high-water
  mark reset before each one (writing 5 to /proc/PID/clear_refs), so each load's peak is its own.
- **Durable write**: the median time of 200 writes of 4 KiB, each followed by fsync, in the
  folder where the benchmarks keep their databases: the floor of each SQLite commit.
- **Hot paths**: Go benchmarks of the HTTP handler in process (` + "`go test -bench -benchmem`" + `),
  listed with their medians; compare two runs with benchstat.
`

// usageMeasured describes the usage benchmarks (issue 5).
const usageMeasured = `The usage benchmarks are Go benchmarks in bench/usagebench (run them by hand
with ` + "`go -C bench test -run '^$' -bench . ./usagebench/`" + `;
` + "`USAGEBENCH_EVENTS`" + ` makes the report fixture smaller for a quick look).

- **Ingest10kBatch**: IngestUsage (validation, rating, storage of the events,
  their rollups and the blocks of rollups, ledger charges) with batches of
  10,000 new events of 100 accounts, each batch the next day of their
  traffic, as a producer streaming its usage sends it, on a SQLite file (WAL,
  synchronous=FULL: every batch is one durable transaction), which grows from
  batch to batch. The event ids are time-ordered (UUIDv7, simulate-usage's
  default); **Ingest10kBatchRandomIDs** is the same with random-looking ids
  (UUIDv5, ` + "`--random-ids`" + `). **Ingest10kBatchHTTP** is Ingest10kBatch through the
  operator API's handler (JSON decoding included), in process, one batch at a
  time; **Ingest10kBatchHTTP2Producers** posts the same batches from two
  producers at once, so that one batch's JSON is decoded while the other's
  is written. The target is judged on the service figures, both kinds of ids.
- **Report fixture**: a manager with 1,000 managed accounts and 10 million
  events of ` + "`reference-backend simulate-usage`" + `'s traffic (messaging,
  voice and wireless, a few busy accounts and many quiet ones) over the 31
  days from 16 January, after a quieter history (20 events per account and
  day) from 1 January, ingested once per run through IngestUsage in batches
  of 10,000, as the operator API would take them.
- **Report31Days1000Accounts**: the manager's messaging report over all its
  managed accounts (` + "`managed_accounts=true`" + `) for those 31 days, by
  direction (with user_id, added by managed_accounts), with count, parts and
  cost, every row on one page: through the HTTP handler in process (key
  check, parameters, JSON of every row) and through the service alone. The
  window starts mid-month with usage before it, and nothing comes after it,
  as in a "last 31 days" report: it is summed from three blocks of the
  rollups (16 January, 17 to 31 January, and February, which has no usage
  after the window). **service-past-window** is the same report over 10
  January to 9 February, a window of the past with usage on both sides: six
  blocks (1, 2, 4 and 16 days of January, 8 and 1 days of February).
- **RawGroupBy**: the same sums as one GROUP BY over usage_events in the same
  database, on a read-only connection set up like the store's readers (the
  benchmark first checks that it gives the report's rows).
`
