package portalmfa

import (
	"sync"

	"github.com/portalmfa/portalmfa/devices/devicename"
)

// nameCache remembers the device names of recent User-Agents. Parsing one
// costs more than the rest of a TOTP check together, and a portal sees the
// same few hundred User-Agents all day; the cache is emptied when full, so
// User-Agents an attacker makes up cannot grow it.
type nameCache struct {
	mu    sync.Mutex
	names map[string]string
}

const nameCacheSize = 1024

func (c *nameCache) name(userAgent string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.names[userAgent]; ok {
		return n
	}
	n := devicename.Name(userAgent)
	if c.names == nil || len(c.names) >= nameCacheSize {
		c.names = make(map[string]string)
	}
	c.names[userAgent] = n
	return n
}
