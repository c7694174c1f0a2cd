package providerdata

// ParseAccountScopedID exposes parseAccountScopedID to the fuzz test of the
// import identifier grammar.
var ParseAccountScopedID = parseAccountScopedID
