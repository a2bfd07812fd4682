package evccnet_test

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/evcc/evccnet"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
)

// TestDriversTrace: the drivers pass the engines' trace hooks through.
// Both sides of a DC session write a JSON-lines trace; read back, each
// holds the whole session and one is the other with the directions
// turned.
func TestDriversTrace(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var sbuf, vbuf bytes.Buffer
	sw, vw := trace.NewWriter(&sbuf), trace.NewWriter(&vbuf)
	a, b := net.Pipe()
	srv := &seccnet.Server{Config: secc.Config{EVSE: secc.NewSimEVSE(), Trace: sw.Hook()}}
	served := make(chan error, 1)
	go func() { served <- srv.ServeConn(ctx, a) }()
	bat := evcc.NewSimBattery()
	bat.Step = 30 * time.Second
	eng, err := evcc.New(evcc.Config{Vehicle: bat, Trace: vw.Hook()})
	if err != nil {
		t.Fatal(err)
	}
	if err := evccnet.Run(ctx, b, eng); err != nil {
		t.Fatalf("Run: %v", err)
	}
	_ = b.Close()
	if err := <-served; err != nil {
		t.Fatalf("ServeConn: %v", err)
	}
	if sw.Err() != nil || vw.Err() != nil {
		t.Fatal(sw.Err(), vw.Err())
	}
	srecs, err := trace.Parse(&sbuf)
	if err != nil {
		t.Fatal(err)
	}
	vrecs, err := trace.Parse(&vbuf)
	if err != nil {
		t.Fatal(err)
	}
	if len(vrecs) < 30 || len(srecs) != len(vrecs) {
		t.Fatalf("SECC traced %d messages, EVCC %d", len(srecs), len(vrecs))
	}
	for i, v := range vrecs {
		s := srecs[i]
		if v.Name != s.Name || v.Namespace != s.Namespace || !bytes.Equal(v.EXI, s.EXI) ||
			v.Dir == s.Dir || (v.Dir == session.DirTx) != (i%2 == 0) {
			t.Fatalf("message %d: EVCC %v %s, SECC %v %s", i, v.Dir, v.Name, s.Dir, s.Name)
		}
		if session.MessageName(v.Msg) != v.Name {
			t.Fatalf("message %d: %s decodes as %T", i, v.Name, v.Msg)
		}
	}
	if vrecs[0].Name != "supportedAppProtocolReq" || vrecs[len(vrecs)-1].Name != "SessionStopRes" {
		t.Fatalf("first %s, last %s", vrecs[0].Name, vrecs[len(vrecs)-1].Name)
	}
}
