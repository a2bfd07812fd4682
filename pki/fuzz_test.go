package pki_test

import (
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false, "regenerate the seed corpora under testdata/fuzz")

// forever is the NotAfter of committed seeds: RFC 5280's 99991231235959Z,
// "no well-defined expiration", so no committed certificate can expire.
var forever = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// seedPKI is a PKI whose certificates never expire, for fuzz seeds.
func seedPKI(tb testing.TB, f pki.Family) *testpki.PKI {
	tb.Helper()
	p := genPKI(tb, f)
	for _, r := range pki.Roles() {
		tm := pki.ProfileFor(r).Template(f, p.Subject(r), t0)
		tm.NotAfter = forever
		if _, err := p.Issue(r, tm, pki.ProfileFor(r).Issuer); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

type seed struct {
	name string
	data []byte
}

func certSeeds(tb testing.TB) []seed {
	var out []seed
	for _, f := range families {
		p := seedPKI(tb, f)
		for _, r := range []pki.Role{pki.RoleV2GRoot, pki.RoleCPOSubCA2, pki.RoleSECCLeaf, pki.RoleVehicleLeaf, pki.RoleContractLeaf} {
			der := p.Cert(r).Raw
			out = append(out, seed{f.String() + "-" + r.String(), der})
		}
		der := p.Cert(pki.RoleSECCLeaf).Raw
		out = append(out, seed{f.String() + "-truncated", der[:len(der)/2]})
	}
	return out
}

func ocspSeeds(tb testing.TB) []seed {
	var out []seed
	for _, f := range families {
		p := seedPKI(tb, f)
		ca := p.Get(pki.RoleCPOSubCA2)
		leaf := p.Cert(pki.RoleSECCLeaf)
		for _, st := range []pki.OCSPStatus{{Status: pki.OCSPGood}, {Status: pki.OCSPRevoked, RevokedAt: t0, Reason: 4}, {Status: pki.OCSPUnknown}} {
			der, err := pki.CreateOCSPResponse(ca.Cert, ca.Key, leaf.SerialNumber, st, t0, forever)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, seed{fmt.Sprintf("%v-status%d", f, st.Status), der})
		}
	}
	out = append(out, seed{"try-later", []byte{0x30, 0x03, 0x0A, 0x01, 0x03}})
	return out
}

func crlSeeds(tb testing.TB) []seed {
	var out []seed
	for _, f := range families {
		p := seedPKI(tb, f)
		ca := p.Get(pki.RoleCPOSubCA2)
		der, err := pki.CreateRevocationList(ca.Cert, ca.Key, big.NewInt(2), t0, forever,
			[]pki.RevokedEntry{{SerialNumber: big.NewInt(99), RevokedAt: t0}})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, seed{f.String(), der})
	}
	return out
}

func keySeeds(tb testing.TB) []seed {
	var out []seed
	for _, f := range families {
		k, err := pki.GenerateKey(f)
		if err != nil {
			tb.Fatal(err)
		}
		// Throw-away keys: no certificate in the corpus uses them.
		p8, err := pki.MarshalPKCS8PrivateKey(k)
		if err != nil {
			tb.Fatal(err)
		}
		spki, err := pki.MarshalPKIXPublicKey(k.Public())
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, seed{f.String() + "-pkcs8", p8}, seed{f.String() + "-spki", spki})
	}
	return out
}

// TestWriteFuzzSeeds regenerates testdata/fuzz with -write-fuzz-seeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeFuzzSeeds {
		t.Skip("run with -write-fuzz-seeds to regenerate the corpora")
	}
	for name, seeds := range map[string][]seed{
		"FuzzParseCertificate": certSeeds(t),
		"FuzzParseOCSP":        ocspSeeds(t),
		"FuzzParseCRL":         crlSeeds(t),
		"FuzzParseKey":         keySeeds(t),
	} {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.data)
			if err := os.WriteFile(filepath.Join(dir, s.name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func checkTyped(t *testing.T, err error) {
	t.Helper()
	var ve *pki.ValidationError
	if err != nil && !errors.As(err, &ve) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
}

func FuzzParseCertificate(f *testing.F) {
	p := genPKI(f, pki.FamilyP521)
	f.Add(p.Cert(pki.RoleSECCLeaf).Raw)
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := pki.ParseCertificate(der)
		checkTyped(t, err)
		if err != nil {
			return
		}
		// Whatever parses must run through validation without panicking,
		// as a leaf, as a sub-CA and as its own root.
		for _, chain := range [][]*pki.Certificate{{c}, {p.Cert(pki.RoleSECCLeaf), c}} {
			for _, r := range []pki.Role{pki.RoleUnspecified, pki.RoleVehicleLeaf, pki.RoleContractLeaf} {
				_, err := pki.Verify(chain, pki.VerifyOptions{Roots: []*pki.Certificate{c, p.Cert(pki.RoleV2GRoot)}, Now: clock, Role: r})
				checkTyped(t, err)
			}
		}
		_, _ = pki.CreateOCSPResponse(c, p.Get(pki.RoleCPOSubCA2).Key, big.NewInt(1), pki.OCSPStatus{}, t0, t0)
	})
}

func FuzzParseOCSP(f *testing.F) {
	p := genPKI(f, pki.FamilyEd448)
	leaf, ca := p.Cert(pki.RoleSECCLeaf), p.Cert(pki.RoleCPOSubCA2)
	der, err := p.Responder(pki.RoleCPOSubCA2, clock).Respond(leaf)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(der)
	f.Fuzz(func(t *testing.T, der []byte) {
		r, err := pki.ParseOCSPResponse(der)
		checkTyped(t, err)
		if err == nil && len(r.Responses) == 0 {
			t.Fatal("parsed response without SingleResponse")
		}
		_, err = pki.VerifyOCSPResponse(der, leaf, ca, t0, 0)
		checkTyped(t, err)
	})
}

func FuzzParseCRL(f *testing.F) {
	p := genPKI(f, pki.FamilyP521)
	ca := p.Cert(pki.RoleCPOSubCA2)
	f.Fuzz(func(t *testing.T, der []byte) {
		l, err := pki.ParseRevocationList(der)
		checkTyped(t, err)
		if err == nil {
			_ = l.CheckSignatureFrom(ca)
			l.Revoked(big.NewInt(1))
		}
	})
}

func FuzzParseKey(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		if k, err := pki.ParsePKCS8PrivateKey(der); err == nil {
			if pki.FamilyOf(k.Public()) == pki.FamilyUnknown {
				t.Fatalf("accepted key of unknown family %T", k)
			}
			if _, err := pki.MarshalPKCS8PrivateKey(k); err != nil {
				t.Fatalf("re-encode: %v", err)
			}
		}
		if pub, err := pki.ParsePKIXPublicKey(der); err == nil {
			if _, err := pki.MarshalPKIXPublicKey(pub); err != nil {
				t.Fatalf("re-encode: %v", err)
			}
		}
	})
}
