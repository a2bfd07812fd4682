// Package testshared locates the read-only shared material (schemas, EXI
// vectors, traces, peer benchmarks) that lives beside the module root.
//
// Tests run in their package's folder, so the helper walks up to the
// directory holding go.mod and looks for ../shared next to it. The
// environment variable V2G_SHARED_DIR overrides the location.
//
// When the material is missing a test is skipped with a clear message, except
// when CI=true, where it fails: CI must never pass by skipping.
package testshared

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar names the environment variable that overrides the shared directory.
const EnvVar = "V2G_SHARED_DIR"

// ErrNotFound is returned by Find when the shared directory cannot be located.
var ErrNotFound = errors.New("testshared: shared directory not found")

// ModuleRoot returns the directory that holds the module's go.mod, searching
// upwards from the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testshared: %w", err)
	}
	for {
		if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !fi.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no go.mod above the working directory", ErrNotFound)
		}
		dir = parent
	}
}

// Find returns the shared directory: $V2G_SHARED_DIR when set, otherwise
// ../shared beside the module root. It checks that the directory exists.
func Find() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		return checkDir(d, EnvVar)
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return checkDir(filepath.Join(filepath.Dir(root), "shared"), "beside the module root")
}

func checkDir(d, where string) (string, error) {
	fi, err := os.Stat(d)
	if err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%w: %s (%s)", ErrNotFound, d, where)
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		return "", fmt.Errorf("testshared: %w", err)
	}
	return abs, nil
}

// Dir returns the shared directory joined with the optional elements. When the
// directory or the joined path is missing it skips the test, or fails it when
// CI=true.
func Dir(tb testing.TB, elem ...string) string {
	tb.Helper()
	d, err := Find()
	if err == nil && len(elem) > 0 {
		p := filepath.Join(append([]string{d}, elem...)...)
		if _, serr := os.Stat(p); serr != nil {
			err = fmt.Errorf("%w: %s", ErrNotFound, p)
		}
		d = p
	}
	if err != nil {
		Missing(tb, err)
	}
	return d
}

// Missing reports that test material is absent: t.Fatal when CI=true,
// t.Skip otherwise.
func Missing(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("shared test material is required in CI: %v (set %s)", err, EnvVar)
	}
	tb.Skipf("skipping: shared test material not available: %v (set %s)", err, EnvVar)
}
