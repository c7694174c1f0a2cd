// Package replicatest tests the reference backend scaled out: several
// `reference-backend serve` processes on one PostgreSQL database, as they run
// behind a load balancer, and one backend while its database goes away and
// comes back. Its tests run when REFERENCE_BACKEND_TEST_POSTGRES_URL names a
// PostgreSQL server (`make test-postgres`) and skip otherwise.
package replicatest
