// Package sdpnet runs SDP over real sockets: [Server] is the SECC side,
// [Client] the EVCC side, both on IPv6 link-local multicast (ff02::1, UDP
// port 15118) on one explicitly named interface. The protocol logic lives
// in package [github.com/v2gstack/iso15118/sdp]; this package owns the
// sockets, the goroutine and the clock.
//
// On Linux a socket bound to the wildcard address receives the datagrams
// of every multicast group joined on the host for its port, on every
// interface. The Server therefore reads the destination address and
// arrival interface of each datagram (IPV6_RECVPKTINFO) and drops what
// did not arrive on its interface for ff02::1.
package sdpnet
