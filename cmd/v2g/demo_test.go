package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	for _, args := range [][]string{
		{"--mode", "dynamic"}, {"--mode", "scheduled"}, {"--ac"}, {"--ac", "--scheduled"}, {"--ac", "--dynamic"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if rc := run(append([]string{"demo"}, args...), nil, &stdout, &stderr); rc != 0 {
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
			name := "DC_BPT"
			if args[0] == "--ac" {
				name = "AC_BPT"
				// 11 kW (the vehicle's limit) over three phases of 230 V.
				if !regexp.MustCompile(`(?m)^cycle +\d+ +charge +11\.00 kW +230\.0 V +15\.9 A`).MatchString(out) {
					t.Errorf("no 11 kW AC charge line:\n%s", out)
				}
				if !regexp.MustCompile(`(?m)^cycle +\d+ +discharge +-7\.40 kW +230\.0 V +-10\.7 A`).MatchString(out) {
					t.Errorf("no 7.4 kW AC discharge line:\n%s", out)
				}
			}
			mode := "dynamic"
			if strings.Contains(strings.Join(args, " "), "scheduled") {
				mode = "scheduled"
			}
			if !strings.HasPrefix(out, name+" "+mode+" session") {
				t.Errorf("first line: %q", strings.SplitN(out, "\n", 2)[0])
			}
		})
	}
}

func TestDemoBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--mode", "x"}, {"--scheduled", "--dynamic"}, {"--mode", "dynamic", "--scheduled"}, {"--capacity", "-1"}, {"--soc", "abc"}, {"--nope"},
		{"--target", "30", "--min-soc", "40"}, {"extra"},
	} {
		var stdout, stderr bytes.Buffer
		rc := run(append([]string{"demo"}, args...), nil, &stdout, &stderr)
		if rc == 0 || strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), "v2g demo: ") {
			t.Errorf("%v: rc %d, stderr %q", args, rc, stderr.String())
		}
	}
}
