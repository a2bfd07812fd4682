package wpt_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/iso20/wpt"
)

// FuzzDecodeWPT decodes arbitrary input with the WPT grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeWPT(f *testing.F) {
	exifuzz.AddVectors(f, wpt.SetName)
	sc := wpt.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
