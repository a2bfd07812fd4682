package pki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

func mustParse(t *testing.T, der []byte) *pki.Certificate {
	t.Helper()
	c, err := pki.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustKey(t *testing.T, f pki.Family) crypto.Signer {
	t.Helper()
	k, err := pki.GenerateKey(f)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func tmplFor(p *testpki.PKI, r pki.Role) *pki.Template {
	return pki.ProfileFor(r).Template(p.Family, p.Subject(r), t0.Add(-time.Hour))
}

// issueUnder certifies a new key from tmpl under issuer (nil: self-signed).
func issueUnder(t *testing.T, f pki.Family, tmpl *pki.Template, issuer *testpki.Credential) *testpki.Credential {
	t.Helper()
	key := mustKey(t, f)
	var parent *pki.Certificate
	signer := key
	if issuer != nil {
		parent, signer = issuer.Cert, issuer.Key
	}
	der, err := pki.CreateCertificate(tmpl, key.Public(), parent, signer)
	if err != nil {
		t.Fatal(err)
	}
	return &testpki.Credential{Cert: mustParse(t, der), Key: key}
}

// leafUnder issues a SECC-profile leaf (tmpl changed by mod) under ca.
func leafUnder(t *testing.T, p *testpki.PKI, ca *testpki.Credential, mod func(*pki.Template)) *pki.Certificate {
	t.Helper()
	tmpl := tmplFor(p, pki.RoleSECCLeaf)
	if mod != nil {
		mod(tmpl)
	}
	return issueUnder(t, p.Family, tmpl, ca).Cert
}

// seccChain returns a SECC chain whose leaf is built from the profile
// template changed by mod.
func seccChain(t *testing.T, p *testpki.PKI, mod func(*pki.Template)) []*pki.Certificate {
	t.Helper()
	return []*pki.Certificate{leafUnder(t, p, p.Get(pki.RoleCPOSubCA2), mod), p.Cert(pki.RoleCPOSubCA2), p.Cert(pki.RoleCPOSubCA1)}
}

func tamper(t *testing.T, c *pki.Certificate) *pki.Certificate {
	t.Helper()
	der := append([]byte(nil), c.Raw...)
	der[len(der)-3] ^= 0x01 // inside the signature value
	return mustParse(t, der)
}

func at(tm time.Time) func() time.Time { return func() time.Time { return tm } }

type negCase struct {
	name string
	want pki.Reason
	// ecdsaOnly cases build certificates with crypto/x509.
	ecdsaOnly bool
	build     func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions)
}

func negativeCases() []negCase {
	secc := func(p *testpki.PKI) pki.VerifyOptions { return opts(p, pki.RoleSECCLeaf) }
	return []negCase{
		{"empty chain", pki.ReasonMalformed, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return nil, secc(p)
		}},
		{"too long", pki.ReasonChainTooLong, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			sub3 := issueUnder(t, p.Family, tmplFor(p, pki.RoleCPOSubCA2), p.Get(pki.RoleCPOSubCA2))
			return []*pki.Certificate{leafUnder(t, p, sub3, nil), sub3.Cert, p.Cert(pki.RoleCPOSubCA2), p.Cert(pki.RoleCPOSubCA1)}, secc(p)
		}},
		{"loop", pki.ReasonLoop, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return []*pki.Certificate{p.Cert(pki.RoleSECCLeaf), p.Cert(pki.RoleCPOSubCA2), p.Cert(pki.RoleCPOSubCA2)}, secc(p)
		}},
		{"P-384 key", pki.ReasonKeyType, true, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
			ca := p.Get(pki.RoleCPOSubCA2)
			der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
				SerialNumber: big.NewInt(7), Subject: p.Subject(pki.RoleSECCLeaf),
				NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(time.Hour),
				KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
			}, ca.Cert.Certificate, &k.PublicKey, ca.Key)
			if err != nil {
				t.Fatal(err)
			}
			return []*pki.Certificate{mustParse(t, der), ca.Cert, p.Cert(pki.RoleCPOSubCA1)}, secc(p)
		}},
		{"unknown authority", pki.ReasonUnknownAuthority, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.Roots = []*pki.Certificate{p.Cert(pki.RoleMORoot), p.Cert(pki.RoleOEMRoot)}
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"name mismatch", pki.ReasonNameMismatch, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return []*pki.Certificate{p.Cert(pki.RoleSECCLeaf), p.Cert(pki.RoleCPOSubCA1)}, secc(p)
		}},
		{"mixed families", pki.ReasonFamilyMismatch, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			other := pki.FamilyEd448
			if p.Family == pki.FamilyEd448 {
				other = pki.FamilyP521
			}
			ca := p.Get(pki.RoleCPOSubCA2)
			der, err := pki.CreateCertificate(tmplFor(p, pki.RoleSECCLeaf), mustKey(t, other).Public(), ca.Cert, ca.Key)
			if err != nil {
				t.Fatal(err)
			}
			return []*pki.Certificate{mustParse(t, der), ca.Cert, p.Cert(pki.RoleCPOSubCA1)}, secc(p)
		}},
		{"P-521 signed with SHA-256", pki.ReasonFamilyMismatch, true, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			ca := p.Get(pki.RoleCPOSubCA2)
			alg := x509.ECDSAWithSHA256
			if p.Family == pki.FamilyP256 {
				alg = x509.ECDSAWithSHA512
			}
			k := mustKey(t, p.Family)
			der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
				SerialNumber: big.NewInt(8), Subject: p.Subject(pki.RoleSECCLeaf), SignatureAlgorithm: alg,
				NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(time.Hour),
				KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
			}, ca.Cert.Certificate, k.Public(), ca.Key)
			if err != nil {
				t.Fatal(err)
			}
			return []*pki.Certificate{mustParse(t, der), ca.Cert, p.Cert(pki.RoleCPOSubCA1)}, secc(p)
		}},
		{"bad leaf signature", pki.ReasonBadSignature, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			ch := p.Chain(pki.RoleSECCLeaf)
			ch[0] = tamper(t, ch[0])
			return ch, secc(p)
		}},
		{"bad signature under root", pki.ReasonBadSignature, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			ch := p.Chain(pki.RoleSECCLeaf)
			ch[2] = tamper(t, ch[2])
			return ch, secc(p)
		}},
		{"issuer not a CA", pki.ReasonNotCA, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			tm := tmplFor(p, pki.RoleCPOSubCA1)
			tm.IsCA, tm.MaxPathLen = false, -1
			ca := issueUnder(t, p.Family, tm, p.Get(pki.RoleV2GRoot))
			return []*pki.Certificate{leafUnder(t, p, ca, nil), ca.Cert}, secc(p)
		}},
		{"root path length 0", pki.ReasonPathLen, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			rt := tmplFor(p, pki.RoleV2GRoot)
			rt.MaxPathLen = 0
			root := issueUnder(t, p.Family, rt, nil)
			sub1 := issueUnder(t, p.Family, tmplFor(p, pki.RoleCPOSubCA1), root)
			sub2 := issueUnder(t, p.Family, tmplFor(p, pki.RoleCPOSubCA2), sub1)
			o := secc(p)
			o.Roots = []*pki.Certificate{root.Cert}
			return []*pki.Certificate{leafUnder(t, p, sub2, nil), sub2.Cert, sub1.Cert}, o
		}},
		{"sub-CA 2 path length exceeded", pki.ReasonPathLen, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			// root → sub-CA 1 with pathLen 0 → sub-CA 2 → leaf.
			t1 := tmplFor(p, pki.RoleCPOSubCA1)
			t1.MaxPathLen = 0
			sub1 := issueUnder(t, p.Family, t1, p.Get(pki.RoleV2GRoot))
			sub2 := issueUnder(t, p.Family, tmplFor(p, pki.RoleCPOSubCA2), sub1)
			return []*pki.Certificate{leafUnder(t, p, sub2, nil), sub2.Cert, sub1.Cert}, secc(p)
		}},
		{"issuer without keyCertSign", pki.ReasonKeyUsage, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			tm := tmplFor(p, pki.RoleCPOSubCA1)
			tm.KeyUsage = x509.KeyUsageCRLSign
			ca := issueUnder(t, p.Family, tm, p.Get(pki.RoleV2GRoot))
			sub2 := issueUnder(t, p.Family, tmplFor(p, pki.RoleCPOSubCA2), ca)
			return []*pki.Certificate{leafUnder(t, p, sub2, nil), sub2.Cert, ca.Cert}, secc(p)
		}},
		{"leaf without digitalSignature", pki.ReasonKeyUsage, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return seccChain(t, p, func(tm *pki.Template) { tm.KeyUsage = x509.KeyUsageKeyEncipherment }), secc(p)
		}},
		{"leaf with keyCertSign", pki.ReasonKeyUsage, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return seccChain(t, p, func(tm *pki.Template) { tm.KeyUsage |= x509.KeyUsageCertSign }), secc(p)
		}},
		{"vehicle leaf without clientAuth", pki.ReasonKeyUsage, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			tm := tmplFor(p, pki.RoleVehicleLeaf)
			tm.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
			leaf := issueUnder(t, p.Family, tm, p.Get(pki.RoleVehicleSubCA2)).Cert
			return append([]*pki.Certificate{leaf}, p.Chain(pki.RoleVehicleLeaf)[1:]...), opts(p, pki.RoleVehicleLeaf)
		}},
		{"not yet valid", pki.ReasonNotYetValid, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.Now = at(t0.Add(-2 * time.Hour))
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"expired leaf", pki.ReasonExpired, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.Now = at(t0.Add(61 * 24 * time.Hour))
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"expired root", pki.ReasonExpired, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := opts(p, pki.RoleCPOSubCA1)
			o.Now = at(t0.Add(11 * 365 * 24 * time.Hour))
			return p.Chain(pki.RoleCPOSubCA1), o
		}},
		{"unknown critical extension", pki.ReasonUnhandledCriticalExtension, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return seccChain(t, p, func(tm *pki.Template) {
				tm.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: true, Value: []byte{5, 0}}}
			}), secc(p)
		}},
		{"non-critical key usage", pki.ReasonProfile, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return seccChain(t, p, func(tm *pki.Template) { tm.NonCritical = true }), secc(p)
		}},
		{"SECC leaf without DC=CPO", pki.ReasonProfile, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return seccChain(t, p, func(tm *pki.Template) { tm.Subject = pki.NewName("DE*V2G*E1", "V2G", "DE", pki.DCMO) }), secc(p)
		}},
		{"SECC leaf is a CA", pki.ReasonProfile, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return seccChain(t, p, func(tm *pki.Template) { tm.IsCA, tm.MaxPathLen, tm.KeyUsage = true, 0, x509.KeyUsageDigitalSignature }), secc(p)
		}},
		{"SECC leaf issued by the root", pki.ReasonProfile, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return []*pki.Certificate{leafUnder(t, p, p.Get(pki.RoleV2GRoot), nil)}, secc(p)
		}},
		{"SECC leaf under the MO root", pki.ReasonProfile, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			return []*pki.Certificate{leafUnder(t, p, p.Get(pki.RoleMOSubCA2), nil), p.Cert(pki.RoleMOSubCA2), p.Cert(pki.RoleMOSubCA1)}, secc(p)
		}},
		{"vehicle leaf with extra attribute", pki.ReasonProfile, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			tm := tmplFor(p, pki.RoleVehicleLeaf)
			tm.Subject = pki.NewName(p.EVCCID, p.OEM, "DE", "")
			leaf := issueUnder(t, p.Family, tm, p.Get(pki.RoleVehicleSubCA2)).Cert
			return append([]*pki.Certificate{leaf}, p.Chain(pki.RoleVehicleLeaf)[1:]...), opts(p, pki.RoleVehicleLeaf)
		}},
		{"vehicle CN is not the EVCCID", pki.ReasonProfile, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := opts(p, pki.RoleVehicleLeaf)
			o.EVCCID = "SOMEOTHEREVCCID"
			return p.Chain(pki.RoleVehicleLeaf), o
		}},
		{"contract CN is not an EMAID", pki.ReasonProfile, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			tm := tmplFor(p, pki.RoleContractLeaf)
			tm.Subject = pki.NewName("not an emaid", "MO", "DE", pki.DCMO)
			leaf := issueUnder(t, p.Family, tm, p.Get(pki.RoleMOSubCA2)).Cert
			o := opts(p, pki.RoleContractLeaf)
			o.EMAID = ""
			return append([]*pki.Certificate{leaf}, p.Chain(pki.RoleContractLeaf)[1:]...), o
		}},
		{"contract CN is another EMAID", pki.ReasonProfile, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := opts(p, pki.RoleContractLeaf)
			o.EMAID = "DEV2GC000000029"
			return p.Chain(pki.RoleContractLeaf), o
		}},
		{"OCSP revoked", pki.ReasonRevoked, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.OCSP = staple(t, p, func(r *pki.OCSPResponder) {
				r.Status = func(*big.Int) pki.OCSPStatus {
					return pki.OCSPStatus{Status: pki.OCSPRevoked, RevokedAt: t0.Add(-time.Minute), Reason: 1}
				}
			})
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"CRL revoked", pki.ReasonRevoked, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.CRLs = []*pki.RevocationList{crlFor(t, p, pki.RoleCPOSubCA2, p.Cert(pki.RoleSECCLeaf).SerialNumber)}
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"revocation required, nothing stapled", pki.ReasonRevocationUnknown, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.RequireRevocation = true
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"OCSP status unknown", pki.ReasonRevocationUnknown, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.OCSP = staple(t, p, func(r *pki.OCSPResponder) {
				r.Status = func(*big.Int) pki.OCSPStatus { return pki.OCSPStatus{Status: pki.OCSPUnknown} }
			})
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"OCSP valid for more than a week", pki.ReasonRevocationUnknown, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.OCSP = staple(t, p, func(r *pki.OCSPResponder) { r.Validity = 8 * 24 * time.Hour })
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"stale OCSP", pki.ReasonRevocationUnknown, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.OCSP = staple(t, p, func(r *pki.OCSPResponder) { r.Now = at(t0.Add(-8 * 24 * time.Hour)) })
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"OCSP signed by another CA", pki.ReasonRevocationUnknown, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			// CPS Sub-CA 2 answers for a serial of CPO Sub-CA 2.
			other := p.Get(pki.RoleCPSSubCA2)
			der, err := pki.CreateOCSPResponse(other.Cert, other.Key, p.Cert(pki.RoleSECCLeaf).SerialNumber,
				pki.OCSPStatus{Status: pki.OCSPGood}, t0, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			o.OCSP = [][]byte{der}
			return p.Chain(pki.RoleSECCLeaf), o
		}},
		{"garbage OCSP", pki.ReasonRevocationUnknown, false, func(t *testing.T, p *testpki.PKI) ([]*pki.Certificate, pki.VerifyOptions) {
			o := secc(p)
			o.OCSP = [][]byte{{0x30, 0x03, 0x0a, 0x01, 0x00}}
			return p.Chain(pki.RoleSECCLeaf), o
		}},
	}
}

