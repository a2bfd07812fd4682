package replay_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/conformance/replay"
	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/v2g/trace"
)

// TestReplayLegacy replays the DIN SPEC 70121 and ISO 15118-2 DC EIM
// recordings, each side's file, with our engine in both roles; every
// exchange must be ok, as for the -20 recordings.
func TestReplayLegacy(t *testing.T) {
	dir := testshared.Dir(t, "traces")
	for _, name := range []string{"josev-din-dc", "josev-iso2-eim-dc"} {
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
					if !res.OK() {
						t.Fatalf("%s", res.Summary())
					}
					all, loops := recordedLegacy(t, file)
					ours, skipped := 0, 0
					for _, x := range res.Exchanges {
						if x.Request == "CurrentDemandReq" {
							ours++
						}
						skipped += x.Skipped
					}
					if ours != loops || loops < 5 {
						t.Errorf("%d CurrentDemand rounds, recorded %d", ours, loops)
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

// TestReplayLegacyTruncated: a DIN recording without its
// supportedAppProtocol exchange cannot be replayed.
func TestReplayLegacyTruncated(t *testing.T) {
	recs, err := trace.ReadFile(filepath.Join(testshared.Dir(t, "traces"), "josev-din-dc.secc.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []replay.Role{replay.RoleSECC, replay.RoleEVCC} {
		if _, err := replay.Run(recs[2:], role); !errors.Is(err, replay.ErrTrace) {
			t.Errorf("as %v: err = %v, want ErrTrace", role, err)
		}
	}
}

// recordedLegacy counts the requests of a DIN or -2 trace file and its
// CurrentDemandReqs, from the raw lines.
func recordedLegacy(t *testing.T, file string) (requests, loops int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var v struct {
			Dir, Msg string
			JSON     struct {
				V2GMessage struct {
					Body map[string]json.RawMessage
				} `json:"V2G_Message"`
			}
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		if v.Dir == "sig" {
			continue
		}
		if v.Msg == "supportedAppProtocolReq" {
			requests++
		}
		for k := range v.JSON.V2GMessage.Body {
			if strings.HasSuffix(k, "Req") {
				requests++
			}
			if k == "CurrentDemandReq" {
				loops++
			}
		}
	}
	return requests, loops
}
