package grammar

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/exi/internal/xsd"
)

func TestDbg(t *testing.T) {
	set := os.Getenv("DSET")
	vec := os.Getenv("DVEC")
	if vec == "" {
		t.Skip()
	}
	_, m := loadManifest(t)
	set, _ = m.Sets[set].Schema, 0
	s, err := xsd.Load(filepath.Join("/work/shared/schemas", set))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := Build(s, "x")
	if err != nil {
		t.Fatal(err)
	}
	xb, _ := os.ReadFile("/work/shared/vectors/" + vec + ".xml")
	eb, _ := os.ReadFile("/work/shared/vectors/" + vec + ".exi")
	n, _ := exi.ParseXML(bytes.NewReader(xb))
	var out []byte
	if os.Getenv("DFRAG") != "" {
		out, err = sc.EncodeFragment(nil, []*exi.Node{n}, exi.UnboundedStringTable())
	} else {
		out, err = sc.EncodeDocument(nil, n, exi.UnboundedStringTable())
	}
	fmt.Println(err)
	bitsOf := func(b []byte) string {
		s := ""
		for _, x := range b {
			s += fmt.Sprintf("%08b ", x)
		}
		return s
	}
	fmt.Println("got ", bitsOf(out[:min(len(out), 40)]))
	fmt.Println("want", bitsOf(eb[:min(len(eb), 40)]))
}
