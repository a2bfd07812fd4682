package v2gtls_test

// The TestGap tests document what crypto/tls cannot do for the -20
// profile (see the package documentation). Each asserts today's
// behaviour, so it fails, and must be inverted, once the gap is closed.

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/v2gtls"
)

// TLS extension code points.
const (
	extMaxFragmentLength      = 1
	extStatusRequest          = 5
	extCertificateAuthorities = 47
)

// helloRecorder returns a clone of cfg that sends every ClientHello's
// extension list to the returned channel.
func helloRecorder(cfg *tls.Config) (*tls.Config, <-chan []uint16) {
	ch := make(chan []uint16, 4)
	c := cfg.Clone()
	c.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		select {
		case ch <- slices.Clone(h.Extensions):
		default:
		}
		return nil, nil
	}
	return c, ch
}

// TestGapTLS13SuiteAES128 documents that TLS_AES_128_GCM_SHA256, outside
// Table 6, cannot be refused: a peer offering only it gets it.
func TestGapTLS13SuiteAES128(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	addr, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, serverOpts(t, p)), 1)
	out := sClient(t, bin, addr, append(vehicleArgs(dir), "-ciphersuites", "TLS_AES_128_GCM_SHA256")...)
	r := result(t, results)
	if r.err != nil {
		t.Fatalf("server: %v\n%s", r.err, out)
	}
	if r.state.CipherSuite != tls.TLS_AES_128_GCM_SHA256 {
		t.Errorf("negotiated %s", tls.CipherSuiteName(r.state.CipherSuite))
	}
}

// TestGapX448 documents that an X448-only client cannot connect, and
// that the failure is a generic handshake failure, not a typed error.
func TestGapX448(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	args := vehicleArgs(dir)
	args[2] = "X448"
	addr, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, serverOpts(t, p)), 1)
	out := sClient(t, bin, addr, args...)
	r := result(t, results)
	if r.err == nil {
		t.Fatalf("X448-only client accepted\n%s", out)
	}
	if errors.Is(r.err, v2gtls.ErrVersion) {
		t.Errorf("mapped to ErrVersion: %v", r.err)
	}
	t.Logf("server error: %v", r.err)
}

// TestGapEd448 documents that Ed448 credentials cannot be used: there is
// no ed448 SignatureScheme, so the builders refuse them.
func TestGapEd448(t *testing.T) {
	p := genPKI(t, pki.FamilyEd448)
	if _, err := v2gtls.ServerConfig(serverOpts(t, p)); !errors.Is(err, v2gtls.ErrEd448) {
		t.Errorf("ServerConfig: %v", err)
	}
	if _, err := v2gtls.ClientConfig(clientOpts(p)); !errors.Is(err, v2gtls.ErrEd448) {
		t.Errorf("ClientConfig: %v", err)
	}
}

// TestGapServerReadsCertificateAuthorities documents that the SECC sees
// that the client sent certificate_authorities but not which roots.
func TestGapServerReadsCertificateAuthorities(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	cfg, hellos := helloRecorder(mustServer(t, serverOpts(t, p)))
	addr, results := echoServer(t, "tcp", "127.0.0.1:0", cfg, 1)
	out := sClient(t, bin, addr, append(vehicleArgs(dir), "-requestCAfile", dir+"/v2g-root.pem")...)
	if r := result(t, results); r.err != nil {
		t.Fatalf("server: %v\n%s", r.err, out)
	}
	exts := <-hellos
	if !slices.Contains(exts, extCertificateAuthorities) {
		t.Fatalf("openssl sent no certificate_authorities: %v", exts)
	}
	// ClientHelloInfo has no field carrying the names.
	for _, f := range reflect.VisibleFields(reflect.TypeFor[tls.ClientHelloInfo]()) {
		if strings.Contains(strings.ToLower(f.Name), "authorit") || f.Name == "AcceptableCAs" {
			t.Errorf("ClientHelloInfo.%s exists: the gap may be closed", f.Name)
		}
	}
}

// TestGapClientSendsCertificateAuthorities documents that the Go EVCC
// sends no certificate_authorities ([V2G20-1006]).
func TestGapClientSendsCertificateAuthorities(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	cfg, hellos := helloRecorder(mustServer(t, serverOpts(t, p)))
	addr, results := echoServer(t, "tcp", "127.0.0.1:0", cfg, 1)
	c, err := dialEcho(t, addr, mustClient(t, clientOpts(p)))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	<-results
	exts := <-hellos
	if slices.Contains(exts, extCertificateAuthorities) {
		t.Errorf("Go client sent certificate_authorities: %v", exts)
	}
	if !slices.Contains(exts, extStatusRequest) {
		t.Errorf("Go client sent no status_request ([V2G20-2372]): %v", exts)
	}
}

