package secc

import (
	"bytes"
	"crypto/sha512"
	"time"

	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/session"
)

// SetPeerCertificate gives the engine the DER of the vehicle's leaf
// certificate from the TLS handshake. The engine keys paused sessions by
// it, so that only the EVCC that paused a session can resume it. Call it
// before the first message.
func (e *Engine) SetPeerCertificate(leafDER []byte) {
	e.SetPeerCertificateHash(sha512.Sum512(leafDER))
}

// SetPeerCertificateHash is SetPeerCertificate for a driver that holds
// the SHA-512 digest of the leaf certificate instead of its DER.
func (e *Engine) SetPeerCertificateHash(h [sha512.Size]byte) {
	e.certHash, e.certKnown = h, true
}

// Resumed reports whether the session continues a paused one
// (SessionSetupRes with OK_OldSessionJoined).
func (e *Engine) Resumed() bool { return e.resumed }

// resume answers a SessionSetupReq that names a paused session of the
// same EVCC with OK_OldSessionJoined; false when the request opens a new
// session: a zero or unknown SessionID, another vehicle certificate, no
// certificate or no store.
func (e *Engine) resume(now time.Time, req *iso20.SessionSetupReq) (*iso20.SessionSetupRes, bool) {
	id := req.Header.SessionID
	if e.cfg.Paused == nil || !e.certKnown || len(id) != session.SessionIDLen ||
		bytes.Equal(id, make([]byte, session.SessionIDLen)) {
		return nil, false
	}
	p, ok := e.cfg.Paused.Take(now, NewResumeKey(id, e.certHash))
	if !ok || !bytes.Equal(p.SessionID, id) || !p.Authorized || !e.offers(p.Selected.ServiceID) ||
		servicePhase(p.Selected.ServiceID) != e.phase {
		return nil, false
	}
	e.sessionID, e.evccID = bytes.Clone(id), req.EVCCID
	e.selected = p.Selected
	e.offered[p.Selected] = true
	e.bpt, e.dynamic = p.BPT, p.Dynamic
	e.authorized, e.resumed = true, true
	e.setup = time.Time{}
	e.emit(EventSessionResumed)
	return &iso20.SessionSetupRes{
		ResponseCode: iso20.ResponseCodeOKOldSessionJoined,
		EVSEID:       e.cfg.EVSE.EVSEID(),
	}, true
}

// pause keeps the session in the store for a resume by the same EVCC.
func (e *Engine) pause(now time.Time) {
	if e.cfg.Paused != nil && e.certKnown {
		e.cfg.Paused.Put(now, NewResumeKey(e.sessionID, e.certHash), PausedSession{
			SessionID:  bytes.Clone(e.sessionID),
			EVCCID:     e.evccID,
			Selected:   e.selected,
			BPT:        e.bpt,
			Dynamic:    e.dynamic,
			Authorized: e.authorized,
			Paused:     now,
		})
	}
	e.emit(EventPaused)
}
