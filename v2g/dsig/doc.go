// Package dsig holds the EXI grammars of the standalone XML Signature schema, the grammar peers use for SignedInfo fragments.
//
// The grammars are generated from the official schema iso15118-20/xmldsig-core-schema.xsd by exigen
// and committed; go generate reproduces them exactly.
package dsig

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set xmldsig -schema iso15118-20/xmldsig-core-schema.xsd -pkg dsig
