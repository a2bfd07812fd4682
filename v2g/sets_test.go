package v2g_test

import (
	"errors"
	"testing"

	"github.com/v2gstack/iso15118/v2g"
)

func TestSchemaSets(t *testing.T) {
	names := v2g.SetNames()
	if len(names) != 11 {
		t.Fatalf("SetNames() = %v, want the 11 sets of the vector manifest", names)
	}
	for _, n := range names {
		s, err := v2g.SchemaSet(n)
		if err != nil || s.Name != n {
			t.Errorf("SchemaSet(%q) = %v, %v", n, s, err)
		}
	}
	if _, err := v2g.SchemaSet("iso15118"); !errors.Is(err, v2g.ErrUnknownSet) {
		t.Errorf("SchemaSet(iso15118): err = %v, want ErrUnknownSet", err)
	}
	ac, _ := v2g.SchemaForNamespace(v2g.NamespaceISO20AC)
	der, _ := v2g.SchemaForNamespace(v2g.NamespaceISO20ACDERIEC)
	if ac == nil || der == nil || ac == der || ac.Name != "AC" || der.Name != "AC_DER_IEC" {
		t.Errorf("AC and AC-DER namespaces must select different grammars: %v %v", ac, der)
	}
	if _, err := v2g.SchemaForNamespace("urn:unknown"); !errors.Is(err, v2g.ErrUnknownSet) {
		t.Errorf("unknown namespace: err = %v", err)
	}
}
