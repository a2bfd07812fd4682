package sdpnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"golang.org/x/net/ipv6"

	"github.com/v2gstack/iso15118/sdp"
)

// allNodes returns the group SDP requests are sent to, ff02::1.
func allNodes() net.IP { return net.ParseIP("ff02::1") }

// ErrNoInterface reports a configuration without an interface name: SDP
// is link-local, so the interface must always be explicit.
var ErrNoInterface = errors.New("sdp: no interface given")

// ServerConfig configures a [Server].
type ServerConfig struct {
	// Interface is the name of the PLC interface to serve on. Required.
	Interface string
	// Port is the UDP port to listen on; 0 means sdp.Port (15118).
	Port int
	// TLSPort is the TCP port of the station's TLS endpoint; 0 if none.
	TLSPort uint16
	// TCPPort is the TCP port of a plain endpoint. Leave it 0 unless the
	// station also serves ISO 15118-2 or DIN 70121 without TLS there: a
	// -20-only SECC never offers plain TCP.
	TCPPort uint16
	// Logger receives a record for each dropped datagram with the
	// reason: malformed or unservable requests at Info, datagrams for
	// other groups or interfaces at Debug. nil means slog.Default().
	Logger *slog.Logger
	// Control, if set, is called on the socket before it is bound (see
	// net.ListenConfig.Control), for example to set SO_REUSEPORT.
	Control func(network, address string, c syscall.RawConn) error
}

// Server answers SDP requests on one interface. It is started by
// [Listen] and runs until its context is cancelled or [Server.Close] is
// called.
type Server struct {
	group net.IP
	pc    *ipv6.PacketConn
	conn  net.PacketConn
	ifi   *net.Interface
	offer sdp.Offer
	log   *slog.Logger
	stop  func() bool
	wg    sync.WaitGroup
	mu    sync.Mutex
	err   error
}

// Listen opens the SDP socket on cfg.Interface, joins ff02::1 there and
// starts answering in a goroutine that the Server owns. The advertised
// address is the interface's link-local address. Cancelling ctx stops
// the server; [Server.Wait] waits for it.
func Listen(ctx context.Context, cfg ServerConfig) (*Server, error) {
	if cfg.Interface == "" {
		return nil, ErrNoInterface
	}
	ifi, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("sdp: %w", err)
	}
	ll, err := linkLocal(ifi)
	if err != nil {
		return nil, err
	}
	offer := sdp.Offer{Addr: ll, TLSPort: cfg.TLSPort, TCPPort: cfg.TCPPort}
	if err := offer.Validate(); err != nil {
		return nil, err
	}
	port := cfg.Port
	if port == 0 {
		port = sdp.Port
	}
	lc := net.ListenConfig{Control: cfg.Control}
	conn, err := lc.ListenPacket(ctx, "udp6", fmt.Sprintf("[::]:%d", port))
	if err != nil {
		return nil, fmt.Errorf("sdp: %w", err)
	}
	pc := ipv6.NewPacketConn(conn)
	if err := pc.JoinGroup(ifi, &net.UDPAddr{IP: allNodes()}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sdp: joining ff02::1 on %s: %w", ifi.Name, err)
	}
	if err := pc.SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, true); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sdp: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{group: allNodes(), pc: pc, conn: conn, ifi: ifi, offer: offer,
		log: log.With("iface", ifi.Name, "port", port)}
	s.stop = context.AfterFunc(ctx, func() { s.conn.Close() })
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// linkLocal returns the interface's IPv6 link-local unicast address.
func linkLocal(ifi *net.Interface) (netip.Addr, error) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("sdp: %w", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Is6() && !ip.Is4In6() && ip.IsLinkLocalUnicast() {
				return ip, nil
			}
		}
	}
	return netip.Addr{}, fmt.Errorf("%w: %s has none", sdp.ErrAddrNotLinkLocal, ifi.Name)
}

// Offer returns what the server advertises.
func (s *Server) Offer() sdp.Offer { return s.offer }

// LocalAddr returns the address the socket is bound to.
func (s *Server) LocalAddr() net.Addr { return s.conn.LocalAddr() }

func (s *Server) serve() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	out := make([]byte, 0, 64)
	for {
		n, cm, src, err := s.pc.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.mu.Lock()
				s.err = fmt.Errorf("sdp: server read: %w", err)
				s.mu.Unlock()
			}
			return
		}
		if reason := s.accept(cm); reason != "" {
			// Traffic for other groups or interfaces: not SDP's business,
			// so only at debug level.
			s.log.Debug("sdp: dropped datagram", "from", src, "reason", reason)
			continue
		}
		req, err := sdp.ParseRequest(buf[:n])
		if err != nil {
			s.log.Info("sdp: dropped datagram", "from", src, "reason", err)
			continue
		}
		res, err := s.offer.Answer(req)
		if err != nil {
			s.log.Info("sdp: dropped request", "from", src, "request", req, "reason", err)
			continue
		}
		out = sdp.AppendResponse(out[:0], res)
		if _, err := s.pc.WriteTo(out, &ipv6.ControlMessage{IfIndex: s.ifi.Index}, src); err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("sdp: answer not sent", "to", src, "reason", err)
		}
	}
}

// accept returns why a datagram with control message cm is not for this
// server, or "".
func (s *Server) accept(cm *ipv6.ControlMessage) string {
	switch {
	case cm == nil:
		return "no packet information"
	case cm.IfIndex != s.ifi.Index:
		return fmt.Sprintf("arrived on interface index %d, not %s", cm.IfIndex, s.ifi.Name)
	case !cm.Dst.Equal(s.group):
		return fmt.Sprintf("sent to %v, not ff02::1", cm.Dst)
	}
	return ""
}

// Close stops the server and waits for its goroutine. It returns the
// error that ended serving early, if any.
func (s *Server) Close() error {
	s.stop()
	s.conn.Close()
	return s.Wait()
}

// Wait waits until the server has stopped (its context was cancelled or
// Close was called) and returns the error that ended serving early, if
// any.
func (s *Server) Wait() error {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
