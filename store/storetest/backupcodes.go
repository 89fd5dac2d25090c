package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
)

// RunBackupCodes checks a [backupcodes.Store]: sets pending and active,
// their replacement, and each code redeemed once, with concurrent callers.
// newStore is as for [RunTOTP].
func RunBackupCodes(t *testing.T, newStore func(t *testing.T) backupcodes.Store) {
	var (
		saltA   = []byte("salt-A\x00\xff-0123456")
		saltB   = []byte("salt-B\x00\xfe-6543210")
		hashesA = codeHashes("A")
		hashesB = codeHashes("B")
		t1      = t0.Add(time.Hour)
	)

	// save stores a set of hashes for user, with a sealed copy of its codes
	// (kept only while it is pending).
	save := func(t *testing.T, s backupcodes.Store, user string, salt []byte, hashes [][]byte, active bool, now time.Time) {
		t.Helper()
		err := s.SaveBackupCodes(t.Context(), user, salt, hashes, sealedOf(salt), active, now)
		wantErr(t, fmt.Sprintf("SaveBackupCodes(%q)", user), err, nil)
	}
	// pending stores the pending set A at t0 for user.
	pending := func(t *testing.T, s backupcodes.Store, user string) {
		t.Helper()
		save(t, s, user, saltA, hashesA, false, t0)
	}
	// active stores set A at t0 for user and activates it.
	active := func(t *testing.T, s backupcodes.Store, user string) {
		t.Helper()
		pending(t, s, user)
		wantErr(t, fmt.Sprintf("ActivateBackupCodes(%q)", user), s.ActivateBackupCodes(t.Context(), user), nil)
	}
	// check compares user's set with want.
	check := func(t *testing.T, s backupcodes.Store, user string, want backupcodes.Set) {
		t.Helper()
		got, err := s.BackupCodes(t.Context(), user)
		wantErr(t, fmt.Sprintf("BackupCodes(%q)", user), err, nil)
		if !bytes.Equal(got.Salt, want.Salt) {
			t.Errorf("%s: Salt = %q, want %q", user, got.Salt, want.Salt)
		}
		if !bytes.Equal(got.Sealed, want.Sealed) {
			t.Errorf("%s: Sealed = %q, want %q", user, got.Sealed, want.Sealed)
		}
		if got.Active != want.Active {
			t.Errorf("%s: Active = %v, want %v", user, got.Active, want.Active)
		}
		if got.Remaining != want.Remaining {
			t.Errorf("%s: Remaining = %d, want %d", user, got.Remaining, want.Remaining)
		}
		sameTime(t, user+": CreatedAt", got.CreatedAt, want.CreatedAt)
	}
	// missing checks that user has no set.
	missing := func(t *testing.T, s backupcodes.Store, user string) {
		t.Helper()
		_, err := s.BackupCodes(t.Context(), user)
		wantErr(t, fmt.Sprintf("BackupCodes(%q)", user), err, backupcodes.ErrNoCodes)
	}
	// redeem redeems hash for user and expects remaining codes left.
	redeem := func(t *testing.T, s backupcodes.Store, user string, hash []byte, remaining int) {
		t.Helper()
		what := fmt.Sprintf("RedeemBackupCode(%q, %x)", user, hash)
		n, err := s.RedeemBackupCode(t.Context(), user, hash, t1)
		wantErr(t, what, err, nil)
		if n != remaining {
			t.Errorf("%s = %d remaining, want %d", what, n, remaining)
		}
	}
	// refuse expects the redemption of hash for user to be refused.
	refuse := func(t *testing.T, s backupcodes.Store, user string, hash []byte) {
		t.Helper()
		_, err := s.RedeemBackupCode(t.Context(), user, hash, t1)
		wantErr(t, fmt.Sprintf("RedeemBackupCode(%q, %x)", user, hash), err, backupcodes.ErrInvalidCode)
	}
	wantPendingA := backupcodes.Set{Salt: saltA, Sealed: sealedOf(saltA), Remaining: backupcodes.Count, CreatedAt: t0}
	wantActiveA := backupcodes.Set{Salt: saltA, Active: true, Remaining: backupcodes.Count, CreatedAt: t0}
	wantActiveB := backupcodes.Set{Salt: saltB, Active: true, Remaining: backupcodes.Count, CreatedAt: t1}

	t.Run("MissIsNoCodes", func(t *testing.T) {
		s := newStore(t)
		missing(t, s, "alice")
		refuse(t, s, "alice", hashesA[0])
		missing(t, s, "alice")
	})

	t.Run("SavePendingThenRead", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice")
		check(t, s, "alice", wantPendingA)
	})

	t.Run("SaveActiveThenRead", func(t *testing.T) {
		// Regeneration saves a set that is valid at once.
		s := newStore(t)
		save(t, s, "alice", saltB, hashesB, true, t1)
		check(t, s, "alice", wantActiveB)
		redeem(t, s, "alice", hashesB[0], backupcodes.Count-1)
	})

	t.Run("BytesAreCopied", func(t *testing.T) {
		// Neither the slices a caller passed nor those it was given
		// share memory with what the store keeps.
		s := newStore(t)
		salt := bytes.Clone(saltA)
		hashes := make([][]byte, len(hashesA))
		for i, h := range hashesA {
			hashes[i] = bytes.Clone(h)
		}
		save(t, s, "alice", salt, hashes, true, t0)
		salt[0] ^= 0xff
		for _, h := range hashes {
			h[0] ^= 0xff
		}
		got, err := s.BackupCodes(t.Context(), "alice")
		wantErr(t, "BackupCodes", err, nil)
		if len(got.Salt) > 0 {
			got.Salt[0] ^= 0xff
		}
		check(t, s, "alice", wantActiveA)
		refuse(t, s, "alice", hashes[0])
		redeem(t, s, "alice", hashesA[0], backupcodes.Count-1)
	})

	t.Run("RedeemPendingIsInvalid", func(t *testing.T) {
		// The wizard shows a pending set; none of its codes works until
		// the enrollment is confirmed, and refusing one uses nothing up.
		s := newStore(t)
		pending(t, s, "alice")
		for _, h := range hashesA {
			refuse(t, s, "alice", h)
		}
		check(t, s, "alice", wantPendingA)
	})

	t.Run("Activate", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice")
		check(t, s, "alice", wantActiveA)
		redeem(t, s, "alice", hashesA[0], backupcodes.Count-1)
	})

	t.Run("ActivateActive", func(t *testing.T) {
		// Only a pending set can be activated.
		s := newStore(t)
		active(t, s, "alice")
		wantErr(t, "ActivateBackupCodes again", s.ActivateBackupCodes(t.Context(), "alice"), backupcodes.ErrNoCodes)
		check(t, s, "alice", wantActiveA)
		save(t, s, "bob", saltB, hashesB, true, t1)
		wantErr(t, "ActivateBackupCodes(saved active)", s.ActivateBackupCodes(t.Context(), "bob"), backupcodes.ErrNoCodes)
		check(t, s, "bob", wantActiveB)
	})

	t.Run("ActivateMissing", func(t *testing.T) {
		s := newStore(t)
		wantErr(t, "ActivateBackupCodes", s.ActivateBackupCodes(t.Context(), "alice"), backupcodes.ErrNoCodes)
		missing(t, s, "alice")
	})

	t.Run("RedeemOnce", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice")
		redeem(t, s, "alice", hashesA[3], 9)
		refuse(t, s, "alice", hashesA[3])
		check(t, s, "alice", backupcodes.Set{Salt: saltA, Active: true, Remaining: 9, CreatedAt: t0})
		redeem(t, s, "alice", hashesA[0], 8)
		refuse(t, s, "alice", hashesA[3])
		refuse(t, s, "alice", hashesA[0])
	})

	t.Run("RedeemUnknown", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice")
		h := hashesA[0]
		flipped := bytes.Clone(h)
		flipped[len(flipped)/2] ^= 1
		for _, unknown := range [][]byte{
			hashesB[0],                // of another set
			nil,                       // no hash at all
			{},                        // an empty one
			h[:len(h)-1],              // a prefix
			append(bytes.Clone(h), 0), // an extension
			flipped,                   // one bit off
		} {
			refuse(t, s, "alice", unknown)
		}
		check(t, s, "alice", wantActiveA)
	})

	t.Run("RedeemAll", func(t *testing.T) {
		// The last code can be used; then nothing is left, and the set
		// stays, empty, until it is replaced or deleted.
		s := newStore(t)
		active(t, s, "alice")
		for i := range hashesA {
			redeem(t, s, "alice", hashesA[len(hashesA)-1-i], len(hashesA)-1-i)
		}
		for _, h := range hashesA {
			refuse(t, s, "alice", h)
		}
		check(t, s, "alice", backupcodes.Set{Salt: saltA, Active: true, Remaining: 0, CreatedAt: t0})
	})

	t.Run("RegenerateVoidsOldSet", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice")
		redeem(t, s, "alice", hashesA[0], 9)
		save(t, s, "alice", saltB, hashesB, true, t1)
		check(t, s, "alice", wantActiveB)
		for _, h := range hashesA {
			refuse(t, s, "alice", h)
		}
		redeem(t, s, "alice", hashesB[0], 9)
		redeem(t, s, "alice", hashesB[9], 8)
	})

	t.Run("SavePendingOverActiveIsRefused", func(t *testing.T) {
		// A wizard's step 2 reloaded while step 3 activated the set in
		// another tab must not replace the codes the user just saved.
		s := newStore(t)
		active(t, s, "alice")
		err := s.SaveBackupCodes(t.Context(), "alice", saltB, hashesB, sealedOf(saltB), false, t1)
		wantErr(t, "SaveBackupCodes(pending over active)", err, backupcodes.ErrAlreadyActive)
		redeem(t, s, "alice", hashesA[0], 9)
		refuse(t, s, "alice", hashesB[0])
		// After the set is deleted (2FA off), a new wizard may save again.
		wantErr(t, "DeleteBackupCodes", s.DeleteBackupCodes(t.Context(), "alice"), nil)
		save(t, s, "alice", saltB, hashesB, false, t1)
		check(t, s, "alice", backupcodes.Set{Salt: saltB, Sealed: sealedOf(saltB), Remaining: backupcodes.Count, CreatedAt: t1})
	})

	t.Run("SavePendingReplacesPending", func(t *testing.T) {
		// A wizard restarted in another tab: activation makes the latest
		// set valid, and only it.
		s := newStore(t)
		pending(t, s, "alice")
		save(t, s, "alice", saltB, hashesB, false, t1)
		wantErr(t, "ActivateBackupCodes", s.ActivateBackupCodes(t.Context(), "alice"), nil)
		check(t, s, "alice", wantActiveB)
		for _, h := range hashesA {
			refuse(t, s, "alice", h)
		}
		redeem(t, s, "alice", hashesB[0], 9)
	})

	t.Run("SaveForgetsUsedCodes", func(t *testing.T) {
		// The new set is made of the given hashes, all unused, even a hash
		// the old set held and had used.
		s := newStore(t)
		active(t, s, "alice")
		redeem(t, s, "alice", hashesA[0], 9)
		redeem(t, s, "alice", hashesA[1], 8)
		save(t, s, "alice", saltB, hashesA, true, t1)
		check(t, s, "alice", backupcodes.Set{Salt: saltB, Active: true, Remaining: backupcodes.Count, CreatedAt: t1})
		redeem(t, s, "alice", hashesA[0], 9)
		redeem(t, s, "alice", hashesA[1], 8)
	})

	t.Run("EmptySet", func(t *testing.T) {
		s := newStore(t)
		save(t, s, "alice", saltA, nil, true, t0)
		check(t, s, "alice", backupcodes.Set{Salt: saltA, Active: true, CreatedAt: t0})
		refuse(t, s, "alice", hashesA[0])
		refuse(t, s, "alice", nil)
	})

	t.Run("DuplicateHashesAreOneCode", func(t *testing.T) {
		// A set is a set: a hash given twice is one code, used once.
		s := newStore(t)
		save(t, s, "alice", saltA, [][]byte{hashesA[0], hashesA[1], hashesA[0]}, true, t0)
		check(t, s, "alice", backupcodes.Set{Salt: saltA, Active: true, Remaining: 2, CreatedAt: t0})
		redeem(t, s, "alice", hashesA[0], 1)
		refuse(t, s, "alice", hashesA[0])
		check(t, s, "alice", backupcodes.Set{Salt: saltA, Active: true, Remaining: 1, CreatedAt: t0})
	})

	t.Run("CrossUser", func(t *testing.T) {
		// A code belongs to one user: Bob's hash fails on Alice's
		// challenge and the other way round, using nothing up.
		s := newStore(t)
		active(t, s, "alice")
		save(t, s, "bob", saltB, hashesB, true, t1)
		for i := range hashesA {
			refuse(t, s, "alice", hashesB[i])
			refuse(t, s, "bob", hashesA[i])
		}
		refuse(t, s, "carol", hashesA[0])
		check(t, s, "alice", wantActiveA)
		check(t, s, "bob", wantActiveB)
		missing(t, s, "carol")
	})

	t.Run("UsersAreIndependent", func(t *testing.T) {
		// Even with the very same hashes, each user's set is kept, used,
		// activated and deleted apart.
		s := newStore(t)
		active(t, s, "alice")
		pending(t, s, "bob")
		redeem(t, s, "alice", hashesA[0], 9)
		refuse(t, s, "bob", hashesA[1]) // Bob's set is pending, Alice's is not
		check(t, s, "bob", wantPendingA)
		wantErr(t, "ActivateBackupCodes(bob)", s.ActivateBackupCodes(t.Context(), "bob"), nil)
		redeem(t, s, "bob", hashesA[0], 9) // used by Alice, not by Bob
		redeem(t, s, "bob", hashesA[1], 8)
		check(t, s, "alice", backupcodes.Set{Salt: saltA, Active: true, Remaining: 9, CreatedAt: t0})
		save(t, s, "bob", saltB, hashesB, true, t1)
		redeem(t, s, "alice", hashesA[1], 8)
		wantErr(t, "DeleteBackupCodes(bob)", s.DeleteBackupCodes(t.Context(), "bob"), nil)
		missing(t, s, "bob")
		check(t, s, "alice", backupcodes.Set{Salt: saltA, Active: true, Remaining: 8, CreatedAt: t0})
		redeem(t, s, "alice", hashesA[2], 7)
	})

	t.Run("DeleteActive", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice")
		redeem(t, s, "alice", hashesA[0], 9)
		wantErr(t, "DeleteBackupCodes", s.DeleteBackupCodes(t.Context(), "alice"), nil)
		missing(t, s, "alice")
		for _, h := range hashesA {
			refuse(t, s, "alice", h)
		}
		wantErr(t, "ActivateBackupCodes after delete", s.ActivateBackupCodes(t.Context(), "alice"), backupcodes.ErrNoCodes)
		missing(t, s, "alice")
		// A new set starts from scratch.
		save(t, s, "alice", saltB, hashesB, true, t1)
		check(t, s, "alice", wantActiveB)
	})

	t.Run("DeletePending", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice")
		wantErr(t, "DeleteBackupCodes", s.DeleteBackupCodes(t.Context(), "alice"), nil)
		missing(t, s, "alice")
		wantErr(t, "ActivateBackupCodes after delete", s.ActivateBackupCodes(t.Context(), "alice"), backupcodes.ErrNoCodes)
		missing(t, s, "alice")
	})

	t.Run("DeletePendingOnly", func(t *testing.T) {
		// A cancelled wizard removes its pending set, never an active one
		// (a first passkey's, made meanwhile in another tab).
		s := newStore(t)
		wantErr(t, "DeletePendingBackupCodes(nothing)", s.DeletePendingBackupCodes(t.Context(), "alice"), nil)
		active(t, s, "alice")
		wantErr(t, "DeletePendingBackupCodes(active)", s.DeletePendingBackupCodes(t.Context(), "alice"), nil)
		check(t, s, "alice", wantActiveA)
		redeem(t, s, "alice", hashesA[0], 9)
		pending(t, s, "bob")
		wantErr(t, "DeletePendingBackupCodes(pending)", s.DeletePendingBackupCodes(t.Context(), "bob"), nil)
		missing(t, s, "bob")
		wantErr(t, "ActivateBackupCodes after delete", s.ActivateBackupCodes(t.Context(), "bob"), backupcodes.ErrNoCodes)
	})

	t.Run("DeleteNothing", func(t *testing.T) {
		s := newStore(t)
		wantErr(t, "DeleteBackupCodes", s.DeleteBackupCodes(t.Context(), "alice"), nil)
		missing(t, s, "alice")
		active(t, s, "alice")
		wantErr(t, "DeleteBackupCodes", s.DeleteBackupCodes(t.Context(), "alice"), nil)
		wantErr(t, "DeleteBackupCodes again", s.DeleteBackupCodes(t.Context(), "alice"), nil)
		missing(t, s, "alice")
	})

	t.Run("ConcurrentRedeemSameCode", func(t *testing.T) {
		// However many requests carry the same code at once, one wins.
		s := newStore(t)
		active(t, s, "alice")
		const n = 50
		remaining := make([]int, n)
		errs := Together(n, func(i int) error {
			var err error
			remaining[i], err = s.RedeemBackupCode(t.Context(), "alice", hashesA[4], t1)
			return err
		})
		for _, i := range countOutcomes(t, errs, backupcodes.ErrInvalidCode, 1) {
			if remaining[i] != 9 {
				t.Errorf("the winning redemption left %d codes, want 9", remaining[i])
			}
		}
		check(t, s, "alice", backupcodes.Set{Salt: saltA, Active: true, Remaining: 9, CreatedAt: t0})
		refuse(t, s, "alice", hashesA[4])
	})

	t.Run("ConcurrentRedeemDifferentCodes", func(t *testing.T) {
		// Every code of the set at once: all are redeemed, and each
		// redemption reports the count it left, so between them they
		// report every count from 9 down to 0 exactly once.
		s := newStore(t)
		active(t, s, "alice")
		remaining := make([]int, len(hashesA))
		errs := Together(len(hashesA), func(i int) error {
			var err error
			remaining[i], err = s.RedeemBackupCode(t.Context(), "alice", hashesA[i], t1)
			return err
		})
		countOutcomes(t, errs, backupcodes.ErrInvalidCode, len(hashesA))
		slices.Sort(remaining)
		want := make([]int, len(hashesA))
		for i := range want {
			want[i] = i
		}
		if !slices.Equal(remaining, want) {
			t.Errorf("redemptions reported %v codes left, want each of %v once", remaining, want)
		}
		check(t, s, "alice", backupcodes.Set{Salt: saltA, Active: true, Remaining: 0, CreatedAt: t0})
	})

	t.Run("ConcurrentRedeemAndRegenerate", func(t *testing.T) {
		// Redemptions of the old codes racing a regeneration: each is
		// redeemed from the old set before it is replaced or refused
		// after, never counted against the new set.
		s := newStore(t)
		active(t, s, "alice")
		remaining := make([]int, len(hashesA))
		errs := Together(len(hashesA)+1, func(i int) error {
			if i == len(hashesA) {
				return s.SaveBackupCodes(t.Context(), "alice", saltB, hashesB, nil, true, t1)
			}
			var err error
			remaining[i], err = s.RedeemBackupCode(t.Context(), "alice", hashesA[i], t1)
			return err
		})
		wantErr(t, "SaveBackupCodes", errs[len(hashesA)], nil)
		var left []int
		for i, err := range errs[:len(hashesA)] {
			switch {
			case err == nil:
				left = append(left, remaining[i])
			case !errors.Is(err, backupcodes.ErrInvalidCode):
				t.Errorf("RedeemBackupCode %d: unexpected error %v", i, err)
			}
		}
		// Those that won were redeemed one after the other from the old
		// set: they left 9, 8 … codes.
		slices.Sort(left)
		slices.Reverse(left)
		for k, n := range left {
			if n != len(hashesA)-1-k {
				t.Errorf("redemptions before the regeneration left %v codes, want 9, 8 …", left)
				break
			}
		}
		check(t, s, "alice", wantActiveB)
		for _, h := range hashesA {
			refuse(t, s, "alice", h)
		}
	})

	t.Run("ConcurrentActivate", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice")
		const n = 50
		errs := Together(n, func(int) error {
			return s.ActivateBackupCodes(t.Context(), "alice")
		})
		countOutcomes(t, errs, backupcodes.ErrNoCodes, 1)
		check(t, s, "alice", wantActiveA)
	})
}

