package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/cloudflare/circl/sign/ed448"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Family is a credential family: the key type and signature algorithm that
// every certificate of one chain shares.
type Family int

// The credential families. ISO 15118-20 uses FamilyP521 and FamilyEd448
// ([V2G20-2674], [V2G20-2319]); FamilyP256 is the ISO 15118-2 family kept for
// backward compatibility.
const (
	// FamilyUnknown is the zero value: a key this package does not accept.
	FamilyUnknown Family = iota
	// FamilyP256 is secp256r1 keys with ecdsa-with-SHA256 (ISO 15118-2).
	FamilyP256
	// FamilyP521 is secp521r1 keys with ecdsa-with-SHA512 (ISO 15118-20).
	FamilyP521
	// FamilyEd448 is Ed448 keys with pure Ed448 signatures (ISO 15118-20).
	FamilyEd448
)

// String returns the family's name as used by the CLI and manifest:
// "p256", "p521", "ed448" or "unknown".
func (f Family) String() string {
	switch f {
	case FamilyP256:
		return "p256"
	case FamilyP521:
		return "p521"
	case FamilyEd448:
		return "ed448"
	}
	return "unknown"
}

// ParseFamily is the inverse of [Family.String].
func ParseFamily(s string) (Family, error) {
	for _, f := range []Family{FamilyP256, FamilyP521, FamilyEd448} {
		if f.String() == s {
			return f, nil
		}
	}
	return FamilyUnknown, fmt.Errorf("pki: unknown family %q (want p256, p521 or ed448)", s)
}

// Object identifiers used by the families.
var (
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd448           = asn1.ObjectIdentifier{1, 3, 101, 113}
)

// OIDEd448 returns id-Ed448, 1.3.101.113 (RFC 8410), the object identifier
// of both Ed448 public keys and Ed448 signatures.
func OIDEd448() asn1.ObjectIdentifier { return cloneOID(oidEd448) }

func cloneOID(o asn1.ObjectIdentifier) asn1.ObjectIdentifier {
	return append(asn1.ObjectIdentifier(nil), o...)
}

// SignatureOID returns the object identifier of the family's signature
// algorithm, or nil for FamilyUnknown.
func (f Family) SignatureOID() asn1.ObjectIdentifier {
	switch f {
	case FamilyP256:
		return cloneOID(oidECDSAWithSHA256)
	case FamilyP521:
		return cloneOID(oidECDSAWithSHA512)
	case FamilyEd448:
		return cloneOID(oidEd448)
	}
	return nil
}

func (f Family) hash() crypto.Hash {
	switch f {
	case FamilyP256:
		return crypto.SHA256
	case FamilyP521:
		return crypto.SHA512
	}
	return 0
}

// FamilyOf returns the family of a public or private key: *ecdsa.PublicKey
// on P-256 or P-521, ed448.PublicKey, or the matching private keys. Every
// other key yields FamilyUnknown.
func FamilyOf(key crypto.PublicKey) Family {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return FamilyP256
		case elliptic.P521():
			return FamilyP521
		}
	case ed448.PublicKey:
		if len(k) == ed448.PublicKeySize {
			return FamilyEd448
		}
	case *ecdsa.PrivateKey:
		return FamilyOf(&k.PublicKey)
	case ed448.PrivateKey:
		if len(k) == ed448.PrivateKeySize {
			return FamilyEd448
		}
	}
	return FamilyUnknown
}

// GenerateKey creates a fresh private key of the family from crypto/rand.
// The result is an *ecdsa.PrivateKey or an ed448.PrivateKey; both implement
// crypto.Signer.
func GenerateKey(f Family) (crypto.Signer, error) {
	switch f {
	case FamilyP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case FamilyP521:
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case FamilyEd448:
		_, priv, err := ed448.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("pki: ed448 key: %w", err)
		}
		return priv, nil
	}
	return nil, fmt.Errorf("pki: cannot generate a key for family %v", f)
}

// errSignature reports a signature that does not verify; errSigAlg a
// signature algorithm that does not belong to the signer's family.
var (
	errSignature = errors.New("pki: signature does not verify")
	errSigAlg    = errors.New("pki: signature algorithm does not match the signer's key family")
)

// sign signs msg (a TBS structure) with key under the rules of family f.
func sign(key crypto.Signer, f Family, msg []byte) ([]byte, error) {
	if got := FamilyOf(key.Public()); got != f {
		return nil, fmt.Errorf("pki: signing key is %v, want %v", got, f)
	}
	switch f {
	case FamilyP256, FamilyP521:
		h := f.hash().New()
		h.Write(msg)
		sig, err := key.Sign(rand.Reader, h.Sum(nil), f.hash())
		if err != nil {
			return nil, fmt.Errorf("pki: sign: %w", err)
		}
		return sig, nil
	case FamilyEd448:
		if k, ok := key.(ed448.PrivateKey); ok {
			return ed448.Sign(k, msg, ""), nil
		}
		sig, err := key.Sign(rand.Reader, msg, ed448.SignerOptions{Hash: crypto.Hash(0), Scheme: ed448.ED448})
		if err != nil {
			return nil, fmt.Errorf("pki: sign: %w", err)
		}
		return sig, nil
	}
	return nil, fmt.Errorf("pki: cannot sign with family %v", f)
}

