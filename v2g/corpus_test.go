package v2g_test

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testvec"
	"github.com/v2gstack/iso15118/v2g"
)

func decodeVector(sc *exi.Schema, v *testvec.Vector, b []byte, opt exi.Options) (*exi.Node, error) {
	if v.Mode == "fragment" {
		ns, err := sc.DecodeFragment(b, opt)
		if err != nil {
			return nil, err
		}
		if len(ns) != 1 {
			return nil, fmt.Errorf("fragment has %d top-level elements, want 1", len(ns))
		}
		return ns[0], nil
	}
	return sc.DecodeDocument(b, opt)
}

func encodeVector(sc *exi.Schema, v *testvec.Vector, n *exi.Node, opt exi.Options) ([]byte, error) {
	if v.Mode == "fragment" {
		return sc.EncodeFragment(nil, []*exi.Node{n}, opt)
	}
	return sc.EncodeDocument(nil, n, opt)
}

// TestCorpus checks every shared vector both ways at the corpus options
// (unbounded string table): decode(EXI) equals the XML infoset and
// encode(XML) equals the EXI bytes.
func TestCorpus(t *testing.T) {
	m := testvec.Load(t)
	opt := exi.UnboundedStringTable()
	perSet := map[string][2]int{}
	failures := 0
	for i := range m.Vectors {
		v := &m.Vectors[i]
		sc, err := v2g.SchemaSet(v.Set)
		if err != nil {
			t.Fatal(err)
		}
		xb, err := v.ReadXML()
		if err != nil {
			t.Fatal(err)
		}
		eb, err := v.ReadEXI()
		if err != nil {
			t.Fatal(err)
		}
		want, err := exi.ParseXML(bytes.NewReader(xb))
		if err != nil {
			t.Fatalf("%s: %v", v.Path, err)
		}
		ok := true
		got, err := decodeVector(sc, v, eb, opt)
		if err != nil {
			ok = false
			t.Errorf("%s: decode: %v", v.Path, err)
		} else if eq, why := exi.Equal(want, got); !eq {
			ok = false
			t.Errorf("%s: decoded infoset differs: %s", v.Path, why)
		}
		out, err := encodeVector(sc, v, want, opt)
		if err != nil {
			ok = false
			t.Errorf("%s: encode: %v", v.Path, err)
		} else if !bytes.Equal(out, eb) {
			ok = false
			t.Errorf("%s: encoded %d bytes, want the vector's %d", v.Path, len(out), len(eb))
		}
		c := perSet[v.Set]
		c[0]++
		if ok {
			c[1]++
		} else {
			failures++
		}
		perSet[v.Set] = c
		if failures > 50 {
			t.Fatal("too many failures")
		}
	}
	names := make([]string, 0, len(perSet))
	for k := range perSet {
		names = append(names, k)
	}
	sort.Strings(names)
	total := 0
	for _, k := range names {
		t.Logf("%-16s %4d/%4d both ways", k, perSet[k][1], perSet[k][0])
		total += perSet[k][0]
	}
	if total != m.Count {
		t.Fatalf("checked %d vectors, manifest has %d", total, m.Count)
	}
}

// TestCorpusISOProfile runs the corpus at the ISO 15118 profile
// (valuePartitionCapacity 0): every XML encodes and decodes back to the same
// infoset; streams without a value hit are reproduced exactly; streams with a
// hit are refused with ErrStringTableRef. The corpus README counts 894
// streams with at least one hit.
func TestCorpusISOProfile(t *testing.T) {
	m := testvec.Load(t)
	var iso exi.Options
	withHit := 0
	for i := range m.Vectors {
		v := &m.Vectors[i]
		sc, err := v2g.SchemaSet(v.Set)
		if err != nil {
			t.Fatal(err)
		}
		xb, _ := v.ReadXML()
		eb, _ := v.ReadEXI()
		want, err := exi.ParseXML(bytes.NewReader(xb))
		if err != nil {
			t.Fatal(err)
		}
		out, err := encodeVector(sc, v, want, iso)
		if err != nil {
			t.Errorf("%s: encode at capacity 0: %v", v.Path, err)
			continue
		}
		back, err := decodeVector(sc, v, out, iso)
		if err != nil {
			t.Errorf("%s: decode of our capacity-0 stream: %v", v.Path, err)
			continue
		}
		if eq, why := exi.Equal(want, back); !eq {
			t.Errorf("%s: capacity-0 round trip differs: %s", v.Path, why)
		}
		_, err = decodeVector(sc, v, eb, iso)
		switch {
		case err == nil:
			if !bytes.Equal(out, eb) {
				t.Errorf("%s: no value hit, yet capacity-0 bytes differ from the vector", v.Path)
			}
		case errors.Is(err, exi.ErrStringTableRef):
			withHit++
			if bytes.Equal(out, eb) {
				t.Errorf("%s: stream with a value hit, yet the literal coding gives the same bytes", v.Path)
			}
		default:
			t.Errorf("%s: capacity-0 decode of the vector: %v, want success or ErrStringTableRef", v.Path, err)
		}
	}
	if withHit != 894 {
		t.Errorf("%d vectors need the string table, the corpus README says 894", withHit)
	}
}
