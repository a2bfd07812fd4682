// Package sdp implements the SECC Discovery Protocol of ISO 15118-20 (and
// -2): the UDP datagrams an EVCC multicasts to find the charging station's
// TCP/TLS endpoint, and the station's unicast answer. It performs no I/O:
// socket drivers live in package [github.com/v2gstack/iso15118/sdp/sdpnet].
//
// # Codec
//
// [AppendRequest], [ParseRequest], [AppendResponse] and [ParseResponse]
// handle the V2GTP-framed SECCDiscoveryReq (payload type 0x9000, 2 bytes)
// and SECCDiscoveryRes (0x9001, 20 bytes); the wireless variants (0x9002,
// 0x9003) have their own functions. Parsers check, in order: the datagram
// length, the V2GTP version pair, the payload type, the payload length,
// then each field. Every rejection wraps one of the exported Err
// sentinels, so callers branch with errors.Is. On error a parser returns
// the zero value, never a partly filled message.
//
// # Client engine
//
// [Client] is the EVCC's retry logic as a sans-I/O state machine: the
// caller passes the current time into every call and owns the socket.
// It sends a request, waits [DefaultRetryInterval] (250 ms, [V2G20-159])
// for a valid answer, resends [V2G20-160] and gives up after
// [DefaultMaxRequests] (50) requests [V2G20-161] with a *[NoResponseError]
// that matches [ErrNoResponse]. After the first valid answer it stops
// sending and keeps listening for a grace window, so that a second SECC
// answering differently on the same link (a misconfiguration or a spoofing
// race) is reported in [Result.Conflicts] instead of going unnoticed.
//
// A driver loop looks like this:
//
//	for {
//		send, deadline := c.Next(now())
//		if c.Done() {
//			return c.Result()
//		}
//		if send != nil {
//			// write send to [ff02::1%iface]:15118
//		}
//		// read until deadline; for each datagram:
//		//     c.HandleDatagram(now(), src, b)
//	}
//
// # Server side
//
// [Offer] holds the endpoints an SECC serves and chooses the answer to a
// request by the -2 answer table ([V2G2-625]..[V2G2-627]); a -20-only SECC
// offers TLS only.
//
// # Wireless
//
// The wireless messages (ISO 15118-8, payload types 0x9002 and 0x9003) are
// encoded and parsed with the field layout of ISO 15118-20 Table 26 for
// the response; the request layout and the DiagStatus codes are not
// confirmed by the standard's text available to this project. The
// [Client] engine handles PLC discovery only.
package sdp
