package dsig_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/dsig"
)

// FuzzDecodeXMLDSig decodes arbitrary input with the XMLDSig grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeXMLDSig(f *testing.F) {
	exifuzz.AddVectors(f, dsig.SetName)
	sc := dsig.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
