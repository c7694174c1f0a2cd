// Package backend is the domain of the reference backend: accounts, keys,
// money and the rules of DESIGN section 3 (tenancy, pricing, ledger, invoices,
// secrets, audit). Storage adapters (sqlite, postgres) implement Store; the
// HTTP adapter (httpapi) decodes requests and calls Service, which decides
// everything.
package backend
