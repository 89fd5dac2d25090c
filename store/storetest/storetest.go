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
	"github.com/portalmfa/portalmfa/totp"
)

// Store is what a backend must satisfy to run the suite: every capability's
// Store at once.
type Store interface {
	totp.Store
	backupcodes.Store
	lockout.Store
	devices.Store
	history.Store
}

// Run runs the whole suite. newStore must return a new, empty store each
// time it is called; it may register cleanups on the t it is given.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	t.Run("TOTP", func(t *testing.T) { runTOTP(t, newStore) })
	t.Run("BackupCodes", func(t *testing.T) { runBackupCodes(t, newStore) })
	t.Run("Lockout", func(t *testing.T) { runLockout(t, newStore) })
	t.Run("Devices", func(t *testing.T) { runDevices(t, newStore) })
	t.Run("History", func(t *testing.T) { runHistory(t, newStore) })
}

// BenchmarkAcceptTOTPStep measures accepting one fresh step of an active
// enrollment, the store work of every TOTP login.
func BenchmarkAcceptTOTPStep(b *testing.B, s Store) {
	ctx := b.Context()
	const user = "bench-user"
	if err := s.SavePendingTOTP(ctx, user, []byte("sealed-secret"), t0); err != nil {
		b.Fatal(err)
	}
	if err := s.ActivateTOTP(ctx, user, []byte("sealed-secret"), 1, t0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	step := int64(1)
	for b.Loop() {
		step++
		if err := s.AcceptTOTPStep(ctx, user, step); err != nil {
			b.Fatal(err)
		}
	}
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