// staple returns the SECC leaf's OCSP response from a responder for CPO
// Sub-CA 2 changed by mod.
func staple(t *testing.T, p *testpki.PKI, mod func(*pki.OCSPResponder)) [][]byte {
	t.Helper()
	r := p.Responder(pki.RoleCPOSubCA2, clock)
	mod(r)
	der, err := r.Respond(p.Cert(pki.RoleSECCLeaf))
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{der}
}

func crlFor(t *testing.T, p *testpki.PKI, ca pki.Role, revoked ...*big.Int) *pki.RevocationList {
	t.Helper()
	c := p.Get(ca)
	var entries []pki.RevokedEntry
	for _, s := range revoked {
		entries = append(entries, pki.RevokedEntry{SerialNumber: s, RevokedAt: t0.Add(-time.Minute)})
	}
	der, err := pki.CreateRevocationList(c.Cert, c.Key, big.NewInt(1), t0.Add(-time.Hour), t0.Add(24*time.Hour), entries)
	if err != nil {
		t.Fatal(err)
	}
	l, err := pki.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.CheckSignatureFrom(c.Cert); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestVerifyRejects(t *testing.T) {
	covered := map[pki.Reason]bool{}
	for _, f := range families {
		p := genPKI(t, f)
		for _, tc := range negativeCases() {
			if tc.ecdsaOnly && f == pki.FamilyEd448 {
				continue
			}
			t.Run(f.String()+"/"+tc.name, func(t *testing.T) {
				chain, o := tc.build(t, p)
				_, err := pki.Verify(chain, o)
				var ve *pki.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("got %v, want a *ValidationError with %v", err, tc.want)
				}
				if ve.Reason != tc.want || !errors.Is(err, tc.want) {
					t.Fatalf("reason %v, want %v: %v", ve.Reason, tc.want, err)
				}
				covered[tc.want] = true
				t.Log(err)
			})
		}
	}
	for _, r := range pki.Reasons() {
		if !covered[r] {
			t.Errorf("no negative test produced %v", r)
		}
	}
}

