package secc

import (
	"testing"

	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// FuzzLegacyHandleMessage feeds arbitrary payloads to a DIN or -2 session
// after SessionSetup: the engine must answer, refuse or close, never
// panic, and every answer must decode.
func FuzzLegacyHandleMessage(f *testing.F) {
	for _, p := range []session.Phase{session.PhaseDIN, session.PhaseISO2} {
		for _, k := range []session.LegacyMsg{session.LMsgServiceDiscovery, session.LMsgCableCheck,
			session.LMsgCurrentDemand, session.LMsgSessionStop} {
			_, b, err := session.EncodeLegacy(p, &session.LegacyMessage{Kind: k, SessionID: []byte{1}})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(p == session.PhaseISO2, b)
		}
	}
	f.Add(false, []byte{0x80})
	f.Fuzz(func(t *testing.T, iso2 bool, b []byte) {
		ns := session.NamespaceDIN
		if iso2 {
			ns = session.NamespaceISO2
		}
		p := newLegacyPeer(t, ns)
		p.setup([]byte{0})
		r, err := p.e.HandleMessage(p.now, v2gtp.SAP, b)
		if err != nil {
			if closed, _ := p.e.Closed(); !closed {
				t.Fatalf("error %v without closing", err)
			}
			return
		}
		if _, _, err := session.DecodeLegacy(p.phase, r.Payload); err != nil {
			t.Fatalf("answer does not decode: %v", err)
		}
	})
}
