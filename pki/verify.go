package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reason says why a chain or a certificate was rejected. Every Reason is
// also an error, so it serves as the sentinel for errors.Is:
//
//	if errors.Is(err, pki.ReasonExpired) { … }
type Reason int

// The rejection reasons of [Verify], [ParseCertificate] and the revocation
// checks.
const (
	// ReasonMalformed: DER that does not parse, trailing data, oversized
	// input, or an empty chain.
	ReasonMalformed Reason = iota + 1
	// ReasonChainTooLong: more than MaxSubCAs sub-CAs between leaf and root.
	ReasonChainTooLong
	// ReasonLoop: a certificate (or a subject with the same key) appears
	// twice in the chain.
	ReasonLoop
	// ReasonKeyType: a key outside P-256, P-521 and Ed448.
	ReasonKeyType
	// ReasonUnknownAuthority: no root has the last certificate's issuer name.
	ReasonUnknownAuthority
	// ReasonNameMismatch: a certificate's issuer is not the subject of the
	// next certificate in the chain.
	ReasonNameMismatch
	// ReasonFamilyMismatch: certificates of different families in one chain,
	// or a signature algorithm that does not belong to the issuer's key.
	ReasonFamilyMismatch
	// ReasonBadSignature: a signature that does not verify.
	ReasonBadSignature
	// ReasonNotCA: an issuer without basic constraints cA=TRUE.
	ReasonNotCA
	// ReasonPathLen: an issuer's pathLenConstraint is exceeded.
	ReasonPathLen
	// ReasonKeyUsage: an issuer without keyCertSign, or a leaf without the
	// key usage (or extended key usage) its role requires.
	ReasonKeyUsage
	// ReasonNotYetValid: the clock is before NotBefore.
	ReasonNotYetValid
	// ReasonExpired: the clock is after NotAfter.
	ReasonExpired
	// ReasonUnhandledCriticalExtension: a critical extension this package
	// does not understand.
	ReasonUnhandledCriticalExtension
	// ReasonProfile: an ISO 15118 profile rule for the role is broken
	// (subject attributes, domain component, trust anchor, criticality,
	// leaf issued by a root, CA leaf).
	ReasonProfile
	// ReasonRevoked: OCSP or a CRL says the certificate is revoked.
	ReasonRevoked
	// ReasonRevocationUnknown: revocation status required but not
	// established (missing, unverifiable, stale or "unknown" OCSP response).
	ReasonRevocationUnknown
	reasonEnd
)

var reasonNames = [...]string{
	ReasonMalformed:                  "malformed",
	ReasonChainTooLong:               "chain too long",
	ReasonLoop:                       "certificate loop",
	ReasonKeyType:                    "unsupported key type",
	ReasonUnknownAuthority:           "unknown authority",
	ReasonNameMismatch:               "issuer name mismatch",
	ReasonFamilyMismatch:             "family mismatch",
	ReasonBadSignature:               "bad signature",
	ReasonNotCA:                      "issuer is not a CA",
	ReasonPathLen:                    "path length exceeded",
	ReasonKeyUsage:                   "key usage",
	ReasonNotYetValid:                "not yet valid",
	ReasonExpired:                    "expired",
	ReasonUnhandledCriticalExtension: "unhandled critical extension",
	ReasonProfile:                    "profile violation",
	ReasonRevoked:                    "revoked",
	ReasonRevocationUnknown:          "revocation status unknown",
}

// String returns a short lower-case description.
func (r Reason) String() string {
	if r > 0 && r < reasonEnd {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Error makes a Reason usable as an errors.Is target.
func (r Reason) Error() string { return "pki: " + r.String() }

// Reasons returns every defined Reason.
func Reasons() []Reason {
	rs := make([]Reason, 0, reasonEnd-1)
	for r := ReasonMalformed; r < reasonEnd; r++ {
		rs = append(rs, r)
	}
	return rs
}

// ValidationError is the error of [Verify] and the parsers. It unwraps to
// its Reason and to the underlying detail error.
type ValidationError struct {
	Reason Reason
	// Depth is the index in the chain handed to Verify (0 = leaf); the root
	// has index len(chain). -1 when no certificate is concerned.
	Depth int
	// Cert is the offending certificate, nil when none is concerned.
	Cert *Certificate
	// Err is the detail, may be nil.
	Err error
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("pki: ")
	b.WriteString(e.Reason.String())
	if e.Cert != nil {
		fmt.Fprintf(&b, " at depth %d (%s)", e.Depth, e.Cert.Subject)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "pki: "))
	}
	return b.String()
}

