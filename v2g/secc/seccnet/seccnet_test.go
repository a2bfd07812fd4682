package seccnet_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// TestServeConnCancel: cancelling ctx ends an idle session and closes the
// connection.
func TestServeConnCancel(t *testing.T) {
	a, b := net.Pipe()
	defer func() { _ = b.Close() }()
	srv := &seccnet.Server{Config: secc.Config{EVSE: secc.NewSimEVSE()}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeConn(ctx, a) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if _, err := b.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read after close: %v", err)
	}
}

// TestServeConnMalformed: a frame the engine cannot decode ends the
// session and closes the connection.
func TestServeConnMalformed(t *testing.T) {
	a, b := net.Pipe()
	defer func() { _ = b.Close() }()
	srv := &seccnet.Server{Config: secc.Config{EVSE: secc.NewSimEVSE()}}
	done := make(chan error, 1)
	go func() { done <- srv.ServeConn(context.Background(), a) }()
	if _, err := b.Write(v2gtp.AppendFrame(nil, v2gtp.SAP, []byte{0xff, 0xff})); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, secc.ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
}

// onOff is a simulated EVSE that records its power commands.
type onOff struct {
	*secc.SimEVSE
	mu    sync.Mutex
	calls []bool
}

func (p *onOff) SetPower(now time.Time, on bool) error {
	p.mu.Lock()
	p.calls = append(p.calls, on)
	p.mu.Unlock()
	return p.SimEVSE.SetPower(now, on)
}

func (p *onOff) log() []bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]bool(nil), p.calls...)
}

// TestConnectionLossSwitchesOff drives a session into the charge loop
// with our EVCC engine over a pipe, then drops the connection: the server
// ends the session and switches the output off.
func TestConnectionLossSwitchesOff(t *testing.T) {
	a, b := net.Pipe()
	evse := &onOff{SimEVSE: secc.NewSimEVSE()}
	srv := &seccnet.Server{Config: secc.Config{EVSE: evse}}
	done := make(chan error, 1)
	go func() { done <- srv.ServeConn(context.Background(), a) }()

	v, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(), BPT: true})
	if err != nil {
		t.Fatal(err)
	}
	req, err := v.Start(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rd := v2gtp.NewReader(b, 0)
	for v.ChargeLoops() < 3 {
		if _, err := b.Write(v2gtp.AppendFrame(nil, req.PayloadType, req.Payload)); err != nil {
			t.Fatal(err)
		}
		f, err := rd.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if req, err = v.HandleMessage(time.Now(), f.Type, f.Payload); err != nil || req.Done {
			t.Fatalf("EVCC: %v %v", err, req.Reason)
		}
	}
	if calls := evse.log(); len(calls) == 0 || !calls[len(calls)-1] {
		t.Fatalf("output not on in the loop: %v", calls)
	}
	_ = b.Close()
	if err := <-done; err == nil {
		t.Fatal("ServeConn returned nil after a lost connection")
	}
	if calls := evse.log(); calls[len(calls)-1] {
		t.Fatalf("output left on: %v", calls)
	}
	if _, i := evse.Present(time.Now()); i != 0 {
		t.Fatalf("%v A flowing after the connection loss", i)
	}
}
