// Package testpki generates complete, valid ISO 15118 test PKIs of one
// credential family at run time: V2G root with CPO and CPS branches, MO
// root with the contract branch, OEM root with the provisioning and the
// vehicle branches, three certificates deep below each root.
//
// Keys come from crypto/rand (Go 1.26 ignores caller-supplied randomness
// for ECDSA key generation), so every PKI is new; only the clock is
// injected. Nothing here is meant for production use.
package testpki

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/v2gstack/iso15118/pki"
)

// Default identities used when Options leaves them empty.
const (
	DefaultEVCCID = "V2GEVCC00000001"
	DefaultEMAID  = "DE-V2G-C00000001-4"
	DefaultOEM    = "V2G Test OEM"
)

// Backdate is how far before Options.Now the certificates become valid,
// to absorb clock skew between test peers.
const Backdate = time.Hour

// Options configures Generate.
type Options struct {
	// Family is the credential family of every certificate; required.
	Family pki.Family
	// Now is the clock that dates the certificates; required.
	Now func() time.Time
	// EVCCID (vehicle leaf CN), EMAID (contract leaf CN) and OEM (vehicle
	// leaf O) default to DefaultEVCCID, DefaultEMAID and DefaultOEM.
	EVCCID, EMAID, OEM string
}

// Credential is one certificate with its private key.
type Credential struct {
	Role pki.Role
	Cert *pki.Certificate
	Key  crypto.Signer
}

// PKI is a generated test PKI. It is immutable once returned.
type PKI struct {
	Family pki.Family
	// EVCCID, EMAID and OEM are the identities written into the leaves.
	EVCCID, EMAID, OEM string
	creds              map[pki.Role]*Credential
}

