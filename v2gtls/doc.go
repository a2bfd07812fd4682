// Package v2gtls builds the ISO 15118-20 and ISO 15118-2 TLS profiles on
// crypto/tls, using package pki for every certificate decision.
//
// # Profiles
//
// [ServerConfig] and [ClientConfig] return the -20 profile for the SECC
// and the EVCC: TLS 1.3 only, secp521r1 as the only group,
// ECDSA-P521-SHA512 certificates, mutual authentication (the SECC always
// sends a CertificateRequest carrying its vehicle roots as
// certificate_authorities), no session tickets, hence no resumption and
// no 0-RTT. The SECC validates the vehicle chain with [pki.Verify] (role
// vehicle leaf) and the EVCC the SECC chain (role SECC leaf) plus the
// stapled OCSP response ([pki.VerifyOCSPResponse]), both in
// tls.Config.VerifyConnection at the injected clock. [ServerConfigISO2]
// and [ClientConfigISO2] return the -2 profile: TLS 1.2,
// TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, secp256r1, server-only
// authentication.
//
// Every builder returns a new *tls.Config; [Dial], [Client], [Server] and
// [NewListener] clone the config they are given and never modify it.
//
// # Connections
//
// [Dial] and [Listener.Accept] run the handshake explicitly with
// HandshakeContext, so a context bounds it, and return a [Conn] exposing
// the negotiated [Profile] and the peer's chain.
//
// # Errors
//
// Rules broken in our VerifyConnection surface as [ErrNoClientCertificate],
// [ErrOCSPMissing], [ErrOCSPInvalid], [ErrVersion] or a *[ChainError]
// wrapping the *pki.ValidationError. crypto/tls's own failures are
// unexported error values; [MapError] recognises the version failures by
// their text and wraps [ErrVersion]. What cannot be mapped: alerts the
// peer sends (bad_certificate, handshake_failure, …) say nothing about
// which of its rules failed (a -20 EVCC whose chain the peer rejects
// sees only "remote error: tls: bad certificate", in TLS 1.3 often on the
// first Read after a successful Dial, because the client finishes its
// handshake before the server has checked the client certificate); a
// missing common group or signature algorithm (e.g. an X448-only peer:
// "tls: no key exchanges supported by both client and server") is a
// generic handshake failure. Context cancellation wraps ctx.Err().
//
// The -2 profile has no status_request_v2 (RFC 6961, [V2G2-873]) and no
// trusted_ca_keys ([V2G2-651]) in crypto/tls; the -2 EVCC verifies a
// status_request staple when one arrives. One SECC serving both profiles
// on one port ([V2G20-2359]) is not built here: it needs
// GetConfigForClient choosing by ClientHelloInfo.SupportedVersions.
//
// # Key logging
//
// ServerOptions.KeyLogWriter and ClientOptions.KeyLogWriter write the
// secrets in NSS key log format (the SSLKEYLOGFILE format Wireshark
// reads). Off by default; debugging only.
//
// # What crypto/tls cannot do for -20
//
// Checked against the Go 1.26 sources (crypto/tls); each point has a
// TestGap… test that documents today's behaviour:
//
//   - No X448 key exchange (Table 7, [V2G20-1634]/[V2G20-1637]): the
//     CurveID list has X25519, P-256/384/521 and the ML-KEM hybrids only.
//     An X448-only peer fails the handshake.
//
//   - No Ed448 signatures (Table 8, [V2G20-2319]): no SignatureScheme for
//     ed448, so the Ed448 credential family cannot be used in TLS.
//
//   - The TLS 1.3 cipher-suite list is not configurable
//     (Config.CipherSuites applies to TLS 1.2 only). defaults.go offers
//     TLS_AES_128_GCM_SHA256 first, which Table 6 excludes, and the
//     order [V2G20-1856]/[V2G20-1858] cannot be set; a peer offering only
//     TLS_AES_128_GCM_SHA256 gets it.
//
//   - The server cannot read the client's certificate_authorities
//     ([V2G20-1007]/[V2G20-2379]): clientHelloMsg does not parse it and
//     ClientHelloInfo.Extensions only shows that extension 47 was sent,
//     so the SECC cannot pick its chain by the roots the EV named.
//
//   - The client cannot send certificate_authorities ([V2G20-1006]).
//
//   - No max_fragment_length ([V2G20-2446]/[V2G20-2447]); the extension is
//     ignored and records go up to 2^14 bytes.
//
//   - One OCSP staple only, for the leaf (tls.Certificate.OCSPStaple):
//     [V2G20-2388] asks for one per chain certificate, so the EVCC here
//     can check the leaf's revocation only.
//
//   - The server's TLS 1.3 CertificateRequest always carries
//     status_request, against [V2G20-2407]: sendServerCertificate in
//     handshake_server_tls13.go sets certReq.ocspStapling = true (and
//     certReq.scts = true) unconditionally, and certificateRequestMsgTLS13
//     marshals it as an empty status_request extension. No Config field
//     turns it off.
//
//   - Signature algorithms are restricted per certificate
//     (tls.Certificate.SupportedSignatureAlgorithms), not per config, so
//     the CertificateRequest lists every scheme Go supports, with
//     ecdsa_secp521r1_sha512 near the end, instead of Table 8 in order
//     ([V2G20-1667]); the ClientHello likewise.
//
// Resumption and 0-RTT are off: SessionTicketsDisabled on both sides, no
// ClientSessionCache, and crypto/tls never accepts early data.
package v2gtls
