// Package trace writes and reads session traces as JSON lines, one
// message per line, in the format of the recorded sessions in
// ../shared/traces:
//
//	{"t": "2026-11-23 16:58:47,979", "dir": "tx", "ns": "ISO_V20_COMMON_MSG", "msg": "SessionSetupReq", "json": {...}, "exi": "808c04..."}
//
// t is the time (UTC, milliseconds after a comma), dir is tx or rx from
// the side that writes the file (sig for a signed part of a message, an
// EXI fragment), ns the set the message is coded with (SAP,
// ISO_V20_COMMON_MSG, ISO_V20_DC, ISO_V20_AC, and ISO_V2_MSG_DEF,
// DIN_MSG_DEF, XML_DSIG in other recordings), msg the element name, json
// the message as its typed Go struct marshals with encoding/json, wrapped
// in an object named after the element, and exi the EXI bytes without the
// V2GTP header, in lower-case hex. A received message lists exi before msg
// and json, as the shared recordings do.
//
// A Writer's Hook is a session.TraceFunc for the engines' Config.Trace.
package trace

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/din"
	"github.com/v2gstack/iso15118/v2g/iso2"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// TimeLayout is the layout of the t field.
const TimeLayout = "2006-01-02 15:04:05,000"

// Namespace labels of the other protocols in recorded traces.
const (
	NSISO2    = "ISO_V2_MSG_DEF" // ISO 15118-2
	NSDIN     = "DIN_MSG_DEF"    // DIN 70121
	NSXMLDSig = "XML_DSIG"       // standalone XMLDSig (SignedInfo fragments)
)

// Errors of the reader; match them with errors.Is.
var (
	// ErrSyntax reports a line that is not a trace record.
	ErrSyntax = errors.New("trace: malformed line")
	// ErrDecode reports EXI that does not decode with the set ns names.
	ErrDecode = errors.New("trace: EXI does not decode")
)

// AppendLine appends the JSON line of r, with its newline, to dst. The
// json field is r.Msg marshalled with encoding/json (null when r.Msg is
// nil).
func AppendLine(dst []byte, r session.TraceRecord) ([]byte, error) {
	var body []byte
	if r.Msg == nil {
		body = []byte("null")
	} else {
		b, err := json.Marshal(r.Msg)
		if err != nil {
			return dst, fmt.Errorf("trace: %s: %w", r.Name, err)
		}
		name, _ := json.Marshal(r.Name)
		body = append(append(append([]byte{'{'}, name...), ':'), b...)
		body = append(body, '}')
	}
	dst = append(dst, `{"t": `...)
	dst = strconv.AppendQuote(dst, r.Time.UTC().Format(TimeLayout))
	dst = append(dst, `, "dir": `...)
	dst = strconv.AppendQuote(dst, r.Dir.String())
	dst = append(dst, `, "ns": `...)
	dst = appendJSONString(dst, r.Namespace)
	field := func(dst []byte, k string) []byte {
		switch k {
		case "msg":
			dst = append(dst, `, "msg": `...)
			return appendJSONString(dst, r.Name)
		case "json":
			dst = append(dst, `, "json": `...)
			return appendSpaced(dst, body)
		}
		dst = append(dst, `, "exi": "`...)
		dst = hex.AppendEncode(dst, r.EXI)
		return append(dst, '"')
	}
	order := [3]string{"msg", "json", "exi"}
	if r.Dir == session.DirRx {
		order = [3]string{"exi", "msg", "json"}
	}
	for _, k := range order {
		dst = field(dst, k)
	}
	return append(dst, "}\n"...), nil
}

func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}

// appendSpaced appends the compact JSON b with a space after every colon
// and comma outside strings, the separators of the recorded traces.
func appendSpaced(dst, b []byte) []byte {
	in, esc := false, false
	for _, c := range b {
		dst = append(dst, c)
		switch {
		case in && esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case !in && (c == ':' || c == ','):
			dst = append(dst, ' ')
		}
	}
	return dst
}

// Writer writes trace records as JSON lines. It is safe for concurrent
// use; each record is one Write to the underlying writer.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
	err error
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes the line of r. After an error every later Write returns
// it.
func (w *Writer) Write(r session.TraceRecord) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	b, err := AppendLine(w.buf[:0], r)
	if err == nil {
		w.buf = b
		_, err = w.w.Write(b)
		if err != nil {
			err = fmt.Errorf("trace: write: %w", err)
		}
	}
	w.err = err
	return err
}

// Hook returns a session.TraceFunc that writes every record; see Err for
// its first error.
func (w *Writer) Hook() session.TraceFunc { return func(r session.TraceRecord) { _ = w.Write(r) } }

