package sdp

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

var (
	t0   = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	from = netip.MustParseAddrPort("[fe80::1234:56ff:fe78:9abc]:15118")
)

func newClient(t *testing.T, req Request, cfg Config) *Client {
	t.Helper()
	c, err := NewClient(req, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// drive calls Next at each deadline until the client is done and returns
// the send times.
func drive(t *testing.T, c *Client, now time.Time) []time.Time {
	t.Helper()
	var sent []time.Time
	for i := 0; i < 1000; i++ {
		send, deadline := c.Next(now)
		if c.Done() {
			return sent
		}
		if send != nil {
			sent = append(sent, now)
		}
		if !deadline.After(now) {
			t.Fatalf("deadline %v not after now %v", deadline, now)
		}
		now = deadline
	}
	t.Fatal("client never finished")
	return nil
}

func TestClientGivesUpAfter50(t *testing.T) {
	c := newClient(t, Request{}, Config{})
	sent := drive(t, c, t0)
	if len(sent) != DefaultMaxRequests {
		t.Fatalf("%d requests sent, want %d", len(sent), DefaultMaxRequests)
	}
	for i := 1; i < len(sent); i++ {
		if d := sent[i].Sub(sent[i-1]); d < 250*time.Millisecond {
			t.Fatalf("request %d after %v, want ≥ 250 ms [V2G20-159]", i+1, d)
		}
	}
	_, err := c.Result()
	var nr *NoResponseError
	if !errors.Is(err, ErrNoResponse) || !errors.As(err, &nr) || nr.Requests != 50 {
		t.Fatalf("Result error = %v, want a NoResponseError after 50 requests", err)
	}
	if err.Error() != "sdp: no valid response after 50 requests" {
		t.Errorf("error text %q", err)
	}
	if send, d := c.Next(t0.Add(time.Hour)); send != nil || !d.IsZero() {
		t.Error("Next after the end returned work")
	}
}

func TestClientEarlyCallsDoNotResend(t *testing.T) {
	c := newClient(t, Request{}, Config{})
	send, d := c.Next(t0)
	if send == nil || !d.Equal(t0.Add(250*time.Millisecond)) {
		t.Fatalf("first Next = %v, %v", send, d)
	}
	for _, dt := range []time.Duration{0, time.Millisecond, 249 * time.Millisecond} {
		if send, d2 := c.Next(t0.Add(dt)); send != nil || !d2.Equal(d) {
			t.Fatalf("Next at +%v resent (%v, %v)", dt, send, d2)
		}
	}
	if send, _ := c.Next(d); send == nil {
		t.Fatal("no resend at the deadline [V2G20-160]")
	}
}

func TestClientConfiguredBudget(t *testing.T) {
	c := newClient(t, Request{}, Config{RetryInterval: 10 * time.Millisecond, MaxRequests: 3})
	sent := drive(t, c, t0)
	if len(sent) != 3 || sent[2].Sub(sent[0]) != 20*time.Millisecond {
		t.Fatalf("sent at %v", sent)
	}
}

func TestClientFirstAnswerAndConflicts(t *testing.T) {
	c := newClient(t, Request{}, Config{})
	now := t0
	for range 7 {
		_, now = c.Next(now)
	}
	good := Response{Addr: secc, Port: 50000}
	other := Response{Addr: netip.MustParseAddr("fe80::bad"), Port: 50000}
	if err := c.HandleDatagram(now, from, AppendResponse(nil, good)); err != nil {
		t.Fatal(err)
	}
	// Still collecting during the grace window: no more requests.
	send, d := c.Next(now)
	if send != nil || c.Done() || !d.Equal(now.Add(DefaultGrace)) {
		t.Fatalf("after the answer: send %v, deadline %v, done %v", send, d, c.Done())
	}
	_ = c.HandleDatagram(now, from, AppendResponse(nil, good)) // duplicate
	_ = c.HandleDatagram(now, from, AppendResponse(nil, other))
	_ = c.HandleDatagram(now, from, AppendResponse(nil, other))
	if err := c.HandleDatagram(now, from, AppendResponse(nil, Response{Addr: secc})); !errors.Is(err, ErrPortZero) {
		t.Errorf("bad answer in grace window: %v", err)
	}
	c.Next(d)
	if !c.Done() {
		t.Fatal("not done after the grace window")
	}
	res, err := c.Result()
	if err != nil || res.Answer.Response != good || res.Answer.From != from || res.Requests != 7 {
		t.Fatalf("Result = %+v, %v", res, err)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Response != other {
		t.Fatalf("Conflicts = %+v", res.Conflicts)
	}
}

func TestClientRejectsAndKeepsAsking(t *testing.T) {
	c := newClient(t, Request{Security: SecurityTLS}, Config{MaxRequests: 2})
	now := t0
	c.Next(now)
	cases := []struct {
		b    []byte
		want error
	}{
		{AppendResponse(nil, Response{Addr: secc, Port: 1, Security: SecurityNone}), ErrDowngrade},
		{AppendResponse(nil, Response{Addr: secc, Port: 1, Transport: TransportUDP}), ErrTransportMismatch},
		{AppendRequest(nil, Request{}), ErrPayloadType},
		{AppendResponse(nil, Response{Addr: netip.MustParseAddr("ff02::1"), Port: 1}), ErrAddrMulticast},
		{AppendResponse(nil, Response{Addr: secc, Port: 1, Security: SecurityNone}), ErrDowngrade},
	}
	for _, k := range cases {
		if err := c.HandleDatagram(now, from, k.b); !errors.Is(err, k.want) {
			t.Errorf("HandleDatagram: %v, want %v", err, k.want)
		}
	}
	drive(t, c, now)
	_, err := c.Result()
	if !errors.Is(err, ErrNoResponse) || !errors.Is(err, ErrDowngrade) {
		t.Fatalf("Result error %v, want no response with the downgrade as last rejection", err)
	}
}

func TestClientDowngradeAllowed(t *testing.T) {
	c := newClient(t, Request{Security: SecurityTLS}, Config{AllowDowngrade: true, Grace: -1})
	c.Next(t0)
	r := Response{Addr: secc, Port: 50001, Security: SecurityNone}
	if err := c.HandleDatagram(t0, from, AppendResponse(nil, r)); err != nil {
		t.Fatal(err)
	}
	c.Next(t0)
	if res, err := c.Result(); !c.Done() || err != nil || res.Answer.Response != r {
		t.Fatalf("Result = %+v, %v", res, err)
	}
}

func TestClientCounterResetOnValidAnswer(t *testing.T) {
	c := newClient(t, Request{}, Config{MaxRequests: 3, Grace: time.Second})
	now := t0
	for range 3 {
		_, now = c.Next(now)
	}
	// The answer arrives in the last wait: the 3-request budget no longer
	// applies.
	if err := c.HandleDatagram(now.Add(-time.Millisecond), from, AppendResponse(nil, Response{Addr: secc, Port: 9})); err != nil {
		t.Fatal(err)
	}
	for _, dt := range []time.Duration{0, 500 * time.Millisecond} {
		if c.Next(now.Add(dt)); c.Done() {
			t.Fatal("gave up although a valid answer arrived")
		}
	}
	c.Next(now.Add(time.Second))
	if _, err := c.Result(); err != nil || !c.Done() {
		t.Fatalf("Result: %v", err)
	}
	if c.sent != 0 {
		t.Fatalf("request counter %d after a valid answer, want 0 [V2G20-157]", c.sent)
	}
}

func TestNewClientRejectsBadRequest(t *testing.T) {
	if _, err := NewClient(Request{Security: 1}, Config{}); !errors.Is(err, ErrSecurity) {
		t.Error(err)
	}
	if _, err := NewClient(Request{Transport: 1}, Config{}); !errors.Is(err, ErrTransport) {
		t.Error(err)
	}
}
