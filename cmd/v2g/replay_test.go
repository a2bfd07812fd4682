package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/internal/testshared"
)

func TestReplay(t *testing.T) {
	file := testshared.Dir(t, "traces", "josev-dc_bpt-eim.evcc.jsonl")
	for _, role := range []string{"secc", "evcc"} {
		var stdout, stderr bytes.Buffer
		if rc := run([]string{"replay", "--trace", file, "--role", role}, nil, &stdout, &stderr); rc != 0 {
			t.Fatalf("%s: rc %d, stderr %q\n%s", role, rc, stderr.String(), stdout.String())
		}
		ls := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
		if len(ls) < 20 {
			t.Fatalf("%s: %d lines", role, len(ls))
		}
		verdict := regexp.MustCompile(`^ *\d+ ok +\S+Req +recorded \S+Req +-> \S+Res \S+`)
		for _, l := range ls[:len(ls)-1] {
			if !verdict.MatchString(l) {
				t.Errorf("%s: verdict line %q", role, l)
			}
		}
		n := len(ls) - 1
		if want := "replay: " + itoa(n) + "/" + itoa(n) + " exchanges ok"; ls[n] != want {
			t.Errorf("%s: last line %q, want %q", role, ls[n], want)
		}
		if !strings.HasPrefix(ls[0], "  1 ok   supportedAppProtocolReq ") || !strings.Contains(ls[n-1], "SessionStopRes OK") {
			t.Errorf("%s: first %q, last %q", role, ls[0], ls[n-1])
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestReplayFails: a recording our SECC refuses ends with a FAIL line, a
// summary below M/M and a non-zero status.
func TestReplayFails(t *testing.T) {
	src := testshared.Dir(t, "traces", "josev-dc-eim.secc.jsonl")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.Contains(l, `"msg": "AuthorizationSetupRe`) {
			keep = append(keep, l)
		}
	}
	file := filepath.Join(t.TempDir(), "skip.secc.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(keep, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if rc := run([]string{"replay", "--role", "secc", "--trace", file}, nil, &stdout, &stderr); rc != 1 {
		t.Fatalf("rc %d, stderr %q", rc, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "  3 FAIL AuthorizationReq ") || !strings.HasSuffix(out, "\nreplay: 2/3 exchanges ok\n") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestReplayBadArgs(t *testing.T) {
	file := testshared.Dir(t, "traces", "josev-iso2-eim-dc.evcc.jsonl")
	for _, tc := range []struct {
		args []string
		rc   int
	}{
		{[]string{"--role", "secc"}, 2},
		{[]string{"--trace", file}, 2},
		{[]string{"--trace", file, "--role", "ev"}, 2},
		{[]string{"--trace", file, "--role", "evcc", "extra"}, 2},
		{[]string{"--nope"}, 2},
		{[]string{"--trace", file, "--role", "evcc"}, 1},
		{[]string{"--trace", filepath.Join(t.TempDir(), "absent.jsonl"), "--role", "evcc"}, 1},
	} {
		var stdout, stderr bytes.Buffer
		rc := run(append([]string{"replay"}, tc.args...), nil, &stdout, &stderr)
		if rc != tc.rc || strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), "v2g replay: ") {
			t.Errorf("%v: rc %d, stderr %q", tc.args, rc, stderr.String())
		}
	}
}
