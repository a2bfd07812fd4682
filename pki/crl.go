package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var oidCRLNumber = asn1.ObjectIdentifier{2, 5, 29, 20}

// MaxCRLSize bounds the DER size ParseRevocationList accepts.
const MaxCRLSize = 1 << 20

// RevocationList is a parsed CRL of any family: the embedded
// x509.RevocationList holds the fields (crypto/x509 parses Ed448 CRLs with
// SignatureAlgorithm Unknown), SignatureOID the issuer's algorithm. Use
// [RevocationList.CheckSignatureFrom], not the x509 method.
type RevocationList struct {
	*x509.RevocationList
	SignatureOID asn1.ObjectIdentifier
}

// RevokedEntry is one revoked serial for [CreateRevocationList].
type RevokedEntry struct {
	SerialNumber *big.Int
	RevokedAt    time.Time
}

// CreateRevocationList builds a v2 CRL signed by issuer's key, with the
// authority key identifier and the CRL number, for every family. The
// encoding is by hand so that Ed448 CRLs are possible.
func CreateRevocationList(issuer *Certificate, key crypto.Signer, number *big.Int, thisUpdate, nextUpdate time.Time, revoked []RevokedEntry) ([]byte, error) {
	fam := issuer.Family
	if fam == FamilyUnknown || FamilyOf(key.Public()) != fam {
		return nil, errors.New("pki: crl: key does not match the issuer's family")
	}
	if issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, errors.New("pki: crl: issuer lacks cRLSign")
	}
	var akid cryptobyte.Builder
	akid.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(issuer.SubjectKeyId) })
	})
	akidDER, err := akid.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: crl: %w", err)
	}
	numDER, err := asn1.Marshal(number)
	if err != nil {
		return nil, fmt.Errorf("pki: crl: %w", err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1) // v2
		addAlgorithmIdentifier(b, fam)
		b.AddBytes(issuer.RawSubject)
		addTime(b, thisUpdate)
		addTime(b, nextUpdate)
		if len(revoked) > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, r := range revoked {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1BigInt(r.SerialNumber)
						addTime(b, r.RevokedAt)
					})
				}
			})
		}
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addExtension(b, extension(oidAuthorityKeyID, akidDER))
				addExtension(b, extension(oidCRLNumber, numDER))
			})
		})
	})
	tbs, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: crl: %w", err)
	}
	return signed(tbs, fam, key)
}

// ParseRevocationList parses a DER CRL of any family without checking its
// signature. Errors are *ValidationError with ReasonMalformed.
func ParseRevocationList(der []byte) (*RevocationList, error) {
	if len(der) > MaxCRLSize {
		return nil, &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: errors.New("CRL too large")}
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: err}
	}
	oid, err := signatureOID(rl.Raw)
	if err != nil {
		return nil, &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: fmt.Errorf("crl: %w", err)}
	}
	return &RevocationList{RevocationList: rl, SignatureOID: oid}, nil
}

// CheckSignatureFrom verifies that issuer signed the CRL: matching names,
// cRLSign key usage and a valid signature of the issuer's family.
func (l *RevocationList) CheckSignatureFrom(issuer *Certificate) error {
	if !bytes.Equal(l.RawIssuer, issuer.RawSubject) {
		return errors.New("pki: crl: issuer name mismatch")
	}
	if issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return errors.New("pki: crl: issuer lacks cRLSign")
	}
	return checkSignature(issuer.PublicKey, l.SignatureOID, l.RawTBSRevocationList, l.Signature)
}

// Revoked reports whether serial is listed.
func (l *RevocationList) Revoked(serial *big.Int) (RevokedEntry, bool) {
	for _, e := range l.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(serial) == 0 {
			return RevokedEntry{SerialNumber: e.SerialNumber, RevokedAt: e.RevocationTime}, true
		}
	}
	return RevokedEntry{}, false
}

func extension(id asn1.ObjectIdentifier, v []byte) pkix.Extension {
	return pkix.Extension{Id: id, Value: v}
}

// checkRevocation consults, for every non-root certificate of path, its
// stapled OCSP response, else a current CRL signed by its issuer.
func checkRevocation(path []*Certificate, opts VerifyOptions, now time.Time) error {
	for i := 0; i < len(path)-1; i++ {
		c, issuer := path[i], path[i+1]
		if i < len(opts.OCSP) && opts.OCSP[i] != nil {
			_, err := VerifyOCSPResponse(opts.OCSP[i], c, issuer, now, opts.MaxOCSPValidity)
			if err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) {
					return &ValidationError{Reason: ReasonRevocationUnknown, Depth: i, Cert: c, Err: err}
				}
				if ve.Reason != ReasonRevoked && ve.Reason != ReasonRevocationUnknown {
					ve.Err = fmt.Errorf("OCSP response %v: %w", ve.Reason, ve.Err)
					ve.Reason = ReasonRevocationUnknown
				}
				ve.Depth, ve.Cert = i, c
				return ve
			}
			continue
		}
		checked := false
		for _, l := range opts.CRLs {
			if l == nil || !bytes.Equal(l.RawIssuer, issuer.RawSubject) || l.CheckSignatureFrom(issuer) != nil {
				continue
			}
			if now.Before(l.ThisUpdate) || !l.NextUpdate.IsZero() && now.After(l.NextUpdate) {
				continue
			}
			if e, ok := l.Revoked(c.SerialNumber); ok {
				return &ValidationError{Reason: ReasonRevoked, Depth: i, Cert: c, Err: fmt.Errorf("crl: revoked at %v", e.RevokedAt)}
			}
			checked = true
		}
		if !checked && opts.RequireRevocation {
			return &ValidationError{Reason: ReasonRevocationUnknown, Depth: i, Cert: c, Err: errors.New("no OCSP response and no current CRL")}
		}
	}
	return nil
}
