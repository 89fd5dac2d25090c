package main

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

const (
	sessionCookie = "acme_session"
	sessionTTL    = 8 * time.Hour
)

// sessions is the portal's own sign-in state: a map in memory from a random
// cookie value to a user. portalmfa never sees it; it only hears "the second
// factor passed" and lets the portal start one.
type sessions struct {
	now func() time.Time

	mu   sync.Mutex
	byID map[string]session
}

type session struct {
	userID  string
	expires time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, byID: map[string]session{}}
}

// start signs userID in: a fresh ID every time, so a session ID planted
// before the login is worth nothing after it.
func (s *sessions) start(w http.ResponseWriter, r *http.Request, userID string) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	id := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()

	s.mu.Lock()
	for k, v := range s.byID { // a demo's housekeeping: drop the expired
		if !now.Before(v.expires) {
			delete(s.byID, k)
		}
	}
	s.byID[id] = session{userID: userID, expires: now.Add(sessionTTL)}
	s.mu.Unlock()

	s.forget(r) // the old session, if any
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    id,
		Path:     "/",
		MaxAge:   int(sessionTTL / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil, // the demo serves plain HTTP on localhost
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// user returns the signed-in user of r.
func (s *sessions) user(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.byID[c.Value]
	if !ok {
		return "", false
	}
	if !s.now().Before(v.expires) {
		delete(s.byID, c.Value)
		return "", false
	}
	return v.userID, true
}

// end signs r's session out, on the server and in the browser.
func (s *sessions) end(w http.ResponseWriter, r *http.Request) {
	s.forget(r)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

// endOthers ends every session of userID but r's own: after a password
// change, or "this wasn't me", whoever else is signed in is not any more.
func (s *sessions) endOthers(r *http.Request, userID string) {
	current := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		current = c.Value
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, v := range s.byID {
		if v.userID == userID && id != current {
			delete(s.byID, id)
		}
	}
}

// forget drops r's session from the map.
func (s *sessions) forget(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.byID, c.Value)
		s.mu.Unlock()
	}
}
