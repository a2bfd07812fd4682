package pki

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

// OCSP certificate status values, the same as golang.org/x/crypto/ocsp.
const (
	OCSPGood    = ocsp.Good
	OCSPRevoked = ocsp.Revoked
	OCSPUnknown = ocsp.Unknown
)

var (
	oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidSHA1      = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

// MaxOCSPResponseSize bounds the DER size ParseOCSPResponse accepts.
const MaxOCSPResponseSize = 16 << 10

// maxOCSPSingleResponses bounds the SingleResponses read from one response.
const maxOCSPSingleResponses = 16

// OCSPStatus is the status a responder reports for one certificate.
type OCSPStatus struct {
	// Status is OCSPGood, OCSPRevoked or OCSPUnknown.
	Status int
	// RevokedAt and Reason (an RFC 5280 CRLReason) apply to OCSPRevoked.
	RevokedAt time.Time
	Reason    int
}

// OCSPResponder answers OCSP for the certificates one CA issued, signing
// with that CA's key (no delegated responder certificate). Use it for
// stapling on the SECC side and as a test responder.
type OCSPResponder struct {
	// Issuer is the CA whose certificates the responder speaks for; Key is
	// its private key.
	Issuer *Certificate
	Key    crypto.Signer
	// Now is the clock (thisUpdate and producedAt); required.
	Now func() time.Time
	// Validity is nextUpdate − thisUpdate; 0 means DefaultMaxOCSPValidity.
	Validity time.Duration
	// Status returns the status for a serial number; nil means all good.
	Status func(serial *big.Int) OCSPStatus
}

// Respond returns a signed DER OCSP response for cert.
func (r *OCSPResponder) Respond(cert *Certificate) ([]byte, error) {
	if cert == nil || !bytes.Equal(cert.RawIssuer, r.Issuer.RawSubject) {
		return nil, errors.New("pki: ocsp: certificate not issued by the responder's CA")
	}
	return r.respond(cert.SerialNumber)
}

// RespondRequest answers a DER OCSP request (RFC 6960), as an HTTP
// responder would. A request for another CA gets an error.
func (r *OCSPResponder) RespondRequest(req []byte) ([]byte, error) {
	q, err := ocsp.ParseRequest(req)
	if err != nil {
		return nil, &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: err}
	}
	nameHash, keyHash, err := issuerHashes(r.Issuer, q.HashAlgorithm)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(nameHash, q.IssuerNameHash) || !bytes.Equal(keyHash, q.IssuerKeyHash) {
		return nil, errors.New("pki: ocsp: request for another issuer")
	}
	return r.respond(q.SerialNumber)
}

func (r *OCSPResponder) respond(serial *big.Int) ([]byte, error) {
	if r.Now == nil {
		return nil, errors.New("pki: ocsp: OCSPResponder.Now is nil")
	}
	st := OCSPStatus{Status: OCSPGood}
	if r.Status != nil {
		st = r.Status(serial)
	}
	v := r.Validity
	if v == 0 {
		v = DefaultMaxOCSPValidity
	}
	now := r.Now()
	return CreateOCSPResponse(r.Issuer, r.Key, serial, st, now, now.Add(v))
}

