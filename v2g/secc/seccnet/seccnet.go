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
	"runtime"
	"sync"
	"time"

	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
	"github.com/v2gstack/iso15118/v2gtls"
)

// WriteTimeout bounds the write of one response frame.
const WriteTimeout = 5 * time.Second

// Server serves SECC sessions.
//
// With NewEVSE set, every accepted connection gets its own EVSE and its
// own engine and runs in its own goroutine, so sessions run concurrently
// (up to MaxSessions); they share the Config, the Logger, the callbacks
// and the listener's TLS configuration, nothing else. With only
// Config.EVSE set, that one EVSE is shared, so the Server runs one
// session at a time and further connections wait in the listener's
// backlog.
//
// The TLS handshake of a connection runs in v2gtls.Listener.Accept; with
// NewEVSE set, Handshakes goroutines accept (and so handshake) in
// parallel.
type Server struct {
	// Config configures the engine of every session. With NewEVSE set,
	// Config.EVSE is ignored and Config.Rand, when set, must be safe for
	// concurrent use. Its Trace hook, when set, is called from the
	// goroutine that serves the connection (with NewEVSE set, from several
	// sessions concurrently).
	Config secc.Config
	// NewEVSE, when set, returns the EVSE of the session on conn (the
	// integrator's lookup of the connector or power module behind the
	// connection) and makes sessions concurrent. It is called from the
	// session's goroutine, concurrently with other sessions. An error
	// refuses the connection: it is logged and conn closed. An EVSE must
	// not be shared by sessions that overlap; secc.SimEVSE, in
	// particular, serves one session.
	NewEVSE func(conn net.Conn) (secc.EVSE, error)
	// MaxSessions, when positive, bounds the number of concurrent sessions
	// with NewEVSE set: further connections are not accepted (they wait in
	// the listener's backlog) until a session ends. Zero means no limit.
	MaxSessions int
	// Handshakes is the number of goroutines that accept connections and
	// run their TLS handshakes in parallel with NewEVSE set; zero means
	// runtime.GOMAXPROCS(0). Without NewEVSE one goroutine accepts. A
	// client that connects and never completes its handshake holds one
	// of them until ctx is cancelled (v2gtls.Listener.Accept has no
	// handshake timeout).
	Handshakes int
	// Logger receives the driver's logs; nil discards them.
	Logger *slog.Logger
	// OnEvent, when set, is called with every engine event, from the
	// goroutine that serves the connection; with NewEVSE set, from
	// several sessions concurrently.
	OnEvent func(secc.Event)
	// OnConnEvent, when set, is called like OnEvent with the connection
	// the event's session runs on, to tell concurrent sessions apart.
	OnConnEvent func(conn net.Conn, ev secc.Event)
	// ConnTrace, when set, returns the trace hook of the session on conn
	// (one trace file per session, say); a non-nil hook replaces
	// Config.Trace for that session. It is called from the session's
	// goroutine before the session starts.
	ConnTrace func(conn net.Conn) session.TraceFunc

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

// Serve accepts TLS connections from ln and serves them until ctx is
// cancelled, when it returns nil: one after the other with a shared
// Config.EVSE, concurrently with NewEVSE set. A failed handshake is
// logged and the next connection accepted. Serve returns only after every
// session it started has ended (cancelling ctx ends them). Serve does not
// close ln.
func (s *Server) Serve(ctx context.Context, ln *v2gtls.Listener) error {
	if s.NewEVSE == nil {
		return s.accept(ctx, tlsAccept(ln), nil, nil)
	}
	var sessions sync.WaitGroup
	defer sessions.Wait()
	var slots chan struct{}
	if s.MaxSessions > 0 {
		slots = make(chan struct{}, s.MaxSessions)
	}
	n := s.Handshakes
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	errs := make(chan error, n)
	for range n {
		go func() { errs <- s.accept(ctx, tlsAccept(ln), slots, &sessions) }()
	}
	var first error
	for left := n; left > 0; {
		select {
		case err := <-errs:
			left--
			if first == nil {
				first = err
			}
		case <-time.After(100 * time.Millisecond):
			if ctx.Err() != nil {
				// Concurrent Accept calls share the listener's deadline:
				// one may reset it after the cancellation has set it, and
				// another then waits for a connection. Wake it again.
				_ = ln.SetDeadline(time.Unix(1, 0))
			}
		}
	}
	return first
}

// accept accepts connections with next until ctx is cancelled. With
// sessions nil it serves each connection before it accepts the next one;
// else it serves each in a new goroutine counted in sessions, holding a
// slot of slots, when not nil, from before the Accept to the end of the
// session.
func (s *Server) accept(ctx context.Context, next func(context.Context) (net.Conn, error), slots chan struct{}, sessions *sync.WaitGroup) error {
	log := s.logger()
	for {
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
		c, err := next(ctx)
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
		if tc, ok := c.(*v2gtls.Conn); ok {
			log.Info("seccnet: connection", "remote", c.RemoteAddr().String(), "profile", tc.Profile().String())
		} else {
			log.Info("seccnet: plain TCP connection", "remote", c.RemoteAddr().String())
		}
		if sessions == nil {
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

// tlsAccept returns ln's Accept as the next function of accept.
func tlsAccept(ln *v2gtls.Listener) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		c, err := ln.Accept(ctx)
		if c == nil {
			return nil, err // not a typed nil in the interface
		}
		return c, err
	}
}

// ServeConn runs one session on conn, which it closes before returning. It
// returns nil after a normal SessionStop, else why the session ended. The
// session's EVSE comes from NewEVSE when set, else from Config.EVSE; with
// NewEVSE set, ServeConn may be called concurrently.
func (s *Server) ServeConn(ctx context.Context, conn net.Conn) (err error) {
	log := s.logger()
	defer func() {
		if cerr := conn.Close(); cerr != nil && err == nil && !errors.Is(cerr, net.ErrClosed) {
			err = fmt.Errorf("seccnet: close: %w", cerr)
		}
	}()
	cfg := s.Config
	if s.NewEVSE != nil {
		evse, err := s.NewEVSE(conn)
		if err != nil {
			return fmt.Errorf("seccnet: EVSE for %v: %w", conn.RemoteAddr(), err)
		}
		if evse == nil {
			return fmt.Errorf("seccnet: EVSE for %v: NewEVSE returned nil", conn.RemoteAddr())
		}
		cfg.EVSE = evse
	}
	if s.ConnTrace != nil {
		if tr := s.ConnTrace(conn); tr != nil {
			cfg.Trace = tr
		}
	}
	eng, err := secc.New(s.withStore(cfg))
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
	defer s.drain(eng, conn)
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
		s.drain(eng, conn)
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

func (s *Server) drain(eng *secc.Engine, conn net.Conn) {
	for ev, ok := eng.NextEvent(); ok; ev, ok = eng.NextEvent() {
		s.logger().Debug("seccnet: event", "kind", ev.Kind.String(), "err", ev.Err)
		if s.OnEvent != nil {
			s.OnEvent(ev)
		}
		if s.OnConnEvent != nil {
			s.OnConnEvent(conn, ev)
		}
	}
}
