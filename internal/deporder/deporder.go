// Package deporder checks the module's layering: every package imports
// only packages of its own row or the rows above it in the DEVELOPERS
// table, generated message sets import only the EXI runtime and each
// other, and the sans-I/O engines neither touch the network nor read the
// wall clock.
package deporder

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"strconv"
	"strings"
)

// Module is the module path.
const Module = "github.com/v2gstack/iso15118"

// Row returns the layer of a module-relative package path, or -1.
func Row(rel string) int {
	match := func(pat string) bool {
		if p, ok := strings.CutSuffix(pat, "/..."); ok {
			return rel == p || strings.HasPrefix(rel, p+"/")
		}
		return rel == pat
	}
	switch {
	case match("exi/..."):
		return 0
	case rel == "v2g/v2gtp" || rel == "slac":
		return 1
	case match("pki/..."):
		return 2
	case match("v2g/secc/...") || match("v2g/evcc/..."):
		return 7
	case match("v2g/..."):
		return 3
	case match("sdp/..."):
		return 4
	case match("v2gtls/..."):
		return 5
	case match("slac/link/..."):
		return 6
	case match("conformance/..."):
		return 8
	case match("examples/...") || match("cmd/..."):
		return 9
	}
	return -1
}

// Helper reports whether rel is a top-level internal test helper, which
// every package may import and which is exempt from the rows.
func Helper(rel string) bool { return rel == "internal" || strings.HasPrefix(rel, "internal/") }

// Engine reports whether rel is a sans-I/O engine package: no net, no
// crypto/tls, no wall clock. Socket drivers live in subpackages.
func Engine(rel string) bool {
	switch rel {
	case "v2g/session", "v2g/secc", "v2g/evcc", "sdp", "slac":
		return true
	}
	return false
}

// AllowedExternal reports whether an import outside the module and the
// standard library is one of the chosen modules.
func AllowedExternal(imp string) bool {
	for _, p := range []string{"golang.org/x/", "github.com/gopacket/gopacket", "github.com/cloudflare/circl"} {
		if strings.HasPrefix(imp, p) {
			return true
		}
	}
	return false
}

// Std reports whether imp is a standard-library path.
func Std(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

// Package is what the checker needs to know of a package.
type Package struct {
	Rel       string   // path relative to the module
	Imports   []string // direct imports, full paths
	Generated bool     // a generated message set
}

// Check returns one message per layering violation of p.
func Check(p Package) []string {
	var out []string
	if Helper(p.Rel) {
		return nil
	}
	row := Row(p.Rel)
	if row < 0 {
		return []string{fmt.Sprintf("%s: package is in no row of the dependency table", p.Rel)}
	}
	for _, imp := range p.Imports {
		rel, inModule := strings.CutPrefix(imp, Module+"/")
		switch {
		case imp == Module:
			out = append(out, fmt.Sprintf("%s imports the module root", p.Rel))
		case inModule:
			if Helper(rel) {
				continue
			}
			r := Row(rel)
			if r > row {
				out = append(out, fmt.Sprintf("%s (row %d) imports %s (row %d), which is below it", p.Rel, row, rel, r))
			}
		case Std(imp):
		case !AllowedExternal(imp):
			out = append(out, fmt.Sprintf("%s imports %s, a module not chosen for the project", p.Rel, imp))
		}
		if p.Generated && !Std(imp) {
			if !inModule || (rel != "exi" && !generatedSet(rel)) {
				out = append(out, fmt.Sprintf("generated set %s imports %s; only exi and other generated sets are allowed", p.Rel, imp))
			}
		}
		if Engine(p.Rel) && (imp == "net" || imp == "crypto/tls") {
			out = append(out, fmt.Sprintf("engine %s imports %s; sockets belong in a driver package", p.Rel, imp))
		}
	}
	return out
}

// generatedSet reports whether rel is one of the generated set packages;
// Check is told per package, so this only needs the naming convention.
func generatedSet(rel string) bool {
	switch rel {
	case "v2g/apphand", "v2g/iso20", "v2g/dsig", "v2g/iso2", "v2g/din":
		return true
	}
	return path.Dir(rel) == "v2g/iso20"
}

// WallClockCalls returns the positions of calls to time.Now, time.Since and
// time.Until in a Go source file, however the time package is imported.
func WallClockCalls(filename string, src []byte) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	dot := false
	for _, is := range f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		if p != "time" {
			continue
		}
		switch {
		case is.Name == nil:
			names["time"] = true
		case is.Name.Name == ".":
			dot = true
		case is.Name.Name != "_":
			names[is.Name.Name] = true
		}
	}
	bad := map[string]bool{"Now": true, "Since": true, "Until": true}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && names[id.Name] && bad[x.Sel.Name] {
				out = append(out, fmt.Sprintf("%s: time.%s", fset.Position(x.Pos()), x.Sel.Name))
			}
		case *ast.CallExpr:
			if id, ok := x.Fun.(*ast.Ident); ok && dot && bad[id.Name] {
				out = append(out, fmt.Sprintf("%s: time.%s (dot import)", fset.Position(x.Pos()), id.Name))
			}
		}
		return true
	})
	return out, nil
}
