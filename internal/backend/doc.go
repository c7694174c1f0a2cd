// Package backend is the domain of the reference backend: accounts, keys,
// money and the rules of DESIGN section 3 (tenancy, pricing, ledger, secrets,
// audit). Storage adapters (sqlite) implement Store; the HTTP adapter
// (httpapi) decodes requests and calls Service, which decides everything.
package backend