// Unwrap returns the Reason and the detail error.
func (e *ValidationError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Err}
}

// DefaultMaxOCSPValidity is the longest nextUpdate − thisUpdate accepted
// for an OCSP response: one week ([V2G20-1021], [V2G20-2448]).
const DefaultMaxOCSPValidity = 7 * day

// VerifyOptions configures [Verify].
type VerifyOptions struct {
	// Roots are the trust anchors.
	Roots []*Certificate
	// Now is the clock; required (Verify never reads the system time).
	Now func() time.Time
	// Role is the expected role of chain[0]. RoleUnspecified runs only the
	// role-independent checks.
	Role Role
	// EVCCID, when set and Role is RoleVehicleLeaf, must equal the leaf CN.
	EVCCID string
	// EMAID, when set and Role is RoleContractLeaf, must equal the leaf CN
	// (compared without '-' separators, case-insensitively).
	EMAID string
	// OCSP holds stapled DER OCSP responses: OCSP[i] speaks for chain[i].
	// Entries may be nil.
	OCSP [][]byte
	// CRLs are revocation lists consulted for certificates without an
	// OCSP response.
	CRLs []*RevocationList
	// RequireRevocation makes a certificate without OCSP response or CRL
	// entry-list from its issuer fail with ReasonRevocationUnknown.
	RequireRevocation bool
	// MaxOCSPValidity overrides DefaultMaxOCSPValidity when non-zero.
	MaxOCSPValidity time.Duration
}

