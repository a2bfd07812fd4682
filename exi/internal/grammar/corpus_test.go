package grammar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/exi/internal/xsd"
	"github.com/v2gstack/iso15118/internal/testshared"
)

type manifest struct {
	Sets map[string]struct {
		Schema string `json:"schema"`
	} `json:"sets"`
	Vectors []struct {
		Path, XML, EXI, Set, Mode, Root string
	} `json:"vectors"`
}

func loadManifest(t *testing.T) (string, *manifest) {
	dir := testshared.Dir(t, "vectors")
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return dir, &m
}

func TestCorpusFromXSD(t *testing.T) {
	dir, m := loadManifest(t)
	schemas := testshared.Dir(t, "schemas")
	built := map[string]*exi.Schema{}
	for name, s := range m.Sets {
		set, err := xsd.Load(filepath.Join(schemas, s.Schema))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sc, err := Build(set, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		built[name] = sc
	}
	opt := exi.UnboundedStringTable()
	type stat struct{ n, dec, enc int }
	stats := map[string]*stat{}
	var fails []string
	for _, v := range m.Vectors {
		st := stats[v.Set+"/"+v.Mode]
		if st == nil {
			st = &stat{}
			stats[v.Set+"/"+v.Mode] = st
		}
		st.n++
		sc := built[v.Set]
		xb, err := os.ReadFile(filepath.Join(dir, v.XML))
		if err != nil {
			t.Fatal(err)
		}
		eb, err := os.ReadFile(filepath.Join(dir, v.EXI))
		if err != nil {
			t.Fatal(err)
		}
		want, err := exi.ParseXML(bytes.NewReader(xb))
		if err != nil {
			t.Fatalf("%s: %v", v.Path, err)
		}
		// decode
		var got *exi.Node
		if v.Mode == "fragment" {
			ns, err := sc.DecodeFragment(eb, opt)
			if err == nil && len(ns) != 1 {
				err = fmt.Errorf("%d roots", len(ns))
			}
			if err == nil {
				got = ns[0]
			} else {
				fails = append(fails, fmt.Sprintf("%s: decode: %v", v.Path, err))
			}
		} else {
			got, err = sc.DecodeDocument(eb, opt)
			if err != nil {
				fails = append(fails, fmt.Sprintf("%s: decode: %v", v.Path, err))
			}
		}
		if got != nil {
			if ok, why := exi.Equal(want, got); ok {
				st.dec++
			} else {
				fails = append(fails, fmt.Sprintf("%s: decode differs: %s", v.Path, why))
			}
		}
		// encode
		var out []byte
		if v.Mode == "fragment" {
			out, err = sc.EncodeFragment(nil, []*exi.Node{want}, opt)
		} else {
			out, err = sc.EncodeDocument(nil, want, opt)
		}
		switch {
		case err != nil:
			fails = append(fails, fmt.Sprintf("%s: encode: %v", v.Path, err))
		case !bytes.Equal(out, eb):
			fails = append(fails, fmt.Sprintf("%s: encode differs: got %d bytes, want %d (first diff at byte %d)", v.Path, len(out), len(eb), firstDiff(out, eb)))
		default:
			st.enc++
		}
	}
	keys := make([]string, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := stats[k]
		t.Logf("%-28s %5d vectors  decode %5d  encode %5d", k, s.n, s.dec, s.enc)
	}
	if len(fails) > 0 {
		for i, f := range fails {
			if i == 40 {
				break
			}
			t.Error(f)
		}
		t.Errorf("%d failures", len(fails))
	}
	_ = errors.Is
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return len(a)
}
