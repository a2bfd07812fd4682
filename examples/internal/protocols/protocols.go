// Package protocols parses the --protocol and --plain-tcp flags shared by
// the example binaries.
package protocols

import (
	"errors"
	"fmt"
	"strings"
)

// Parse parses --protocol, a comma-separated list of din, iso2 and iso20,
// in the order given (best first for the EVCC), without repeats. With
// --plain-tcp (plain) only din and iso2 are allowed: -20 always runs over
// TLS.
func Parse(s string, plain bool) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		switch p {
		case "din", "iso2", "iso20":
		default:
			return nil, fmt.Errorf("--protocol: unknown protocol %q (want din, iso2, iso20)", p)
		}
		if plain && p == "iso20" {
			return nil, errors.New("--plain-tcp is a lab switch for DIN and ISO 15118-2 only: -20 always runs over TLS (use --protocol din,iso2)")
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}
