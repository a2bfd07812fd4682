package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Certificate is a parsed certificate of any family. The embedded
// x509.Certificate carries the parsed fields; for Ed448 certificates, which
// crypto/x509 parses with PublicKeyAlgorithm Unknown, PublicKey is set to
// the ed448.PublicKey by [ParseCertificate]. Do not use the x509 signature
// methods (CheckSignatureFrom and friends): they cannot handle Ed448 and
// skip the ISO rules; use [Verify].
type Certificate struct {
	*x509.Certificate
	// Family is the family of the certificate's own key, FamilyUnknown for
	// keys this package does not accept.
	Family Family
	// SignatureOID is the algorithm the issuer signed the certificate with.
	SignatureOID asn1.ObjectIdentifier
}

// MaxCertificateSize bounds the DER size ParseCertificate accepts: the -20
// schema allows 1600 bytes; some slack is left for foreign PKIs.
const MaxCertificateSize = 4096

// ParseCertificate parses one DER certificate. Errors are
// *[ValidationError] with ReasonMalformed (for bad DER, trailing data or a
// certificate over MaxCertificateSize). Keys outside the three families are
// not an error here: the certificate has Family FamilyUnknown and fails
// [Verify] with ReasonKeyType.
func ParseCertificate(der []byte) (*Certificate, error) {
	if len(der) > MaxCertificateSize {
		return nil, &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: fmt.Errorf("certificate of %d bytes exceeds %d", len(der), MaxCertificateSize)}
	}
	xc, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: err}
	}
	c := &Certificate{Certificate: xc}
	if c.SignatureOID, err = signatureOID(xc.Raw); err != nil {
		return nil, &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: err}
	}
	if xc.PublicKeyAlgorithm == x509.UnknownPublicKeyAlgorithm {
		if pub, err := ParsePKIXPublicKey(xc.RawSubjectPublicKeyInfo); err == nil {
			xc.PublicKey = pub
		}
	}
	c.Family = FamilyOf(xc.PublicKey)
	return c, nil
}

// ParseCertificates parses a concatenation of DER certificates, as found in
// a TLS Certificate message or an ISO SubCertificates list.
func ParseCertificates(der [][]byte) ([]*Certificate, error) {
	out := make([]*Certificate, 0, len(der))
	for i, d := range der {
		c, err := ParseCertificate(d)
		if err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				ve.Depth = i
			}
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ParsePEMCertificates parses every CERTIFICATE block of PEM data.
func ParsePEMCertificates(data []byte) ([]*Certificate, error) {
	var out []*Certificate
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: errors.New("no CERTIFICATE block in PEM data")}
	}
	return out, nil
}

// PEM returns the certificate as a PEM CERTIFICATE block.
func (c *Certificate) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// Template describes a certificate for [CreateCertificate]. Use
// [Profile.Template] to start from an ISO profile.
type Template struct {
	// SerialNumber nil means a random positive 127-bit serial.
	SerialNumber        *big.Int
	Subject             pkix.Name
	NotBefore, NotAfter time.Time
	// IsCA and MaxPathLen (-1: absent) fill basic constraints.
	IsCA       bool
	MaxPathLen int
	// KeyUsage 0 leaves the extension out.
	KeyUsage    x509.KeyUsage
	ExtKeyUsage []x509.ExtKeyUsage
	// OmitBasicConstraints leaves basic constraints out; NonCritical writes
	// key usage and basic constraints as non-critical. Both exist to build
	// non-conforming certificates in tests.
	OmitBasicConstraints bool
	NonCritical          bool
	// ExtraExtensions are appended verbatim.
	ExtraExtensions []pkix.Extension
}

