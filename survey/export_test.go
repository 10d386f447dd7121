package survey

import "time"

// SetClock makes c read the time from now.
func SetClock(c *CachedCatalog, now func() time.Time) { c.now = now }
