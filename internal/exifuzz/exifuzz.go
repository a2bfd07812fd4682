// Package exifuzz holds the body of the EXI decoder fuzz targets that each
// generated schema-set package declares, and loads their seeds from the
// shared vectors.
package exifuzz

import (
	"errors"
	"os"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/internal/testvec"
)

// options are the EXI options every input is decoded with: the ISO 15118
// profile and EXI's unbounded string table.
func options() []exi.Options {
	return []exi.Options{{}, exi.UnboundedStringTable()}
}

// AddVectors adds every shared vector of the set as a seed. Without the
// shared material the target still runs on its committed corpus, except when
// CI=true, where missing material fails the target.
func AddVectors(f *testing.F, set string) {
	f.Helper()
	if _, err := testshared.Find(); err != nil {
		if os.Getenv("CI") == "true" {
			testshared.Missing(f, err)
		}
		f.Logf("shared vectors not available, using the committed corpus only: %v", err)
		return
	}
	m := testvec.Load(f)
	n := 0
	for i := range m.Vectors {
		v := &m.Vectors[i]
		if v.Set != set {
			continue
		}
		b, err := v.ReadEXI()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		n++
	}
	if n == 0 {
		f.Fatalf("no shared vectors for set %s", set)
	}
}

// Check decodes b as a document and as a fragment at each option set. It
// fails when a stream that decodes cannot be re-encoded, or when the
// re-encoded stream does not decode to the same infoset. Panics fail the
// fuzz target by themselves.
//
// Schema deviations (SE(*), AT(*), untyped values) must re-encode. One
// class of failure is tolerated: xsi:type and xsi:nil="true", which the
// Node encoder refuses with ErrUnsupported (an xsi:type value needs
// namespace prefixes that EXI does not keep).
func Check(t *testing.T, sc *exi.Schema, b []byte) {
	t.Helper()
	for _, opt := range options() {
		checkDocument(t, sc, b, opt)
		checkFragment(t, sc, b, opt)
	}
}

func checkDocument(t *testing.T, sc *exi.Schema, b []byte, opt exi.Options) {
	t.Helper()
	n, err := sc.DecodeDocument(b, opt)
	if err != nil {
		return
	}
	out, err := sc.EncodeDocument(nil, n, opt)
	if deviation(err) {
		return
	}
	if err != nil {
		t.Fatalf("options %+v: document decodes but does not re-encode: %v", opt, err)
	}
	back, err := sc.DecodeDocument(out, opt)
	if err != nil {
		t.Fatalf("options %+v: re-encoded document %x does not decode: %v", opt, out, err)
	}
	if eq, why := exi.Equal(n, back); !eq {
		t.Fatalf("options %+v: document round trip differs: %s", opt, why)
	}
}

func checkFragment(t *testing.T, sc *exi.Schema, b []byte, opt exi.Options) {
	t.Helper()
	ns, err := sc.DecodeFragment(b, opt)
	if err != nil {
		return
	}
	out, err := sc.EncodeFragment(nil, ns, opt)
	if deviation(err) {
		return
	}
	if err != nil {
		t.Fatalf("options %+v: fragment decodes but does not re-encode: %v", opt, err)
	}
	back, err := sc.DecodeFragment(out, opt)
	if err != nil {
		t.Fatalf("options %+v: re-encoded fragment %x does not decode: %v", opt, out, err)
	}
	if len(back) != len(ns) {
		t.Fatalf("options %+v: fragment round trip: %d elements, want %d", opt, len(back), len(ns))
	}
	for i := range ns {
		if eq, why := exi.Equal(ns[i], back[i]); !eq {
			t.Fatalf("options %+v: fragment round trip, element %d differs: %s", opt, i, why)
		}
	}
}

// deviation reports an encoding error the Node encoder documents: xsi:type
// and xsi:nil="true" are not coded.
func deviation(err error) bool {
	var ee *exi.EncodeError
	return errors.As(err, &ee) && errors.Is(err, exi.ErrUnsupported)
}