// Err returns the first error of a Write.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// line is the JSON form of a trace line.
type line struct {
	T    string          `json:"t"`
	Dir  string          `json:"dir"`
	NS   string          `json:"ns"`
	Msg  string          `json:"msg"`
	JSON json.RawMessage `json:"json"`
	EXI  string          `json:"exi"`
}

// Reader reads trace records from JSON lines.
type Reader struct {
	sc *bufio.Scanner
	n  int
}

// NewReader returns a Reader on r. Lines may be up to 1 MiB long.
func NewReader(r io.Reader) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	return &Reader{sc: sc}
}

// Next returns the next record, or io.EOF after the last. The record has
// the EXI bytes and, for documents of a set the stack has (SAP, -20
// CommonMessages, DC and AC, -2, DIN), the decoded message in Msg; Msg is
// nil for signed parts (dir sig) and other sets. Blank lines are skipped.
func (r *Reader) Next() (session.TraceRecord, error) {
	for r.sc.Scan() {
		r.n++
		b := r.sc.Bytes()
		if len(b) == 0 {
			continue
		}
		rec, err := parseLine(b)
		if err != nil {
			return session.TraceRecord{}, fmt.Errorf("line %d: %w", r.n, err)
		}
		return rec, nil
	}
	if err := r.sc.Err(); err != nil {
		return session.TraceRecord{}, fmt.Errorf("trace: line %d: %w", r.n+1, err)
	}
	return session.TraceRecord{}, io.EOF
}

func parseLine(b []byte) (session.TraceRecord, error) {
	var l line
	if err := json.Unmarshal(b, &l); err != nil {
		return session.TraceRecord{}, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	var rec session.TraceRecord
	t, err := time.ParseInLocation(TimeLayout, l.T, time.UTC)
	if err != nil {
		return rec, fmt.Errorf("%w: t: %w", ErrSyntax, err)
	}
	if t.Format(TimeLayout) != l.T {
		return rec, fmt.Errorf("%w: t %q is not in the layout %q", ErrSyntax, l.T, TimeLayout)
	}
	switch l.Dir {
	case "tx":
		rec.Dir = session.DirTx
	case "rx":
		rec.Dir = session.DirRx
	case "sig":
		rec.Dir = session.DirSig
	default:
		return rec, fmt.Errorf("%w: dir %q", ErrSyntax, l.Dir)
	}
	if l.NS == "" || l.Msg == "" {
		return rec, fmt.Errorf("%w: ns or msg missing", ErrSyntax)
	}
	x, err := hex.DecodeString(l.EXI)
	if err != nil || len(x) == 0 {
		return rec, fmt.Errorf("%w: exi %q", ErrSyntax, l.EXI)
	}
	rec.Time, rec.Namespace, rec.Name, rec.EXI = t, l.NS, l.Msg, x
	if rec.Dir != session.DirSig {
		if rec.Msg, err = Decode(rec.Namespace, x); err != nil {
			return rec, fmt.Errorf("%s %s: %w", rec.Namespace, rec.Name, err)
		}
	}
	return rec, nil
}

// Decode decodes the EXI document b of the set labelled ns. It returns
// nil and no error for a label without a document set (XML_DSIG, unknown
// labels).
func Decode(ns string, b []byte) (exi.Message, error) {
	var (
		m   exi.Message
		err error
		opt exi.Options
	)
	switch ns {
	case session.TraceNSSAP:
		m, err = apphand.DecodeDocument(b, opt)
	case session.TraceNSCommon:
		m, err = iso20.DecodeDocument(b, opt)
	case session.TraceNSDC:
		m, err = dc.DecodeDocument(b, opt)
	case session.TraceNSAC:
		m, err = ac.DecodeDocument(b, opt)
	case NSISO2:
		m, err = iso2.DecodeDocument(b, opt)
	case NSDIN:
		m, err = din.DecodeDocument(b, opt)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return m, nil
}

// PayloadType returns the V2GTP payload type of a -20 or SAP namespace
// label, and false for others.
func PayloadType(ns string) (v2gtp.PayloadType, bool) {
	switch ns {
	case session.TraceNSSAP:
		return v2gtp.SAP, true
	case session.TraceNSCommon:
		return v2gtp.Mainstream, true
	case session.TraceNSDC:
		return v2gtp.DCMainstream, true
	case session.TraceNSAC:
		return v2gtp.ACMainstream, true
	}
	return 0, false
}

// Parse reads every record of r.
func Parse(r io.Reader) ([]session.TraceRecord, error) {
	rd := NewReader(r)
	var out []session.TraceRecord
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

// ReadFile reads every record of the trace file name.
func ReadFile(name string) ([]session.TraceRecord, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	defer f.Close()
	recs, err := Parse(f)
	if err != nil {
		return recs, fmt.Errorf("trace: %s: %w", name, err)
	}
	return recs, nil
}
