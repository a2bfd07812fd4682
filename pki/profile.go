package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strconv"
	"time"
)

// Role names one certificate position in the ISO 15118 PKI
// (protocol-facts §8.3):
//
//	V2G Root ─ CPO Sub-CA 1 ─ CPO Sub-CA 2 ─ SECC leaf
//	         ─ CPS Sub-CA 1 ─ CPS Sub-CA 2 ─ CPS leaf
//	MO Root  ─ MO Sub-CA 1  ─ MO Sub-CA 2  ─ Contract leaf
//	OEM Root ─ OEM Sub-CA 1 ─ OEM Sub-CA 2 ─ OEM provisioning leaf
//	OEM Root ─ Vehicle Sub-CA 1 ─ Vehicle Sub-CA 2 ─ Vehicle leaf
type Role int

// The roles. RoleUnspecified, the zero value, asks [Verify] for the generic
// path checks only.
const (
	RoleUnspecified Role = iota
	RoleV2GRoot
	RoleCPOSubCA1
	RoleCPOSubCA2
	RoleSECCLeaf
	RoleCPSSubCA1
	RoleCPSSubCA2
	RoleCPSLeaf
	RoleMORoot
	RoleMOSubCA1
	RoleMOSubCA2
	RoleContractLeaf
	RoleOEMRoot
	RoleOEMSubCA1
	RoleOEMSubCA2
	RoleOEMProvisioningLeaf
	RoleVehicleSubCA1
	RoleVehicleSubCA2
	RoleVehicleLeaf
	roleEnd
)

var roleNames = [...]string{
	RoleUnspecified:         "unspecified",
	RoleV2GRoot:             "v2g-root",
	RoleCPOSubCA1:           "cpo-subca1",
	RoleCPOSubCA2:           "cpo-subca2",
	RoleSECCLeaf:            "secc-leaf",
	RoleCPSSubCA1:           "cps-subca1",
	RoleCPSSubCA2:           "cps-subca2",
	RoleCPSLeaf:             "cps-leaf",
	RoleMORoot:              "mo-root",
	RoleMOSubCA1:            "mo-subca1",
	RoleMOSubCA2:            "mo-subca2",
	RoleContractLeaf:        "contract-leaf",
	RoleOEMRoot:             "oem-root",
	RoleOEMSubCA1:           "oem-subca1",
	RoleOEMSubCA2:           "oem-subca2",
	RoleOEMProvisioningLeaf: "oem-prov-leaf",
	RoleVehicleSubCA1:       "vehicle-subca1",
	RoleVehicleSubCA2:       "vehicle-subca2",
	RoleVehicleLeaf:         "vehicle-leaf",
}