// CreateCertificate builds and signs a certificate for pub from tmpl. The
// TBSCertificate is encoded by hand so that all families, Ed448 included,
// share one encoder. issuer nil makes a self-signed certificate signed by
// key; otherwise key must be the issuer's private key. It returns the DER.
func CreateCertificate(tmpl *Template, pub crypto.PublicKey, issuer *Certificate, key crypto.Signer) ([]byte, error) {
	fam := FamilyOf(key.Public())
	if fam == FamilyUnknown {
		return nil, fmt.Errorf("pki: unsupported signing key %T", key)
	}
	spki, err := MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	subject, err := asn1.Marshal(tmpl.Subject.ToRDNSequence())
	if err != nil {
		return nil, fmt.Errorf("pki: subject: %w", err)
	}
	skid, err := subjectKeyID(spki)
	if err != nil {
		return nil, err
	}
	issuerName, akid := subject, skid
	if issuer != nil {
		issuerName, akid = issuer.RawSubject, issuer.SubjectKeyId
		if k, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(issuer.PublicKey) {
			return nil, errors.New("pki: signing key does not belong to the issuer")
		}
	}
	serial := tmpl.SerialNumber
	if serial == nil {
		serial, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
		if err != nil {
			return nil, fmt.Errorf("pki: serial: %w", err)
		}
		serial.Add(serial, big.NewInt(1))
	}
	exts, err := tmpl.extensions(skid, akid)
	if err != nil {
		return nil, err
	}

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1Int64(2) // v3
		})
		b.AddASN1BigInt(serial)
		addAlgorithmIdentifier(b, fam)
		b.AddBytes(issuerName)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addTime(b, tmpl.NotBefore)
			addTime(b, tmpl.NotAfter)
		})
		b.AddBytes(subject)
		b.AddBytes(spki)
		if len(exts) > 0 {
			b.AddASN1(cbasn1.Tag(3).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, e := range exts {
						addExtension(b, e)
					}
				})
			})
		}
	})
	tbs, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: encode certificate: %w", err)
	}
	return signed(tbs, fam, key)
}

// signatureOID returns the outer signatureAlgorithm of a signed structure
// (certificate or CRL: SEQUENCE { tbs, signatureAlgorithm, signature }),
// rejecting Ed448 with parameters (RFC 8410).
func signatureOID(raw []byte) (asn1.ObjectIdentifier, error) {
	in := cryptobyte.String(raw)
	var outer cryptobyte.String
	if !in.ReadASN1(&outer, cbasn1.SEQUENCE) || !outer.SkipASN1(cbasn1.SEQUENCE) {
		return nil, errors.New("bad signed structure")
	}
	oid, params, ok := readAlgorithmIdentifier(&outer)
	if !ok {
		return nil, errors.New("bad signature algorithm")
	}
	if params && oid.Equal(oidEd448) {
		return nil, errors.New("Ed448 signature algorithm with parameters")
	}
	return oid, nil
}

// signed wraps tbs as SEQUENCE { tbs, algorithm, BIT STRING signature }, the
// shape shared by certificates, CRLs and BasicOCSPResponse.
func signed(tbs []byte, fam Family, key crypto.Signer) ([]byte, error) {
	sig, err := sign(key, fam, tbs)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		addAlgorithmIdentifier(b, fam)
		b.AddASN1BitString(sig)
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: encode: %w", err)
	}
	return out, nil
}

// addTime writes UTCTime through 2049 and GeneralizedTime after (RFC 5280).
func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if t.Year() >= 1950 && t.Year() < 2050 {
		b.AddASN1UTCTime(t)
	} else {
		b.AddASN1GeneralizedTime(t)
	}
}

func addExtension(b *cryptobyte.Builder, e pkix.Extension) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(e.Id)
		if e.Critical {
			b.AddASN1Boolean(true)
		}
		b.AddASN1OctetString(e.Value)
	})
}

// subjectKeyID is RFC 5280 method 1: SHA-1 of the subjectPublicKey bits.
func subjectKeyID(spki []byte) ([]byte, error) {
	bits, err := publicKeyBits(spki)
	if err != nil {
		return nil, err
	}
	h := sha1.Sum(bits)
	return h[:], nil
}

