package v2gtls

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/v2gstack/iso15118/pki"
)

// Conn is a TLS connection whose handshake has completed.
type Conn struct {
	*tls.Conn
	profile Profile
	peer    []*pki.Certificate
}

// Profile returns the negotiated profile.
func (c *Conn) Profile() Profile { return c.profile }

// PeerChain returns the peer's certificates as it sent them (leaf first),
// parsed by pki; with a config from this package they are the chain that
// VerifyConnection validated. It is empty for a -2 server, whose client
// does not authenticate. The slice is shared; do not modify it.
func (c *Conn) PeerChain() []*pki.Certificate { return c.peer }

func finish(ctx context.Context, tc *tls.Conn) (*Conn, error) {
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = tc.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("v2gtls: handshake: %w", ctx.Err())
		}
		return nil, MapError(err)
	}
	cs := tc.ConnectionState()
	c := &Conn{Conn: tc, profile: ProfileOf(cs.Version)}
	if len(cs.PeerCertificates) > 0 {
		raw := make([][]byte, len(cs.PeerCertificates))
		for i, pc := range cs.PeerCertificates {
			raw[i] = pc.Raw
		}
		chain, err := pki.ParseCertificates(raw)
		if err != nil {
			_ = tc.Close()
			return nil, fmt.Errorf("v2gtls: peer chain: %w", err)
		}
		c.peer = chain
	}
	return c, nil
}

// Dial connects to addr and completes the TLS handshake under ctx: a
// cancelled or expired ctx aborts both the TCP connect and the handshake
// and the error wraps ctx.Err(). cfg is cloned, never modified.
func Dial(ctx context.Context, network, addr string, cfg *tls.Config) (*Conn, error) {
	if cfg == nil {
		return nil, errors.New("v2gtls: Dial: nil config")
	}
	var d net.Dialer
	raw, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("v2gtls: dial: %w", err)
	}
	return Client(ctx, raw, cfg)
}

// Client runs the client handshake on an established connection under
// ctx and returns the connection; on error raw is closed.
func Client(ctx context.Context, raw net.Conn, cfg *tls.Config) (*Conn, error) {
	return finish(ctx, tls.Client(raw, cfg.Clone()))
}

// Server runs the server handshake on an accepted connection under ctx;
// on error raw is closed.
func Server(ctx context.Context, raw net.Conn, cfg *tls.Config) (*Conn, error) {
	return finish(ctx, tls.Server(raw, cfg.Clone()))
}

// Listener accepts connections from an inner listener and hands them out
// only after a completed server handshake.
type Listener struct {
	inner net.Listener
	cfg   *tls.Config
}

// NewListener wraps inner. cfg is cloned, never modified.
func NewListener(inner net.Listener, cfg *tls.Config) *Listener {
	return &Listener{inner: inner, cfg: cfg.Clone()}
}

// Listen listens on network/addr (e.g. "tcp", "[::1]:0") with cfg.
func Listen(ctx context.Context, network, addr string, cfg *tls.Config) (*Listener, error) {
	if cfg == nil {
		return nil, errors.New("v2gtls: Listen: nil config")
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("v2gtls: listen: %w", err)
	}
	return NewListener(l, cfg), nil
}

// Addr returns the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Close closes the inner listener.
func (l *Listener) Close() error { return l.inner.Close() }

type deadliner interface{ SetDeadline(time.Time) error }

// ErrNoDeadline reports a listener whose inner listener has no deadline.
var ErrNoDeadline = errors.New("v2gtls: listener has no deadline")

// SetDeadline sets the deadline of the inner listener's Accept, as
// net.TCPListener.SetDeadline does: a time in the past wakes every
// pending Accept. It returns ErrNoDeadline when the inner listener has
// none.
func (l *Listener) SetDeadline(t time.Time) error {
	d, ok := l.inner.(deadliner)
	if !ok {
		return ErrNoDeadline
	}
	return d.SetDeadline(t)
}

// Accept waits for the next connection and completes its handshake under
// ctx. A failed handshake closes that connection and returns the mapped
// error (a *ChainError, ErrNoClientCertificate, ErrVersion, …); the
// listener stays usable, so callers usually log and call Accept again.
//
// Cancelling ctx interrupts the wait for a connection only when the
// inner listener has SetDeadline (as *net.TCPListener does); concurrent
// Accept calls then share that deadline, so give them one context.
func (l *Listener) Accept(ctx context.Context) (*Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("v2gtls: accept: %w", err)
	}
	raw, err := l.accept(ctx)
	if err != nil {
		return nil, err
	}
	return finish(ctx, tls.Server(raw, l.cfg))
}

func (l *Listener) accept(ctx context.Context) (net.Conn, error) {
	d, ok := l.inner.(deadliner)
	if !ok || ctx.Done() == nil {
		raw, err := l.inner.Accept()
		if err != nil {
			return nil, fmt.Errorf("v2gtls: accept: %w", err)
		}
		return raw, nil
	}
	// Clear the past deadline an earlier cancelled Accept left; if ctx is
	// cancelled meanwhile, the function below sets it again.
	_ = d.SetDeadline(time.Time{})
	var wg sync.WaitGroup
	wg.Add(1)
	stop := context.AfterFunc(ctx, func() {
		defer wg.Done()
		_ = d.SetDeadline(time.Unix(1, 0))
	})
	raw, err := l.inner.Accept()
	if stop() {
		wg.Done() // the function never ran
	}
	wg.Wait()
	if ctx.Err() == nil {
		// Leave the past deadline of a cancellation in place for the other
		// pending Accept calls of the listener.
		_ = d.SetDeadline(time.Time{})
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("v2gtls: accept: %w", ctx.Err())
		}
		return nil, fmt.Errorf("v2gtls: accept: %w", err)
	}
	return raw, nil
}