// Verify validates chain (leaf first, then its sub-CAs in issuing order;
// the root may be appended or left out) against opts.Roots at opts.Now().
// It returns the full path, root last. Any failure is a *ValidationError.
//
// Checks, in order: structure (empty, too long, loops, key types), trust
// anchor, family consistency, name chaining and signatures, CA basic
// constraints, key usage and path lengths, validity periods, unhandled
// critical extensions, the ISO profile rules (always: critical key usage
// and basic constraints; per opts.Role: the leaf's profile), revocation.
func Verify(chain []*Certificate, opts VerifyOptions) ([]*Certificate, error) {
	if opts.Now == nil {
		return nil, errors.New("pki: VerifyOptions.Now is nil")
	}
	now := opts.Now()
	if len(chain) == 0 {
		return nil, &ValidationError{Reason: ReasonMalformed, Depth: -1, Err: errors.New("empty chain")}
	}
	for i, c := range chain {
		if c == nil || c.Certificate == nil {
			return nil, &ValidationError{Reason: ReasonMalformed, Depth: i, Err: errors.New("nil certificate")}
		}
	}
	// A trailing root is dropped; the anchor always comes from opts.Roots.
	if n := len(chain); n > 1 {
		for _, r := range opts.Roots {
			if r.Equal(chain[n-1]) {
				chain = chain[:n-1]
				break
			}
		}
	}
	fail := func(r Reason, i int, c *Certificate, format string, args ...any) error {
		return &ValidationError{Reason: r, Depth: i, Cert: c, Err: fmt.Errorf(format, args...)}
	}
	n := len(chain)
	if n > MaxSubCAs+1 {
		return nil, fail(ReasonChainTooLong, n-1, chain[n-1], "%d sub-CAs, at most %d allowed", n-1, MaxSubCAs)
	}
	for i := range chain {
		for j := range i {
			if chain[i].Equal(chain[j]) ||
				bytes.Equal(chain[i].RawSubject, chain[j].RawSubject) && bytes.Equal(chain[i].RawSubjectPublicKeyInfo, chain[j].RawSubjectPublicKeyInfo) {
				return nil, fail(ReasonLoop, i, chain[i], "same certificate as depth %d", j)
			}
		}
		if chain[i].Family == FamilyUnknown {
			return nil, fail(ReasonKeyType, i, chain[i], "key %v/%T", chain[i].PublicKeyAlgorithm, chain[i].PublicKey)
		}
	}

	// Trust anchor.
	last := chain[n-1]
	var root *Certificate
	var rootErr error
	for _, r := range opts.Roots {
		if r == nil || r.Certificate == nil || !bytes.Equal(r.RawSubject, last.RawIssuer) {
			continue
		}
		if err := checkSignature(r.PublicKey, last.SignatureOID, last.RawTBSCertificate, last.Signature); err != nil {
			if rootErr == nil {
				rootErr = err
			}
			continue
		}
		root, rootErr = r, nil
		break
	}
	if root == nil {
		if rootErr != nil {
			return nil, sigError(n-1, last, rootErr)
		}
		return nil, fail(ReasonUnknownAuthority, n-1, last, "no root named %s", last.Issuer)
	}
	path := append(append(make([]*Certificate, 0, n+1), chain...), root)
	if root.Family == FamilyUnknown {
		return nil, fail(ReasonKeyType, n, root, "root key %T", root.PublicKey)
	}

	for i, c := range path {
		if c.Family != root.Family {
			return nil, fail(ReasonFamilyMismatch, i, c, "%v certificate under a %v root", c.Family, root.Family)
		}
	}
	for i := range n {
		c, issuer := chain[i], path[i+1]
		if !bytes.Equal(c.RawIssuer, issuer.RawSubject) {
			return nil, fail(ReasonNameMismatch, i, c, "issuer %s, next certificate is %s", c.Issuer, issuer.Subject)
		}
		if err := checkSignature(issuer.PublicKey, c.SignatureOID, c.RawTBSCertificate, c.Signature); err != nil {
			return nil, sigError(i, c, err)
		}
	}
	for j := 1; j < len(path); j++ {
		ca := path[j]
		if !ca.BasicConstraintsValid || !ca.IsCA {
			return nil, fail(ReasonNotCA, j, ca, "basic constraints cA is not TRUE")
		}
		if ca.KeyUsage&x509.KeyUsageCertSign == 0 {
			return nil, fail(ReasonKeyUsage, j, ca, "issuer lacks keyCertSign")
		}
		if ca.MaxPathLen >= 0 && j-1 > ca.MaxPathLen {
			return nil, fail(ReasonPathLen, j, ca, "%d sub-CAs below, pathLenConstraint %d", j-1, ca.MaxPathLen)
		}
	}
	for i, c := range path {
		if now.Before(c.NotBefore) {
			return nil, fail(ReasonNotYetValid, i, c, "valid from %v, now %v", c.NotBefore.UTC(), now.UTC())
		}
		if now.After(c.NotAfter) {
			return nil, fail(ReasonExpired, i, c, "valid until %v, now %v", c.NotAfter.UTC(), now.UTC())
		}
	}
	for i, c := range path {
		if len(c.UnhandledCriticalExtensions) > 0 {
			return nil, fail(ReasonUnhandledCriticalExtension, i, c, "extension %v", c.UnhandledCriticalExtensions[0])
		}
	}
	for i, c := range path {
		if err := checkCriticality(c); err != nil {
			return nil, &ValidationError{Reason: ReasonProfile, Depth: i, Cert: c, Err: err}
		}
	}
	if opts.Role != RoleUnspecified {
		if err := checkRole(path, opts); err != nil {
			return nil, err
		}
	}
	if err := checkRevocation(path, opts, now); err != nil {
		return nil, err
	}
	return path, nil
}

func sigError(i int, c *Certificate, err error) error {
	r := ReasonBadSignature
	if errors.Is(err, errSigAlg) {
		r = ReasonFamilyMismatch
	}
	return &ValidationError{Reason: r, Depth: i, Cert: c, Err: err}
}

// checkCriticality enforces the profile rule shared by all roles: key
// usage is present and critical, and CAs carry critical basic constraints.
func checkCriticality(c *Certificate) error {
	var ku, bc bool
	for _, e := range c.Extensions {
		switch {
		case e.Id.Equal(oidKeyUsage):
			ku = e.Critical
		case e.Id.Equal(oidBasicConstr):
			bc = e.Critical
		}
	}
	if !ku {
		return errors.New("key usage missing or not critical")
	}
	if c.IsCA && !bc {
		return errors.New("basic constraints not critical")
	}
	return nil
}

