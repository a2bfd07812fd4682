package sdp

import (
	"fmt"
	"net/netip"
	"time"
)

// Timer defaults of the EVCC [V2G20-159], [V2G20-161].
const (
	DefaultRetryInterval = 250 * time.Millisecond
	DefaultMaxRequests   = 50
	DefaultGrace         = 250 * time.Millisecond
)

// Config tunes a [Client]. The zero value is the standard's behaviour.
type Config struct {
	// RetryInterval is how long to wait for an answer before resending;
	// 0 means DefaultRetryInterval. Values below 250 ms break
	// [V2G20-159] and are meant for tests only.
	RetryInterval time.Duration
	// MaxRequests is the number of requests after which the client gives
	// up; 0 means DefaultMaxRequests [V2G20-161].
	MaxRequests int
	// Grace is how long to keep listening after the first valid answer
	// for conflicting answers from other SECCs; 0 means DefaultGrace, a
	// negative value disables the window.
	Grace time.Duration
	// AllowDowngrade accepts an answer without TLS to a TLS request
	// ([V2G2-628]: the vehicle decides). By default such an answer is
	// refused with ErrDowngrade and the client keeps asking.
	AllowDowngrade bool
}

// Answer is a valid SECCDiscoveryRes and where it came from.
type Answer struct {
	Response
	From netip.AddrPort // source of the datagram, as the driver reported it
}

// Result is the outcome of a successful discovery.
type Result struct {
	Answer    Answer   // the first valid answer: use this endpoint
	Conflicts []Answer // other valid answers, each different from Answer and from each other
	Requests  int      // requests sent before Answer arrived
}

// Client is the EVCC side of SDP as a sans-I/O engine: it produces the
// datagrams to multicast and the deadlines to wait for, and consumes the
// datagrams received. Time is always passed in.
//
// Call [Client.Next] first and again whenever its deadline passes or
// after [Client.HandleDatagram]; stop when [Client.Done] reports true and
// read [Client.Result]. A Client is used for one discovery and is not safe
// for concurrent use.
type Client struct {
	req     Request
	frame   []byte
	cfg     Config
	sent    int       // requests sent since the last valid answer
	next    time.Time // when to send the next request; zero: now
	started bool
	result  *Result
	graceTo time.Time
	lastRej error
	err     error
	done    bool
}

// NewClient returns a Client that will send req. It fails with
// ErrSecurity or ErrTransport if req holds unknown values.
func NewClient(req Request, cfg Config) (*Client, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = DefaultRetryInterval
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = DefaultMaxRequests
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	return &Client{req: req, frame: AppendRequest(nil, req), cfg: cfg}, nil
}

// Next advances the engine to now. It returns a datagram to send now (nil
// if none; the slice is owned by the Client and must not be modified) and
// the time at which Next must be called again if no datagram arrives
// first. When the discovery has ended, Done reports true and Next returns
// nil and the zero time.
func (c *Client) Next(now time.Time) (send []byte, deadline time.Time) {
	if c.done {
		return nil, time.Time{}
	}
	if c.result != nil {
		if !now.Before(c.graceTo) {
			c.done = true
			return nil, time.Time{}
		}
		return nil, c.graceTo
	}
	if c.started && now.Before(c.next) {
		return nil, c.next
	}
	if c.sent >= c.cfg.MaxRequests {
		// [V2G20-161]: give up; [V2G20-162]: the caller acts as on a timeout.
		c.done = true
		c.err = &NoResponseError{Requests: c.sent, LastRejection: c.lastRej}
		return nil, time.Time{}
	}
	c.started = true
	c.sent++ // [V2G20-160]
	c.next = now.Add(c.cfg.RetryInterval)
	return c.frame, c.next
}

// HandleDatagram feeds a datagram received from src at now. It returns nil
// for a valid answer (the first or a later one) and an error wrapping the
// reason otherwise (bad framing, unusable address, transport mismatch,
// refused downgrade); a rejected datagram does not change the timers, so
// the caller may log the error and carry on. Datagrams after the end are
// ignored.
func (c *Client) HandleDatagram(now time.Time, src netip.AddrPort, b []byte) error {
	if c.done {
		return nil
	}
	r, err := ParseResponse(b)
	if err == nil {
		err = c.acceptable(r)
	}
	if err != nil {
		if c.result == nil {
			c.lastRej = err
		}
		return err
	}
	a := Answer{Response: r, From: src}
	if c.result == nil {
		c.result = &Result{Answer: a, Requests: c.sent}
		c.sent = 0 // [V2G20-157]/[V2G20-158]
		c.graceTo = now.Add(max(c.cfg.Grace, 0))
		return nil
	}
	if r == c.result.Answer.Response {
		return nil
	}
	for _, o := range c.result.Conflicts {
		if o.Response == r {
			return nil
		}
	}
	c.result.Conflicts = append(c.result.Conflicts, a)
	return nil
}

func (c *Client) acceptable(r Response) error {
	if r.Transport != c.req.Transport {
		return fmt.Errorf("%w: asked %v, offered %v", ErrTransportMismatch, c.req.Transport, r.Transport)
	}
	if c.req.Security == SecurityTLS && r.Security != SecurityTLS && !c.cfg.AllowDowngrade {
		return fmt.Errorf("%w: %v offers %v", ErrDowngrade, r.Addr, r.Security)
	}
	return nil
}

// Done reports whether the discovery has ended, with a result or an error.
func (c *Client) Done() bool { return c.done }

// Result returns the outcome once Done reports true: the answers, or a
// *NoResponseError. Before the end it returns the answers so far, if any,
// and a nil error.
func (c *Client) Result() (Result, error) {
	if c.err != nil {
		return Result{}, c.err
	}
	if c.result == nil {
		return Result{}, nil
	}
	r := *c.result
	r.Conflicts = append([]Answer(nil), r.Conflicts...)
	return r, nil
}
