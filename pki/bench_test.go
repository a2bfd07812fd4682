package pki_test

import (
	"testing"

	"github.com/v2gstack/iso15118/pki"
)

func BenchmarkVerify(b *testing.B) {
	for _, f := range families {
		b.Run(f.String(), func(b *testing.B) {
			p := genPKI(b, f)
			chain, o := p.Chain(pki.RoleSECCLeaf), opts(p, pki.RoleSECCLeaf)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pki.Verify(chain, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyStapled(b *testing.B) {
	for _, f := range []pki.Family{pki.FamilyP521, pki.FamilyEd448} {
		b.Run(f.String(), func(b *testing.B) {
			p := genPKI(b, f)
			chain, o := p.Chain(pki.RoleSECCLeaf), opts(p, pki.RoleSECCLeaf)
			staples, err := p.Staple(pki.RoleSECCLeaf, clock)
			if err != nil {
				b.Fatal(err)
			}
			o.OCSP, o.RequireRevocation = staples, true
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pki.Verify(chain, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseCertificate(b *testing.B) {
	for _, f := range families {
		b.Run(f.String(), func(b *testing.B) {
			der := genPKI(b, f).Cert(pki.RoleSECCLeaf).Raw
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pki.ParseCertificate(der); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
