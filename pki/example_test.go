package pki_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

// Validate a SECC chain of a generated Ed448 test PKI with its stapled
// OCSP responses, then see the same chain fail once the leaf has expired.
func ExampleVerify() {
	now := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	p, err := testpki.Generate(testpki.Options{Family: pki.FamilyEd448, Now: now})
	if err != nil {
		panic(err)
	}
	staples, err := p.Staple(pki.RoleSECCLeaf, now)
	if err != nil {
		panic(err)
	}
	opts := pki.VerifyOptions{
		Roots:             p.Roots(),
		Now:               now,
		Role:              pki.RoleSECCLeaf,
		OCSP:              staples,
		RequireRevocation: true,
	}
	path, err := pki.Verify(p.Chain(pki.RoleSECCLeaf), opts)
	fmt.Println(len(path), path[len(path)-1].Family, err)

	opts.Now = func() time.Time { return now().AddDate(0, 3, 0) }
	_, err = pki.Verify(p.Chain(pki.RoleSECCLeaf), opts)
	var ve *pki.ValidationError
	fmt.Println(errors.Is(err, pki.ReasonExpired), errors.As(err, &ve) && ve.Depth == 0)
	// Output:
	// 4 ed448 <nil>
	// true true
}
