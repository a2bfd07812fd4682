// Package apphand holds the EXI grammars of the SupportedAppProtocol handshake (urn:iso:15118:2:2010:AppProtocol), the first message pair of every ISO 15118 and DIN 70121 session.
//
// The grammars are generated from the official schema iso15118-20/V2G_CI_AppProtocol.xsd by exigen
// and committed; go generate reproduces them exactly.
package apphand

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set AppProtocol -schema iso15118-20/V2G_CI_AppProtocol.xsd -pkg apphand
