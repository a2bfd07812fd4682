package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/v2gstack/iso15118/conformance/replay"
)

const replayUsage = "usage: v2g replay --trace FILE --role secc|evcc"

// runReplay runs our engine in the given role against the other side of a
// recorded trace and prints one verdict line per exchange and a summary.
// It exits 0 only when every exchange is ok.
func runReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("trace", "", "JSON-lines trace of a -20 session (either side's file)")
	roleName := fs.String("role", "", "the side our engine plays: secc or evcc")
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "v2g replay: "+format+"\n", a...)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, replayUsage)
			return 0
		}
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return fail("%s", msg)
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q", fs.Arg(0))
	case *file == "":
		return fail("--trace is required (%s)", replayUsage)
	}
	role, err := replay.ParseRole(*roleName)
	if err != nil {
		return fail("--role must be secc or evcc, not %q", *roleName)
	}
	res, err := replay.RunFile(*file, role)
	if err != nil {
		fmt.Fprintf(stderr, "v2g replay: %s\n", strings.TrimPrefix(err.Error(), "replay: "))
		return 1
	}
	for _, x := range res.Exchanges {
		fmt.Fprintln(stdout, x.String())
	}
	fmt.Fprintln(stdout, res.Summary())
	if !res.OK() {
		return 1
	}
	return 0
}
