package secc

import (
	"crypto/sha512"
	"sync"
	"testing"
	"time"
)

func TestResumeKey(t *testing.T) {
	id := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	cert := sha512.Sum512([]byte("vehicle leaf"))
	// SHA-512(SessionID ‖ SHA-512(certificate)), written out.
	want := sha512.Sum512(append(append([]byte(nil), id...), cert[:]...))
	if got := NewResumeKey(id, cert); got != ResumeKey(want) {
		t.Fatalf("key %x, want %x", got[:8], want[:8])
	}
	other := sha512.Sum512([]byte("another leaf"))
	if NewResumeKey(id, other) == NewResumeKey(id, cert) {
		t.Fatal("same key for two certificates")
	}
}

func TestMemoryStore(t *testing.T) {
	s := NewMemoryStore(time.Minute)
	k1 := NewResumeKey([]byte{1, 1, 1, 1, 1, 1, 1, 1}, sha512.Sum512([]byte("a")))
	k2 := NewResumeKey([]byte{2, 2, 2, 2, 2, 2, 2, 2}, sha512.Sum512([]byte("b")))
	s.Put(t0, k1, PausedSession{SessionID: []byte{1, 1, 1, 1, 1, 1, 1, 1}, EVCCID: "EV1"})
	s.Put(t0, k2, PausedSession{SessionID: []byte{2, 2, 2, 2, 2, 2, 2, 2}, EVCCID: "EV2"})
	if p, ok := s.Take(t0.Add(59*time.Second), k1); !ok || p.EVCCID != "EV1" {
		t.Fatalf("Take k1 = %+v, %v", p, ok)
	}
	if _, ok := s.Take(t0, k1); ok {
		t.Fatal("k1 taken twice")
	}
	if _, ok := s.Take(t0.Add(time.Minute), k2); ok {
		t.Fatal("expired entry returned")
	}
	// Put prunes expired entries.
	s.Put(t0, k1, PausedSession{})
	s.Put(t0.Add(2*time.Minute), k2, PausedSession{})
	if n := s.Len(); n != 1 {
		t.Fatalf("Len = %d after prune, want 1", n)
	}
}

func TestMemoryStoreConcurrent(t *testing.T) {
	s := NewMemoryStore(0)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := NewResumeKey([]byte{byte(i), 0, 0, 0, 0, 0, 0, 1}, sha512.Sum512([]byte{byte(i)}))
			s.Put(t0, k, PausedSession{EVCCID: "EV"})
			if _, ok := s.Take(t0.Add(time.Second), k); !ok {
				t.Errorf("goroutine %d: entry lost", i)
			}
		}()
	}
	wg.Wait()
	if s.Len() != 0 {
		t.Fatalf("Len = %d", s.Len())
	}
}
