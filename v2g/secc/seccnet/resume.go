package seccnet

import (
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2gtls"
)

// withStore returns cfg with the Server's paused-session store when
// cfg.Paused is nil. The sessions of a Server share Config.Paused, or
// without one a secc.MemoryStore of the Server's own, so a session paused
// on one connection resumes on a later one from the same vehicle
// certificate, which the driver hands to the engine (bindPeer).
func (s *Server) withStore(cfg secc.Config) secc.Config {
	if cfg.Paused == nil {
		s.storeOnce.Do(func() { s.store = secc.NewMemoryStore(0) })
		cfg.Paused = s.store
	}
	return cfg
}

// bindPeer gives the engine the vehicle's leaf certificate from the TLS
// handshake, which binds a paused session to the EVCC that paused it.
func bindPeer(eng *secc.Engine, conn any) {
	if tc, ok := conn.(*v2gtls.Conn); ok {
		if chain := tc.PeerChain(); len(chain) > 0 && chain[0].Certificate != nil {
			eng.SetPeerCertificate(chain[0].Raw)
		}
	}
}
