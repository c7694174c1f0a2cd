package backend

// SetIdempotencyPurgeEveryForTest makes every nth idempotent request purge
// expired records, so that tests need not make dozens of requests.
func (s *Service) SetIdempotencyPurgeEveryForTest(n uint64) { s.purgeEvery.Store(n) }

// SetEmailSuffixForTest replaces the random part of generated emails.
func (s *Service) SetEmailSuffixForTest(next func() string) { s.emailSuffix = next }