// checkSignature verifies sig over msg with pub, requiring that sigOID is
// the signature algorithm of pub's family. It returns errSigAlg or
// errSignature (wrapped) on failure.
func checkSignature(pub crypto.PublicKey, sigOID asn1.ObjectIdentifier, msg, sig []byte) error {
	f := FamilyOf(pub)
	if f == FamilyUnknown {
		return fmt.Errorf("%w: unsupported signer key %T", errSigAlg, pub)
	}
	if !sigOID.Equal(f.SignatureOID()) {
		return fmt.Errorf("%w: %v key, algorithm %v", errSigAlg, f, sigOID)
	}
	switch f {
	case FamilyP256, FamilyP521:
		var d []byte
		if f == FamilyP256 {
			s := sha256.Sum256(msg)
			d = s[:]
		} else {
			s := sha512.Sum512(msg)
			d = s[:]
		}
		if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d, sig) {
			return errSignature
		}
	case FamilyEd448:
		if !ed448.Verify(pub.(ed448.PublicKey), msg, sig, "") {
			return errSignature
		}
	}
	return nil
}

// addAlgorithmIdentifier appends the signature AlgorithmIdentifier of f.
// All three algorithms are encoded with absent parameters (RFC 5758, RFC 8410).
func addAlgorithmIdentifier(b *cryptobyte.Builder, f Family) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(f.SignatureOID())
	})
}

// readAlgorithmIdentifier reads an AlgorithmIdentifier and returns its OID
// and whether parameters were present.
func readAlgorithmIdentifier(s *cryptobyte.String) (asn1.ObjectIdentifier, bool, bool) {
	var ai cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&ai, cbasn1.SEQUENCE) || !ai.ReadASN1ObjectIdentifier(&oid) {
		return nil, false, false
	}
	return oid, !ai.Empty(), true
}

// MarshalPKIXPublicKey encodes a public key of any family as a DER
// SubjectPublicKeyInfo. Ed448 keys are encoded by hand per RFC 8410.
func MarshalPKIXPublicKey(pub crypto.PublicKey) ([]byte, error) {
	switch FamilyOf(pub) {
	case FamilyP256, FamilyP521:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		return der, nil
	case FamilyEd448:
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidEd448)
			})
			b.AddASN1BitString(pub.(ed448.PublicKey))
		})
		return b.Bytes()
	}
	return nil, fmt.Errorf("pki: unsupported public key type %T", pub)
}

// ParsePKIXPublicKey decodes a DER SubjectPublicKeyInfo holding a P-256,
// P-521 or Ed448 key. Other keys are rejected.
func ParsePKIXPublicKey(der []byte) (crypto.PublicKey, error) {
	in := cryptobyte.String(der)
	var spki cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&spki, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errors.New("pki: malformed SubjectPublicKeyInfo")
	}
	oid, params, ok := readAlgorithmIdentifier(&spki)
	if !ok || !spki.ReadASN1BitString(&bits) || !spki.Empty() {
		return nil, errors.New("pki: malformed SubjectPublicKeyInfo")
	}
	if oid.Equal(oidEd448) {
		if params {
			return nil, errors.New("pki: Ed448 key with parameters")
		}
		if bits.BitLength != 8*ed448.PublicKeySize {
			return nil, errors.New("pki: Ed448 key of wrong length")
		}
		return ed448.PublicKey(bytes.Clone(bits.Bytes)), nil
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	if f := FamilyOf(pub); f != FamilyP256 && f != FamilyP521 {
		return nil, fmt.Errorf("pki: unsupported public key type %T", pub)
	}
	return pub, nil
}

// MarshalPKCS8PrivateKey encodes a private key of any family as DER PKCS#8.
// Ed448 keys are written per RFC 8410: the 57-byte seed as a
// CurvePrivateKey OCTET STRING, algorithm id-Ed448.
func MarshalPKCS8PrivateKey(key crypto.Signer) ([]byte, error) {
	switch FamilyOf(key.Public()) {
	case FamilyP256, FamilyP521:
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		return der, nil
	case FamilyEd448:
		k, ok := key.(ed448.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("pki: cannot export Ed448 key of type %T", key)
		}
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(0)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidEd448)
			})
			b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(k.Seed())
			})
		})
		return b.Bytes()
	}
	return nil, fmt.Errorf("pki: unsupported private key type %T", key)
}

// ParsePKCS8PrivateKey decodes DER PKCS#8 holding a P-256, P-521 or Ed448
// private key. The result implements crypto.Signer.
func ParsePKCS8PrivateKey(der []byte) (crypto.Signer, error) {
	in := cryptobyte.String(der)
	var p8, inner, seed cryptobyte.String
	var version int64
	if !in.ReadASN1(&p8, cbasn1.SEQUENCE) || !in.Empty() || !p8.ReadASN1Integer(&version) {
		return nil, errors.New("pki: malformed PKCS#8")
	}
	oid, params, ok := readAlgorithmIdentifier(&p8)
	if !ok {
		return nil, errors.New("pki: malformed PKCS#8")
	}
	if oid.Equal(oidEd448) {
		// Version 0 only; the optional attributes and public key of
		// OneAsymmetricKey (RFC 5958) are ignored.
		if version != 0 || params || !p8.ReadASN1(&inner, cbasn1.OCTET_STRING) ||
			!inner.ReadASN1(&seed, cbasn1.OCTET_STRING) || !inner.Empty() || len(seed) != ed448.SeedSize {
			return nil, errors.New("pki: malformed Ed448 PKCS#8")
		}
		return ed448.NewKeyFromSeed(seed), nil
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	k, ok := key.(*ecdsa.PrivateKey)
	if !ok || FamilyOf(k) == FamilyUnknown {
		return nil, fmt.Errorf("pki: unsupported private key type %T", key)
	}
	return k, nil
}
