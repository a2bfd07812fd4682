package v2gtls

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/v2gstack/iso15118/pki"
)

// Profile is the ISO 15118 TLS profile a connection negotiated.
type Profile int

// The profiles.
const (
	// ProfileUnknown is the zero value: no completed handshake, or a
	// version neither profile allows.
	ProfileUnknown Profile = iota
	// ProfileISO20 is the ISO 15118-20 profile: TLS 1.3, mutual
	// authentication, secp521r1.
	ProfileISO20
	// ProfileISO2 is the ISO 15118-2 profile: TLS 1.2,
	// TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, secp256r1, server-only
	// authentication.
	ProfileISO2
)

// String returns the standard's name.
func (p Profile) String() string {
	switch p {
	case ProfileISO20:
		return "ISO 15118-20"
	case ProfileISO2:
		return "ISO 15118-2"
	default:
		return "unknown"
	}
}

// ProfileOf returns the profile of a TLS version number.
func ProfileOf(version uint16) Profile {
	switch version {
	case tls.VersionTLS13:
		return ProfileISO20
	case tls.VersionTLS12:
		return ProfileISO2
	default:
		return ProfileUnknown
	}
}

// ServerOptions configures the SECC side. The zero value is not usable:
// Chain and Key are required, and for the -20 profile so is ClientRoots.
type ServerOptions struct {
	// Chain is the SECC certificate chain as sent: leaf first, then the
	// sub-CAs in issuing order, root excluded.
	Chain []*pki.Certificate
	// Key is the private key of Chain[0].
	Key crypto.Signer
	// ClientRoots anchor the vehicle certificate (OEM and/or V2G roots,
	// [V2G20-2331]). Their subjects also go into the CertificateRequest's
	// certificate_authorities ([V2G20-2401]). Ignored by the -2 profile.
	ClientRoots []*pki.Certificate
	// EVCCID, when set, must equal the vehicle leaf's CN.
	EVCCID string
	// CRLs are consulted for vehicle chain certificates.
	CRLs []*pki.RevocationList
	// OCSPStaple is the DER OCSP response stapled for Chain[0]. When nil,
	// OCSPStapleFile is read, and when that is empty OCSPResponder is
	// asked once at build time. All empty: nothing is stapled.
	OCSPStaple     []byte
	OCSPStapleFile string
	OCSPResponder  *pki.OCSPResponder
	// Time is the clock for crypto/tls and for chain validation; nil
	// means time.Now.
	Time func() time.Time
	// KeyLogWriter, when set, receives TLS secrets in NSS key log
	// (SSLKEYLOGFILE) format. Debugging only: it breaks confidentiality.
	KeyLogWriter io.Writer
}

// ClientOptions configures the EVCC side.
type ClientOptions struct {
	// Chain is the vehicle certificate chain (leaf first, sub-CAs, root
	// excluded) and Key its private key; required by the -20 profile,
	// ignored by the -2 profile.
	Chain []*pki.Certificate
	Key   crypto.Signer
	// Roots are the V2G roots that must anchor the SECC chain; required.
	Roots []*pki.Certificate
	// RequireOCSP makes the handshake fail with ErrOCSPMissing when the
	// SECC staples nothing. A stapled response is always verified.
	RequireOCSP bool
	// ServerName, when set, is sent as SNI. The SECC certificate is never
	// matched against it (SECCs are addressed by link-local IP).
	ServerName string
	// Time is the clock; nil means time.Now.
	Time func() time.Time
	// KeyLogWriter: see ServerOptions.KeyLogWriter.
	KeyLogWriter io.Writer
}

func clock(f func() time.Time) func() time.Time {
	if f == nil {
		return time.Now
	}
	return f
}

// tlsCertificate converts a pki chain plus key into a tls.Certificate
// restricted to sig.
func tlsCertificate(chain []*pki.Certificate, key crypto.Signer, sig tls.SignatureScheme) (tls.Certificate, error) {
	if len(chain) == 0 || key == nil {
		return tls.Certificate{}, errors.New("v2gtls: certificate chain and key are required")
	}
	want := pki.FamilyP521
	if sig == tls.ECDSAWithP256AndSHA256 {
		want = pki.FamilyP256
	}
	if f := pki.FamilyOf(key.Public()); f != want {
		if f == pki.FamilyEd448 {
			return tls.Certificate{}, ErrEd448
		}
		return tls.Certificate{}, fmt.Errorf("v2gtls: key of family %v, the profile needs %v", f, want)
	}
	c := tls.Certificate{PrivateKey: key, Leaf: chain[0].Certificate, SupportedSignatureAlgorithms: []tls.SignatureScheme{sig}}
	for _, cert := range chain {
		if cert == nil || cert.Certificate == nil {
			return tls.Certificate{}, errors.New("v2gtls: nil certificate in chain")
		}
		c.Certificate = append(c.Certificate, cert.Raw)
	}
	return c, nil
}

