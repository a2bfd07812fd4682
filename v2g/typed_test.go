package v2g_test

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testvec"
	"github.com/v2gstack/iso15118/v2g"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/din"
	"github.com/v2gstack/iso15118/v2g/dsig"
	"github.com/v2gstack/iso15118/v2g/iso2"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/acderiec"
	"github.com/v2gstack/iso15118/v2g/iso20/acdersae"
	"github.com/v2gstack/iso15118/v2g/iso20/acdp"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/iso20/wpt"
)

// untypedFragments lists the fragment elements the typed API does not
// cover: qnames declared with different types, which the fragment grammar
// codes with the relaxed ElementFragment grammar (§8.5.3).
var untypedFragments = map[string]bool{
	"iso15118-2 eMAID": true,
}

type typedSet struct {
	doc  func([]byte, exi.Options) (exi.Message, error)
	frag func([]byte, exi.Options) (exi.Fragment, error)
}

var typedSets = map[string]typedSet{
	apphand.SetName:  {apphand.DecodeDocument, apphand.DecodeFragment},
	iso20.SetName:    {iso20.DecodeDocument, iso20.DecodeFragment},
	ac.SetName:       {ac.DecodeDocument, ac.DecodeFragment},
	dc.SetName:       {dc.DecodeDocument, dc.DecodeFragment},
	wpt.SetName:      {wpt.DecodeDocument, wpt.DecodeFragment},
	acdp.SetName:     {acdp.DecodeDocument, acdp.DecodeFragment},
	acderiec.SetName: {acderiec.DecodeDocument, acderiec.DecodeFragment},
	acdersae.SetName: {acdersae.DecodeDocument, acdersae.DecodeFragment},
	dsig.SetName:     {dsig.DecodeDocument, dsig.DecodeFragment},
	iso2.SetName:     {iso2.DecodeDocument, iso2.DecodeFragment},
	din.SetName:      {din.DecodeDocument, din.DecodeFragment},
}

func typedDecode(v *testvec.Vector, b []byte, opt exi.Options) (any, error) {
	ts, ok := typedSets[v.Set]
	if !ok {
		return nil, fmt.Errorf("no typed API for set %s", v.Set)
	}
	if v.Mode == "fragment" {
		return ts.frag(b, opt)
	}
	return ts.doc(b, opt)
}

func typedEncode(v *testvec.Vector, m any, opt exi.Options) ([]byte, error) {
	if v.Mode == "fragment" {
		return m.(exi.Fragment).AppendEXIFragment(nil, opt)
	}
	return m.(exi.Message).AppendEXI(nil, opt)
}

// TestTypedCorpus checks the generated typed API against every shared
// vector: typed decode succeeds and typed re-encode reproduces the bytes at
// the corpus options, and at the ISO 15118 profile the typed encoder gives
// the Node encoder's bytes.
func TestTypedCorpus(t *testing.T) {
	m := testvec.Load(t)
	corpus := exi.UnboundedStringTable()
	var iso exi.Options
	type count struct{ n, ok, iso int }
	perSet := map[string]*count{}
	failures, skipped := 0, 0
	for i := range m.Vectors {
		v := &m.Vectors[i]
		c := perSet[v.Set]
		if c == nil {
			c = &count{}
			perSet[v.Set] = c
		}
		c.n++
		if v.Mode == "fragment" && untypedFragments[v.Set+" "+v.Element] {
			skipped++
			continue
		}
		eb, err := v.ReadEXI()
		if err != nil {
			t.Fatal(err)
		}
		fail := func(format string, args ...any) {
			failures++
			if failures <= 400 {
				t.Errorf("%s: "+format, append([]any{v.Path}, args...)...)
			}
		}
		msg, err := typedDecode(v, eb, corpus)
		if err != nil {
			fail("typed decode: %v", err)
			continue
		}
		out, err := typedEncode(v, msg, corpus)
		if err != nil {
			fail("typed encode: %v", err)
			continue
		}
		if !bytes.Equal(out, eb) {
			fail("typed re-encode gives %d bytes, want the vector's %d", len(out), len(eb))
			continue
		}
		c.ok++
		sc := mustSet(t, v.Set)
		xb, _ := v.ReadXML()
		node, err := exi.ParseXML(bytes.NewReader(xb))
		if err != nil {
			t.Fatal(err)
		}
		want, err := encodeVector(sc, v, node, iso)
		if err != nil {
			fail("node encode at the ISO profile: %v", err)
			continue
		}
		got, err := typedEncode(v, msg, iso)
		if err != nil {
			fail("typed encode at the ISO profile: %v", err)
			continue
		}
		if !bytes.Equal(got, want) {
			fail("typed ISO-profile bytes differ from the Node encoder's")
			continue
		}
		back, err := typedDecode(v, got, iso)
		if err != nil {
			fail("typed decode of the ISO-profile stream: %v", err)
			continue
		}
		if again, err := typedEncode(v, back, iso); err != nil || !bytes.Equal(again, got) {
			fail("ISO-profile typed round trip differs (%v)", err)
			continue
		}
		c.iso++
	}
	names := make([]string, 0, len(perSet))
	for k := range perSet {
		names = append(names, k)
	}
	sort.Strings(names)
	total, ok := 0, 0
	for _, k := range names {
		c := perSet[k]
		t.Logf("%-16s %4d/%4d typed round trip, %4d ISO profile = Node encoder", k, c.ok, c.n, c.iso)
		total += c.n
		ok += c.iso
	}
	t.Logf("all sets: %d/%d (%d relaxed-grammar fragments not typed)", ok, total, skipped)
}

func mustSet(t *testing.T, name string) *exi.Schema {
	t.Helper()
	sc, err := v2g.SchemaSet(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
