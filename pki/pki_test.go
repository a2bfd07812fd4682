package pki_test

import (
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return t0 }

var families = []pki.Family{pki.FamilyP256, pki.FamilyP521, pki.FamilyEd448}

func genPKI(tb testing.TB, f pki.Family) *testpki.PKI {
	tb.Helper()
	p, err := testpki.Generate(testpki.Options{Family: f, Now: clock})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func opts(p *testpki.PKI, r pki.Role) pki.VerifyOptions {
	return pki.VerifyOptions{Roots: p.Roots(), Now: clock, Role: r, EVCCID: p.EVCCID, EMAID: p.EMAID}
}

func TestGeneratedChainsVerify(t *testing.T) {
	for _, f := range families {
		t.Run(f.String(), func(t *testing.T) {
			p := genPKI(t, f)
			for _, r := range pki.Roles() {
				c := p.Cert(r)
				if c.Family != f {
					t.Errorf("%v: family %v", r, c.Family)
				}
				if pki.ProfileFor(r).IsCA != c.IsCA {
					t.Errorf("%v: IsCA %v", r, c.IsCA)
				}
				if pki.ProfileFor(r).Issuer == pki.RoleUnspecified {
					continue
				}
				path, err := pki.Verify(p.Chain(r), opts(p, r))
				if err != nil {
					t.Errorf("%v: %v", r, err)
					continue
				}
				if !path[len(path)-1].Equal(p.Root(r)) {
					t.Errorf("%v: wrong root", r)
				}
			}
		})
	}
}

// Certificates must fit the schema limits: 800 bytes DER in -2
// ([V2G2-010]), 1600 bytes in -20.
func TestCertificateSizes(t *testing.T) {
	for _, f := range families {
		limit := 1600
		if f == pki.FamilyP256 {
			limit = 800
		}
		p := genPKI(t, f)
		for _, r := range pki.Roles() {
			if n := len(p.Cert(r).Raw); n > limit {
				t.Errorf("%v %v: %d bytes, limit %d", f, r, n, limit)
			}
		}
	}
}