func staple(opts *ServerOptions) ([]byte, error) {
	switch {
	case opts.OCSPStaple != nil:
		return append([]byte(nil), opts.OCSPStaple...), nil
	case opts.OCSPStapleFile != "":
		b, err := os.ReadFile(opts.OCSPStapleFile)
		if err != nil {
			return nil, fmt.Errorf("v2gtls: OCSP staple: %w", err)
		}
		return b, nil
	case opts.OCSPResponder != nil:
		b, err := opts.OCSPResponder.Respond(opts.Chain[0])
		if err != nil {
			return nil, fmt.Errorf("v2gtls: OCSP staple: %w", err)
		}
		return b, nil
	}
	return nil, nil
}

func parsePeer(raw [][]byte) ([]*pki.Certificate, error) {
	chain, err := pki.ParseCertificates(raw)
	if err != nil {
		return nil, err
	}
	return chain, nil
}

func rootPool(roots []*pki.Certificate) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r.Certificate)
	}
	return pool
}

// ServerConfig returns a new -20 SECC configuration: TLS 1.3 only,
// secp521r1, ECDSA-P521-SHA512, a CertificateRequest on every handshake
// and the vehicle chain validated by pki.Verify (role vehicle leaf,
// anchored at ClientRoots, clock Time) in VerifyConnection; session
// tickets disabled, so no resumption and no 0-RTT (crypto/tls never
// accepts early data). The leaf's OCSP response is stapled.
//
// The returned config is the caller's; it must not be modified once in
// use. Clone it to derive variants.
func ServerConfig(opts ServerOptions) (*tls.Config, error) {
	if len(opts.ClientRoots) == 0 {
		return nil, errors.New("v2gtls: ServerOptions.ClientRoots is empty")
	}
	cert, err := tlsCertificate(opts.Chain, opts.Key, tls.ECDSAWithP521AndSHA512)
	if err != nil {
		return nil, err
	}
	if cert.OCSPStaple, err = staple(&opts); err != nil {
		return nil, err
	}
	now := clock(opts.Time)
	roots := append([]*pki.Certificate(nil), opts.ClientRoots...)
	crls := append([]*pki.RevocationList(nil), opts.CRLs...)
	evccid := opts.EVCCID
	return &tls.Config{
		MinVersion:       tls.VersionTLS13,
		MaxVersion:       tls.VersionTLS13,
		CurvePreferences: []tls.CurveID{tls.CurveP521},
		Certificates:     []tls.Certificate{cert},
		// RequestClientCert rather than RequireAnyClientCert, so that a
		// missing certificate reaches VerifyConnection and fails with
		// ErrNoClientCertificate instead of an unexported crypto/tls error.
		ClientAuth:             tls.RequestClientCert,
		ClientCAs:              rootPool(roots),
		SessionTicketsDisabled: true,
		Time:                   now,
		KeyLogWriter:           opts.KeyLogWriter,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if cs.Version != tls.VersionTLS13 {
				return ErrVersion
			}
			if len(cs.PeerCertificates) == 0 {
				return ErrNoClientCertificate
			}
			raw := make([][]byte, len(cs.PeerCertificates))
			for i, c := range cs.PeerCertificates {
				raw[i] = c.Raw
			}
			chain, err := parsePeer(raw)
			if err == nil {
				_, err = pki.Verify(chain, pki.VerifyOptions{Roots: roots, Now: now, Role: pki.RoleVehicleLeaf, EVCCID: evccid, CRLs: crls})
			}
			if err != nil {
				return &ChainError{Peer: "vehicle", Err: err}
			}
			return nil
		},
	}, nil
}