// publicKeyBits returns the subjectPublicKey BIT STRING contents of a DER
// SubjectPublicKeyInfo, the input of key identifiers and OCSP key hashes.
func publicKeyBits(spki []byte) ([]byte, error) {
	in := cryptobyte.String(spki)
	var s cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&s, cbasn1.SEQUENCE) || !s.SkipASN1(cbasn1.SEQUENCE) || !s.ReadASN1BitString(&bits) {
		return nil, errors.New("pki: malformed SubjectPublicKeyInfo")
	}
	return bits.Bytes, nil
}

func (t *Template) extensions(skid, akid []byte) ([]pkix.Extension, error) {
	var exts []pkix.Extension
	crit := !t.NonCritical
	if t.KeyUsage != 0 {
		exts = append(exts, pkix.Extension{Id: oidKeyUsage, Critical: crit, Value: marshalKeyUsage(t.KeyUsage)})
	}
	if !t.OmitBasicConstraints {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if t.IsCA {
				b.AddASN1Boolean(true)
			}
			if t.MaxPathLen >= 0 {
				b.AddASN1Int64(int64(t.MaxPathLen))
			}
		})
		v, err := b.Bytes()
		if err != nil {
			return nil, fmt.Errorf("pki: basic constraints: %w", err)
		}
		exts = append(exts, pkix.Extension{Id: oidBasicConstr, Critical: crit, Value: v})
	}
	if len(t.ExtKeyUsage) > 0 {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, u := range t.ExtKeyUsage {
				oid, ok := extKeyUsageOID(u)
				if !ok {
					b.SetError(fmt.Errorf("unsupported ext key usage %d", u))
					return
				}
				b.AddASN1ObjectIdentifier(oid)
			}
		})
		v, err := b.Bytes()
		if err != nil {
			return nil, fmt.Errorf("pki: ext key usage: %w", err)
		}
		exts = append(exts, pkix.Extension{Id: oidExtKeyUsage, Value: v})
	}
	v, _ := asn1.Marshal(skid)
	exts = append(exts, pkix.Extension{Id: oidSubjectKeyID, Value: v})
	if len(akid) > 0 {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(akid) })
		})
		v, err := b.Bytes()
		if err != nil {
			return nil, fmt.Errorf("pki: authority key id: %w", err)
		}
		exts = append(exts, pkix.Extension{Id: oidAuthorityKeyID, Value: v})
	}
	return append(exts, t.ExtraExtensions...), nil
}

func extKeyUsageOID(u x509.ExtKeyUsage) (asn1.ObjectIdentifier, bool) {
	switch u {
	case x509.ExtKeyUsageServerAuth:
		return asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}, true
	case x509.ExtKeyUsageClientAuth:
		return asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}, true
	case x509.ExtKeyUsageOCSPSigning:
		return asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}, true
	}
	return nil, false
}

// marshalKeyUsage encodes the KeyUsage BIT STRING with the minimal number
// of bits, as crypto/x509 does.
func marshalKeyUsage(ku x509.KeyUsage) []byte {
	var a [2]byte
	for i := 0; i < 9; i++ {
		if ku&(1<<i) != 0 {
			a[i/8] |= 0x80 >> (i % 8)
		}
	}
	l := 1
	if a[1] != 0 {
		l = 2
	}
	bitLen := l * 8
	for bitLen > 0 && a[(bitLen-1)/8]&(0x80>>((bitLen-1)%8)) == 0 {
		bitLen--
	}
	v, _ := asn1.Marshal(asn1.BitString{Bytes: a[:l], BitLength: bitLen})
	return v
}

// Equal reports whether c and o are the same certificate (same DER).
func (c *Certificate) Equal(o *Certificate) bool {
	return c != nil && o != nil && c.Certificate != nil && o.Certificate != nil && bytes.Equal(c.Raw, o.Raw)
}
