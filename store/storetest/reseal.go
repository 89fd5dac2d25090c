package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/totp"
)

// ResealStore is what [RunReseal] checks: a [totp.Store] with the optional
// [totp.ResealStore].
type ResealStore interface {
	totp.Store
	totp.ResealStore
}

// RunReseal checks a [totp.ResealStore]: a walk over every sealed secret,
// pending and active, page by page in byte order of user ID; and a
// replacement that changes the secret alone, only while it is still the
// one read, with concurrent callers. newStore must return a new, empty
// store each time it is called; it may register cleanups on the t it is
// given.
func RunReseal(t *testing.T, newStore func(t *testing.T) ResealStore) {
	var (
		secretA  = []byte("sealed-secret-A\x00\xff")
		secretA2 = []byte("sealed-secret-A2\x00\xfd")
		secretB  = []byte("sealed-secret-B\x00\xfe")
		t1       = t0.Add(time.Minute)
	)
	pending := func(t *testing.T, s ResealStore, user string, secret []byte) {
		t.Helper()
		wantErr(t, "SavePendingTOTP", s.SavePendingTOTP(t.Context(), user, secret, t0), nil)
	}
	active := func(t *testing.T, s ResealStore, user string, secret []byte) {
		t.Helper()
		pending(t, s, user, secret)
		wantErr(t, "ActivateTOTP", s.ActivateTOTP(t.Context(), user, secret, 100, t1), nil)
	}
	// walk lists every sealed secret, limit at a time.
	walk := func(t *testing.T, s ResealStore, limit int) []totp.SealedSecret {
		t.Helper()
		var all []totp.SealedSecret
		after := ""
		for range 1000 {
			page, err := s.SealedTOTPSecrets(t.Context(), after, limit)
			wantErr(t, "SealedTOTPSecrets", err, nil)
			if len(page) > limit {
				t.Fatalf("SealedTOTPSecrets(%q, %d) returned %d", after, limit, len(page))
			}
			if len(page) == 0 {
				return all
			}
			all = append(all, page...)
			after = page[len(page)-1].UserID
		}
		t.Fatal("the walk does not end")
		return nil
	}
	userIDs := func(ss []totp.SealedSecret) []string {
		ids := make([]string, len(ss))
		for i, s := range ss {
			ids[i] = s.UserID
		}
		return ids
	}
	secretOf := func(t *testing.T, s ResealStore, user string) []byte {
		t.Helper()
		e, err := s.TOTPEnrollment(t.Context(), user)
		wantErr(t, "TOTPEnrollment", err, nil)
		return e.Secret
	}

	t.Run("EmptyStore", func(t *testing.T) {
		s := newStore(t)
		if got := walk(t, s, 10); len(got) != 0 {
			t.Errorf("walk of an empty store = %v", userIDs(got))
		}
	})

	t.Run("ListsPendingAndActiveInByteOrder", func(t *testing.T) {
		s := newStore(t)
		// Upper case before lower, "user-10" before "user-9", and a
		// non-ASCII ID after every ASCII one: bytes, not a locale.
		ids := []string{"user-9", "user-10", "User", "ümlaut", "a b", "a", "Zed"}
		for i, id := range ids {
			secret := []byte(fmt.Sprintf("sealed-%d\x00", i))
			if i%2 == 0 {
				active(t, s, id, secret)
			} else {
				pending(t, s, id, secret)
			}
		}
		got := walk(t, s, 100)
		want := slices.Clone(ids)
		slices.Sort(want)
		if !slices.Equal(userIDs(got), want) {
			t.Fatalf("walk = %q, want %q", userIDs(got), want)
		}
		for _, g := range got {
			i := slices.Index(ids, g.UserID)
			if want := fmt.Sprintf("sealed-%d\x00", i); string(g.Secret) != want {
				t.Errorf("secret of %q = %q, want %q", g.UserID, g.Secret, want)
			}
		}
	})

	t.Run("Pages", func(t *testing.T) {
		s := newStore(t)
		var want []string
		for i := range 25 {
			id := fmt.Sprintf("user-%02d", i)
			pending(t, s, id, secretA)
			want = append(want, id)
		}
		for _, limit := range []int{1, 7, 10, 25, 26} {
			if got := userIDs(walk(t, s, limit)); !slices.Equal(got, want) {
				t.Errorf("walk by %d = %q, want %q", limit, got, want)
			}
		}
		page, err := s.SealedTOTPSecrets(t.Context(), "user-07", 3)
		wantErr(t, "SealedTOTPSecrets", err, nil)
		if got := userIDs(page); !slices.Equal(got, []string{"user-08", "user-09", "user-10"}) {
			t.Errorf("page after user-07 = %q", got)
		}
		page, err = s.SealedTOTPSecrets(t.Context(), "user-24", 3)
		wantErr(t, "SealedTOTPSecrets", err, nil)
		if len(page) != 0 {
			t.Errorf("page after the last = %q", userIDs(page))
		}
	})

	t.Run("ListedSecretIsCopied", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice", secretA)
		page, err := s.SealedTOTPSecrets(t.Context(), "", 10)
		wantErr(t, "SealedTOTPSecrets", err, nil)
		page[0].Secret[0] ^= 0xff
		if got := secretOf(t, s, "alice"); !bytes.Equal(got, secretA) {
			t.Errorf("secret = %q after changing a listed copy", got)
		}
	})

	t.Run("WalkDuringChanges", func(t *testing.T) {
		// Enrollments present for the whole walk are listed once each,
		// whatever is added or deleted around them between pages.
		s := newStore(t)
		stay := []string{"b", "f", "h"}
		for _, id := range append(stay, "c", "d") {
			pending(t, s, id, secretA)
		}
		var seen []string
		after := ""
		for round := 0; ; round++ {
			page, err := s.SealedTOTPSecrets(t.Context(), after, 2)
			wantErr(t, "SealedTOTPSecrets", err, nil)
			if len(page) == 0 {
				break
			}
			seen = append(seen, userIDs(page)...)
			after = page[len(page)-1].UserID
			if round == 0 {
				wantErr(t, "DeleteTOTP", s.DeleteTOTP(t.Context(), "d"), nil)
				pending(t, s, "d", secretB) // back, with another secret
				wantErr(t, "DeleteTOTP", s.DeleteTOTP(t.Context(), "c"), nil)
				pending(t, s, "a", secretA) // before the walk's position
				pending(t, s, "e", secretA) // after it
			}
		}
		for _, id := range stay {
			if n := countOf(seen, id); n != 1 {
				t.Errorf("%q listed %d times in %q", id, n, seen)
			}
		}
		if n := countOf(seen, "a"); n != 0 {
			t.Errorf("%q, added behind the walk, listed %d times", "a", n)
		}
		if !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != len(seen) {
			t.Errorf("walk = %q, not strictly increasing", seen)
		}
	})

	t.Run("ResealActiveKeepsTheRest", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice", secretA)
		before, err := s.TOTPEnrollment(t.Context(), "alice")
		wantErr(t, "TOTPEnrollment", err, nil)
		wantErr(t, "ResealTOTPSecret", s.ResealTOTPSecret(t.Context(), "alice", secretA, secretA2), nil)
		after, err := s.TOTPEnrollment(t.Context(), "alice")
		wantErr(t, "TOTPEnrollment", err, nil)
		if !bytes.Equal(after.Secret, secretA2) {
			t.Errorf("Secret = %q, want %q", after.Secret, secretA2)
		}
		if after.Active != before.Active || after.LastStep != before.LastStep {
			t.Errorf("Active, LastStep = %v, %d; want %v, %d", after.Active, after.LastStep, before.Active, before.LastStep)
		}
		sameTime(t, "CreatedAt", after.CreatedAt, before.CreatedAt)
		sameTime(t, "ActivatedAt", after.ActivatedAt, before.ActivatedAt)
		// The replay guard is the one it was.
		wantErr(t, "AcceptTOTPStep", s.AcceptTOTPStep(t.Context(), "alice", 100), totp.ErrReplayed)
		wantErr(t, "AcceptTOTPStep", s.AcceptTOTPStep(t.Context(), "alice", 101), nil)
	})

	t.Run("ResealPendingStaysPending", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice", secretA)
		wantErr(t, "ResealTOTPSecret", s.ResealTOTPSecret(t.Context(), "alice", secretA, secretA2), nil)
		e, err := s.TOTPEnrollment(t.Context(), "alice")
		wantErr(t, "TOTPEnrollment", err, nil)
		if e.Active || !bytes.Equal(e.Secret, secretA2) {
			t.Errorf("Active, Secret = %v, %q; want false, %q", e.Active, e.Secret, secretA2)
		}
		sameTime(t, "CreatedAt", e.CreatedAt, t0)
		// Activation now names the new sealed bytes.
		wantErr(t, "ActivateTOTP", s.ActivateTOTP(t.Context(), "alice", secretA, 100, t1), totp.ErrNotEnrolled)
		wantErr(t, "ActivateTOTP", s.ActivateTOTP(t.Context(), "alice", secretA2, 100, t1), nil)
	})

	t.Run("ResealChangedSecretChangesNothing", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			change func(t *testing.T, s ResealStore)
			want   []byte // nil: no enrollment
		}{
			{"Missing", func(t *testing.T, s ResealStore) {}, nil},
			{"Deleted", func(t *testing.T, s ResealStore) {
				pending(t, s, "alice", secretA)
				wantErr(t, "DeleteTOTP", s.DeleteTOTP(t.Context(), "alice"), nil)
			}, nil},
			{"Replaced", func(t *testing.T, s ResealStore) {
				pending(t, s, "alice", secretA)
				pending(t, s, "alice", secretB)
			}, secretB},
			{"ResealedAlready", func(t *testing.T, s ResealStore) {
				active(t, s, "alice", secretA)
				wantErr(t, "ResealTOTPSecret", s.ResealTOTPSecret(t.Context(), "alice", secretA, secretB), nil)
			}, secretB},
			{"AnotherUsers", func(t *testing.T, s ResealStore) {
				active(t, s, "bob", secretA)
				active(t, s, "alice", secretB)
			}, secretB},
		} {
			t.Run(c.name, func(t *testing.T) {
				s := newStore(t)
				c.change(t, s)
				err := s.ResealTOTPSecret(t.Context(), "alice", secretA, secretA2)
				wantErr(t, "ResealTOTPSecret", err, totp.ErrNotEnrolled)
				e, err := s.TOTPEnrollment(t.Context(), "alice")
				if c.want == nil {
					wantErr(t, "TOTPEnrollment", err, totp.ErrNotEnrolled)
					return
				}
				wantErr(t, "TOTPEnrollment", err, nil)
				if !bytes.Equal(e.Secret, c.want) {
					t.Errorf("Secret = %q, want %q", e.Secret, c.want)
				}
			})
		}
		t.Run("OtherUserUntouched", func(t *testing.T) {
			s := newStore(t)
			active(t, s, "alice", secretA)
			active(t, s, "bob", secretA)
			wantErr(t, "ResealTOTPSecret", s.ResealTOTPSecret(t.Context(), "alice", secretA, secretA2), nil)
			if got := secretOf(t, s, "bob"); !bytes.Equal(got, secretA) {
				t.Errorf("bob's secret = %q, want %q", got, secretA)
			}
		})
	})

	t.Run("ConcurrentResealsOneWins", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice", secretA)
		const n = 16
		resealed := func(i int) []byte { return fmt.Appendf(nil, "resealed-%d\x00", i) }
		errs := Together(n, func(i int) error {
			return s.ResealTOTPSecret(t.Context(), "alice", secretA, resealed(i))
		})
		winner := countOutcomes(t, errs, totp.ErrNotEnrolled, 1)
		if len(winner) == 1 {
			if got := secretOf(t, s, "alice"); !bytes.Equal(got, resealed(winner[0])) {
				t.Errorf("secret = %q, want the winner's %q", got, resealed(winner[0]))
			}
		}
	})

	t.Run("ConcurrentResealNeverUndoesAChange", func(t *testing.T) {
		// A re-seal racing a new enrollment or a removal of the secret it
		// read either lands first, and is then overwritten or deleted, or
		// finds the secret changed and does nothing: the change stands.
		for round := range 20 {
			t.Run(fmt.Sprint(round), func(t *testing.T) {
				s := newStore(t)
				pending(t, s, "alice", secretA)
				pending(t, s, "bob", secretA)
				errs := Together(4, func(i int) error {
					switch i {
					case 0:
						return s.SavePendingTOTP(t.Context(), "alice", secretB, t1)
					case 1:
						return s.ResealTOTPSecret(t.Context(), "alice", secretA, secretA2)
					case 2:
						return s.DeleteTOTP(t.Context(), "bob")
					default:
						return s.ResealTOTPSecret(t.Context(), "bob", secretA, secretA2)
					}
				})
				for i, err := range errs {
					if err != nil && !((i == 1 || i == 3) && errors.Is(err, totp.ErrNotEnrolled)) {
						t.Errorf("caller %d: %v", i, err)
					}
				}
				if got := secretOf(t, s, "alice"); !bytes.Equal(got, secretB) {
					t.Errorf("alice's secret = %q, want the new enrollment's %q", got, secretB)
				}
				_, err := s.TOTPEnrollment(t.Context(), "bob")
				wantErr(t, "TOTPEnrollment of bob", err, totp.ErrNotEnrolled)
			})
		}
	})
}

func countOf(ids []string, id string) int {
	n := 0
	for _, x := range ids {
		if x == id {
			n++
		}
	}
	return n
}
