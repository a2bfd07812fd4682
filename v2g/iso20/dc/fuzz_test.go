package dc_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
)

// FuzzDecodeDC decodes arbitrary input with the DC grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeDC(f *testing.F) {
	exifuzz.AddVectors(f, dc.SetName)
	sc := dc.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
