package testshared

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFindBesideModuleRoot(t *testing.T) {
	t.Setenv(EnvVar, "")
	d := Dir(t, "vectors", "manifest.json")
	if filepath.Base(d) != "manifest.json" {
		t.Fatalf("Dir returned %q", d)
	}
}

func TestOverride(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv(EnvVar, tmp)
	got, err := Find()
	if err != nil || got != tmp {
		t.Fatalf("Find() = %q, %v; want %q", got, err, tmp)
	}
	t.Setenv(EnvVar, filepath.Join(tmp, "absent"))
	if _, err := Find(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Find() on a missing override: err = %v, want ErrNotFound", err)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
}
