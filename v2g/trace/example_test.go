package trace_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// A Writer's Hook goes into an engine's Config.Trace (secc.Config,
// evcc.Config); here it is called as an engine calls it.
func ExampleWriter() {
	w := trace.NewWriter(os.Stdout)
	hook := w.Hook()
	id := uint8(1)
	res := &apphand.SupportedAppProtocolRes{SchemaID: &id}
	b, _ := res.AppendEXI(nil, exi.Options{})
	session.Trace(hook, time.Date(2026, 11, 23, 16, 58, 47, 955e6, time.UTC), session.DirTx, v2gtp.SAP, res, b)
	if err := w.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"t": "2026-11-23 16:58:47,955", "dir": "tx", "ns": "SAP", "msg": "supportedAppProtocolRes", "json": {"supportedAppProtocolRes": {"ResponseCode": 0, "SchemaID": 1}}, "exi": "80400040"}
}

func ExampleParse() {
	line := `{"t": "2026-11-23 16:58:47,964", "dir": "rx", "ns": "SAP", "exi": "80400040", "msg": "supportedAppProtocolRes", "json": {}}`
	recs, err := trace.Parse(strings.NewReader(line + "\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := recs[0]
	fmt.Println(r.Time, r.Dir, r.Namespace, r.Name, *r.Msg.(*apphand.SupportedAppProtocolRes).SchemaID)
	// Output:
	// 2026-11-23 16:58:47.964 +0000 UTC rx SAP supportedAppProtocolRes 1
}
