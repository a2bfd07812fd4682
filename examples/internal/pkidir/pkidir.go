// Package pkidir loads a test PKI written by "v2g pki init" (package
// testpki's WriteDir): each certificate as <role>.pem, each key as
// <role>.key, each leaf's sub-CAs as <role>.chain.pem, described by
// manifest.json.
package pkidir

import (
	"crypto"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

// Dir is a loaded PKI directory.
type Dir struct {
	path    string
	entries map[string]testpki.ManifestEntry // by role name
}

// Load reads DIR/manifest.json. The certificates are read on demand.
func Load(dir string) (*Dir, error) {
	if dir == "" {
		return nil, errors.New("no PKI directory given (create one with: v2g pki init --dir DIR --family p521)")
	}
	b, err := os.ReadFile(filepath.Join(dir, testpki.ManifestFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s holds no PKI (create one with: v2g pki init --dir %s --family p521)", dir, dir)
		}
		return nil, fmt.Errorf("pki: %w", err)
	}
	var m testpki.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("pki: %s: %w", testpki.ManifestFile, err)
	}
	d := &Dir{path: dir, entries: map[string]testpki.ManifestEntry{}}
	for _, e := range m.Certificates {
		d.entries[e.Role] = e
	}
	return d, nil
}

func (d *Dir) entry(r pki.Role) (testpki.ManifestEntry, error) {
	e, ok := d.entries[r.String()]
	if !ok {
		return e, fmt.Errorf("pki: %s has no %v certificate", d.path, r)
	}
	return e, nil
}

func (d *Dir) certs(file string) ([]*pki.Certificate, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(d.path, file))
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	cs, err := pki.ParsePEMCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", file, err)
	}
	return cs, nil
}

// Cert returns the certificate of role r.
func (d *Dir) Cert(r pki.Role) (*pki.Certificate, error) {
	e, err := d.entry(r)
	if err != nil {
		return nil, err
	}
	cs, err := d.certs(e.File)
	if err != nil {
		return nil, err
	}
	if len(cs) != 1 {
		return nil, fmt.Errorf("pki: %s holds %d certificates, want 1", e.File, len(cs))
	}
	return cs[0], nil
}

// Key returns the private key of role r.
func (d *Dir) Key(r pki.Role) (crypto.Signer, error) {
	e, err := d.entry(r)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(d.path, e.KeyFile))
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("pki: %s: no PRIVATE KEY block", e.KeyFile)
	}
	k, err := pki.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", e.KeyFile, err)
	}
	return k, nil
}

// Leaf is a leaf credential: the chain a peer sends (leaf first, sub-CAs
// after, root excluded), its key and the root that anchors it.
type Leaf struct {
	Chain []*pki.Certificate
	Key   crypto.Signer
	Root  *pki.Certificate
}

// Leaf loads the leaf credential of role r.
func (d *Dir) Leaf(r pki.Role) (Leaf, error) {
	e, err := d.entry(r)
	if err != nil {
		return Leaf{}, err
	}
	leaf, err := d.Cert(r)
	if err != nil {
		return Leaf{}, err
	}
	subs, err := d.certs(e.Chain)
	if err != nil {
		return Leaf{}, err
	}
	roots, err := d.certs(e.Root)
	if err != nil {
		return Leaf{}, err
	}
	if len(roots) != 1 {
		return Leaf{}, fmt.Errorf("pki: %v: want one root certificate in %q", r, e.Root)
	}
	key, err := d.Key(r)
	if err != nil {
		return Leaf{}, err
	}
	return Leaf{Chain: append([]*pki.Certificate{leaf}, subs...), Key: key, Root: roots[0]}, nil
}

// Responder returns an OCSP responder, answering "good", signed by the
// CA that issued role r.
func (d *Dir) Responder(r pki.Role, now func() time.Time) (*pki.OCSPResponder, error) {
	ca := pki.ProfileFor(r).Issuer
	if ca == pki.RoleUnspecified {
		return nil, fmt.Errorf("pki: %v has no issuer", r)
	}
	c, err := d.Cert(ca)
	if err != nil {
		return nil, err
	}
	k, err := d.Key(ca)
	if err != nil {
		return nil, err
	}
	return &pki.OCSPResponder{Issuer: c, Key: k, Now: now}, nil
}
