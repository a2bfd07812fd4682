package evcc_test

import (
	"testing"

	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// FuzzLegacyHandleMessage feeds arbitrary responses to a DIN or -2 EVCC
// waiting for SessionSetupRes: it must go on or stop, never panic.
func FuzzLegacyHandleMessage(f *testing.F) {
	for _, p := range []session.Phase{session.PhaseDIN, session.PhaseISO2} {
		_, b, err := session.EncodeLegacy(p, &session.LegacyMessage{Kind: session.LMsgSessionSetup, Response: true,
			SessionID: seccID, Code: session.LCodeOKNewSessionEstablished})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p == session.PhaseISO2, b)
	}
	f.Fuzz(func(t *testing.T, iso2 bool, b []byte) {
		ns := session.NamespaceDIN
		if iso2 {
			ns = session.NamespaceISO2
		}
		s, _ := newLegacySECC(t, ns)
		r, err := s.e.HandleMessage(s.now, v2gtp.SAP, b)
		if err != nil {
			if closed, _ := s.e.Closed(); !closed || !r.Done {
				t.Fatalf("error %v without ending", err)
			}
			return
		}
		if !r.Done {
			if _, _, err := session.DecodeLegacy(s.phase, r.Payload); err != nil {
				t.Fatalf("request does not decode: %v", err)
			}
		}
	})
}
