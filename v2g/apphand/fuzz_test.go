package apphand_test

import (
	"testing"

	"github.com/v2gstack/iso15118/internal/exifuzz"
	"github.com/v2gstack/iso15118/v2g/apphand"
)

// FuzzDecodeAppProtocol decodes arbitrary input with the AppProtocol grammars as a
// document and as a fragment: it must never panic, and whatever decodes must
// re-encode and decode again to the same infoset.
func FuzzDecodeAppProtocol(f *testing.F) {
	exifuzz.AddVectors(f, apphand.SetName)
	sc := apphand.Schema()
	f.Fuzz(func(t *testing.T, b []byte) { exifuzz.Check(t, sc, b) })
}
