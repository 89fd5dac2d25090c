package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/totp"
)

// Store is every capability's Store at once: what the backends of this
// repository satisfy, and what [Run] checks. It grows with each capability
// added, so a backend written elsewhere should not name it; it runs the
// suites of the capabilities it implements instead (see the package
// documentation).
type Store interface {
	totp.Store
	totp.ResealStore
	backupcodes.Store
	lockout.Store
	devices.Store
	history.Store
	passkeys.Store
	passkeys.CeremonyStore
	oob.Store
	oob.DestinationStore
	policy.Store
}

// Run runs the suite of every capability of [Store]. newStore must return a
// new, empty store each time it is called; it may register cleanups on the
// t it is given.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	t.Run("TOTP", func(t *testing.T) {
		RunTOTP(t, func(t *testing.T) totp.Store { return newStore(t) })
	})
	t.Run("Reseal", func(t *testing.T) {
		RunReseal(t, func(t *testing.T) ResealStore { return newStore(t) })
	})
	t.Run("BackupCodes", func(t *testing.T) {
		RunBackupCodes(t, func(t *testing.T) backupcodes.Store { return newStore(t) })
	})
	t.Run("Lockout", func(t *testing.T) {
		RunLockout(t, func(t *testing.T) lockout.Store { return newStore(t) })
	})
	t.Run("Devices", func(t *testing.T) {
		RunDevices(t, func(t *testing.T) devices.Store { return newStore(t) })
	})
	t.Run("History", func(t *testing.T) {
		RunHistory(t, func(t *testing.T) history.Store { return newStore(t) })
	})
	t.Run("Passkeys", func(t *testing.T) {
		RunPasskeys(t, func(t *testing.T) passkeys.Store { return newStore(t) })
	})
	t.Run("Ceremonies", func(t *testing.T) {
		RunCeremonies(t, func(t *testing.T) passkeys.CeremonyStore { return newStore(t) })
	})
	t.Run("OOB", func(t *testing.T) {
		RunOOB(t, func(t *testing.T) oob.Store { return newStore(t) })
	})
	t.Run("Destinations", func(t *testing.T) {
		RunDestinations(t, func(t *testing.T) oob.DestinationStore { return newStore(t) })
	})
	t.Run("Policies", func(t *testing.T) {
		RunPolicies(t, func(t *testing.T) policy.Store { return newStore(t) })
	})
}

// t0 is the suite's fixed "now". Whole milliseconds, so that backends which
// store milliseconds give back exactly what they were given.
var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// sameTime reports a failure unless got and want are the same instant, give
// or take the millisecond a backend may drop.
func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if want.IsZero() {
		if !got.IsZero() {
			t.Errorf("%s = %v, want the zero time", what, got)
		}
		return
	}
	if d := got.Sub(want); d <= -time.Millisecond || d >= time.Millisecond {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// wantErr reports a failure unless errors.Is(err, want); want nil means no
// error.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// Together runs f(i) for i in [0, n) on n goroutines released at the same
// moment, and returns their errors by i.
func Together(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			ready.Done()
			<-start
			errs[i] = f(i)
		})
	}
	ready.Wait() // every goroutine is parked on start
	close(start)
	done.Wait()
	return errs
}

// countOutcomes checks that exactly wantNil of errs are nil and all others
// are refusals; it returns the indexes of the nil ones.
func countOutcomes(t *testing.T, errs []error, refusal error, wantNil int) []int {
	t.Helper()
	var ok []int
	refused := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok = append(ok, i)
		case errors.Is(err, refusal):
			refused++
		default:
			t.Errorf("caller %d: unexpected error %v", i, err)
		}
	}
	if len(ok) != wantNil || refused != len(errs)-wantNil {
		t.Errorf("%d succeeded and %d got %v, want %d and %d", len(ok), refused, refusal, wantNil, len(errs)-wantNil)
	}
	return ok
}
