package trace_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
)

func sharedTraces(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testshared.Dir(t, "traces"), "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		testshared.Missing(t, errors.New("no trace files"))
	}
	return files
}

func lines(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestReadShared reads every shared recording: one record per line, the
// EXI of each line, -20 and SAP messages decoded to the type their msg
// names, -2 and DIN documents decoded, signed parts left undecoded.
func TestReadShared(t *testing.T) {
	perDir := map[session.Direction]int{}
	for _, file := range sharedTraces(t) {
		recs, err := trace.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ls := lines(t, file)
		if len(recs) != len(ls) {
			t.Fatalf("%s: %d records, %d lines", file, len(recs), len(ls))
		}
		for i, r := range recs {
			var l struct{ T, Dir, Ns, Msg, Exi string }
			if err := json.Unmarshal([]byte(ls[i]), &l); err != nil {
				t.Fatal(err)
			}
			if r.Dir.String() != l.Dir || r.Namespace != l.Ns || r.Name != l.Msg ||
				r.Time.Format("2006-01-02 15:04:05,000") != l.T || r.Time.Location() != time.UTC {
				t.Fatalf("%s:%d: record %v %v %s %s, line %+v", file, i+1, r.Time, r.Dir, r.Namespace, r.Name, l)
			}
			if got := strings.ToLower(l.Exi); got != l.Exi || !bytes.Equal(r.EXI, mustHex(t, got)) {
				t.Fatalf("%s:%d: EXI", file, i+1)
			}
			perDir[r.Dir]++
			switch {
			case r.Dir == session.DirSig:
				if r.Msg != nil {
					t.Fatalf("%s:%d: signed part decoded as %T", file, i+1, r.Msg)
				}
			case r.Namespace == trace.NSISO2 || r.Namespace == trace.NSDIN:
				if r.Msg == nil {
					t.Fatalf("%s:%d: not decoded", file, i+1)
				}
			default:
				if got := session.MessageName(r.Msg); got != r.Name {
					t.Fatalf("%s:%d: msg %s decoded as %T (%q)", file, i+1, r.Name, r.Msg, got)
				}
				out, err := r.Msg.AppendEXI(nil, exi.Options{})
				if err != nil || !bytes.Equal(out, r.EXI) {
					t.Fatalf("%s:%d: %s re-encodes differently (%v)", file, i+1, r.Name, err)
				}
			}
		}
	}
	if perDir[session.DirTx] != perDir[session.DirRx] || perDir[session.DirSig] != 6 {
		t.Fatalf("directions %v", perDir)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for i := 0; i+1 < len(s); i += 2 {
		var v byte
		for _, c := range s[i : i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			case c >= 'a' && c <= 'f':
				v |= byte(c-'a') + 10
			default:
				t.Fatalf("hex %q", s)
			}
		}
		b = append(b, v)
	}
	return b
}

// TestWriteReadBack writes the records of every -20 recording with our
// Writer and reads them back: same time (to the millisecond), direction,
// namespace, name, EXI and decoded message.
func TestWriteReadBack(t *testing.T) {
	for _, file := range sharedTraces(t) {
		recs, err := trace.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w := trace.NewWriter(&buf)
		hook := w.Hook()
		for _, r := range recs {
			hook(r)
		}
		if err := w.Err(); err != nil {
			t.Fatal(err)
		}
		back, err := trace.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(back) != len(recs) {
			t.Fatalf("%s: %d records back of %d", file, len(back), len(recs))
		}
		for i := range recs {
			a, b := recs[i], back[i]
			if !a.Time.Equal(b.Time) || a.Dir != b.Dir || a.Namespace != b.Namespace || a.Name != b.Name ||
				!bytes.Equal(a.EXI, b.EXI) || !reflect.DeepEqual(a.Msg, b.Msg) {
				t.Fatalf("%s:%d: wrote %+v, read %+v", file, i+1, a, b)
			}
		}
	}
}

// TestLineFormat: a line we write for a recorded message is the recorded
// line byte for byte (field names, order per direction, separators, time
// layout, hex case) except for the json value, which is our typed model.
func TestLineFormat(t *testing.T) {
	dir := testshared.Dir(t, "traces")
	for _, name := range []string{"josev-dc-eim.evcc.jsonl", "josev-dc-eim.secc.jsonl", "josev-ac_bpt-eim.secc.jsonl"} {
		file := filepath.Join(dir, name)
		recs, err := trace.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, shared := range lines(t, file) {
			ours, err := trace.AppendLine(nil, recs[i])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(ours, []byte("}\n")) || bytes.Count(ours, []byte("\n")) != 1 {
				t.Fatalf("%s:%d: line %q", name, i+1, ours)
			}
			var a, b struct {
				JSON json.RawMessage `json:"json"`
			}
			if err := json.Unmarshal([]byte(shared), &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(ours, &b); err != nil {
				t.Fatalf("%s:%d: our line is not JSON: %v", name, i+1, err)
			}
			want := strings.Replace(shared, string(a.JSON), string(b.JSON), 1) + "\n"
			if string(ours) != want {
				t.Fatalf("%s:%d:\n ours %s want %s", name, i+1, ours, want)
			}
		}
	}
}

// TestJSONField pins the json value of two messages: the typed structs as
// encoding/json writes them (enumerations as numbers, binary as base64),
// with the separators of the recordings.
func TestJSONField(t *testing.T) {
	id := uint8(1)
	at := time.Date(2026, 11, 23, 16, 58, 47, 955_000_000, time.UTC)
	line, err := trace.AppendLine(nil, session.TraceRecord{
		Time: at, Dir: session.DirTx, Namespace: "SAP", Name: "supportedAppProtocolRes",
		Msg: &apphand.SupportedAppProtocolRes{SchemaID: &id}, EXI: []byte{0x80, 0x40, 0x00, 0x40},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"t": "2026-11-23 16:58:47,955", "dir": "tx", "ns": "SAP", "msg": "supportedAppProtocolRes", ` +
		`"json": {"supportedAppProtocolRes": {"ResponseCode": 0, "SchemaID": 1}}, "exi": "80400040"}` + "\n"
	if string(line) != want {
		t.Fatalf("got  %s want %s", line, want)
	}
	line, err = trace.AppendLine(nil, session.TraceRecord{
		Time: at.In(time.FixedZone("CET", 3600)), Dir: session.DirRx, Namespace: "ISO_V20_COMMON_MSG", Name: "SessionSetupReq",
		Msg: &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: []byte{0xAB, 0, 0, 0, 0, 0, 0, 0xCD}, TimeStamp: 7},
			EVCCID: `a"b, c: d`},
		EXI: []byte{0xAB, 0xCD},
	})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"t": "2026-11-23 16:58:47,955", "dir": "rx", "ns": "ISO_V20_COMMON_MSG", "exi": "abcd", "msg": "SessionSetupReq", ` +
		`"json": {"SessionSetupReq": {"Header": {"SessionID": "qwAAAAAAAM0=", "TimeStamp": 7, "Signature": null}, "EVCCID": "a\"b, c: d"}}}` + "\n"
	if string(line) != want {
		t.Fatalf("got  %s want %s", line, want)
	}
}

func TestReaderErrors(t *testing.T) {
	good := `{"t": "2026-11-23 16:58:47,955", "dir": "tx", "ns": "SAP", "msg": "supportedAppProtocolRes", "json": {}, "exi": "80400040"}`
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"{", trace.ErrSyntax},
		{strings.Replace(good, "16:58:47,955", "16:58:47.955", 1), trace.ErrSyntax},
		{strings.Replace(good, `"tx"`, `"up"`, 1), trace.ErrSyntax},
		{strings.Replace(good, "80400040", "8040004", 1), trace.ErrSyntax},
		{strings.Replace(good, "80400040", "", 1), trace.ErrSyntax},
		{strings.Replace(good, `"ns": "SAP"`, `"ns": ""`, 1), trace.ErrSyntax},
		{strings.Replace(good, "80400040", "80ffffff", 1), trace.ErrDecode},
	} {
		_, err := trace.Parse(strings.NewReader(good + "\n\n" + tc.in + "\n"))
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("%s: err = %v, want %v at line 3", tc.in, err, tc.want)
		}
	}
	long := bufio.MaxScanTokenSize * 20
	if _, err := trace.Parse(strings.NewReader(strings.Repeat(" ", long*2))); err == nil {
		t.Error("an over-long line is accepted")
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(b []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(b), nil
}

func TestWriterError(t *testing.T) {
	w := trace.NewWriter(&failWriter{n: 1})
	r := session.TraceRecord{Dir: session.DirTx, Namespace: "SAP", Name: "x", EXI: []byte{0x80}}
	if err := w.Write(r); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(r); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
	if err := w.Err(); err == nil {
		t.Fatal("Err() = nil after a failed write")
	}
}
