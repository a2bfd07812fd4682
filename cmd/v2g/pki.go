package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

const pkiUsage = `usage: v2g pki init --dir DIR --family p521|ed448|p256 [--evccid ID] [--emaid EMAID] [--force]

init writes one complete, valid test PKI (every certificate as <role>.pem,
every key as PKCS#8 <role>.key, each leaf's sub-CAs as <role>.chain.pem)
and manifest.json into DIR. The certificates are dated from now.
`

func runPKI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, pkiUsage)
		return 2
	}
	switch args[0] {
	case "init":
		if err := pkiInit(args[1:], stdout, time.Now); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, pkiUsage)
				return 0
			}
			fmt.Fprintf(stderr, "v2g pki init: %v\n", err)
			return 2
		}
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, pkiUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "v2g pki: unknown subcommand %q (want init)\n", args[0])
		return 2
	}
}

func pkiInit(args []string, stdout io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("v2g pki init", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by the caller
	dir := fs.String("dir", "", "output directory (required)")
	family := fs.String("family", "", "credential family: p521, ed448 or p256 (required)")
	evccid := fs.String("evccid", testpki.DefaultEVCCID, "vehicle certificate CN")
	emaid := fs.String("emaid", testpki.DefaultEMAID, "contract certificate CN")
	force := fs.Bool("force", false, "overwrite an existing PKI in DIR")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *dir == "" {
		return errors.New("--dir is required")
	}
	if *family == "" {
		return errors.New("--family is required (p521, ed448 or p256)")
	}
	fam, err := pki.ParseFamily(*family)
	if err != nil {
		return err
	}
	if !pki.ValidEMAID(*emaid) {
		return fmt.Errorf("--emaid %q is not an EMAID", *emaid)
	}
	if *evccid == "" {
		return errors.New("--evccid must not be empty")
	}
	if _, err := os.Stat(filepath.Join(*dir, testpki.ManifestFile)); err == nil && !*force {
		return fmt.Errorf("%s already holds a PKI (use --force to overwrite)", *dir)
	}
	p, err := testpki.Generate(testpki.Options{Family: fam, Now: now, EVCCID: *evccid, EMAID: *emaid})
	if err != nil {
		return err
	}
	if err := p.WriteDir(*dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a %v test PKI (%d certificates) to %s\n", fam, len(pki.Roles()), *dir)
	return nil
}