// ClientConfig returns a new -20 EVCC configuration: TLS 1.3 only,
// secp521r1, the vehicle certificate, no session cache, and the SECC
// chain validated by pki.Verify (role SECC leaf, anchored at Roots) and
// its stapled OCSP response by pki.VerifyOCSPResponse in
// VerifyConnection. crypto/x509 verification is replaced, not added to
// (InsecureSkipVerify is set and VerifyConnection does the work).
func ClientConfig(opts ClientOptions) (*tls.Config, error) {
	cert, err := tlsCertificate(opts.Chain, opts.Key, tls.ECDSAWithP521AndSHA512)
	if err != nil {
		return nil, err
	}
	cfg, err := clientConfig(opts, tls.VersionTLS13)
	if err != nil {
		return nil, err
	}
	cfg.CurvePreferences = []tls.CurveID{tls.CurveP521}
	cfg.Certificates = []tls.Certificate{cert}
	return cfg, nil
}

func clientConfig(opts ClientOptions, version uint16) (*tls.Config, error) {
	if len(opts.Roots) == 0 {
		return nil, errors.New("v2gtls: ClientOptions.Roots is empty")
	}
	now := clock(opts.Time)
	roots := append([]*pki.Certificate(nil), opts.Roots...)
	requireOCSP := opts.RequireOCSP
	return &tls.Config{
		MinVersion:             version,
		MaxVersion:             version,
		ServerName:             opts.ServerName,
		InsecureSkipVerify:     true, // replaced by VerifyConnection below
		SessionTicketsDisabled: true,
		Time:                   now,
		KeyLogWriter:           opts.KeyLogWriter,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if cs.Version != version {
				return ErrVersion
			}
			return verifySECC(cs, roots, now, requireOCSP)
		},
	}, nil
}

func verifySECC(cs tls.ConnectionState, roots []*pki.Certificate, now func() time.Time, requireOCSP bool) error {
	raw := make([][]byte, len(cs.PeerCertificates))
	for i, c := range cs.PeerCertificates {
		raw[i] = c.Raw
	}
	chain, err := parsePeer(raw)
	var path []*pki.Certificate
	if err == nil {
		path, err = pki.Verify(chain, pki.VerifyOptions{Roots: roots, Now: now, Role: pki.RoleSECCLeaf})
	}
	if err != nil {
		return &ChainError{Peer: "SECC", Err: err}
	}
	if len(cs.OCSPResponse) == 0 {
		if requireOCSP {
			return ErrOCSPMissing
		}
		return nil
	}
	if len(path) < 2 {
		return fmt.Errorf("%w: no issuer for the SECC leaf", ErrOCSPInvalid)
	}
	if _, err := pki.VerifyOCSPResponse(cs.OCSPResponse, path[0], path[1], now(), 0); err != nil {
		return fmt.Errorf("%w: %w", ErrOCSPInvalid, err)
	}
	return nil
}

// ServerConfigISO2 returns a new -2 SECC configuration: TLS 1.2 only,
// TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, secp256r1,
// ECDSA-P256-SHA256, no client certificate, no session tickets. Chain
// and Key must be of the P-256 family; ClientRoots, EVCCID and CRLs are
// ignored.
func ServerConfigISO2(opts ServerOptions) (*tls.Config, error) {
	cert, err := tlsCertificate(opts.Chain, opts.Key, tls.ECDSAWithP256AndSHA256)
	if err != nil {
		return nil, err
	}
	if cert.OCSPStaple, err = staple(&opts); err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:             tls.VersionTLS12,
		MaxVersion:             tls.VersionTLS12,
		CipherSuites:           []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256},
		CurvePreferences:       []tls.CurveID{tls.CurveP256},
		Certificates:           []tls.Certificate{cert},
		ClientAuth:             tls.NoClientCert,
		SessionTicketsDisabled: true,
		Time:                   clock(opts.Time),
		KeyLogWriter:           opts.KeyLogWriter,
	}, nil
}

// ClientConfigISO2 returns a new -2 EVCC configuration: TLS 1.2 only,
// TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, secp256r1, no client
// certificate, the SECC chain validated by pki.Verify against Roots
// (P-256 family) and a stapled OCSP response, if any, verified.
func ClientConfigISO2(opts ClientOptions) (*tls.Config, error) {
	cfg, err := clientConfig(opts, tls.VersionTLS12)
	if err != nil {
		return nil, err
	}
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256}
	cfg.CurvePreferences = []tls.CurveID{tls.CurveP256}
	return cfg, nil
}
