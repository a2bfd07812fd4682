package seccnet

import (
	"context"
	"errors"
	"fmt"
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
	log := s.logger()
	stop := context.AfterFunc(ctx, func() {
		if d, ok := ln.(interface{ SetDeadline(t time.Time) error }); ok {
			_ = d.SetDeadline(time.Unix(1, 0))
		}
	})
	defer stop()
	var sessions sync.WaitGroup
	defer sessions.Wait()
	var slots chan struct{}
	if s.NewEVSE != nil && s.MaxSessions > 0 {
		slots = make(chan struct{}, s.MaxSessions)
	}
	for {
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
		c, err := ln.Accept()
		if ctx.Err() != nil {
			if c != nil {
				_ = c.Close()
			}
			return nil
		}
		if err != nil {
			if slots != nil {
				<-slots
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("seccnet: %w", err)
			}
			log.Warn("seccnet: accept", "err", err)
			continue
		}
		log.Info("seccnet: plain TCP connection", "remote", c.RemoteAddr().String())
		if s.NewEVSE == nil {
			if err := s.ServeConn(ctx, c); err != nil {
				log.Warn("seccnet: session ended", "remote", c.RemoteAddr().String(), "err", err)
			}
			continue
		}
		sessions.Go(func() {
			if slots != nil {
				defer func() { <-slots }()
			}
			if err := s.ServeConn(ctx, c); err != nil {
				log.Warn("seccnet: session ended", "remote", c.RemoteAddr().String(), "err", err)
			}
		})
	}
}
