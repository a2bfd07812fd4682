package seccnet_test

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/evcc/evccnet"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/session"
)

// TestPerConnectionTraceAndEvents runs two sessions at once on one Server
// with NewEVSE: each connection gets its own trace hook from ConnTrace and
// its own events through OnConnEvent, and neither sees the other's
// session.
func TestPerConnectionTraceAndEvents(t *testing.T) {
	type perConn struct {
		recs   []session.TraceRecord
		events []secc.EventKind
	}
	var mu sync.Mutex
	conns := map[net.Conn]*perConn{}
	get := func(c net.Conn) *perConn {
		mu.Lock()
		defer mu.Unlock()
		if conns[c] == nil {
			conns[c] = &perConn{}
		}
		return conns[c]
	}
	srv := &seccnet.Server{
		NewEVSE: func(net.Conn) (secc.EVSE, error) { return secc.NewSimEVSE(), nil },
		Config:  secc.Config{Trace: func(session.TraceRecord) { t.Error("Config.Trace called although ConnTrace set a hook") }},
		ConnTrace: func(c net.Conn) session.TraceFunc {
			pc := get(c)
			return func(r session.TraceRecord) {
				mu.Lock()
				pc.recs = append(pc.recs, r)
				mu.Unlock()
			}
		},
		OnConnEvent: func(c net.Conn, ev secc.Event) {
			pc := get(c)
			mu.Lock()
			pc.events = append(pc.events, ev.Kind)
			mu.Unlock()
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	ids := make([][]byte, 2)
	for i := range ids {
		a, b := net.Pipe()
		get(a)
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := srv.ServeConn(ctx, a); err != nil {
				t.Errorf("ServeConn %d: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			defer func() { _ = b.Close() }()
			bat := evcc.NewSimBattery()
			bat.CapacityWh, bat.Step = 100, 10*time.Second
			eng, err := evcc.New(evcc.Config{Vehicle: bat, BPT: true})
			if err != nil {
				t.Error(err)
				return
			}
			if err := evccnet.Run(ctx, b, eng); err != nil {
				t.Errorf("EVCC %d: %v", i, err)
			}
			ids[i] = eng.SessionID()
		}()
	}
	wg.Wait()
	if bytes.Equal(ids[0], ids[1]) {
		t.Fatalf("both sessions have ID %x", ids[0])
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) != 2 {
		t.Fatalf("%d connections seen", len(conns))
	}
	seen := map[string]bool{}
	for _, pc := range conns {
		var id []byte
		for _, r := range pc.recs {
			if sid, _, ok := session.Header(r.Msg); ok && r.Name != "SessionSetupReq" {
				if id == nil {
					id = sid
				} else if !bytes.Equal(sid, id) {
					t.Fatalf("one connection's trace holds sessions %x and %x", id, sid)
				}
			}
		}
		if id == nil || len(pc.recs) < 20 {
			t.Fatalf("trace of %d records, session %x", len(pc.recs), id)
		}
		seen[string(id)] = true
		if len(pc.events) == 0 || pc.events[0] != secc.EventSessionEstablished || pc.events[len(pc.events)-1] != secc.EventClosed {
			t.Errorf("events %v", pc.events)
		}
	}
	if !seen[string(ids[0])] || !seen[string(ids[1])] {
		t.Errorf("traced sessions %v, EVCC sessions %x", seen, ids)
	}
}
