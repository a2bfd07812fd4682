package pki_test

import (
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

// needOpenSSL returns the openssl binary, skipping the test when it is
// missing, except under CI=true, where a missing openssl fails.
func needOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openssl not found but CI=true: install OpenSSL 3 (apt-get install openssl)")
		}
		t.Skip("openssl not found; install OpenSSL 3 to run the interoperability tests")
	}
	return path
}

// writePKI writes p into a fresh temporary directory and returns it.
func writePKI(t *testing.T, p *testpki.PKI) string {
	t.Helper()
	dir := t.TempDir()
	if err := p.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runOpenSSL(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// TestOpenSSLVerifiesChains has OpenSSL, an independent implementation,
// verify every leaf chain that testpki writes, for each family.
func TestOpenSSLVerifiesChains(t *testing.T) {
	bin := needOpenSSL(t)
	for _, f := range families {
		t.Run(f.String(), func(t *testing.T) {
			p := genPKI(t, f)
			dir := writePKI(t, p)
			for _, r := range testpki.Leaves() {
				root := filepath.Join(dir, rootName(r))
				out, err := runOpenSSL(t, bin, "verify", "-x509_strict", "-attime", strconv.FormatInt(t0.Unix(), 10),
					"-CAfile", root, "-untrusted", filepath.Join(dir, r.String()+".chain.pem"),
					filepath.Join(dir, r.String()+".pem"))
				if err != nil || !strings.Contains(out, ": OK") {
					t.Errorf("%v: openssl verify failed: %v\n%s", r, err, out)
				}
				// The key file must be readable by OpenSSL and match the certificate.
				keyPub, err := runOpenSSL(t, bin, "pkey", "-in", filepath.Join(dir, r.String()+".key"), "-pubout")
				if err != nil {
					t.Errorf("%v: openssl pkey: %v\n%s", r, err, keyPub)
				}
				certPub, err := runOpenSSL(t, bin, "x509", "-in", filepath.Join(dir, r.String()+".pem"), "-pubkey", "-noout")
				if err != nil || certPub != keyPub {
					t.Errorf("%v: key and certificate public keys differ: %v\n%s\n%s", r, err, keyPub, certPub)
				}
			}
			// Sanity check that the test can fail: the SECC leaf does not chain
			// to the MO root.
			out, err := runOpenSSL(t, bin, "verify", "-attime", strconv.FormatInt(t0.Unix(), 10),
				"-CAfile", filepath.Join(dir, pki.RoleMORoot.String()+".pem"),
				"-untrusted", filepath.Join(dir, pki.RoleSECCLeaf.String()+".chain.pem"),
				filepath.Join(dir, pki.RoleSECCLeaf.String()+".pem"))
			if err == nil {
				t.Errorf("openssl accepted the SECC leaf under the MO root:\n%s", out)
			}
		})
	}
}

// TestOpenSSLVerifiesOCSP has OpenSSL verify the OCSP responses we build
// for the SECC leaf, signed by its issuing CA.
func TestOpenSSLVerifiesOCSP(t *testing.T) {
	bin := needOpenSSL(t)
	for _, f := range families {
		t.Run(f.String(), func(t *testing.T) {
			// OpenSSL checks thisUpdate/nextUpdate against the system clock,
			// so this test dates its PKI and response at the real time.
			now := time.Now().Truncate(time.Second)
			clk := func() time.Time { return now }
			p, err := testpki.Generate(testpki.Options{Family: f, Now: clk})
			if err != nil {
				t.Fatal(err)
			}
			dir := writePKI(t, p)
			resp, err := p.Responder(pki.RoleCPOSubCA2, clk).Respond(p.Cert(pki.RoleSECCLeaf))
			if err != nil {
				t.Fatal(err)
			}
			respFile := filepath.Join(dir, "resp.der")
			if err := os.WriteFile(respFile, resp, 0o644); err != nil {
				t.Fatal(err)
			}
			issuer := filepath.Join(dir, pki.RoleCPOSubCA2.String()+".pem")
			out, err := runOpenSSL(t, bin, "ocsp", "-respin", respFile, "-issuer", issuer,
				"-cert", filepath.Join(dir, pki.RoleSECCLeaf.String()+".pem"),
				"-CAfile", filepath.Join(dir, pki.RoleV2GRoot.String()+".pem"),
				"-verify_other", filepath.Join(dir, pki.RoleSECCLeaf.String()+".chain.pem"))
			t.Logf("openssl ocsp (%v):\n%s", f, out)
			if err != nil || !strings.Contains(out, "Response verify OK") || !strings.Contains(out, ": good") {
				t.Errorf("openssl ocsp rejected our %v response: %v\n%s", f, err, out)
			}
		})
	}
}

func rootName(r pki.Role) string {
	for pki.ProfileFor(r).Issuer != pki.RoleUnspecified {
		r = pki.ProfileFor(r).Issuer
	}
	return r.String() + ".pem"
}

// TestOpenSSLVerifiesCRL has OpenSSL check the signature of our CRLs.
func TestOpenSSLVerifiesCRL(t *testing.T) {
	bin := needOpenSSL(t)
	for _, f := range families {
		t.Run(f.String(), func(t *testing.T) {
			p := genPKI(t, f)
			dir := writePKI(t, p)
			ca := p.Get(pki.RoleCPOSubCA2)
			der, err := pki.CreateRevocationList(ca.Cert, ca.Key, big.NewInt(1), t0, t0.Add(7*24*time.Hour),
				[]pki.RevokedEntry{{SerialNumber: p.Cert(pki.RoleSECCLeaf).SerialNumber, RevokedAt: t0}})
			if err != nil {
				t.Fatal(err)
			}
			crl := filepath.Join(dir, "crl.der")
			if err := os.WriteFile(crl, der, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := runOpenSSL(t, bin, "crl", "-inform", "DER", "-in", crl, "-noout",
				"-CAfile", filepath.Join(dir, pki.RoleCPOSubCA2.String()+".pem"))
			if err != nil || !strings.Contains(out, "verify OK") {
				t.Errorf("openssl crl rejected our %v CRL: %v\n%s", f, err, out)
			}
		})
	}
}

// TestOpenSSLKeysParse reads keys that OpenSSL generated (PKCS#8) and
// checks that our public-key encoding matches OpenSSL's.
func TestOpenSSLKeysParse(t *testing.T) {
	bin := needOpenSSL(t)
	for f, args := range map[pki.Family][]string{
		pki.FamilyEd448: {"-algorithm", "ed448"},
		pki.FamilyP521:  {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"},
		pki.FamilyP256:  {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"},
	} {
		keyFile := filepath.Join(t.TempDir(), "k.pem")
		if out, err := runOpenSSL(t, bin, append(append([]string{"genpkey"}, args...), "-out", keyFile)...); err != nil {
			t.Fatalf("%v: genpkey: %v\n%s", f, err, out)
		}
		pubPEM, err := runOpenSSL(t, bin, "pkey", "-in", keyFile, "-pubout")
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(data)
		if blk == nil {
			t.Fatalf("%v: no PEM", f)
		}
		k, err := pki.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		spki, err := pki.MarshalPKIXPublicKey(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		ours := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
		if pki.FamilyOf(k) != f || ours != pubPEM {
			t.Errorf("%v: public keys differ:\nours\n%s\nopenssl\n%s", f, ours, pubPEM)
		}
	}
}
