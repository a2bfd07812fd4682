package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

func TestPKIInit(t *testing.T) {
	for _, fam := range []string{"p521", "ed448", "p256"} {
		t.Run(fam, func(t *testing.T) {
			dir := t.TempDir()
			var out, errb bytes.Buffer
			if code := run([]string{"pki", "init", "--dir", dir, "--family", fam}, nil, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			js, err := os.ReadFile(filepath.Join(dir, testpki.ManifestFile))
			if err != nil {
				t.Fatal(err)
			}
			var m testpki.Manifest
			if err := json.Unmarshal(js, &m); err != nil {
				t.Fatal(err)
			}
			if m.Family != fam || len(m.Certificates) != len(pki.Roles()) {
				t.Fatalf("manifest family %q, %d certificates", m.Family, len(m.Certificates))
			}
			load := func(name string) []*pki.Certificate {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				cs, err := pki.ParsePEMCertificates(data)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return cs
			}
			for _, e := range m.Certificates {
				c := load(e.File)[0]
				if c.Subject.String() != e.Subject || c.Family.String() != fam || e.Family != fam {
					t.Errorf("%s: manifest says %q/%s, file has %q/%v", e.Role, e.Subject, e.Family, c.Subject, c.Family)
				}
				keyPEM, err := os.ReadFile(filepath.Join(dir, e.KeyFile))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(keyPEM, []byte("-----BEGIN PRIVATE KEY-----")) {
					t.Errorf("%s: key is not PKCS#8 PEM", e.KeyFile)
				}
				if e.Chain == "" {
					continue
				}
				chain := append(load(e.File), load(e.Chain)...)
				var role pki.Role
				for _, r := range pki.Roles() {
					if r.String() == e.Role {
						role = r
					}
				}
				now := func() time.Time { return c.NotBefore.Add(2 * time.Hour) }
				if _, err := pki.Verify(chain, pki.VerifyOptions{Roots: load(e.Root), Now: now, Role: role, EVCCID: m.EVCCID, EMAID: m.EMAID}); err != nil {
					t.Errorf("%s: %v", e.Role, err)
				}
			}
			if !strings.Contains(out.String(), fam) {
				t.Errorf("stdout %q", out.String())
			}
			// A second init into the same directory needs --force.
			if code := run([]string{"pki", "init", "--dir", dir, "--family", fam}, nil, &out, &errb); code == 0 {
				t.Error("second init without --force succeeded")
			}
			if code := run([]string{"pki", "init", "--force", "--dir", dir, "--family", fam}, nil, &out, &errb); code != 0 {
				t.Errorf("init --force: exit %d: %s", code, errb.String())
			}
		})
	}
}

func TestPKIBadInvocations(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{"nosuchcommand"},
		{"pki"},
		{"pki", "frobnicate"},
		{"pki", "init"},
		{"pki", "init", "--family", "p521"},
		{"pki", "init", "--dir", dir},
		{"pki", "init", "--dir", dir, "--family", "rsa"},
		{"pki", "init", "--dir", dir, "--family", "p521", "--bogus"},
		{"pki", "init", "--dir", dir, "--family", "p521", "extra"},
		{"pki", "init", "--dir", dir, "--family", "p521", "--emaid", "nope"},
		{"pki", "init", "--dir", dir, "--family", "p521", "--evccid", ""},
	} {
		var out, errb bytes.Buffer
		code := run(args, nil, &out, &errb)
		if code == 0 {
			t.Errorf("%q: exit 0", args)
			continue
		}
		if len(args) >= 2 && args[0] == "pki" && args[1] == "init" {
			if lines := strings.Count(errb.String(), "\n"); lines != 1 {
				t.Errorf("%q: %d lines on stderr: %q", args, lines, errb.String())
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, testpki.ManifestFile)); err == nil {
		t.Error("a failed invocation wrote a PKI")
	}
}

func TestPKIHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"pki", "help"}, {"pki", "init", "-h"}} {
		var out, errb bytes.Buffer
		if code := run(args, nil, &out, &errb); code != 0 || out.Len() == 0 {
			t.Errorf("%q: exit %d, stdout %q", args, code, out.String())
		}
	}
}
