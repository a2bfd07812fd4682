package iso20_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/iso20"
)

// FuzzDecodeCommonMessages decodes arbitrary input with the CommonMessages grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeCommonMessages(f *testing.F) {
	exifuzz.AddVectors(f, iso20.SetName)
	sc := iso20.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
