package backend

// SetIdempotencyPurgeEveryForTest makes every nth idempotent request purge
// expired records, so that tests need not make dozens of requests.
func (s *Service) SetIdempotencyPurgeEveryForTest(n uint64) { s.purgeEvery.Store(n) }
