package v2gtls

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors naming the profile rule a handshake broke. Handshake
// errors returned by [Dial] and [Listener.Accept] wrap one of them (or a
// *[ChainError]) whenever the cause is known; see [MapError].
var (
	// ErrVersion: the peer offered or selected a TLS version outside the
	// profile (-20: TLS 1.3 only; -2: TLS 1.2 only).
	ErrVersion = errors.New("v2gtls: TLS version outside the profile")
	// ErrNoClientCertificate: a -20 EVCC sent no vehicle certificate.
	ErrNoClientCertificate = errors.New("v2gtls: no client certificate")
	// ErrOCSPMissing: the SECC stapled no OCSP response although the EVCC
	// requires one.
	ErrOCSPMissing = errors.New("v2gtls: no OCSP response stapled")
	// ErrOCSPInvalid: the stapled OCSP response does not verify or says the
	// certificate is revoked; the pki error is wrapped beside it.
	ErrOCSPInvalid = errors.New("v2gtls: stapled OCSP response invalid")
	// ErrEd448: Ed448 credentials were configured; crypto/tls has no ed448
	// signature scheme, so the -20 Ed448 family cannot be used (see the
	// package documentation).
	ErrEd448 = errors.New("v2gtls: Ed448 credentials are not supported by crypto/tls")
)

// ChainError reports a peer certificate chain that failed ISO 15118 path
// validation. Err is usually a *pki.ValidationError, so errors.As reaches
// its Reason, and errors.Is matches the pki.Reason sentinels.
type ChainError struct {
	// Peer names the authenticated side: "vehicle" or "SECC".
	Peer string
	// Err is the validation failure.
	Err error
}

// Error describes the failure with the peer role.
func (e *ChainError) Error() string {
	return "v2gtls: " + e.Peer + " certificate chain: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *ChainError) Unwrap() error { return e.Err }

// MapError classifies a crypto/tls handshake error. Errors that already
// wrap a v2gtls sentinel or *ChainError (those raised in our
// VerifyConnection) are returned unchanged. crypto/tls reports version
// failures only as text (its errors are not exported), so MapError
// recognises the messages Go 1.26 uses, on both sides:
//
//   - server: "client offered only unsupported versions"
//   - client: "server selected unsupported protocol version"
//   - either: the protocol_version alert from the peer
//     ("protocol version not supported")
//
// and wraps ErrVersion around the original. Everything else (including a
// peer's bad_certificate alert, which cannot say which rule the peer
// applied) is returned prefixed but otherwise unclassified. A nil error
// maps to nil.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	var ce *ChainError
	if errors.As(err, &ce) || errors.Is(err, ErrVersion) || errors.Is(err, ErrNoClientCertificate) ||
		errors.Is(err, ErrOCSPMissing) || errors.Is(err, ErrOCSPInvalid) {
		return err
	}
	msg := err.Error()
	for _, s := range []string{
		"client offered only unsupported versions",
		"server selected unsupported protocol version",
		"protocol version not supported",
		"unsupported protocol version",
	} {
		if strings.Contains(msg, s) {
			return fmt.Errorf("%w: %w", ErrVersion, err)
		}
	}
	return fmt.Errorf("v2gtls: handshake: %w", err)
}
