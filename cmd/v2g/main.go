// Command v2g is the command-line tool of the ISO 15118 stack.
//
// Usage:
//
//	v2g <command> [arguments]
//
// Commands:
//
//	pki    test-PKI tools (v2g pki init --dir DIR --family p521|ed448|p256)
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usageText = `usage: v2g <command> [arguments]

commands:
  pki    test-PKI tools (v2g pki init --dir DIR --family p521|ed448|p256)
`

// run dispatches on args[0] and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return 2
	}
	switch args[0] {
	case "pki":
		return runPKI(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return 0
	default:
		fmt.Fprintf(stderr, "v2g: unknown command %q\n%s", args[0], usageText)
		return 2
	}
}
