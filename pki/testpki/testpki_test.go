package testpki_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestGenerateNeedsOptions(t *testing.T) {
	if _, err := testpki.Generate(testpki.Options{Family: pki.FamilyP521}); err == nil {
		t.Error("Generate without a clock succeeded")
	}
	if _, err := testpki.Generate(testpki.Options{Now: func() time.Time { return t0 }}); err == nil {
		t.Error("Generate without a family succeeded")
	}
}

func TestGenerate(t *testing.T) {
	p, err := testpki.Generate(testpki.Options{Family: pki.FamilyEd448, Now: func() time.Time { return t0 }, EVCCID: "EVCC42"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range pki.Roles() {
		c := p.Cert(r)
		if c == nil {
			t.Fatalf("%v missing", r)
		}
		want := pki.ProfileFor(r).Validity
		if got := c.NotAfter.Sub(c.NotBefore); got != want {
			t.Errorf("%v: validity %v, want %v", r, got, want)
		}
		if !c.NotBefore.Equal(t0.Add(-testpki.Backdate)) {
			t.Errorf("%v: NotBefore %v", r, c.NotBefore)
		}
	}
	if cn := p.Cert(pki.RoleVehicleLeaf).Subject.CommonName; cn != "EVCC42" {
		t.Errorf("vehicle CN %q", cn)
	}
	if n := len(p.Chain(pki.RoleVehicleLeaf)); n != 3 {
		t.Errorf("vehicle chain of %d", n)
	}
	if !p.Root(pki.RoleContractLeaf).Equal(p.Cert(pki.RoleMORoot)) {
		t.Error("contract root is not the MO root")
	}
}

func TestWriteDirKeyModes(t *testing.T) {
	p, err := testpki.Generate(testpki.Options{Family: pki.FamilyP256, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := p.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, pki.RoleSECCLeaf.String()+".key"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", fi.Mode())
	}
}
