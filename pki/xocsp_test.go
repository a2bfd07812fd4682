package pki_test

import (
	"fmt"

	"github.com/v2gstack/iso15118/pki"
	"golang.org/x/crypto/ocsp"
)

func ocspRequest(cert, issuer *pki.Certificate) ([]byte, error) {
	return ocsp.CreateRequest(cert.Certificate, issuer.Certificate, nil)
}

func xocspCheck(der []byte, cert, issuer *pki.Certificate) error {
	r, err := ocsp.ParseResponseForCert(der, cert.Certificate, issuer.Certificate)
	if err != nil {
		return err
	}
	if r.Status != ocsp.Good {
		return fmt.Errorf("status %d", r.Status)
	}
	return nil
}
