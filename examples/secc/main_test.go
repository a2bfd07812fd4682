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
		{[]string{"--iface", "lo", "--pki", "x", "--modes", "fast"}, "unknown control mode"},
		{[]string{"--iface", "lo", "--pki", "x", "--port", "0"}, "--port"},
		{[]string{"--iface", "lo", "--pki", "x", "--services", "dc,wpt"}, "unknown service"},
		{[]string{"--iface", "lo", "--pki", "x", "--ac-max-power", "100"}, "--ac-max-power"},
		{[]string{"--iface", "lo", "--pki", "x", "--nominal-voltage", "0"}, "--nominal-voltage"},
		{[]string{"--bogus"}, "flag provided but not defined"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		msg := errb.String()
		if code == 0 || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("run(%q) = %d, stderr %q; want non-zero and one line with %q", tc.args, code, msg, tc.want)
		}
	}
}

func TestParseServices(t *testing.T) {
	o, err := parse([]string{"--iface", "lo", "--pki", "x", "--services", "ac_bpt, ac,ac_bpt", "--ac-max-power", "7400"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.services) != 2 || o.services[0] != 5 || o.services[1] != 1 || o.acLimits.MaxChargePower != 7400 {
		t.Errorf("services %v, AC limits %+v", o.services, o.acLimits)
	}
	if o, _ := parse([]string{"--iface", "lo", "--pki", "x", "--bpt=false"}); len(o.services) != 1 || o.services[0] != 2 {
		t.Errorf("--bpt=false: services %v", o.services)
	}
}
