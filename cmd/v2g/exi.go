package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g"
)

const exiUsage = `usage:
  v2g exi decode --set SET [--fragment] [--hex] [options] FILE|-
      decode an EXI stream (raw bytes, or hex text with --hex) and print XML
  v2g exi encode --set SET [--fragment] [--hex] [options] FILE|-
      encode XML and write the EXI bytes (lowercase hex with --hex)

options:
  --set SET                         schema set: %s
  --fragment                        EXI fragment instead of a document
  --hex                             hex text instead of raw bytes
  --value-partition-capacity N|unbounded
                                    string-table capacity (default 0, the ISO 15118 profile)
  --value-max-length N|unbounded    longest string value added to the table (default unbounded)
`

// errUsage marks errors caused by the command line rather than the input.
var errUsage = errors.New("usage")

// limitFlag is an EXI option value: a non-negative integer or "unbounded".
type limitFlag struct{ v *int }

func (f limitFlag) String() string {
	if f.v == nil {
		return ""
	}
	if *f.v == exi.Unbounded {
		return "unbounded"
	}
	return strconv.Itoa(*f.v)
}

func (f limitFlag) Set(s string) error {
	if s == "unbounded" {
		*f.v = exi.Unbounded
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a non-negative integer or unbounded, got %q", s)
	}
	*f.v = n
	return nil
}

type exiConfig struct {
	set      string
	fragment bool
	hex      bool
	opt      exi.Options
	file     string
}

func parseEXIFlags(name string, args []string) (*exiConfig, error) {
	c := &exiConfig{opt: exi.Options{ValueMaxLength: exi.Unbounded}}
	fs := flag.NewFlagSet("v2g exi "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.set, "set", "", "schema set")
	fs.BoolVar(&c.fragment, "fragment", false, "EXI fragment")
	fs.BoolVar(&c.hex, "hex", false, "hex text")
	fs.Var(limitFlag{&c.opt.ValuePartitionCapacity}, "value-partition-capacity", "string-table capacity")
	fs.Var(limitFlag{&c.opt.ValueMaxLength}, "value-max-length", "longest value in the string table")
	// Accept flags before and after the file name.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	switch {
	case c.set == "":
		return nil, fmt.Errorf("%w: --set is required (one of %s)", errUsage, strings.Join(v2g.SetNames(), ", "))
	case len(pos) == 0:
		return nil, fmt.Errorf("%w: missing input file (use - for standard input)", errUsage)
	case len(pos) > 1:
		return nil, fmt.Errorf("%w: one input file expected, got %d", errUsage, len(pos))
	}
	c.file = pos[0]
	return c, nil
}

// runEXI implements "v2g exi".
func runEXI(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		w, code := stderr, 2
		if len(args) > 0 {
			w, code = stdout, 0
		}
		fmt.Fprintf(w, exiUsage, strings.Join(v2g.SetNames(), ", "))
		return code
	}
	var do func(*exi.Schema, *exiConfig, []byte) ([]byte, error)
	switch args[0] {
	case "decode":
		do = exiDecode
	case "encode":
		do = exiEncode
	default:
		fmt.Fprintf(stderr, "v2g: exi: unknown command %q (try v2g exi help)\n", args[0])
		return 2
	}
	c, err := parseEXIFlags(args[0], args[1:])
	if err != nil {
		fmt.Fprintf(stderr, "v2g: exi %s: %v\n", args[0], strings.TrimPrefix(err.Error(), "usage: "))
		return 2
	}
	sc, err := v2g.SchemaSet(c.set)
	if err != nil {
		fmt.Fprintf(stderr, "v2g: exi %s: %s\n", args[0], strings.TrimPrefix(err.Error(), "v2g: "))
		return 2
	}
	in, err := readInput(c.file, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "v2g: exi %s: %v\n", args[0], err)
		return 1
	}
	out, err := do(sc, c, in)
	if err != nil {
		fmt.Fprintf(stderr, "v2g: exi %s: %s\n", args[0], oneLine(err.Error()))
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "v2g: exi %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func exiDecode(sc *exi.Schema, c *exiConfig, in []byte) ([]byte, error) {
	b := in
	if c.hex {
		var err error
		if b, err = decodeHex(in); err != nil {
			return nil, err
		}
	}
	var roots []*exi.Node
	if c.fragment {
		ns, err := sc.DecodeFragment(b, c.opt)
		if err != nil {
			return nil, err
		}
		roots = ns
	} else {
		n, err := sc.DecodeDocument(b, c.opt)
		if err != nil {
			return nil, err
		}
		roots = []*exi.Node{n}
	}
	var out bytes.Buffer
	for _, n := range roots {
		if err := n.WriteXML(&out); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// decodeHex decodes hex text, ignoring white space.
func decodeHex(in []byte) ([]byte, error) {
	s := strings.Join(strings.Fields(string(in)), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bad hex input: %v", err)
	}
	return b, nil
}

var xmlDecl = regexp.MustCompile(`<\?xml[^?]*\?>`)

func exiEncode(sc *exi.Schema, c *exiConfig, in []byte) ([]byte, error) {
	var b []byte
	if c.fragment {
		roots, err := parseFragmentXML(in)
		if err != nil {
			return nil, err
		}
		if b, err = sc.EncodeFragment(nil, roots, c.opt); err != nil {
			return nil, err
		}
	} else {
		root, err := exi.ParseXML(bytes.NewReader(in))
		if err != nil {
			return nil, err
		}
		if b, err = sc.EncodeDocument(nil, root, c.opt); err != nil {
			return nil, err
		}
	}
	if c.hex {
		return []byte(hex.EncodeToString(b) + "\n"), nil
	}
	return b, nil
}

// parseFragmentXML reads one or more top-level elements, each optionally
// preceded by an XML declaration, as "v2g exi decode --fragment" prints them.
func parseFragmentXML(in []byte) ([]*exi.Node, error) {
	body := xmlDecl.ReplaceAll(in, nil)
	var w bytes.Buffer
	w.WriteString("<fragment>")
	w.Write(body)
	w.WriteString("</fragment>")
	root, err := exi.ParseXML(&w)
	if err != nil {
		return nil, err
	}
	if root.Text != "" && strings.TrimSpace(root.Text) != "" {
		return nil, errors.New("xml: text outside an element")
	}
	if len(root.Kids) == 0 {
		return nil, errors.New("xml: no element")
	}
	for _, k := range root.Kids {
		if k.IsText() {
			return nil, errors.New("xml: text between top-level elements")
		}
	}
	return root.Kids, nil
}
