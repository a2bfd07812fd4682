package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--iface is required"},
		{[]string{"--iface", "lo"}, "--pki is required"},
		{[]string{"--iface", "lo", "--pki", t.TempDir()}, "holds no PKI"},
		{[]string{"--iface", "lo", "--pki", "x", "--mode", "fast"}, "--mode"},
		{[]string{"--iface", "lo", "--pki", "x", "--min-soc", "90"}, "--min-soc"},
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{"--iface", "lo", "--plain-tcp"}, "--plain-tcp is a lab switch for DIN and ISO 15118-2 only"},
		{[]string{"--iface", "lo", "--pki", "x", "--protocol", "din", "--ac"}, "--ac needs iso20"},
		{[]string{"--iface", "lo", "--pki", "x", "--protocol", "iso15118-2"}, "unknown protocol"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		msg := errb.String()
		if code == 0 || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("run(%q) = %d, stderr %q; want non-zero and one line with %q", tc.args, code, msg, tc.want)
		}
	}
}
