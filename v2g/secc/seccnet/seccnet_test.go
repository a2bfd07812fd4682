package seccnet_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

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
