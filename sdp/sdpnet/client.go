package sdpnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/net/ipv6"

	"github.com/v2gstack/iso15118/sdp"
)

// Client discovers an SECC on one interface. The zero value uses the
// standard's timers. A Client holds no state between calls: several
// goroutines may call Discover at once, as long as nobody changes the
// fields meanwhile.
type Client struct {
	// Config is passed to the engine (retry interval, request budget,
	// grace window, downgrade policy).
	Config sdp.Config
	// Port is the UDP port requests are sent to; 0 means sdp.Port.
	Port int
	// Logger receives a record for each rejected answer; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Discover multicasts req to [ff02::1%ifaceName] with hop limit 1 from a
// socket pinned to that interface, resending on the engine's timers,
// and returns the first valid answer and any conflicting ones. It fails
// with an error matching sdp.ErrNoResponse when the request budget is
// spent, and with ctx.Err() when ctx ends first.
func (c *Client) Discover(ctx context.Context, ifaceName string, req sdp.Request) (sdp.Result, error) {
	if ifaceName == "" {
		return sdp.Result{}, ErrNoInterface
	}
	eng, err := sdp.NewClient(req, c.Config)
	if err != nil {
		return sdp.Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return sdp.Result{}, err
	}
	ifi, err := net.InterfaceByName(ifaceName)
	if err != nil {
		return sdp.Result{}, fmt.Errorf("sdp: %w", err)
	}
	port := c.Port
	if port == 0 {
		port = sdp.Port
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("iface", ifi.Name)

	var lc net.ListenConfig
	conn, err := lc.ListenPacket(ctx, "udp6", "[::]:0")
	if err != nil {
		return sdp.Result{}, fmt.Errorf("sdp: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	pc := ipv6.NewPacketConn(conn)
	if err := pc.SetMulticastInterface(ifi); err != nil {
		return sdp.Result{}, fmt.Errorf("sdp: IPV6_MULTICAST_IF %s: %w", ifi.Name, err)
	}
	if err := pc.SetMulticastHopLimit(1); err != nil {
		return sdp.Result{}, fmt.Errorf("sdp: %w", err)
	}
	if err := pc.SetControlMessage(ipv6.FlagInterface, true); err != nil {
		return sdp.Result{}, fmt.Errorf("sdp: %w", err)
	}
	dst := &net.UDPAddr{IP: allNodes(), Port: port, Zone: ifi.Name}
	wcm := &ipv6.ControlMessage{IfIndex: ifi.Index, HopLimit: 1}
	buf := make([]byte, 1500)
	for {
		send, deadline := eng.Next(time.Now())
		if eng.Done() {
			return eng.Result()
		}
		if send != nil {
			if _, err := pc.WriteTo(send, wcm, dst); err != nil {
				if ctx.Err() != nil {
					return sdp.Result{}, ctx.Err()
				}
				// A lost request is what the retries are for.
				log.Warn("sdp: request not sent", "reason", err)
			}
		}
		if err := conn.SetReadDeadline(deadline); err != nil {
			if ctx.Err() != nil {
				return sdp.Result{}, ctx.Err()
			}
			return sdp.Result{}, fmt.Errorf("sdp: %w", err)
		}
		for {
			n, cm, src, err := pc.ReadFrom(buf)
			if err != nil {
				if ctx.Err() != nil {
					return sdp.Result{}, ctx.Err()
				}
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break
				}
				return sdp.Result{}, fmt.Errorf("sdp: %w", err)
			}
			from := addrPort(src)
			if cm == nil || cm.IfIndex != ifi.Index {
				log.Debug("sdp: dropped datagram from another interface", "from", from)
				continue
			}
			if err := eng.HandleDatagram(time.Now(), from, buf[:n]); err != nil {
				log.Info("sdp: rejected answer", "from", from, "reason", err)
			}
			break // let the engine decide what comes next
		}
	}
}

func addrPort(a net.Addr) netip.AddrPort {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.AddrPort()
	}
	return netip.AddrPort{}
}
