// Package testvec loads the shared EXI reference vectors (../shared/vectors)
// for table tests.
package testvec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/v2gstack/iso15118/internal/testshared"
)

// Vector is one manifest entry.
type Vector struct {
	Path      string `json:"path"`
	XML       string `json:"xml"`
	EXI       string `json:"exi"`
	Set       string `json:"set"`
	Schema    string `json:"schema"`
	Root      string `json:"root"`
	Element   string `json:"element"`
	Namespace string `json:"namespace"`
	Mode      string `json:"mode"`
	Bytes     int    `json:"bytes"`
	Origin    string `json:"origin"`
	SameXMLAs string `json:"same_xml_as"`

	dir string
}

// Manifest is the vector manifest.
type Manifest struct {
	Sets map[string]struct {
		Schema string `json:"schema"`
	} `json:"sets"`
	Count   int      `json:"count"`
	Vectors []Vector `json:"vectors"`
}

// Load reads the manifest (skipping the test when the shared material is
// absent, failing when CI=true).
func Load(tb testing.TB) *Manifest {
	tb.Helper()
	dir := testshared.Dir(tb, "vectors")
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("testvec: manifest: %v", err)
	}
	if len(m.Vectors) != m.Count {
		tb.Fatalf("testvec: manifest lists %d vectors, count says %d", len(m.Vectors), m.Count)
	}
	for i := range m.Vectors {
		m.Vectors[i].dir = dir
	}
	return &m
}

// ReadXML returns the vector's XML bytes.
func (v *Vector) ReadXML() ([]byte, error) { return v.read(v.XML) }

// ReadEXI returns the vector's EXI bytes.
func (v *Vector) ReadEXI() ([]byte, error) { return v.read(v.EXI) }

func (v *Vector) read(p string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(v.dir, filepath.FromSlash(p)))
	if err != nil {
		return nil, fmt.Errorf("testvec: %w", err)
	}
	return b, nil
}