var emaidPattern = regexp.MustCompile(`^[A-Za-z]{2}-?[A-Za-z0-9]{3}-?[A-Za-z0-9]{9}(-?[A-Za-z0-9])?$`)

// ValidEMAID reports whether s has the EMAID syntax: country (2 letters),
// provider (3 alphanumerics), instance (9 alphanumerics), optional check
// character, optional '-' separators (protocol-facts §8.5).
func ValidEMAID(s string) bool { return emaidPattern.MatchString(s) }

func normEMAID(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "")) }

// checkRole applies the ISO profile of opts.Role to the leaf and the anchor.
func checkRole(path []*Certificate, opts VerifyOptions) error {
	p := ProfileFor(opts.Role)
	leaf, root := path[0], path[len(path)-1]
	bad := func(r Reason, format string, args ...any) error {
		return &ValidationError{Reason: r, Depth: 0, Cert: leaf, Err: fmt.Errorf(format, args...)}
	}
	if p.Role == RoleUnspecified {
		return bad(ReasonProfile, "unknown role %v", opts.Role)
	}
	if p.IsCA {
		// A CA role: check its own constraints only.
		if !leaf.IsCA {
			return bad(ReasonProfile, "%v must be a CA", opts.Role)
		}
		return nil
	}
	if leaf.IsCA {
		return bad(ReasonProfile, "%v must not be a CA", opts.Role)
	}
	if len(path) < 3 {
		return bad(ReasonProfile, "leaf issued directly by a root")
	}
	need := x509.KeyUsageDigitalSignature
	if opts.Role == RoleContractLeaf {
		need |= x509.KeyUsageContentCommitment
	}
	if leaf.KeyUsage&need != need {
		return bad(ReasonKeyUsage, "%v needs key usage %v, has %v", opts.Role, need, leaf.KeyUsage)
	}
	if leaf.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		return bad(ReasonKeyUsage, "leaf with keyCertSign or cRLSign")
	}
	for _, u := range p.ExtKeyUsage {
		if len(leaf.ExtKeyUsage) > 0 && !hasEKU(leaf.ExtKeyUsage, u) {
			return bad(ReasonKeyUsage, "%v needs extended key usage %d", opts.Role, u)
		}
	}
	if p.DomainComponent != "" && !slices.Contains(DomainComponents(leaf.Subject), p.DomainComponent) {
		return bad(ReasonProfile, "%v needs domain component %q, has %q", opts.Role, p.DomainComponent, DomainComponents(leaf.Subject))
	}
	anchorOK := false
	for _, dc := range DomainComponents(root.Subject) {
		anchorOK = anchorOK || slices.Contains(p.Anchors, dc)
	}
	if !anchorOK {
		return &ValidationError{Reason: ReasonProfile, Depth: len(path) - 1, Cert: root,
			Err: fmt.Errorf("%v must chain to a root with domain component %q", opts.Role, p.Anchors)}
	}
	switch opts.Role {
	case RoleVehicleLeaf:
		// [V2G20-2598]: CN = EVCCID, O = OEM, nothing else.
		var cn, o, other int
		for _, a := range leaf.Subject.Names {
			switch {
			case a.Type.Equal([]int{2, 5, 4, 3}):
				cn++
			case a.Type.Equal([]int{2, 5, 4, 10}):
				o++
			default:
				other++
			}
		}
		if cn != 1 || o != 1 || other != 0 {
			return bad(ReasonProfile, "vehicle subject must be exactly CN and O, is %s", leaf.Subject)
		}
		if opts.EVCCID != "" && leaf.Subject.CommonName != opts.EVCCID {
			return bad(ReasonProfile, "CN %q is not the EVCCID %q", leaf.Subject.CommonName, opts.EVCCID)
		}
	case RoleContractLeaf:
		cn := leaf.Subject.CommonName
		if !ValidEMAID(cn) {
			return bad(ReasonProfile, "CN %q is not an EMAID", cn)
		}
		if opts.EMAID != "" && normEMAID(cn) != normEMAID(opts.EMAID) {
			return bad(ReasonProfile, "CN %q is not the EMAID %q", cn, opts.EMAID)
		}
	}
	return nil
}

func hasEKU(have []x509.ExtKeyUsage, u x509.ExtKeyUsage) bool {
	for _, h := range have {
		if h == u || h == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}
