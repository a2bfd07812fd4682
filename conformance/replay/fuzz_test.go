package replay_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/v2gstack/iso15118/conformance/replay"
	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/v2g/trace"
)

// FuzzRun: any trace that parses replays in both roles to a result or an
// error, never a panic.
func FuzzRun(f *testing.F) {
	dir := testshared.Dir(f, "traces")
	for _, name := range []string{"josev-dc-eim.evcc.jsonl", "josev-ac_bpt-eim.secc.jsonl"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := trace.Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, role := range []replay.Role{replay.RoleSECC, replay.RoleEVCC} {
			res, err := replay.Run(recs, role)
			if err == nil && res.Passed() > len(res.Exchanges) {
				t.Fatal("more passed than exchanged")
			}
		}
	})
}
