package trace_test

import (
	"bufio"
	"errors"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/v2g/trace"
)

// FuzzParse: any input gives records or a typed error, never a panic, and
// the records read back from what AppendLine writes for them.
func FuzzParse(f *testing.F) {
	f.Add(`{"t": "2026-11-23 16:58:47,955", "dir": "tx", "ns": "SAP", "msg": "supportedAppProtocolRes", "json": {}, "exi": "80400040"}`)
	f.Add(`{"t": "2026-11-23 16:58:47,983", "dir": "rx", "ns": "ISO_V20_COMMON_MSG", "exi": "808c0400000000000000000c7e191d80620b2ba6a4ab1899199a1a9b1b9c1c9820a121a222ac00", "msg": "SessionSetupReq", "json": {}}`)
	f.Add(`{"t": "2026-11-23 17:04:04,074", "dir": "sig", "ns": "XML_DSIG", "msg": "SignedInfo", "json": {}, "exi": "80"}`)
	f.Add("\n\n{")
	f.Fuzz(func(t *testing.T, in string) {
		recs, err := trace.Parse(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, trace.ErrSyntax) && !errors.Is(err, trace.ErrDecode) && !errors.Is(err, bufio.ErrTooLong) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var out []byte
		for _, r := range recs {
			if out, err = trace.AppendLine(out, r); err != nil {
				t.Fatal(err)
			}
		}
		back, err := trace.Parse(strings.NewReader(string(out)))
		if err != nil || len(back) != len(recs) {
			t.Fatalf("read back %d of %d: %v", len(back), len(recs), err)
		}
	})
}
