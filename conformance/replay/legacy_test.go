package replay_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/conformance/replay"
	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
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

// TestReplayOwnLegacyTraces records DIN and -2 sessions of our EVCC
// against our SECC with the trace writer, one file per side, and replays
// each file in both roles.
func TestReplayOwnLegacyTraces(t *testing.T) {
	for _, ns := range []string{session.NamespaceDIN, session.NamespaceISO2} {
		t.Run(ns, func(t *testing.T) {
			var sbuf, vbuf bytes.Buffer
			sw, vw := trace.NewWriter(&sbuf), trace.NewWriter(&vbuf)
			evse := secc.NewSimEVSE()
			evse.AuthorizeRounds, evse.CableCheckRounds = 1, 2
			s, err := secc.New(secc.Config{EVSE: evse, Trace: sw.Hook(), Protocols: []string{ns}})
			if err != nil {
				t.Fatal(err)
			}
			bat := evcc.NewSimBattery()
			bat.Step = 30 * time.Second
			v, err := evcc.New(evcc.Config{Vehicle: bat, AppProtocols: []string{ns}, Trace: vw.Hook()})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			s.Start(now)
			req, err := v.Start(now)
			if err != nil {
				t.Fatal(err)
			}
			for n := 0; !req.Done; n++ {
				if n > 1000 {
					t.Fatal("session does not end")
				}
				now = now.Add(20 * time.Millisecond)
				res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
				if err != nil {
					t.Fatal(err)
				}
				now = now.Add(20 * time.Millisecond)
				if req, err = v.HandleMessage(now, res.PayloadType, res.Payload); err != nil {
					t.Fatal(err)
				}
			}
			if v.ChargeLoops() < 3 {
				t.Fatalf("%d charge loops", v.ChargeLoops())
			}
			if err := sw.Err(); err != nil {
				t.Fatal(err)
			}
			for side, buf := range map[string]*bytes.Buffer{"secc": &sbuf, "evcc": &vbuf} {
				if !strings.Contains(buf.String(), `"msg": "V2G_Message", "json": {"V2G_Message": {"Header"`) {
					t.Errorf("%s file has no V2G_Message record:\n%.400s", side, buf.String())
				}
				recs, err := trace.Parse(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				for _, role := range []replay.Role{replay.RoleSECC, replay.RoleEVCC} {
					res, err := replay.Run(recs, role)
					if err != nil {
						t.Fatalf("%s file, role %v: %v", side, role, err)
					}
					if !res.OK() || len(res.Exchanges) != len(recs)/2 {
						t.Errorf("%s file, role %v: %d records\n%s%s", side, role, len(recs), lines(res), res.Summary())
					}
				}
			}
		})
	}
}