func TestVerifyAcceptsRevocationEvidence(t *testing.T) {
	for _, f := range families {
		p := genPKI(t, f)
		t.Run(f.String(), func(t *testing.T) {
			staples, err := p.Staple(pki.RoleSECCLeaf, clock)
			if err != nil {
				t.Fatal(err)
			}
			o := opts(p, pki.RoleSECCLeaf)
			o.OCSP, o.RequireRevocation = staples, true
			if _, err := pki.Verify(p.Chain(pki.RoleSECCLeaf), o); err != nil {
				t.Fatalf("stapled OCSP: %v", err)
			}
			o.OCSP = nil
			o.CRLs = []*pki.RevocationList{
				crlFor(t, p, pki.RoleCPOSubCA2, big.NewInt(12345)),
				crlFor(t, p, pki.RoleCPOSubCA1),
				crlFor(t, p, pki.RoleV2GRoot),
			}
			if _, err := pki.Verify(p.Chain(pki.RoleSECCLeaf), o); err != nil {
				t.Fatalf("CRLs: %v", err)
			}
		})
	}
}

func TestVerifyNeedsClock(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	o := opts(p, pki.RoleSECCLeaf)
	o.Now = nil
	if _, err := pki.Verify(p.Chain(pki.RoleSECCLeaf), o); err == nil {
		t.Fatal("Verify without a clock succeeded")
	}
}

