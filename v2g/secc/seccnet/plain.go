package seccnet

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// ErrNotPlainTCP is returned by ServePlainTCP when Config.PlainTCP is not
// set: a session without TLS must not be able to negotiate -20.
var ErrNotPlainTCP = errors.New("seccnet: ServePlainTCP needs Config.PlainTCP")

// ServePlainTCP accepts plain TCP connections from ln and serves them as
// Serve does (one after the other, concurrently with NewEVSE set) until
// ctx is cancelled, when it returns nil. It is a
// lab switch for DIN SPEC 70121 and ISO 15118-2, which test benches run
// without TLS: Config.PlainTCP must be set, so that the engine negotiates
// only those protocols and never -20. ServePlainTCP does not close ln.
func (s *Server) ServePlainTCP(ctx context.Context, ln net.Listener) error {
	if !s.Config.PlainTCP {
		return ErrNotPlainTCP
	}
	stop := context.AfterFunc(ctx, func() {
		if d, ok := ln.(interface{ SetDeadline(t time.Time) error }); ok {
			_ = d.SetDeadline(time.Unix(1, 0))
		}
	})
	defer stop()
	next := func(context.Context) (net.Conn, error) { return ln.Accept() }
	if s.NewEVSE == nil {
		return s.accept(ctx, next, nil, nil)
	}
	var sessions sync.WaitGroup
	defer sessions.Wait()
	var slots chan struct{}
	if s.MaxSessions > 0 {
		slots = make(chan struct{}, s.MaxSessions)
	}
	return s.accept(ctx, next, slots, &sessions)
}
