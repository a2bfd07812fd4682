// Package pki implements the ISO 15118 certificate profiles, path
// validation and revocation checking for both ISO 15118-20 credential
// families (secp521r1 with ECDSA-SHA512, and Ed448) and the ISO 15118-2
// family (secp256r1 with ECDSA-SHA256).
//
// # Families
//
// A [Family] is a key type plus its signature algorithm; every certificate
// of one chain belongs to the same family ([ReasonFamilyMismatch]
// otherwise). crypto/x509 can neither create nor verify Ed448
// certificates, so this package encodes TBSCertificate, TBSCertList and
// BasicOCSPResponse by hand (cryptobyte) for all families, signs Ed448 with
// github.com/cloudflare/circl, and verifies every signature itself.
// crypto/x509 still parses Ed448 certificates (with PublicKeyAlgorithm
// Unknown); [ParseCertificate] then fills in the ed448.PublicKey from the
// SubjectPublicKeyInfo (id-Ed448, 1.3.101.113, RFC 8410). Keys are
// exchanged as PKIX and PKCS#8 DER, Ed448 ones encoded by hand
// ([MarshalPKCS8PrivateKey], [ParsePKCS8PrivateKey]).
//
// # Profiles
//
// [ProfileFor] returns the profile of each [Role] of the hierarchy
//
//	V2G Root ─ CPO Sub-CA 1 ─ CPO Sub-CA 2 ─ SECC leaf        (TLS server)
//	         ─ CPS Sub-CA 1 ─ CPS Sub-CA 2 ─ CPS leaf
//	MO Root  ─ MO Sub-CA 1  ─ MO Sub-CA 2  ─ Contract leaf    (CN = EMAID)
//	OEM Root ─ OEM Sub-CA 1 ─ OEM Sub-CA 2 ─ OEM provisioning leaf
//	OEM Root ─ Vehicle Sub-CA 1 ─ Vehicle Sub-CA 2 ─ Vehicle leaf (-20 TLS client; CN = EVCCID, O = OEM)
//
// Key usage and basic constraints are critical everywhere; roots carry
// pathLen 2, sub-CA 1 pathLen 1, sub-CA 2 pathLen 0; CAs have keyCertSign
// and cRLSign; leaves digitalSignature (+ keyAgreement for the ECDSA
// families, + nonRepudiation for contracts); the vehicle leaf has EKU
// clientAuth. The domain component (V2G, CPO, CPS, MO, OEM) marks each
// branch. Validity periods are those of common test PKIs and not
// normative. [Profile.Template] turns a profile into a [Template] for
// [CreateCertificate]; package testpki builds a whole PKI from them.
//
// # Validation
//
// [Verify] validates a chain as peers send it (leaf first, then sub-CAs)
// against trust anchors, at a clock the caller injects
// ([VerifyOptions].Now; the package never reads the system time). It checks
// structure (at most [MaxSubCAs] sub-CAs, no loops, supported keys), the
// anchor, family consistency, names and signatures, CA constraints, key
// usage and path length, validity, unknown critical extensions, the
// profile of [VerifyOptions].Role (for leaves: key usage, domain
// component, trust anchor, vehicle subject exactly CN=EVCCID,O=OEM,
// contract CN an EMAID) and revocation. Every failure is a
// *[ValidationError] whose [Reason] callers branch on; each Reason is its
// own errors.Is sentinel:
//
//	_, err := pki.Verify(chain, opts)
//	if errors.Is(err, pki.ReasonRevoked) { … }
//
// # Revocation
//
// [OCSPResponder] signs OCSP responses with the issuing CA's key (for
// stapling, [V2G20-2388], and for tests); [VerifyOCSPResponse] checks a
// response's signature, responder, CertID, and that nextUpdate − thisUpdate
// is at most a week ([V2G20-1021]). [VerifyOptions].OCSP takes the stapled
// responses, one per chain certificate. [CreateRevocationList] and
// [ParseRevocationList] handle CRLs of every family, Ed448 included;
// [VerifyOptions].CRLs are consulted where no OCSP response is stapled.
//
// Delegated OCSP responder certificates are verified when present but
// [OCSPResponder] never issues them.
package pki
