package httpx

import "time"

// SetNow pins the clock the handler uses for display (lock waits, cookie
// lifetimes) to the Service's test clock.
func SetNow(h *Handler, now func() time.Time) { h.now = now }
