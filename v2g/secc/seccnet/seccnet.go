// Package seccnet is a thin TCP/TLS driver for the sans-I/O SECC engine
// of package secc: it reads V2GTP frames from a connection, feeds them to
// an engine with the wall clock, writes the responses back and arms the
// engine's timers.
package seccnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
	"github.com/v2gstack/iso15118/v2gtls"
)

// WriteTimeout bounds the write of one response frame.
const WriteTimeout = 5 * time.Second

// Server serves SECC sessions. One Server drives one EVSE, so it runs one
// session at a time; further connections wait in the listener's backlog.
type Server struct {
	// Config configures the engine of every session.
	Config secc.Config
	// Logger receives the driver's logs; nil discards them.
	Logger *slog.Logger
	// OnEvent, when set, is called with every engine event, from the
	// goroutine that serves the connection.
	OnEvent func(secc.Event)

	// The paused-session store of the sessions when Config.Paused is nil.
	storeOnce sync.Once
	store     *secc.MemoryStore
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Serve accepts TLS connections from ln and serves them one after the
// other until ctx is cancelled, when it returns nil. A failed handshake is
// logged and the next connection accepted. Serve does not close ln.
func (s *Server) Serve(ctx context.Context, ln *v2gtls.Listener) error {
	log := s.logger()
	for {
		c, err := ln.Accept(ctx)
		if ctx.Err() != nil {
			if c != nil {
				_ = c.Close()
			}
			return nil
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("seccnet: %w", err)
			}
			log.Warn("seccnet: accept", "err", err)
			continue
		}
		log.Info("seccnet: connection", "remote", c.RemoteAddr().String(), "profile", c.Profile().String())
		if err := s.ServeConn(ctx, c); err != nil {
			log.Warn("seccnet: session ended", "err", err)
		}
	}
}

// ServeConn runs one session on conn, which it closes before returning. It
// returns nil after a normal SessionStop, else why the session ended.
func (s *Server) ServeConn(ctx context.Context, conn net.Conn) (err error) {
	log := s.logger()
	defer func() {
		if cerr := conn.Close(); cerr != nil && err == nil && !errors.Is(cerr, net.ErrClosed) {
			err = fmt.Errorf("seccnet: close: %w", cerr)
		}
	}()
	eng, err := secc.New(s.withStore(s.Config))
	if err != nil {
		return fmt.Errorf("seccnet: %w", err)
	}
	bindPeer(eng, conn)
	// Cancelling ctx unblocks a pending read or write.
	var wg sync.WaitGroup
	wg.Add(1)
	stop := context.AfterFunc(ctx, func() {
		defer wg.Done()
		_ = conn.SetDeadline(time.Unix(1, 0))
	})
	defer func() {
		if stop() {
			wg.Done()
		}
		wg.Wait()
	}()

	eng.Start(time.Now())
	defer s.drain(eng)
	// However the connection ends, the engine ends the session, and an
	// abnormal end switches the EVSE's output off.
	defer func() { eng.Abort(time.Now(), err) }()
	rd := v2gtp.NewReader(conn, 0)
	var out []byte
	for {
		if d, ok := eng.Deadline(); ok {
			_ = conn.SetReadDeadline(d)
		} else {
			_ = conn.SetReadDeadline(time.Time{})
		}
		if ctx.Err() != nil {
			return fmt.Errorf("seccnet: %w", ctx.Err())
		}
		f, rerr := rd.ReadFrame()
		now := time.Now()
		if rerr != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("seccnet: %w", ctx.Err())
			}
			var ne net.Error
			if errors.As(rerr, &ne) && ne.Timeout() {
				if terr := eng.HandleTimeout(now); terr != nil {
					return terr
				}
				continue // the deadline moved; read again
			}
			if errors.Is(rerr, io.EOF) {
				return fmt.Errorf("seccnet: connection closed by the EVCC in stage %v", eng.Stage())
			}
			return fmt.Errorf("seccnet: read: %w", rerr)
		}
		res, herr := eng.HandleMessage(now, f.Type, f.Payload)
		s.drain(eng)
		if herr != nil {
			return herr
		}
		out = v2gtp.AppendFrame(out[:0], res.PayloadType, res.Payload)
		_ = conn.SetWriteDeadline(time.Now().Add(WriteTimeout))
		if _, werr := conn.Write(out); werr != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("seccnet: %w", ctx.Err())
			}
			return fmt.Errorf("seccnet: write: %w", werr)
		}
		if res.Close {
			log.Debug("seccnet: session closed", "reason", res.Reason)
			return res.Reason
		}
	}
}

func (s *Server) drain(eng *secc.Engine) {
	for ev, ok := eng.NextEvent(); ok; ev, ok = eng.NextEvent() {
		s.logger().Debug("seccnet: event", "kind", ev.Kind.String(), "err", ev.Err)
		if s.OnEvent != nil {
			s.OnEvent(ev)
		}
	}
}
