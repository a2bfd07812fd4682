package acdersae_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/iso20/acdersae"
)

// FuzzDecodeACDERSAE decodes arbitrary input with the ACDERSAE grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeACDERSAE(f *testing.F) {
	exifuzz.AddVectors(f, acdersae.SetName)
	sc := acdersae.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
