package backendtest

import (
	"regexp"
)

// BcryptHash matches a bcrypt hash in its own form ($2a$, $2b$, $2x$ or $2y$,
// the cost, then 53 characters of salt and hash): a password hash in the
// clear, which tests look for in what the backend stores.
var BcryptHash = regexp.MustCompile(`\$2[abxy]\$[0-9]{2}\$[./A-Za-z0-9]{53}`)
