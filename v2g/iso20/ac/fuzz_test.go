package ac_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
)

// FuzzDecodeAC decodes arbitrary input with the AC grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeAC(f *testing.F) {
	exifuzz.AddVectors(f, ac.SetName)
	sc := ac.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
