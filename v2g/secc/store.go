package secc

import (
	"crypto/sha512"
	"sync"
	"time"

	"github.com/v2gstack/iso15118/v2g/session"
)

// ResumeKey identifies a paused session and the EVCC that paused it:
// SHA-512(SessionID ‖ SHA-512(vehicle leaf certificate)), the check of
// ISO 15118-20 8.3.4.1.4.3 (protocol facts §5.8). A resume attempt from
// another vehicle certificate yields another key and finds nothing.
type ResumeKey [sha512.Size]byte

// NewResumeKey returns the key of sessionID for the vehicle certificate
// whose SHA-512 digest is certHash.
func NewResumeKey(sessionID []byte, certHash [sha512.Size]byte) ResumeKey {
	h := sha512.New()
	h.Write(sessionID)
	h.Write(certHash[:])
	var k ResumeKey
	h.Sum(k[:0])
	return k
}

// PausedSession is what the SECC keeps of a session paused with
// SessionStop(Pause): enough to continue it at ChargeParameterDiscovery
// without authorization and service negotiation.
type PausedSession struct {
	SessionID []byte
	EVCCID    string
	Selected  session.ServicePair
	// BPT and Dynamic say whether the selected service is bidirectional
	// and its control mode Dynamic.
	BPT, Dynamic bool
	// Authorized is set when the session was authorized before it paused.
	Authorized bool
	// Paused is when the session paused.
	Paused time.Time
}

// PausedStore keeps paused sessions between connections. Implementations
// must be safe for concurrent use: a driver shares one store between the
// engines of all its connections.
type PausedStore interface {
	// Put stores p under k, replacing an earlier entry.
	Put(now time.Time, k ResumeKey, p PausedSession)
	// Take removes and returns the entry under k; false when there is
	// none or it has expired.
	Take(now time.Time, k ResumeKey) (PausedSession, bool)
}

// DefaultPauseTTL is how long a MemoryStore keeps a paused session when
// no other lifetime is given.
const DefaultPauseTTL = time.Hour

// MemoryStore is an in-memory PausedStore whose entries expire a fixed
// time after they were stored. It is safe for concurrent use; the zero
// value is not usable, call NewMemoryStore.
type MemoryStore struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[ResumeKey]storedSession
}

type storedSession struct {
	p       PausedSession
	expires time.Time
}

// NewMemoryStore returns an empty store whose entries live ttl; ttl ≤ 0
// means DefaultPauseTTL.
func NewMemoryStore(ttl time.Duration) *MemoryStore {
	if ttl <= 0 {
		ttl = DefaultPauseTTL
	}
	return &MemoryStore{ttl: ttl, m: map[ResumeKey]storedSession{}}
}

// Put implements PausedStore. It also drops the expired entries.
func (s *MemoryStore) Put(now time.Time, k ResumeKey, p PausedSession) {
	p.SessionID = append([]byte(nil), p.SessionID...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	s.m[k] = storedSession{p: p, expires: now.Add(s.ttl)}
}

// Take implements PausedStore.
func (s *MemoryStore) Take(now time.Time, k ResumeKey) (PausedSession, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[k]
	if !ok {
		return PausedSession{}, false
	}
	delete(s.m, k)
	if !now.Before(e.expires) {
		return PausedSession{}, false
	}
	return e.p, true
}

// Len returns the number of entries, expired ones included.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *MemoryStore) prune(now time.Time) {
	for k, e := range s.m {
		if !now.Before(e.expires) {
			delete(s.m, k)
		}
	}
}
