package v2gtls_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/v2gtls"
)

// TestKeyLogDecryptsCapture captures one -20 session on the loopback
// interface and decrypts it with tshark and the EVCC's key log: the
// application data marker must appear in the decrypted payload, and not
// without the key log. The capture runs dumpcap, Wireshark's capture
// engine that tshark -i drives, directly: tshark -i first probes every
// extcap interface, which can stall for a long time in containers.
func TestKeyLogDecryptsCapture(t *testing.T) {
	bin := needTool(t, "tshark")
	dumpcap := needTool(t, "dumpcap")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("capturing on lo needs root, CI=true")
		}
		t.Skip("capturing on lo needs root")
	}
	dir := t.TempDir()
	keyPath, capPath := filepath.Join(dir, "keys.log"), filepath.Join(dir, "cap.pcapng")
	keys, err := os.OpenFile(keyPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()

	p := genPKI(t, pki.FamilyP521)
	addr, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, serverOpts(t, p)), 1)
	port := addr[strings.LastIndexByte(addr, ':')+1:]

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	capture := exec.CommandContext(ctx, dumpcap, "-q", "-i", "lo", "-w", capPath, "-f", "tcp port "+port)
	stderr, err := capture.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := capture.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), "Capturing on") {
				close(ready)
				once = true
			}
		}
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = capture.Process.Signal(syscall.SIGINT)
		wg.Wait()
		_ = capture.Wait()
	}
	t.Cleanup(stop)
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("dumpcap did not start capturing")
	}
	// dumpcap reports before the filter is attached to the socket.
	time.Sleep(500 * time.Millisecond)

	const marker = "V2GTLS-KEYLOG-MARKER-6d1f"
	co := clientOpts(p)
	co.KeyLogWriter = keys
	c, err := v2gtls.Dial(ctx, "tcp", addr, mustClient(t, co))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte(marker + "\n")); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != marker+"\n" {
		t.Fatalf("echo %q, %v", line, err)
	}
	c.Close()
	if r := result(t, results); r.err != nil {
		t.Fatal(r.err)
	}
	time.Sleep(time.Second) // let the last packets reach the capture on a loaded machine
	stop()

	kl, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"} {
		if !bytes.Contains(kl, []byte(label+" ")) {
			t.Errorf("key log lacks %s", label)
		}
	}
	decrypted := func(keylog string) string {
		args := []string{"-r", capPath, "-d", "tcp.port==" + port + ",tls", "-Y", "data", "-T", "fields", "-e", "data.data"}
		if keylog != "" {
			args = append([]string{"-o", "tls.keylog_file:" + keylog}, args...)
		}
		out, err := exec.CommandContext(ctx, bin, args...).Output()
		if err != nil {
			t.Fatalf("tshark -r: %v", err)
		}
		var text strings.Builder
		for _, f := range strings.Fields(string(out)) {
			for _, h := range strings.Split(f, ",") {
				b, _ := hex.DecodeString(strings.ReplaceAll(h, ":", ""))
				text.Write(b)
			}
		}
		return text.String()
	}
	if d := os.Getenv("V2GTLS_KEEP_CAPTURE"); d != "" {
		_ = exec.Command("cp", capPath, keyPath, d).Run()
	}
	// The marker crosses twice (request and echo). Decrypting either proves
	// the key log; a loaded machine may end the capture before the echo.
	switch n := strings.Count(decrypted(keyPath), marker); {
	case n == 0:
		t.Error("the key log does not decrypt the captured application data")
	case n < 2:
		t.Logf("decrypted the marker in %d direction(s) of 2", n)
	}
	if got := decrypted(""); strings.Contains(got, marker) {
		t.Error("marker visible without the key log")
	}
}