// TestGapMaxFragmentLength documents that max_fragment_length is
// ignored: the handshake succeeds without the extension being answered.
func TestGapMaxFragmentLength(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	cfg, hellos := helloRecorder(mustServer(t, serverOpts(t, p)))
	addr, results := echoServer(t, "tcp", "127.0.0.1:0", cfg, 1)
	out := sClient(t, bin, addr, append(vehicleArgs(dir), "-maxfraglen", "512", "-msg")...)
	if r := result(t, results); r.err != nil {
		t.Fatalf("server: %v\n%s", r.err, out)
	}
	if exts := <-hellos; !slices.Contains(exts, extMaxFragmentLength) {
		t.Fatalf("openssl sent no max_fragment_length: %v", exts)
	}
	ee := handshakeMessage(t, out, "EncryptedExtensions")
	if exts := extensionTypes(t, ee, false); slices.Contains(exts, extMaxFragmentLength) {
		t.Errorf("server answered max_fragment_length: %v", exts)
	}
}

// TestGapOneOCSPStaple documents that only the leaf's OCSP response is
// stapled; [V2G20-2388] asks for one per chain certificate.
func TestGapOneOCSPStaple(t *testing.T) {
	if f, ok := reflect.TypeFor[tls.Certificate]().FieldByName("OCSPStaple"); !ok || f.Type != reflect.TypeFor[[]byte]() {
		t.Errorf("tls.Certificate.OCSPStaple changed: %v", f.Type)
	}
	p := genPKI(t, pki.FamilyP521)
	so := serverOpts(t, p)
	addr, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, so), 1)
	c, err := dialEcho(t, addr, mustClient(t, clientOpts(p)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-results
	if !bytes.Equal(c.ConnectionState().OCSPResponse, so.OCSPStaple) {
		t.Error("the leaf's staple did not arrive")
	}
}

// TestGapCertificateRequestStatusRequest documents that Go's TLS 1.3
// server always puts status_request (and signed_certificate_timestamp)
// into its CertificateRequest, against [V2G20-2407].
func TestGapCertificateRequestStatusRequest(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	addr, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, serverOpts(t, p)), 1)
	out := sClient(t, bin, addr, append(vehicleArgs(dir), "-msg")...)
	<-results
	exts := extensionTypes(t, handshakeMessage(t, out, "CertificateRequest"), true)
	if !slices.Contains(exts, extStatusRequest) {
		t.Errorf("CertificateRequest without status_request: %v", exts)
	}
	if !slices.Contains(exts, extCertificateAuthorities) {
		t.Errorf("CertificateRequest without certificate_authorities ([V2G20-2401]): %v", exts)
	}
}

// handshakeMessage extracts the bytes of the first handshake message
// named name that openssl -msg printed as received ("<<<").
func handshakeMessage(t *testing.T, out, name string) []byte {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "<<< ") || !strings.HasSuffix(strings.TrimSpace(l), ", "+name) {
			continue
		}
		var msg []byte
		for _, h := range lines[i+1:] {
			h = strings.TrimSpace(h)
			b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
			if h == "" || err != nil {
				break
			}
			msg = append(msg, b...)
		}
		return msg
	}
	t.Fatalf("no %s in openssl output:\n%s", name, out)
	return nil
}

// extensionTypes lists the extensions of an EncryptedExtensions message,
// or of a CertificateRequest (withContext) message.
func extensionTypes(t *testing.T, msg []byte, withContext bool) []uint16 {
	t.Helper()
	var out []uint16
	for _, e := range extensions(t, msg, withContext) {
		out = append(out, e.typ)
	}
	return out
}

type extension struct {
	typ  uint16
	data []byte
}

func extensions(t *testing.T, msg []byte, withContext bool) []extension {
	t.Helper()
	b := msg
	if len(b) < 4 {
		t.Fatalf("short message %x", msg)
	}
	b = b[4:]
	if withContext {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			t.Fatalf("bad context %x", msg)
		}
		b = b[1+int(b[0]):]
	}
	if len(b) < 2 {
		t.Fatalf("no extensions %x", msg)
	}
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if len(b) < n {
		t.Fatalf("truncated extensions %x", msg)
	}
	b = b[:n]
	var out []extension
	for len(b) >= 4 {
		typ, l := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		if len(b) < 4+l {
			t.Fatalf("truncated extension %x", msg)
		}
		out = append(out, extension{typ, b[4 : 4+l]})
		b = b[4+l:]
	}
	return out
}

// TestGapCertificateRequestSignatureAlgorithms documents that the SECC's
// CertificateRequest lists every scheme crypto/tls supports instead of
// Table 8 (ecdsa_secp521r1_sha512, ed448) in order ([V2G20-1667]): the
// restriction to ECDSA-P521-SHA512 is enforced per certificate only.
func TestGapCertificateRequestSignatureAlgorithms(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	addr, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, serverOpts(t, p)), 1)
	out := sClient(t, bin, addr, append(vehicleArgs(dir), "-msg")...)
	<-results
	var schemes []tls.SignatureScheme
	for _, e := range extensions(t, handshakeMessage(t, out, "CertificateRequest"), true) {
		if e.typ == 13 && len(e.data) >= 2 {
			for b := e.data[2:]; len(b) >= 2; b = b[2:] {
				schemes = append(schemes, tls.SignatureScheme(binary.BigEndian.Uint16(b)))
			}
		}
	}
	if len(schemes) == 0 {
		t.Fatal("no signature_algorithms in CertificateRequest")
	}
	if schemes[0] == tls.ECDSAWithP521AndSHA512 || !slices.Contains(schemes, tls.ECDSAWithP256AndSHA256) {
		t.Errorf("CertificateRequest signature_algorithms now %v", schemes)
	}
}
