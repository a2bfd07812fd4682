package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testvec"
	"github.com/v2gstack/iso15118/v2g"
)

// sessionSetupReqHex is a SessionSetupReq with SessionID 8×00, TimeStamp
// 1700000000 and EVCCID "EVCCID1234567", coded with the CommonMessages set.
const sessionSetupReqHex = "808c040000000000000000080e2cfaa06207a2ab21a1a4a21899199a1a9b1b80"

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

func wantFailure(t *testing.T, code int, stderr, substr string) {
	t.Helper()
	if code == 0 {
		t.Fatalf("exit status 0, want failure")
	}
	if !strings.HasPrefix(stderr, "v2g: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr %q is not one line starting with v2g:", stderr)
	}
	if !strings.Contains(stderr, substr) {
		t.Errorf("stderr %q does not mention %q", stderr, substr)
	}
}

func TestDecodeSessionSetupReq(t *testing.T) {
	code, out, errOut := runCLI(t, sessionSetupReqHex+"\n", "exi", "decode", "--set", "CommonMessages", "--hex", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"SessionSetupReq", "<ns2:SessionID>0000000000000000</ns2:SessionID>",
		"<ns2:TimeStamp>1700000000</ns2:TimeStamp>", ">EVCCID1234567<", "urn:iso:std:iso:15118:-20:CommonMessages"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// The same stream as raw bytes from a file, flags after the file name.
	raw, _ := hex.DecodeString(sessionSetupReqHex)
	f := filepath.Join(t.TempDir(), "req.exi")
	if err := os.WriteFile(f, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out2, errOut := runCLI(t, "", "exi", "decode", f, "--set", "CommonMessages")
	if code != 0 || out2 != out {
		t.Fatalf("raw decode: exit %d (%s), output differs: %q", code, errOut, out2)
	}

	// Encode the printed XML back.
	code, hx, errOut := runCLI(t, out, "exi", "encode", "--set", "CommonMessages", "--hex", "-")
	if code != 0 {
		t.Fatalf("encode: exit %d: %s", code, errOut)
	}
	if hx != sessionSetupReqHex+"\n" {
		t.Errorf("encode --hex = %q, want %q", hx, sessionSetupReqHex)
	}
	code, rawOut, _ := runCLI(t, out, "exi", "encode", "--set", "CommonMessages", "-")
	if code != 0 || !bytes.Equal([]byte(rawOut), raw) {
		t.Errorf("raw encode: exit %d, got %x", code, rawOut)
	}
}

func TestHandWrittenXML(t *testing.T) {
	const in = `<SessionSetupReq xmlns="urn:iso:std:iso:15118:-20:CommonMessages"
    xmlns:ct="urn:iso:std:iso:15118:-20:CommonTypes">
  <ct:Header><ct:SessionID>0000000000000000</ct:SessionID><ct:TimeStamp>1700000000</ct:TimeStamp></ct:Header>
  <EVCCID>EVCCID1234567</EVCCID>
</SessionSetupReq>`
	code, hx, errOut := runCLI(t, in, "exi", "encode", "--set", "CommonMessages", "--hex", "-")
	if code != 0 || hx != sessionSetupReqHex+"\n" {
		t.Fatalf("exit %d (%s): %q", code, errOut, hx)
	}
}

func TestFragmentRoundTrip(t *testing.T) {
	const in = `<?xml version="1.0"?>
<ds:DigestMethod xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
<?xml version="1.0"?>
<ds:DigestValue xmlns:ds="http://www.w3.org/2000/09/xmldsig#">AAECAw==</ds:DigestValue>
`
	code, hx, errOut := runCLI(t, in, "exi", "encode", "--set", "xmldsig", "--fragment", "--hex", "-")
	if code != 0 {
		t.Fatalf("encode: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, hx, "exi", "decode", "--set", "xmldsig", "--fragment", "--hex", "-")
	if code != 0 {
		t.Fatalf("decode: exit %d: %s", code, errOut)
	}
	if strings.Count(out, "<?xml") != 2 || !strings.Contains(out, "DigestMethod") || !strings.Contains(out, ">AAECAw==<") {
		t.Errorf("decoded fragment:\n%s", out)
	}
	code, hx2, errOut := runCLI(t, out, "exi", "encode", "--set", "xmldsig", "--fragment", "--hex", "-")
	if code != 0 || hx2 != hx {
		t.Errorf("re-encode: exit %d (%s): %q, want %q", code, errOut, hx2, hx)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no exi command", "", []string{"exi"}, "usage"},
		{"unknown command", "", []string{"frobnicate"}, "unknown command"},
		{"unknown exi command", "", []string{"exi", "transcode"}, "unknown command"},
		{"unknown set", sessionSetupReqHex, []string{"exi", "decode", "--set", "ISO-21", "--hex", "-"}, `unknown schema set "ISO-21"`},
		{"missing set", sessionSetupReqHex, []string{"exi", "decode", "--hex", "-"}, "--set is required"},
		{"missing file", "", []string{"exi", "decode", "--set", "DC"}, "missing input"},
		{"two files", "", []string{"exi", "decode", "--set", "DC", "a", "b"}, "one input file"},
		{"bad flag", "", []string{"exi", "decode", "--set", "DC", "--bogus", "-"}, "bogus"},
		{"bad capacity", "", []string{"exi", "decode", "--set", "DC", "--value-partition-capacity", "-3", "-"}, "non-negative"},
		{"bad max length", "", []string{"exi", "encode", "--set", "DC", "--value-max-length", "lots", "-"}, "non-negative"},
		{"bad hex", "80zz", []string{"exi", "decode", "--set", "CommonMessages", "--hex", "-"}, "bad hex"},
		{"odd hex", "808", []string{"exi", "decode", "--set", "CommonMessages", "--hex", "-"}, "bad hex"},
		{"truncated", sessionSetupReqHex[:20], []string{"exi", "decode", "--set", "CommonMessages", "--hex", "-"}, "unexpected end of input"},
		{"empty", "", []string{"exi", "decode", "--set", "CommonMessages", "-"}, "unexpected end of input"},
		{"wrong header", "a0", []string{"exi", "decode", "--set", "CommonMessages", "--hex", "-"}, "header"},
		{"trailing data", sessionSetupReqHex + "00", []string{"exi", "decode", "--set", "CommonMessages", "--hex", "-"}, "trailing data"},
		{"no such file", "", []string{"exi", "decode", "--set", "DC", filepath.Join(t.TempDir(), "nope.exi")}, "nope.exi"},
		{"bad xml", "<a><b></a>", []string{"exi", "encode", "--set", "DC", "-"}, "xml"},
		{"two xml roots", "<a/><b/>", []string{"exi", "encode", "--set", "DC", "-"}, "more than one root"},
		{"empty fragment", "  ", []string{"exi", "encode", "--set", "DC", "--fragment", "-"}, "no element"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, tc.args...)
			if tc.want == "usage" {
				if code == 0 || !strings.Contains(errOut, "usage") {
					t.Errorf("exit %d, stderr %q", code, errOut)
				}
				return
			}
			wantFailure(t, code, errOut, tc.want)
			if out != "" {
				t.Errorf("stdout %q on failure", out)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"exi", "help"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(out, "usage") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	if code, _, errOut := runCLI(t, ""); code != 2 || !strings.Contains(errOut, "usage") {
		t.Errorf("no arguments: exit %d, %q", code, errOut)
	}
}

// TestStringTableHit takes a shared vector whose stream refers to the string
// table: the ISO profile (the default) refuses it, --value-partition-capacity
// unbounded decodes it.
func TestStringTableHit(t *testing.T) {
	m := testvec.Load(t)
	var v *testvec.Vector
	var eb []byte
	for i := range m.Vectors {
		c := &m.Vectors[i]
		if c.Mode != "document" {
			continue
		}
		sc, err := v2g.SchemaSet(c.Set)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.ReadEXI()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sc.DecodeDocument(b, exi.Options{}); errors.Is(err, exi.ErrStringTableRef) {
			v, eb = c, b
			break
		}
	}
	if v == nil {
		t.Fatal("no shared vector with a string-table hit")
	}
	f := filepath.Join(t.TempDir(), "hit.exi")
	if err := os.WriteFile(f, eb, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "exi", "decode", "--set", v.Set, f)
	wantFailure(t, code, errOut, "string table")

	code, out, errOut := runCLI(t, "", "exi", "decode", "--set", v.Set, "--value-partition-capacity", "unbounded", f)
	if code != 0 {
		t.Fatalf("%s at unbounded capacity: exit %d: %s", v.Path, code, errOut)
	}
	if !strings.Contains(out, v.Element) {
		t.Errorf("%s: output lacks %s", v.Path, v.Element)
	}
	// Encoding at the same options reproduces the vector.
	code, back, errOut := runCLI(t, out, "exi", "encode", "--set", v.Set, "--value-partition-capacity", "unbounded", "-")
	if code != 0 || !bytes.Equal([]byte(back), eb) {
		t.Errorf("%s: re-encode at unbounded capacity: exit %d (%s), %d bytes, want %d", v.Path, code, errOut, len(back), len(eb))
	}
	// A value-max-length of 0 keeps every value out of the table, so the
	// literal coding differs from the vector's.
	code, lit, _ := runCLI(t, out, "exi", "encode", "--set", v.Set, "--value-partition-capacity", "unbounded", "--value-max-length", "0", "-")
	if code != 0 || bytes.Equal([]byte(lit), eb) {
		t.Errorf("%s: --value-max-length 0: exit %d, same bytes as the vector", v.Path, code)
	}
}
