package lockout_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/portalmfa/portalmfa/lockout"
)

func TestLockEnds(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		limit lockout.Limit
		want  []time.Duration
	}{
		"doubling to the cap": {lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: 5 * time.Minute},
			[]time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute}},
		"no growth": {lockout.Limit{Threshold: 5, Delay: time.Hour, MaxDelay: time.Hour},
			[]time.Duration{time.Hour}},
		"odd cap": {lockout.Limit{Threshold: 1, Delay: 3 * time.Second, MaxDelay: 7 * time.Second},
			[]time.Duration{3 * time.Second, 6 * time.Second, 7 * time.Second}},
	} {
		t.Run(name, func(t *testing.T) {
			var got []time.Duration
			for _, e := range tc.limit.LockEnds(now) {
				got = append(got, e.Sub(now))
			}
			assert.Equal(t, tc.want, got)
			for n := range 70 {
				i := min(n, len(got)-1)
				assert.Equal(t, tc.limit.LockDelay(n), got[i], "lock %d", n)
			}
		})
	}
}
