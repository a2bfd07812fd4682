package evcc_test

import (
	"errors"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// limitEVSE records what the SECC engine commands.
type limitEVSE struct {
	*secc.SimEVSE
	maxCurrent float64
	on         bool
	switches   int
}

func (l *limitEVSE) SetTarget(now time.Time, t secc.DCTarget) {
	l.maxCurrent = max(l.maxCurrent, t.Current)
	l.SimEVSE.SetTarget(now, t)
}

func (l *limitEVSE) SetPower(now time.Time, on bool) error {
	l.on = on
	l.switches++
	return l.SimEVSE.SetPower(now, on)
}

// TestLegacySessionAgainstSECC runs our EVCC against our SECC in memory
// through full DIN SPEC 70121 and ISO 15118-2 DC EIM sessions.
func TestLegacySessionAgainstSECC(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ns        string
		phase     session.Phase
		loopLimit time.Duration // the EVCC's CurrentDemand timeout
	}{
		{"DIN", session.NamespaceDIN, session.PhaseDIN, 500 * time.Millisecond},
		{"ISO2", session.NamespaceISO2, session.PhaseISO2, 250 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evse := &limitEVSE{SimEVSE: secc.NewSimEVSE()}
			evse.AuthorizeRounds = 2
			evse.CableCheckRounds = 3
			var names []string
			s, err := secc.New(secc.Config{
				EVSE: evse, Protocols: []string{session.NamespaceDC, tc.ns},
				Trace: func(r session.TraceRecord) {
					if r.Dir != session.DirRx {
						return
					}
					if r.Namespace == session.TraceNSSAP {
						names = append(names, r.Name)
						return
					}
					if r.Name != session.LegacyDocument {
						t.Errorf("trace record named %q", r.Name)
					}
					m, _, err := session.DecodeLegacy(tc.phase, r.EXI)
					if err != nil {
						t.Fatal(err)
					}
					names = append(names, session.LegacyMessageName(tc.phase, m))
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			bat := evcc.NewSimBattery()
			bat.Limits.MaxChargeCurrent = 60
			v, err := evcc.New(evcc.Config{Vehicle: bat, AppProtocols: []string{tc.ns, session.NamespaceDC}})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Unix(1795453144, 0)
			s.Start(now)
			req, err := v.Start(now)
			if err != nil {
				t.Fatal(err)
			}
			startSOC := bat.SOCPercent
			for n := 0; !req.Done; n++ {
				if n > 100000 {
					t.Fatal("session does not end")
				}
				if req.PayloadType != v2gtp.SAP {
					t.Fatalf("payload type %v in a %s session", req.PayloadType, tc.name)
				}
				now = now.Add(50 * time.Millisecond)
				res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
				if err != nil {
					t.Fatalf("SECC: %v", err)
				}
				if res.Close && res.Reason != nil {
					t.Fatalf("SECC closes: %v", res.Reason)
				}
				if evse.on && v.ChargeLoops() > 0 {
					if d, ok := v.Deadline(); ok && d.Sub(now) > tc.loopLimit {
						t.Fatalf("EVCC waits %v for CurrentDemandRes, want at most %v", d.Sub(now), tc.loopLimit)
					}
				}
				now = now.Add(100 * time.Millisecond)
				req, err = v.HandleMessage(now, res.PayloadType, res.Payload)
				if err != nil {
					t.Fatalf("EVCC: %v", err)
				}
				if req.Done != res.Close {
					t.Fatalf("EVCC done %v, SECC close %v", req.Done, res.Close)
				}
			}
			if closed, reason := s.Closed(); !closed || reason != nil {
				t.Fatalf("SECC Closed() = %v, %v", closed, reason)
			}
			if closed, reason := v.Closed(); !closed || reason != nil {
				t.Fatalf("EVCC Closed() = %v, %v", closed, reason)
			}
			if v.Phase() != tc.phase {
				t.Errorf("phase %v, want %v", v.Phase(), tc.phase)
			}
			if id := s.SessionID(); len(id) != 8 {
				t.Errorf("SessionID %x, want 8 bytes", id)
			}
			if bat.SOCPercent < bat.TargetPct || bat.SOCPercent <= startSOC {
				t.Errorf("SOC %.1f %% (from %.1f %%), want at least %.1f %%", bat.SOCPercent, startSOC, bat.TargetPct)
			}
			if evse.maxCurrent > 60 || evse.maxCurrent < 50 {
				t.Errorf("largest commanded current %g A, want the vehicle's 60 A limit", evse.maxCurrent)
			}
			if evse.on || evse.switches < 2 {
				t.Errorf("output on %v after %d switches, want off after PowerDelivery Start and Stop", evse.on, evse.switches)
			}
			pay, auth := "PaymentServiceSelectionReq", "AuthorizationReq"
			if tc.phase == session.PhaseDIN {
				pay, auth = "ServicePaymentSelectionReq", "ContractAuthenticationReq"
			}
			want := []string{"supportedAppProtocolReq", "SessionSetupReq", "ServiceDiscoveryReq", pay, auth, auth, auth,
				"ChargeParameterDiscoveryReq", "CableCheckReq", "CableCheckReq", "CableCheckReq", "CableCheckReq",
				"PreChargeReq", "PowerDeliveryReq", "CurrentDemandReq"}
			for i, w := range want {
				if i >= len(names) || names[i] != w {
					t.Fatalf("request %d is %q, want %q (first: %v)", i, names[min(i, len(names)-1)], w, names[:min(len(names), len(want))])
				}
			}
			tail := []string{"CurrentDemandReq", "PowerDeliveryReq", "WeldingDetectionReq", "SessionStopReq"}
			if got := names[len(names)-len(tail):]; !equal(got, tail) {
				t.Errorf("last requests %v, want %v", got, tail)
			}
			t.Logf("%d charge loops, SOC %.1f %%", v.ChargeLoops(), bat.SOCPercent)
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLegacyPlainTCPConfig checks that a plain-TCP engine never offers or
// accepts -20.
func TestLegacyPlainTCPConfig(t *testing.T) {
	if _, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(), PlainTCP: true}); !errors.Is(err, evcc.ErrPlainTCPProtocol) {
		t.Errorf("EVCC with -20 only on plain TCP: %v, want ErrPlainTCPProtocol", err)
	}
	if _, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE(), PlainTCP: true}); !errors.Is(err, secc.ErrPlainTCPProtocol) {
		t.Errorf("SECC with -20 only on plain TCP: %v, want ErrPlainTCPProtocol", err)
	}
	// An EV offering -20 first and DIN second gets DIN on plain TCP.
	s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE(), PlainTCP: true,
		Protocols: []string{session.NamespaceDC, session.NamespaceDIN}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(), AppProtocols: []string{session.NamespaceDC, session.NamespaceDIN}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1795453144, 0)
	req, err := v.Start(now)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.HandleMessage(now, res.PayloadType, res.Payload); err != nil {
		t.Fatal(err)
	}
	if v.Phase() != session.PhaseDIN {
		t.Errorf("phase %v on plain TCP, want DIN", v.Phase())
	}
	// A -20-only EV is refused.
	s, err = secc.New(secc.Config{EVSE: secc.NewSimEVSE(), PlainTCP: true,
		Protocols: []string{session.NamespaceDC, session.NamespaceDIN}})
	if err != nil {
		t.Fatal(err)
	}
	v, err = evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
	if err != nil {
		t.Fatal(err)
	}
	req, _ = v.Start(now)
	res, err = s.HandleMessage(now, req.PayloadType, req.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Close || !errors.Is(res.Reason, secc.ErrNoNegotiation) {
		t.Errorf("-20 on plain TCP: close %v, reason %v; want ErrNoNegotiation", res.Close, res.Reason)
	}
}
