// Package evccnet is a thin connection driver for the sans-I/O EVCC
// engine of package evcc: it writes the engine's requests as V2GTP
// frames, reads the responses under the engine's per-message timeout and
// feeds them to the engine with the wall clock. RunWithResume runs a
// session that pauses and resumes over successive connections.
package evccnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// WriteTimeout bounds the write of one request frame.
const WriteTimeout = 5 * time.Second

// Run drives eng over conn from its first request to the end of the
// session. It returns nil after a normal SessionStop, else why the session
// ended (a response timeout wraps evcc.ErrTimeout). Cancelling ctx aborts
// the session. Run does not close conn.
func Run(ctx context.Context, conn net.Conn, eng *evcc.Engine) error {
	var wg sync.WaitGroup
	wg.Add(1)
	stop := context.AfterFunc(ctx, func() {
		defer wg.Done()
		_ = conn.SetDeadline(time.Unix(1, 0))
	})
	defer func() {
		if stop() {
			wg.Done()
		}
		wg.Wait()
	}()

	req, err := eng.Start(time.Now())
	if err != nil {
		return fmt.Errorf("evccnet: %w", err)
	}
	rd := v2gtp.NewReader(conn, 0)
	var out []byte
	for !req.Done {
		out = v2gtp.AppendFrame(out[:0], req.PayloadType, req.Payload)
		_ = conn.SetWriteDeadline(time.Now().Add(WriteTimeout))
		if _, err := conn.Write(out); err != nil {
			return wrap(ctx, "write", err)
		}
		var f v2gtp.Frame
		for {
			if d, ok := eng.Deadline(); ok {
				_ = conn.SetReadDeadline(d)
			}
			var rerr error
			f, rerr = rd.ReadFrame()
			if rerr == nil {
				break
			}
			var ne net.Error
			if ctx.Err() == nil && errors.As(rerr, &ne) && ne.Timeout() {
				if terr := eng.HandleTimeout(time.Now()); terr != nil {
					return terr
				}
				continue
			}
			return wrap(ctx, "read", rerr)
		}
		req, err = eng.HandleMessage(time.Now(), f.Type, f.Payload)
		if err != nil {
			return err
		}
	}
	return req.Reason
}

func wrap(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("evccnet: %w", ctx.Err())
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("evccnet: %s: connection closed by the SECC: %w", op, err)
	}
	return fmt.Errorf("evccnet: %s: %w", op, err)
}