// Generate creates a complete PKI: every role of [pki.Roles].
func Generate(opts Options) (*PKI, error) {
	if opts.Now == nil {
		return nil, errors.New("pki: testpki: Options.Now is nil")
	}
	if opts.Family == pki.FamilyUnknown {
		return nil, errors.New("pki: testpki: Options.Family is not set")
	}
	p := &PKI{Family: opts.Family, EVCCID: opts.EVCCID, EMAID: opts.EMAID, OEM: opts.OEM, creds: map[pki.Role]*Credential{}}
	if p.EVCCID == "" {
		p.EVCCID = DefaultEVCCID
	}
	if p.EMAID == "" {
		p.EMAID = DefaultEMAID
	}
	if p.OEM == "" {
		p.OEM = DefaultOEM
	}
	notBefore := opts.Now().Add(-Backdate).UTC().Truncate(time.Second)
	for _, r := range pki.Roles() {
		prof := pki.ProfileFor(r)
		tmpl := prof.Template(opts.Family, p.Subject(r), notBefore)
		if _, err := p.Issue(r, tmpl, prof.Issuer); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Subject returns the subject name Generate gives role r.
func (p *PKI) Subject(r pki.Role) pkix.Name {
	prof := pki.ProfileFor(r)
	if r == pki.RoleVehicleLeaf {
		return pki.NewName(p.EVCCID, p.OEM, "", "")
	}
	cn := map[pki.Role]string{
		pki.RoleSECCLeaf:            "DE*V2G*E00000001",
		pki.RoleContractLeaf:        p.EMAID,
		pki.RoleCPSLeaf:             "V2G Test CPS Leaf",
		pki.RoleOEMProvisioningLeaf: "V2G Test OEM Provisioning",
	}[r]
	if cn == "" {
		cn = "V2G Test " + r.String()
	}
	return pki.NewName(cn, "V2G Test PKI ("+p.Family.String()+")", "DE", prof.DomainComponent)
}

// Issue creates a new key of the PKI's family and a certificate for it from
// tmpl, signed by the credential of role issuer (RoleUnspecified:
// self-signed). The credential is stored under role r, replacing any
// earlier one, so Issue must not be called once the PKI is shared.
// Generate uses it; tests use it to build broken certificates.
func (p *PKI) Issue(r pki.Role, tmpl *pki.Template, issuer pki.Role) (*Credential, error) {
	c, err := p.IssueKey(tmpl, issuer, nil)
	if err != nil {
		return nil, fmt.Errorf("pki: testpki: %v: %w", r, err)
	}
	c.Role = r
	p.creds[r] = c
	return c, nil
}

// IssueKey is Issue without storing the result: it certifies key (a new
// key of the PKI's family when nil) under the issuer role's credential.
func (p *PKI) IssueKey(tmpl *pki.Template, issuer pki.Role, key crypto.Signer) (*Credential, error) {
	var err error
	if key == nil {
		if key, err = pki.GenerateKey(p.Family); err != nil {
			return nil, err
		}
	}
	signer, parent := key, (*pki.Certificate)(nil)
	if issuer != pki.RoleUnspecified {
		ic := p.creds[issuer]
		if ic == nil {
			return nil, fmt.Errorf("pki: testpki: issuer %v not generated", issuer)
		}
		signer, parent = ic.Key, ic.Cert
	}
	der, err := pki.CreateCertificate(tmpl, key.Public(), parent, signer)
	if err != nil {
		return nil, err
	}
	cert, err := pki.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Credential{Cert: cert, Key: key}, nil
}

// Get returns the credential of role r, nil if absent.
func (p *PKI) Get(r pki.Role) *Credential { return p.creds[r] }

// Cert returns the certificate of role r, nil if absent.
func (p *PKI) Cert(r pki.Role) *pki.Certificate {
	if c := p.creds[r]; c != nil {
		return c.Cert
	}
	return nil
}

// Chain returns the chain of role r as a peer sends it: r's certificate,
// then its sub-CAs in issuing order, root excluded.
func (p *PKI) Chain(r pki.Role) []*pki.Certificate {
	var out []*pki.Certificate
	for ; pki.ProfileFor(r).Issuer != pki.RoleUnspecified; r = pki.ProfileFor(r).Issuer {
		out = append(out, p.Cert(r))
	}
	return out
}

// Root returns the root that anchors role r.
func (p *PKI) Root(r pki.Role) *pki.Certificate { return p.Cert(rootRole(r)) }

// Roots returns the three roots: V2G, MO, OEM.
func (p *PKI) Roots() []*pki.Certificate {
	return []*pki.Certificate{p.Cert(pki.RoleV2GRoot), p.Cert(pki.RoleMORoot), p.Cert(pki.RoleOEMRoot)}
}

// Leaves returns the five leaf roles.
func Leaves() []pki.Role {
	return []pki.Role{pki.RoleSECCLeaf, pki.RoleCPSLeaf, pki.RoleContractLeaf, pki.RoleOEMProvisioningLeaf, pki.RoleVehicleLeaf}
}

// Responder returns an OCSP responder for the certificates that the CA of
// role ca issued, answering "good" for all of them.
func (p *PKI) Responder(ca pki.Role, now func() time.Time) *pki.OCSPResponder {
	c := p.creds[ca]
	return &pki.OCSPResponder{Issuer: c.Cert, Key: c.Key, Now: now}
}

// Staple returns one OCSP response per certificate of Chain(r), each signed
// by its issuer, in chain order: what a SECC staples ([V2G20-2388]).
func (p *PKI) Staple(r pki.Role, now func() time.Time) ([][]byte, error) {
	var out [][]byte
	for ; pki.ProfileFor(r).Issuer != pki.RoleUnspecified; r = pki.ProfileFor(r).Issuer {
		der, err := p.Responder(pki.ProfileFor(r).Issuer, now).Respond(p.Cert(r))
		if err != nil {
			return nil, err
		}
		out = append(out, der)
	}
	return out, nil
}

// ManifestEntry describes one certificate file of WriteDir.
type ManifestEntry struct {
	Role       string    `json:"role"`
	File       string    `json:"file"`
	KeyFile    string    `json:"keyFile"`
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	IssuerRole string    `json:"issuerRole,omitempty"`
	Family     string    `json:"family"`
	IsCA       bool      `json:"isCA"`
	NotBefore  time.Time `json:"notBefore"`
	NotAfter   time.Time `json:"notAfter"`
	Serial     string    `json:"serial"`
	// Chain (leaves only) names the file holding the leaf's sub-CAs, the
	// one closest to the leaf first; Root names the anchor's file.
	Chain string `json:"chain,omitempty"`
	Root  string `json:"root,omitempty"`
}

// Manifest is the manifest.json of WriteDir.
type Manifest struct {
	Family       string          `json:"family"`
	EVCCID       string          `json:"evccid"`
	EMAID        string          `json:"emaid"`
	Certificates []ManifestEntry `json:"certificates"`
}

// ManifestFile is the name of the manifest WriteDir writes.
const ManifestFile = "manifest.json"

// WriteDir writes every certificate (<role>.pem), key (<role>.key, PKCS#8
// PEM, mode 0600), each leaf's sub-CA bundle (<role>.chain.pem) and
// manifest.json into dir, creating it if needed.
func (p *PKI) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("pki: testpki: %w", err)
	}
	m := Manifest{Family: p.Family.String(), EVCCID: p.EVCCID, EMAID: p.EMAID}
	for _, r := range pki.Roles() {
		c := p.creds[r]
		if c == nil {
			continue
		}
		keyDER, err := pki.MarshalPKCS8PrivateKey(c.Key)
		if err != nil {
			return err
		}
		e := ManifestEntry{
			Role: r.String(), File: r.String() + ".pem", KeyFile: r.String() + ".key",
			Subject: c.Cert.Subject.String(), Issuer: c.Cert.Issuer.String(),
			Family: c.Cert.Family.String(), IsCA: c.Cert.IsCA,
			NotBefore: c.Cert.NotBefore.UTC(), NotAfter: c.Cert.NotAfter.UTC(),
			Serial: c.Cert.SerialNumber.Text(16),
		}
		if ir := pki.ProfileFor(r).Issuer; ir != pki.RoleUnspecified {
			e.IssuerRole = ir.String()
		}
		files := map[string][]byte{
			e.File:    c.Cert.PEM(),
			e.KeyFile: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		}
		if !c.Cert.IsCA {
			var bundle []byte
			for _, sub := range p.Chain(r)[1:] {
				bundle = append(bundle, sub.PEM()...)
			}
			e.Chain = r.String() + ".chain.pem"
			e.Root = rootRole(r).String() + ".pem"
			files[e.Chain] = bundle
		}
		for name, data := range files {
			mode := os.FileMode(0o644)
			if name == e.KeyFile {
				mode = 0o600
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, mode); err != nil {
				return fmt.Errorf("pki: testpki: %w", err)
			}
		}
		m.Certificates = append(m.Certificates, e)
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("pki: testpki: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("pki: testpki: %w", err)
	}
	return nil
}

func rootRole(r pki.Role) pki.Role {
	for pki.ProfileFor(r).Issuer != pki.RoleUnspecified {
		r = pki.ProfileFor(r).Issuer
	}
	return r
}