func TestVerifyAcceptsTrailingRoot(t *testing.T) {
	p := genPKI(t, pki.FamilyEd448)
	ch := append(p.Chain(pki.RoleContractLeaf), p.Root(pki.RoleContractLeaf))
	path, err := pki.Verify(ch, opts(p, pki.RoleContractLeaf))
	if err != nil || len(path) != 4 {
		t.Fatalf("path %d, err %v", len(path), err)
	}
}

// TestStdlibAgreesOnECDSA cross-checks our encoder with crypto/x509's
// verifier for the ECDSA families.
func TestStdlibAgreesOnECDSA(t *testing.T) {
	for _, f := range []pki.Family{pki.FamilyP256, pki.FamilyP521} {
		p := genPKI(t, f)
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		for _, r := range p.Roots() {
			roots.AddCert(r.Certificate)
		}
		for _, r := range testpki.Leaves() {
			for _, c := range p.Chain(r)[1:] {
				inter.AddCert(c.Certificate)
			}
			_, err := p.Cert(r).Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: t0, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			if err != nil {
				t.Errorf("%v %v: crypto/x509: %v", f, r, err)
			}
		}
	}
}

func TestReasonStrings(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range pki.Reasons() {
		s := r.String()
		if s == "" || seen[s] {
			t.Errorf("reason %d: bad or duplicate name %q", int(r), s)
		}
		seen[s] = true
	}
	if pki.Reason(0).String() != "reason(0)" {
		t.Error(pki.Reason(0).String())
	}
}
