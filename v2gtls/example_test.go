package v2gtls_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
	"github.com/v2gstack/iso15118/v2gtls"
)

// A -20 SECC and EVCC over loopback, with a generated test PKI.
func Example() {
	clock := func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }
	p, err := testpki.Generate(testpki.Options{Family: pki.FamilyP521, Now: clock})
	if err != nil {
		log.Fatal(err)
	}
	staple, err := p.Staple(pki.RoleSECCLeaf, clock)
	if err != nil {
		log.Fatal(err)
	}
	scfg, err := v2gtls.ServerConfig(v2gtls.ServerOptions{
		Chain: p.Chain(pki.RoleSECCLeaf), Key: p.Get(pki.RoleSECCLeaf).Key,
		ClientRoots: []*pki.Certificate{p.Root(pki.RoleVehicleLeaf)},
		OCSPStaple:  staple[0], Time: clock,
	})
	if err != nil {
		log.Fatal(err)
	}
	ccfg, err := v2gtls.ClientConfig(v2gtls.ClientOptions{
		Chain: p.Chain(pki.RoleVehicleLeaf), Key: p.Get(pki.RoleVehicleLeaf).Key,
		Roots: []*pki.Certificate{p.Root(pki.RoleSECCLeaf)}, RequireOCSP: true, Time: clock,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := v2gtls.Listen(ctx, "tcp", "127.0.0.1:0", scfg)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan *v2gtls.Conn, 1)
	go func() {
		c, err := l.Accept(ctx)
		if err != nil {
			log.Print(err)
		}
		accepted <- c
	}()
	c, err := v2gtls.Dial(ctx, "tcp", l.Addr().String(), ccfg)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	s := <-accepted
	if s == nil {
		return
	}
	defer s.Close()
	fmt.Println(c.Profile(), c.PeerChain()[0].Subject.CommonName)
	fmt.Println(s.Profile(), s.PeerChain()[0].Subject.CommonName)
	// Output:
	// ISO 15118-20 DE*V2G*E00000001
	// ISO 15118-20 V2GEVCC00000001
}
