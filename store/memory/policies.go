package memory

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/store/internal/policyjson"
)

var (
	_ policy.Store         = (*Store)(nil)
	_ policy.AppliedReader = (*Store)(nil)
)

// policyState holds the policies and when each first applied to each
// user. Its zero value is empty and ready: its maps are made on first use.
type policyState struct {
	policies map[string]policy.Policy        // by name
	deleted  map[string]int                  // the revision of a name deleted, to go on from
	applied  map[string]map[string]time.Time // by policy name, then user ID
}

// SavePolicy implements [policy.Store]. It refuses what the SQL backends
// could not read back (see [policyjson.Check]).
func (s *Store) SavePolicy(_ context.Context, p policy.Policy) error {
	if err := policyjson.Check(p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.policy.policies == nil {
		s.policy.policies = make(map[string]policy.Policy)
	}
	old, ok := s.policy.policies[p.Name]
	switch {
	case p.Revision == 0 && ok:
		return policy.ErrExists
	case p.Revision == 0:
		p.Revision = s.policy.deleted[p.Name] // 0 for a name never stored
		delete(s.policy.deleted, p.Name)
	case !ok || old.Revision != p.Revision:
		return policy.ErrConflict
	}
	p = clonePolicy(p)
	p.Revision++
	s.policy.policies[p.Name] = p
	return nil
}

// DeletePolicy implements [policy.Store]. The name's revision is kept,
// for the name created again to go on from.
func (s *Store) DeletePolicy(_ context.Context, name string, revision int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.policy.policies[name]
	switch {
	case !ok:
		return policy.ErrNotFound
	case revision != 0 && p.Revision != revision:
		return policy.ErrConflict
	}
	if s.policy.deleted == nil {
		s.policy.deleted = make(map[string]int)
	}
	s.policy.deleted[name] = p.Revision + 1
	delete(s.policy.policies, name)
	delete(s.policy.applied, name)
	return nil
}

// Policies implements [policy.Store].
func (s *Store) Policies(_ context.Context) ([]policy.Policy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := make([]policy.Policy, 0, len(s.policy.policies))
	for _, p := range s.policy.policies {
		ps = append(ps, clonePolicy(p))
	}
	slices.SortFunc(ps, func(a, b policy.Policy) int { return strings.Compare(a.Name, b.Name) })
	return ps, nil
}

// PolicyApplied implements [policy.Store].
func (s *Store) PolicyApplied(_ context.Context, userID, name string, now time.Time) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.policy.applied == nil {
		s.policy.applied = make(map[string]map[string]time.Time)
	}
	users := s.policy.applied[name]
	if users == nil {
		users = make(map[string]time.Time)
		s.policy.applied[name] = users
	}
	if first, ok := users[userID]; ok {
		return first, nil
	}
	users[userID] = now
	return now, nil
}

// PolicyAppliedTo implements [policy.Store].
func (s *Store) PolicyAppliedTo(_ context.Context, name string, userIDs []string) (map[string]time.Time, error) {
	if len(userIDs) > policy.MaxAppliedBatch {
		return nil, policy.ErrTooMany
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]time.Time{}
	for _, id := range userIDs {
		if first, ok := s.policy.applied[name][id]; ok {
			out[id] = first
		}
	}
	return out, nil
}

// clonePolicy returns p with slices and map of its own.
func clonePolicy(p policy.Policy) policy.Policy {
	p.Groups, p.Allowed, p.Banners = slices.Clone(p.Groups), slices.Clone(p.Allowed), maps.Clone(p.Banners)
	return p
}
