package iso2_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/iso2"
)

// FuzzDecodeISO2 decodes arbitrary input with the ISO2 grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeISO2(f *testing.F) {
	exifuzz.AddVectors(f, iso2.SetName)
	sc := iso2.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
