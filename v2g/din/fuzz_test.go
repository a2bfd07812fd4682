package din_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/din"
)

// FuzzDecodeDIN decodes arbitrary input with the DIN grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeDIN(f *testing.F) {
	exifuzz.AddVectors(f, din.SetName)
	sc := din.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