// CreateOCSPResponse builds a BasicOCSPResponse for one certificate serial,
// signed directly by the issuing CA (responderID byKey), and wraps it in a
// successful OCSPResponse. The structure is encoded by hand so that Ed448
// signatures work like ECDSA ones.
func CreateOCSPResponse(issuer *Certificate, key crypto.Signer, serial *big.Int, st OCSPStatus, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	fam := issuer.Family
	if fam == FamilyUnknown || FamilyOf(key.Public()) != fam {
		return nil, errors.New("pki: ocsp: key does not match the issuer's family")
	}
	nameHash, keyHash, err := issuerHashes(issuer, crypto.SHA1)
	if err != nil {
		return nil, err
	}
	thisUpdate, nextUpdate = thisUpdate.UTC().Truncate(time.Second), nextUpdate.UTC().Truncate(time.Second)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ResponseData
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(keyHash) // responderID byKey
		})
		b.AddASN1GeneralizedTime(thisUpdate) // producedAt
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SingleResponse
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // CertID
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidSHA1)
						b.AddASN1NULL()
					})
					b.AddASN1OctetString(nameHash)
					b.AddASN1OctetString(keyHash)
					b.AddASN1BigInt(serial)
				})
				switch st.Status {
				case OCSPGood:
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
				case OCSPRevoked:
					b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1GeneralizedTime(st.RevokedAt.UTC().Truncate(time.Second))
						if st.Reason != 0 {
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1Enum(int64(st.Reason))
							})
						}
					})
				default:
					b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
				}
				b.AddASN1GeneralizedTime(thisUpdate)
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1GeneralizedTime(nextUpdate)
				})
			})
		})
	})
	tbs, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: ocsp: %w", err)
	}
	basic, err := signed(tbs, fam, key)
	if err != nil {
		return nil, err
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(0) // successful
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidOCSPBasic)
				b.AddASN1OctetString(basic)
			})
		})
	})
	der, err := out.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: ocsp: %w", err)
	}
	return der, nil
}

// issuerHashes returns the CertID issuerNameHash and issuerKeyHash.
func issuerHashes(issuer *Certificate, h crypto.Hash) ([]byte, []byte, error) {
	bits, err := publicKeyBits(issuer.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: ocsp: issuer key: %w", err)
	}
	switch h {
	case crypto.SHA1:
		n, k := sha1.Sum(issuer.RawSubject), sha1.Sum(bits)
		return n[:], k[:], nil
	case crypto.SHA256:
		n, k := sha256.Sum256(issuer.RawSubject), sha256.Sum256(bits)
		return n[:], k[:], nil
	}
	return nil, nil, fmt.Errorf("pki: ocsp: unsupported CertID hash %v", h)
}

// OCSPResponse is a parsed successful OCSP response with a
// BasicOCSPResponse. Byte slices alias the parsed input.
type OCSPResponse struct {
	// TBS is the DER ResponseData, the signed bytes.
	TBS          []byte
	SignatureOID asn1.ObjectIdentifier
	Signature    []byte
	// Exactly one of RawResponderName and ResponderKeyHash is set.
	RawResponderName []byte
	ResponderKeyHash []byte
	ProducedAt       time.Time
	Responses        []OCSPSingleResponse
	// Certificates are the DER certificates sent with the response.
	Certificates [][]byte
}

// OCSPSingleResponse is one SingleResponse of an OCSP response.
type OCSPSingleResponse struct {
	HashOID        asn1.ObjectIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
	OCSPStatus
	ThisUpdate time.Time
	// NextUpdate is the zero time when absent.
	NextUpdate time.Time
}

var errOCSPMalformed = errors.New("malformed OCSP response")

