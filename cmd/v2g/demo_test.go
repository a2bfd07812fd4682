package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	for _, mode := range []string{"dynamic", "scheduled"} {
		t.Run(mode, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if rc := run([]string{"demo", "--mode", mode}, nil, &stdout, &stderr); rc != 0 {
				t.Fatalf("rc %d, stderr %q", rc, stderr.String())
			}
			out := stdout.String()
			if !regexp.MustCompile(`(?m)^cycle +\d+ +charge +[\d.]+ kW`).MatchString(out) {
				t.Errorf("no charge line:\n%s", out)
			}
			if !regexp.MustCompile(`(?m)^cycle +\d+ +discharge +-[\d.]+ kW`).MatchString(out) {
				t.Errorf("no discharge line:\n%s", out)
			}
			for _, what := range []string{"charged", "discharged"} {
				m := regexp.MustCompile(`(?m)^energy ` + what + `: +([\d.]+) kWh$`).FindStringSubmatch(out)
				if m == nil {
					t.Errorf("no energy %s line:\n%s", what, out)
					continue
				}
				if kwh, _ := strconv.ParseFloat(m[1], 64); kwh <= 0 {
					t.Errorf("energy %s %v kWh", what, kwh)
				}
			}
			if !strings.Contains(out, "TLS 1.3") {
				t.Errorf("no TLS version:\n%s", out)
			}
		})
	}
}

func TestDemoBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--ac"}, {"--mode", "x"}, {"--capacity", "-1"}, {"--soc", "abc"}, {"--nope"},
		{"--target", "30", "--min-soc", "40"}, {"extra"},
	} {
		var stdout, stderr bytes.Buffer
		rc := run(append([]string{"demo"}, args...), nil, &stdout, &stderr)
		if rc == 0 || strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), "v2g demo: ") {
			t.Errorf("%v: rc %d, stderr %q", args, rc, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if run([]string{"demo", "--ac"}, nil, &stdout, &stderr); stderr.String() != "v2g demo: AC not supported yet\n" {
		t.Errorf("--ac: %q", stderr.String())
	}
}
