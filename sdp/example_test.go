package sdp_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/v2gstack/iso15118/sdp"
)

// The engine is driven with explicit times: here the first two requests
// are lost and the third is answered.
func ExampleClient() {
	c, err := sdp.NewClient(sdp.Request{Security: sdp.SecurityTLS, Transport: sdp.TransportTCP}, sdp.Config{})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	start := now
	for {
		send, deadline := c.Next(now)
		if c.Done() {
			break
		}
		if send != nil {
			fmt.Printf("%v: send % x\n", now.Sub(start), send)
			if now.Sub(start) == 500*time.Millisecond {
				// The SECC answers.
				answer := sdp.AppendResponse(nil, sdp.Response{
					Addr:      netip.MustParseAddr("fe80::2"),
					Port:      50000,
					Security:  sdp.SecurityTLS,
					Transport: sdp.TransportTCP,
				})
				src := netip.MustParseAddrPort("[fe80::2%eth0]:15118")
				if err := c.HandleDatagram(now.Add(3*time.Millisecond), src, answer); err != nil {
					fmt.Println("rejected:", err)
				}
				continue
			}
		}
		now = deadline // nothing arrived before the deadline
	}
	res, err := c.Result()
	fmt.Println(res.Answer.Addr, res.Answer.Port, res.Answer.Security, res.Requests, len(res.Conflicts), err)
	// Output:
	// 0s: send 01 fe 90 00 00 00 00 02 00 00
	// 250ms: send 01 fe 90 00 00 00 00 02 00 00
	// 500ms: send 01 fe 90 00 00 00 00 02 00 00
	// fe80::2 50000 TLS 3 0 <nil>
}
