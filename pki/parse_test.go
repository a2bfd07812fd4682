package pki_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
)

func TestParseCertificateRejects(t *testing.T) {
	p := genPKI(t, pki.FamilyEd448)
	der := p.Cert(pki.RoleSECCLeaf).Raw
	for name, in := range map[string][]byte{
		"nil":       nil,
		"garbage":   []byte("not a certificate"),
		"truncated": der[:len(der)-10],
		"trailing":  append(bytes.Clone(der), 0),
		"oversized": make([]byte, pki.MaxCertificateSize+1),
	} {
		_, err := pki.ParseCertificate(in)
		var ve *pki.ValidationError
		if !errors.As(err, &ve) || ve.Reason != pki.ReasonMalformed {
			t.Errorf("%s: %v, want ReasonMalformed", name, err)
		}
	}
	if _, err := pki.ParsePEMCertificates([]byte("no pem here")); !errors.Is(err, pki.ReasonMalformed) {
		t.Errorf("PEM without blocks: %v", err)
	}
	if _, err := pki.ParseCertificates([][]byte{der, {1, 2, 3}}); !errors.Is(err, pki.ReasonMalformed) {
		t.Errorf("ParseCertificates: %v", err)
	}
}

// An RSA certificate parses with FamilyUnknown and fails validation with
// ReasonKeyType, whether as leaf or as root.
func TestRSARejected(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, der)
	if c.Family != pki.FamilyUnknown {
		t.Fatalf("family %v", c.Family)
	}
	_, err = pki.Verify([]*pki.Certificate{c}, pki.VerifyOptions{Roots: []*pki.Certificate{c}, Now: clock})
	if !errors.Is(err, pki.ReasonKeyType) {
		t.Fatalf("got %v", err)
	}
	if _, err := pki.MarshalPKIXPublicKey(&k.PublicKey); err == nil {
		t.Error("MarshalPKIXPublicKey accepted RSA")
	}
	p8, _ := x509.MarshalPKCS8PrivateKey(k)
	if _, err := pki.ParsePKCS8PrivateKey(p8); err == nil {
		t.Error("ParsePKCS8PrivateKey accepted RSA")
	}
}

func TestKeyRoundTrip(t *testing.T) {
	for _, f := range families {
		k := mustKey(t, f)
		p8, err := pki.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := pki.ParsePKCS8PrivateKey(p8)
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		if pki.FamilyOf(k2) != f || !k2.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()) {
			t.Errorf("%v: key changed in the round trip", f)
		}
		spki, err := pki.MarshalPKIXPublicKey(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		pub, err := pki.ParsePKIXPublicKey(spki)
		if err != nil || pki.FamilyOf(pub) != f {
			t.Errorf("%v: SPKI round trip: %v", f, err)
		}
	}
	if _, err := pki.ParseFamily("rsa"); err == nil {
		t.Error("ParseFamily accepted rsa")
	}
}

func TestCreateCertificateWrongIssuerKey(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	_, err := pki.CreateCertificate(tmplFor(p, pki.RoleSECCLeaf), mustKey(t, pki.FamilyP521).Public(),
		p.Cert(pki.RoleCPOSubCA2), p.Get(pki.RoleCPSSubCA2).Key)
	if err == nil {
		t.Fatal("issued with another CA's key")
	}
}

func TestOCSPResponderRequest(t *testing.T) {
	for _, f := range []pki.Family{pki.FamilyP256, pki.FamilyP521} {
		p := genPKI(t, f)
		leaf, ca := p.Cert(pki.RoleSECCLeaf), p.Cert(pki.RoleCPOSubCA2)
		req, err := ocspRequest(leaf, ca)
		if err != nil {
			t.Fatal(err)
		}
		der, err := p.Responder(pki.RoleCPOSubCA2, clock).RespondRequest(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pki.VerifyOCSPResponse(der, leaf, ca, t0, 0); err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		// golang.org/x/crypto/ocsp, an independent parser, agrees for ECDSA.
		if err := xocspCheck(der, leaf, ca); err != nil {
			t.Fatalf("%v: x/crypto/ocsp: %v", f, err)
		}
		// A request for another CA is refused.
		other, _ := ocspRequest(p.Cert(pki.RoleCPSLeaf), p.Cert(pki.RoleCPSSubCA2))
		if _, err := p.Responder(pki.RoleCPOSubCA2, clock).RespondRequest(other); err == nil {
			t.Error("answered for another CA")
		}
	}
}

// crypto/x509 parses Ed448 certificates structurally, with unknown key and
// signature algorithms; ParseCertificate relies on that and adds the key.
func TestX509ParsesEd448Structure(t *testing.T) {
	c := genPKI(t, pki.FamilyEd448).Cert(pki.RoleSECCLeaf)
	xc, err := x509.ParseCertificate(c.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if xc.PublicKeyAlgorithm != x509.UnknownPublicKeyAlgorithm || xc.SignatureAlgorithm != x509.UnknownSignatureAlgorithm || xc.PublicKey != nil {
		t.Fatalf("crypto/x509 now knows Ed448 (%v, %v): revisit ParseCertificate", xc.PublicKeyAlgorithm, xc.SignatureAlgorithm)
	}
	if c.Family != pki.FamilyEd448 || !c.SignatureOID.Equal(pki.OIDEd448()) || c.PublicKey == nil {
		t.Fatalf("ParseCertificate: family %v, sig %v", c.Family, c.SignatureOID)
	}
}