// BenchmarkRedeemBackupCode measures redeeming one code of an active set,
// the store work of a login with a backup code. Every Count redemptions the
// set is saved afresh, off the clock.
func BenchmarkRedeemBackupCode(b *testing.B, s backupcodes.Store) {
	ctx := b.Context()
	const user = "bench-user"
	salt := []byte("bench-salt-01234")
	hashes := codeHashes("bench")
	refill := func() {
		if err := s.SaveBackupCodes(ctx, user, salt, hashes, nil, true, t0); err != nil {
			b.Fatal(err)
		}
	}
	refill()
	b.ReportAllocs()
	next := 0
	for b.Loop() {
		if next == len(hashes) {
			b.StopTimer()
			refill()
			b.StartTimer()
			next = 0
		}
		if _, err := s.RedeemBackupCode(ctx, user, hashes[next], t0); err != nil {
			b.Fatal(err)
		}
		next++
	}
}

// codeHashes returns the Count hashes of a set labelled label: distinct,
// the size of an HMAC-SHA-256, each starting with a zero byte and ending
// with 0xff so that a backend mangling binary data shows.
func codeHashes(label string) [][]byte {
	hashes := make([][]byte, backupcodes.Count)
	for i := range hashes {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", label, i))
		sum[0], sum[len(sum)-1] = 0, 0xff
		hashes[i] = sum[:]
	}
	return hashes
}

// sealedOf stands for a Service's sealed copy of the codes of the set with
// salt.
func sealedOf(salt []byte) []byte { return append([]byte("sealed\x00\xff "), salt...) }