// ParseOCSPResponse parses a DER OCSPResponse without checking its
// signature. Errors are *ValidationError with ReasonMalformed, or
// ReasonRevocationUnknown for a non-successful response status.
func ParseOCSPResponse(der []byte) (*OCSPResponse, error) {
	malformed := func(what string) error {
		return &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: fmt.Errorf("%w: %s", errOCSPMalformed, what)}
	}
	if len(der) > MaxOCSPResponseSize {
		return nil, malformed("too large")
	}
	in := cryptobyte.String(der)
	var resp, rb, basicDER cryptobyte.String
	var status int
	var typ asn1.ObjectIdentifier
	if !in.ReadASN1(&resp, cbasn1.SEQUENCE) || !in.Empty() || !resp.ReadASN1Enum(&status) {
		return nil, malformed("OCSPResponse")
	}
	if status != 0 {
		return nil, &ValidationError{Reason: ReasonRevocationUnknown, Depth: -1, Err: fmt.Errorf("OCSP response status %v", ocsp.ResponseStatus(status))}
	}
	if !resp.ReadASN1(&rb, cbasn1.Tag(0).Constructed().ContextSpecific()) || !resp.Empty() ||
		!rb.ReadASN1(&rb, cbasn1.SEQUENCE) || !rb.ReadASN1ObjectIdentifier(&typ) ||
		!rb.ReadASN1(&basicDER, cbasn1.OCTET_STRING) || !rb.Empty() {
		return nil, malformed("ResponseBytes")
	}
	if !typ.Equal(oidOCSPBasic) {
		return nil, malformed("response type is not id-pkix-ocsp-basic")
	}
	var basic, tbsRaw, certs cryptobyte.String
	var sig asn1.BitString
	var hasCerts bool
	r := &OCSPResponse{}
	if !basicDER.ReadASN1(&basic, cbasn1.SEQUENCE) || !basicDER.Empty() || !basic.ReadASN1Element(&tbsRaw, cbasn1.SEQUENCE) {
		return nil, malformed("BasicOCSPResponse")
	}
	oid, _, ok := readAlgorithmIdentifier(&basic)
	if !ok || !basic.ReadASN1BitString(&sig) || sig.BitLength%8 != 0 ||
		!basic.ReadOptionalASN1(&certs, &hasCerts, cbasn1.Tag(0).Constructed().ContextSpecific()) || !basic.Empty() {
		return nil, malformed("BasicOCSPResponse")
	}
	r.TBS, r.SignatureOID, r.Signature = tbsRaw, oid, sig.Bytes
	if hasCerts {
		var seq cryptobyte.String
		if !certs.ReadASN1(&seq, cbasn1.SEQUENCE) || !certs.Empty() {
			return nil, malformed("certs")
		}
		for !seq.Empty() {
			var c cryptobyte.String
			if !seq.ReadASN1Element(&c, cbasn1.SEQUENCE) || len(r.Certificates) >= MaxSubCAs+1 {
				return nil, malformed("certs")
			}
			r.Certificates = append(r.Certificates, c)
		}
	}

	var rd, rid, list cryptobyte.String
	tbs := tbsRaw
	if !tbs.ReadASN1(&rd, cbasn1.SEQUENCE) {
		return nil, malformed("ResponseData")
	}
	var version int64
	if !rd.ReadOptionalASN1Integer(&version, cbasn1.Tag(0).Constructed().ContextSpecific(), int64(0)) || version != 0 {
		return nil, malformed("ResponseData version")
	}
	switch {
	case rd.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()):
		var name cryptobyte.String
		if !rd.ReadASN1(&rid, cbasn1.Tag(1).Constructed().ContextSpecific()) || !rid.ReadASN1Element(&name, cbasn1.SEQUENCE) || !rid.Empty() {
			return nil, malformed("responderID")
		}
		r.RawResponderName = name
	case rd.PeekASN1Tag(cbasn1.Tag(2).Constructed().ContextSpecific()):
		var kh cryptobyte.String
		if !rd.ReadASN1(&rid, cbasn1.Tag(2).Constructed().ContextSpecific()) || !rid.ReadASN1(&kh, cbasn1.OCTET_STRING) || !rid.Empty() {
			return nil, malformed("responderID")
		}
		r.ResponderKeyHash = kh
	default:
		return nil, malformed("responderID")
	}
	if !rd.ReadASN1GeneralizedTime(&r.ProducedAt) || !rd.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, malformed("ResponseData")
	}
	// responseExtensions (e.g. a nonce) are accepted and ignored unless critical.
	if err := skipExtensions(&rd, cbasn1.Tag(1).Constructed().ContextSpecific()); err != nil || !rd.Empty() {
		return nil, malformed("responseExtensions")
	}
	for !list.Empty() {
		if len(r.Responses) == maxOCSPSingleResponses {
			return nil, malformed("too many SingleResponses")
		}
		s, err := readSingleResponse(&list)
		if err != nil {
			return nil, malformed(err.Error())
		}
		r.Responses = append(r.Responses, s)
	}
	if len(r.Responses) == 0 {
		return nil, malformed("no SingleResponse")
	}
	return r, nil
}

