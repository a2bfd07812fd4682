package acdp_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/iso20/acdp"
)

// FuzzDecodeACDP decodes arbitrary input with the ACDP grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeACDP(f *testing.F) {
	exifuzz.AddVectors(f, acdp.SetName)
	sc := acdp.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
