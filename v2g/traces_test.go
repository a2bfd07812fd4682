package v2g_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/v2g"
)

// traceSets maps the ns field of a trace line to the schema sets to try, in
// order. XML_DSIG lines are SignedInfo fragments, which Josev codes with the
// standalone XMLDSig grammar; the CommonMessages grammar is the fallback.
var traceSets = map[string][]string{
	"SAP":                {"AppProtocol"},
	"ISO_V20_COMMON_MSG": {"CommonMessages"},
	"ISO_V20_DC":         {"DC"},
	"ISO_V20_AC":         {"AC"},
	"ISO_V2_MSG_DEF":     {"iso15118-2"},
	"DIN_MSG_DEF":        {"din70121"},
	"XML_DSIG":           {"xmldsig", "CommonMessages"},
}

type traceLine struct {
	Dir string `json:"dir"`
	NS  string `json:"ns"`
	Msg string `json:"msg"`
	EXI string `json:"exi"`
}

// traceRoundTrip decodes b with sc and re-encodes it at opt. It returns the
// root elements, the re-encoded bytes and the decoding error.
func traceRoundTrip(sc *exi.Schema, b []byte, fragment bool, opt exi.Options) ([]*exi.Node, []byte, error) {
	if fragment {
		ns, err := sc.DecodeFragment(b, opt)
		if err != nil {
			return nil, nil, err
		}
		out, err := sc.EncodeFragment(nil, ns, opt)
		return ns, out, err
	}
	n, err := sc.DecodeDocument(b, opt)
	if err != nil {
		return nil, nil, err
	}
	out, err := sc.EncodeDocument(nil, n, opt)
	return []*exi.Node{n}, out, err
}

// TestTraces decodes every message of the recorded Josev sessions at the ISO
// 15118 profile and re-encodes it: the bytes must be those on the wire.
// Signed parts (dir "sig") are fragments.
func TestTraces(t *testing.T) {
	dir := testshared.Dir(t, "traces")
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		testshared.Missing(t, errors.New("no trace files in "+dir))
	}
	var iso exi.Options
	total, needTable := 0, 0
	for _, file := range files {
		name := filepath.Base(file)
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		perNS := map[string]int{}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<22)
		line := 0
		for sc.Scan() {
			line++
			var tl traceLine
			if err := json.Unmarshal(sc.Bytes(), &tl); err != nil {
				t.Errorf("%s:%d: %v", name, line, err)
				continue
			}
			sets, ok := traceSets[tl.NS]
			if !ok {
				t.Errorf("%s:%d: unknown ns %q", name, line, tl.NS)
				continue
			}
			wire, err := hex.DecodeString(tl.EXI)
			if err != nil {
				t.Errorf("%s:%d: exi: %v", name, line, err)
				continue
			}
			fragment := tl.Dir == "sig" || tl.NS == "XML_DSIG"
			perNS[tl.NS]++
			total++
			var errs []string
			matched := false
			for _, set := range sets {
				schema, err := v2g.SchemaSet(set)
				if err != nil {
					t.Fatal(err)
				}
				roots, out, err := traceRoundTrip(schema, wire, fragment, iso)
				if errors.Is(err, exi.ErrStringTableRef) {
					needTable++
					t.Logf("finding: %s:%d %s (%s) refers to the string table; not ISO 15118 conformant at valuePartitionCapacity 0", name, line, tl.Msg, set)
					roots, out, err = traceRoundTrip(schema, wire, fragment, exi.UnboundedStringTable())
				}
				if err != nil {
					errs = append(errs, set+": "+err.Error())
					continue
				}
				if !bytes.Equal(out, wire) {
					errs = append(errs, set+": re-encoded bytes differ: "+hex.EncodeToString(out))
					continue
				}
				if len(roots) != 1 {
					errs = append(errs, set+": fragment with several top-level elements")
					continue
				}
				if tl.Msg != "" && roots[0].Name.Local != tl.Msg {
					t.Errorf("%s:%d: root element %s, msg says %s", name, line, roots[0].Name.Local, tl.Msg)
				}
				if len(sets) > 1 && set != sets[0] {
					t.Logf("%s:%d: %s reproduced with the %s grammar, not %s", name, line, tl.Msg, set, sets[0])
				}
				matched = true
				break
			}
			if !matched {
				t.Errorf("%s:%d: %s %s (%d bytes): %v", name, line, tl.NS, tl.Msg, len(wire), errs)
			}
		}
		if err := sc.Err(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		f.Close()
		keys := make([]string, 0, len(perNS))
		for k := range perNS {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		counts := ""
		for _, k := range keys {
			counts += fmt.Sprintf(" %s=%d", k, perNS[k])
		}
		t.Logf("%-40s %3d messages:%s", name, line, counts)
	}
	t.Logf("%d messages in %d traces; %d refer to the string table", total, len(files), needTable)
	if total == 0 {
		t.Error("no trace messages")
	}
}
