package replay_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/conformance/replay"
	"github.com/v2gstack/iso15118/internal/testshared"
)

// sharedEIM are the -20 EIM recordings of the shared traces, without the
// file suffix, with the name of their charge-loop request; each has an
// .evcc and a .secc file.
var sharedEIM = []struct{ name, loop string }{
	{"josev-dc-eim", "DC_ChargeLoopReq"},
	{"josev-dc_bpt-eim", "DC_ChargeLoopReq"},
	{"josev-dcbpt-eim-tls13-p521", "DC_ChargeLoopReq"},
	{"josev-ac-eim", "AC_ChargeLoopReq"},
	{"josev-ac_bpt-eim", "AC_ChargeLoopReq"},
}

// recorded counts the exchanges of a trace file and those of one request
// name, from the raw lines.
func recorded(t *testing.T, file, name string) (exchanges, named int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var v struct{ Dir, Msg string }
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		if v.Dir == "sig" || !strings.HasSuffix(v.Msg, "Req") {
			continue
		}
		exchanges++
		if v.Msg == name {
			named++
		}
	}
	return exchanges, named
}

// TestReplayShared replays every -20 EIM recording, each side's file, with
// our engine in both roles; every exchange must be ok. Our SECC answers
// each recorded request; our EVCC makes as many charge-loop rounds as the
// recorded one and ends with SessionStop, and every recorded exchange is
// either one of ours or a repetition it did not need.
func TestReplayShared(t *testing.T) {
	dir := testshared.Dir(t, "traces")
	for _, tc := range sharedEIM {
		name := tc.name
		for _, side := range []string{"evcc", "secc"} {
			file := filepath.Join(dir, name+"."+side+".jsonl")
			for _, role := range []replay.Role{replay.RoleSECC, replay.RoleEVCC} {
				t.Run(name+"."+side+"/"+role.String(), func(t *testing.T) {
					res, err := replay.RunFile(file, role)
					if err != nil {
						t.Fatal(err)
					}
					for _, x := range res.Exchanges {
						if !x.OK {
							t.Errorf("%s", x)
						}
					}
					if !res.OK() || res.Summary() != fmt.Sprintf("replay: %d/%d exchanges ok", len(res.Exchanges), len(res.Exchanges)) {
						t.Fatalf("%s", res.Summary())
					}
					all, loops := recorded(t, file, tc.loop)
					ours, skipped := 0, 0
					for _, x := range res.Exchanges {
						if x.Request == tc.loop {
							ours++
						}
						skipped += x.Skipped
					}
					if ours != loops || loops < 5 {
						t.Errorf("%d charge loops, recorded %d", ours, loops)
					}
					last := res.Exchanges[len(res.Exchanges)-1]
					if last.Request != "SessionStopReq" || last.Response != "SessionStopRes" {
						t.Errorf("last exchange %s", last)
					}
					if role == replay.RoleSECC && len(res.Exchanges) != all {
						t.Errorf("%d exchanges, recorded %d", len(res.Exchanges), all)
					}
					if role == replay.RoleEVCC && len(res.Exchanges)+skipped != all {
						t.Errorf("%d exchanges and %d recorded repetitions left out, recorded %d", len(res.Exchanges), skipped, all)
					}
				})
			}
		}
	}
}

func TestReplayNotISO20(t *testing.T) {
	dir := testshared.Dir(t, "traces")
	for _, name := range []string{"josev-iso2-eim-dc.evcc.jsonl", "josev-din-dc.secc.jsonl"} {
		for _, role := range []replay.Role{replay.RoleSECC, replay.RoleEVCC} {
			if _, err := replay.RunFile(filepath.Join(dir, name), role); !errors.Is(err, replay.ErrTrace) {
				t.Errorf("%s as %v: err = %v", name, role, err)
			}
		}
	}
}

func TestParseRole(t *testing.T) {
	for s, want := range map[string]replay.Role{"secc": replay.RoleSECC, "evcc": replay.RoleEVCC} {
		if r, err := replay.ParseRole(s); err != nil || r != want || r.String() != s {
			t.Errorf("%q: %v %v", s, r, err)
		}
	}
	if _, err := replay.ParseRole("SECC"); err == nil {
		t.Error("SECC accepted")
	}
}
