// Command v2g is the command-line tool of the ISO 15118 stack.
//
// Usage:
//
//	v2g exi decode --set SET [--fragment] [--hex] FILE|-
//	v2g exi encode --set SET [--fragment] [--hex] FILE|-
//	v2g pki init --dir DIR --family p521|ed448|p256
//	v2g replay --trace FILE --role secc|evcc
//	v2g demo [--mode scheduled|dynamic] [--capacity KWH] [--soc PCT] [--target PCT] [--min-soc PCT]
//	v2g help
package main

import (
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

const usage = `usage: v2g <command> [arguments]

commands:
  exi    encode and decode EXI streams (v2g exi help)
  replay run our SECC or EVCC against a recorded session (v2g replay --trace FILE --role secc|evcc)
  pki    test-PKI tools (v2g pki init --dir DIR --family p521|ed448|p256)
  demo   run a DC_BPT session, charge then discharge, over loopback TLS
  help   print this help
`

// run executes the command line args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "exi":
		return runEXI(args[1:], stdin, stdout, stderr)
	case "pki":
		return runPKI(args[1:], stdout, stderr)
	case "demo":
		return runDemo(args[1:], stdout, stderr)
	case "replay":
		return runReplay(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "v2g: unknown command %q (try v2g help)\n", args[0])
		return 2
	}
}