// String returns the role's stable name, also used for file names by
// [github.com/v2gstack/iso15118/pki/testpki].
func (r Role) String() string {
	if r >= 0 && r < roleEnd {
		return roleNames[r]
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}

// Roles returns every role except RoleUnspecified, roots first, each chain
// in issuing order.
func Roles() []Role {
	rs := make([]Role, 0, roleEnd-1)
	for r := RoleV2GRoot; r < roleEnd; r++ {
		rs = append(rs, r)
	}
	return rs
}

// Domain component values (attribute 0.9.2342.19200300.100.1.25) carried by
// the profiles ([V2G2-925]; -20 Annex B per EVerest is unverified).
const (
	DCV2G = "V2G"
	DCCPO = "CPO"
	DCCPS = "CPS"
	DCMO  = "MO"
	DCOEM = "OEM"
)

var (
	oidDomainComponent = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
	oidExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKeyUsage        = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidBasicConstr     = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidSubjectKeyID    = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAuthorityKeyID  = asn1.ObjectIdentifier{2, 5, 29, 35}
)

// MaxSubCAs is the largest number of sub-CAs between a leaf and its root:
// at most root + 2 sub-CAs + leaf ([V2G2-009]; the -20 schema allows three
// SubCertificates, but every -20 PKI in use has the same depth).
const MaxSubCAs = 2

// Profile is the certificate profile of one role: what [CreateCertificate]
// writes through [Profile.Template] and what [Verify] checks for the leaf.
// Key usage and basic constraints are critical in every profile.
type Profile struct {
	Role Role
	// IsCA marks roots and sub-CAs; MaxPathLen is their pathLenConstraint,
	// -1 for none.
	IsCA       bool
	MaxPathLen int
	// KeyUsage is the key usage of the ECDSA families. Ed448 keys cannot do
	// key agreement, so x509.KeyUsageKeyAgreement is dropped for them (see
	// [Profile.KeyUsageFor]).
	KeyUsage    x509.KeyUsage
	ExtKeyUsage []x509.ExtKeyUsage
	// DomainComponent is the DC attribute the subject carries, "" for none.
	DomainComponent string
	// Anchors lists the domain components of roots this role may chain to
	// (leaves only).
	Anchors []string
	// Validity is the test-PKI lifetime (Josev's test PKI; not normative).
	Validity time.Duration
	// Issuer is the role that issues this one, RoleUnspecified for roots.
	Issuer Role
}

const (
	day  = 24 * time.Hour
	year = 365 * day
)

const (
	caUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
)

// ProfileFor returns the profile of role r. The zero Profile is returned for
// RoleUnspecified or an unknown role.
func ProfileFor(r Role) Profile {
	root := func(dc string) Profile {
		return Profile{Role: r, IsCA: true, MaxPathLen: MaxSubCAs, KeyUsage: caUsage, DomainComponent: dc, Validity: 10 * year}
	}
	sub := func(issuer Role, pathLen int, dc string, v time.Duration) Profile {
		return Profile{Role: r, IsCA: true, MaxPathLen: pathLen, KeyUsage: caUsage, DomainComponent: dc, Validity: v, Issuer: issuer}
	}
	leaf := func(issuer Role, ku x509.KeyUsage, dc string, v time.Duration, anchors ...string) Profile {
		return Profile{Role: r, MaxPathLen: -1, KeyUsage: ku, DomainComponent: dc, Validity: v, Issuer: issuer, Anchors: anchors}
	}
	switch r {
	case RoleV2GRoot:
		return root(DCV2G)
	case RoleMORoot:
		return root(DCMO)
	case RoleOEMRoot:
		return root(DCOEM)
	case RoleCPOSubCA1:
		return sub(RoleV2GRoot, 1, DCCPO, 4*year)
	case RoleCPOSubCA2:
		return sub(RoleCPOSubCA1, 0, DCCPO, 1*year)
	case RoleCPSSubCA1:
		return sub(RoleV2GRoot, 1, DCCPS, 4*year)
	case RoleCPSSubCA2:
		return sub(RoleCPSSubCA1, 0, DCCPS, 1*year)
	case RoleMOSubCA1:
		return sub(RoleMORoot, 1, DCMO, 4*year)
	case RoleMOSubCA2:
		return sub(RoleMOSubCA1, 0, DCMO, 2*year)
	case RoleOEMSubCA1:
		return sub(RoleOEMRoot, 1, DCOEM, 4*year)
	case RoleOEMSubCA2:
		return sub(RoleOEMSubCA1, 0, DCOEM, 4*year)
	case RoleVehicleSubCA1:
		return sub(RoleOEMRoot, 1, DCOEM, 4*year)
	case RoleVehicleSubCA2:
		return sub(RoleVehicleSubCA1, 0, DCOEM, 4*year)
	case RoleSECCLeaf:
		return leaf(RoleCPOSubCA2, x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement, DCCPO, 60*day, DCV2G)
	case RoleCPSLeaf:
		return leaf(RoleCPSSubCA2, x509.KeyUsageDigitalSignature, DCCPS, 90*day, DCV2G)
	case RoleContractLeaf:
		return leaf(RoleMOSubCA2, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment|x509.KeyUsageKeyAgreement, DCMO, 2*year, DCMO, DCV2G)
	case RoleOEMProvisioningLeaf:
		return leaf(RoleOEMSubCA2, x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement, DCOEM, 4*year, DCOEM, DCV2G)
	case RoleVehicleLeaf:
		// [V2G20-2598]: subject is CN = EVCCID, O = OEM, nothing else, so no
		// DC; EKU clientAuth as recommended for the -20 TLS client.
		p := leaf(RoleVehicleSubCA2, x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement, "", 4*year, DCOEM, DCV2G)
		p.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		return p
	}
	return Profile{}
}

// KeyUsageFor returns the key usage for a certificate of family f: Ed448
// leaves lose keyAgreement, the ECDSA families keep the profile's bits.
func (p Profile) KeyUsageFor(f Family) x509.KeyUsage {
	if f == FamilyEd448 {
		return p.KeyUsage &^ x509.KeyUsageKeyAgreement
	}
	return p.KeyUsage
}

// NewName builds a subject with the given common name, organization,
// country and domain component; empty values are left out. The domain
// component is encoded as an IA5String.
func NewName(cn, o, c, dc string) pkix.Name {
	n := pkix.Name{CommonName: cn}
	if o != "" {
		n.Organization = []string{o}
	}
	if c != "" {
		n.Country = []string{c}
	}
	if dc != "" {
		n.ExtraNames = []pkix.AttributeTypeAndValue{{
			Type:  oidDomainComponent,
			Value: asn1.RawValue{Tag: asn1.TagIA5String, Bytes: []byte(dc)},
		}}
	}
	return n
}

// DomainComponents returns the domain component values of a subject.
func DomainComponents(n pkix.Name) []string {
	var dcs []string
	for _, a := range n.Names {
		if a.Type.Equal(oidDomainComponent) {
			if s, ok := a.Value.(string); ok {
				dcs = append(dcs, s)
			}
		}
	}
	return dcs
}

// Template returns a certificate template for this profile, family f and
// the given subject, valid from notBefore for the profile's Validity.
// Callers (tests in particular) may change any field before
// [CreateCertificate].
func (p Profile) Template(f Family, subject pkix.Name, notBefore time.Time) *Template {
	return &Template{
		Subject:     subject,
		NotBefore:   notBefore,
		NotAfter:    notBefore.Add(p.Validity),
		IsCA:        p.IsCA,
		MaxPathLen:  p.MaxPathLen,
		KeyUsage:    p.KeyUsageFor(f),
		ExtKeyUsage: append([]x509.ExtKeyUsage(nil), p.ExtKeyUsage...),
	}
}