func readSingleResponse(list *cryptobyte.String) (OCSPSingleResponse, error) {
	var s OCSPSingleResponse
	var sr, cid, nameHash, keyHash cryptobyte.String
	if !list.ReadASN1(&sr, cbasn1.SEQUENCE) || !sr.ReadASN1(&cid, cbasn1.SEQUENCE) {
		return s, errors.New("SingleResponse")
	}
	oid, _, ok := readAlgorithmIdentifier(&cid)
	s.SerialNumber = new(big.Int)
	if !ok || !cid.ReadASN1(&nameHash, cbasn1.OCTET_STRING) || !cid.ReadASN1(&keyHash, cbasn1.OCTET_STRING) ||
		!cid.ReadASN1Integer(s.SerialNumber) || !cid.Empty() {
		return s, errors.New("CertID")
	}
	s.HashOID, s.IssuerNameHash, s.IssuerKeyHash = oid, nameHash, keyHash
	var st cryptobyte.String
	switch {
	case sr.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		if !sr.ReadASN1(&st, cbasn1.Tag(0).ContextSpecific()) || !st.Empty() {
			return s, errors.New("certStatus")
		}
		s.Status = OCSPGood
	case sr.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()):
		var reason cryptobyte.String
		var has bool
		if !sr.ReadASN1(&st, cbasn1.Tag(1).Constructed().ContextSpecific()) || !st.ReadASN1GeneralizedTime(&s.RevokedAt) ||
			!st.ReadOptionalASN1(&reason, &has, cbasn1.Tag(0).Constructed().ContextSpecific()) || !st.Empty() {
			return s, errors.New("revokedInfo")
		}
		if has {
			var v int
			if !reason.ReadASN1Enum(&v) || !reason.Empty() || v < 0 || v > 10 {
				return s, errors.New("revocationReason")
			}
			s.Reason = v
		}
		s.Status = OCSPRevoked
	case sr.PeekASN1Tag(cbasn1.Tag(2).ContextSpecific()):
		if !sr.ReadASN1(&st, cbasn1.Tag(2).ContextSpecific()) || !st.Empty() {
			return s, errors.New("certStatus")
		}
		s.Status = OCSPUnknown
	default:
		return s, errors.New("certStatus")
	}
	var next cryptobyte.String
	var hasNext bool
	if !sr.ReadASN1GeneralizedTime(&s.ThisUpdate) ||
		!sr.ReadOptionalASN1(&next, &hasNext, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return s, errors.New("thisUpdate/nextUpdate")
	}
	if hasNext && (!next.ReadASN1GeneralizedTime(&s.NextUpdate) || !next.Empty()) {
		return s, errors.New("nextUpdate")
	}
	if err := skipExtensions(&sr, cbasn1.Tag(1).Constructed().ContextSpecific()); err != nil || !sr.Empty() {
		return s, errors.New("singleExtensions")
	}
	return s, nil
}

// skipExtensions reads an optional [tag] EXPLICIT Extensions and fails on
// any critical one.
func skipExtensions(s *cryptobyte.String, tag cbasn1.Tag) error {
	var wrap, exts cryptobyte.String
	var has bool
	if !s.ReadOptionalASN1(&wrap, &has, tag) {
		return errOCSPMalformed
	}
	if !has {
		return nil
	}
	if !wrap.ReadASN1(&exts, cbasn1.SEQUENCE) || !wrap.Empty() {
		return errOCSPMalformed
	}
	for !exts.Empty() {
		var e, val cryptobyte.String
		var id asn1.ObjectIdentifier
		var critical bool
		if !exts.ReadASN1(&e, cbasn1.SEQUENCE) || !e.ReadASN1ObjectIdentifier(&id) ||
			!e.ReadOptionalASN1Boolean(&critical, cbasn1.BOOLEAN, false) || !e.ReadASN1(&val, cbasn1.OCTET_STRING) || !e.Empty() {
			return errOCSPMalformed
		}
		if critical {
			return fmt.Errorf("critical extension %v", id)
		}
	}
	return nil
}

