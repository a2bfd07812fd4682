package evccnet

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
)

// Dialer opens a new connection to the SECC (TCP and, for -20, TLS).
type Dialer func(ctx context.Context) (net.Conn, error)

// RunWithResume runs eng over a connection from dial. When the session
// ends paused (SessionStop(Pause) answered OK) it waits delay, dials again
// and runs an engine that resumes the session (evcc.NewResumed with cfg),
// and so on until a session ends without pausing. Each connection is
// closed after its session. It returns the engines it ran, in order, and
// the error of the last session.
func RunWithResume(ctx context.Context, dial Dialer, cfg evcc.Config, eng *evcc.Engine, delay time.Duration) ([]*evcc.Engine, error) {
	var engines []*evcc.Engine
	for {
		engines = append(engines, eng)
		conn, err := dial(ctx)
		if err != nil {
			return engines, fmt.Errorf("evccnet: dial: %w", err)
		}
		err = Run(ctx, conn, eng)
		_ = conn.Close()
		if err != nil {
			return engines, err
		}
		r, paused := eng.Paused()
		if !paused {
			return engines, nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return engines, fmt.Errorf("evccnet: %w", ctx.Err())
		case <-t.C:
		}
		if eng, err = evcc.NewResumed(cfg, r); err != nil {
			return engines, fmt.Errorf("evccnet: %w", err)
		}
	}
}