// VerifyOCSPResponse checks a DER OCSP response for cert, issued by issuer,
// at now: the signature (by issuer, or by a delegated responder
// certificate issuer signed for id-kp-OCSPSigning), the responder ID, the
// CertID, thisUpdate ≤ now ≤ nextUpdate, and nextUpdate − thisUpdate ≤
// maxValidity (0 means DefaultMaxOCSPValidity). It returns the matching
// SingleResponse when the status is good; a revoked certificate fails with
// ReasonRevoked, everything else with ReasonRevocationUnknown (or
// ReasonMalformed for bad DER).
func VerifyOCSPResponse(der []byte, cert, issuer *Certificate, now time.Time, maxValidity time.Duration) (*OCSPSingleResponse, error) {
	if maxValidity == 0 {
		maxValidity = DefaultMaxOCSPValidity
	}
	unknown := func(format string, args ...any) error {
		return &ValidationError{Reason: ReasonRevocationUnknown, Depth: -1, Cert: cert, Err: fmt.Errorf("ocsp: "+format, args...)}
	}
	r, err := ParseOCSPResponse(der)
	if err != nil {
		return nil, err
	}
	signer := issuer
	if len(r.Certificates) > 0 {
		rc, err := ParseCertificate(r.Certificates[0])
		if err != nil {
			return nil, unknown("responder certificate: %w", err)
		}
		if !rc.Equal(issuer) {
			if err := checkSignature(issuer.PublicKey, rc.SignatureOID, rc.RawTBSCertificate, rc.Signature); err != nil ||
				!bytes.Equal(rc.RawIssuer, issuer.RawSubject) {
				return nil, unknown("responder certificate not issued by the CA")
			}
			if !hasEKU(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
				return nil, unknown("responder certificate lacks id-kp-OCSPSigning")
			}
			if now.Before(rc.NotBefore) || now.After(rc.NotAfter) {
				return nil, unknown("responder certificate outside its validity")
			}
			signer = rc
		}
	}
	if r.ResponderKeyHash != nil {
		_, kh, err := issuerHashes(signer, crypto.SHA1)
		if err != nil || !bytes.Equal(kh, r.ResponderKeyHash) {
			return nil, unknown("responder key hash does not match the signer")
		}
	} else if !bytes.Equal(r.RawResponderName, signer.RawSubject) {
		return nil, unknown("responder name does not match the signer")
	}
	if err := checkSignature(signer.PublicKey, r.SignatureOID, r.TBS, r.Signature); err != nil {
		return nil, unknown("%w", err)
	}
	var single *OCSPSingleResponse
	for i := range r.Responses {
		s := &r.Responses[i]
		var h crypto.Hash
		switch {
		case s.HashOID.Equal(oidSHA1):
			h = crypto.SHA1
		case s.HashOID.Equal(oidSHA256):
			h = crypto.SHA256
		default:
			continue
		}
		nh, kh, err := issuerHashes(issuer, h)
		if err == nil && s.SerialNumber.Cmp(cert.SerialNumber) == 0 && bytes.Equal(nh, s.IssuerNameHash) && bytes.Equal(kh, s.IssuerKeyHash) {
			single = s
			break
		}
	}
	if single == nil {
		return nil, unknown("no response for serial %v", cert.SerialNumber)
	}
	switch {
	case single.NextUpdate.IsZero():
		return nil, unknown("no nextUpdate")
	case now.Before(single.ThisUpdate):
		return nil, unknown("thisUpdate %v is in the future", single.ThisUpdate)
	case now.After(single.NextUpdate):
		return nil, unknown("stale: nextUpdate %v", single.NextUpdate)
	case single.NextUpdate.Sub(single.ThisUpdate) > maxValidity:
		return nil, unknown("validity %v exceeds %v", single.NextUpdate.Sub(single.ThisUpdate), maxValidity)
	}
	switch single.Status {
	case OCSPGood:
		return single, nil
	case OCSPRevoked:
		return nil, &ValidationError{Reason: ReasonRevoked, Depth: -1, Cert: cert, Err: fmt.Errorf("ocsp: revoked at %v, reason %d", single.RevokedAt, single.Reason)}
	}
	return nil, unknown("status unknown")
}
