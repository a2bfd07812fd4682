// Package v2g holds the vocabulary shared by every part of the stack: the
// EXI schema sets of each protocol, selected by name.
package v2g

import (
	"fmt"
	"sort"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/din"
	"github.com/v2gstack/iso15118/v2g/dsig"
	"github.com/v2gstack/iso15118/v2g/iso2"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/acderiec"
	"github.com/v2gstack/iso15118/v2g/iso20/acdersae"
	"github.com/v2gstack/iso15118/v2g/iso20/acdp"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/iso20/wpt"
)

// ErrUnknownSet reports a schema-set name that SchemaSet does not know.
var ErrUnknownSet = fmt.Errorf("v2g: unknown schema set")

func sets() map[string]func() *exi.Schema {
	return map[string]func() *exi.Schema{
		apphand.SetName:  apphand.Schema,
		iso20.SetName:    iso20.Schema,
		ac.SetName:       ac.Schema,
		dc.SetName:       dc.Schema,
		wpt.SetName:      wpt.Schema,
		acdp.SetName:     acdp.Schema,
		acderiec.SetName: acderiec.Schema,
		acdersae.SetName: acdersae.Schema,
		dsig.SetName:     dsig.Schema,
		iso2.SetName:     iso2.Schema,
		din.SetName:      din.Schema,
	}
}

// SchemaSet returns the compiled grammars of the named schema set. Names are
// those of the shared vector manifest: AppProtocol, CommonMessages, AC, DC,
// WPT, ACDP, AC_DER_IEC, AC_DER_SAE, xmldsig, iso15118-2, din70121.
func SchemaSet(name string) (*exi.Schema, error) {
	f, ok := sets()[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownSet, name, SetNames())
	}
	return f(), nil
}

// SetNames lists the schema-set names in sorted order.
func SetNames() []string {
	m := sets()
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Namespace URIs of the -20 message sets, as offered in SupportedAppProtocol.
const (
	NamespaceISO20Common = "urn:iso:std:iso:15118:-20:CommonMessages"
	NamespaceISO20AC     = "urn:iso:std:iso:15118:-20:AC"
	NamespaceISO20DC     = "urn:iso:std:iso:15118:-20:DC"
	NamespaceISO20WPT    = "urn:iso:std:iso:15118:-20:WPT"
	NamespaceISO20ACDP   = "urn:iso:std:iso:15118:-20:ACDP"
	NamespaceISO2        = "urn:iso:15118:2:2013:MsgDef"
	NamespaceDIN         = "urn:din:70121:2012:MsgDef"
)

// Namespaces of the -20 Amendment 1 AC-DER sets and of SupportedAppProtocol.
const (
	NamespaceISO20ACDERIEC = "urn:iso:std:iso:15118:-20:AC-DER-IEC"
	NamespaceISO20ACDERSAE = "urn:iso:std:iso:15118:-20:AC-DER-SAE"
	NamespaceAppProtocol   = "urn:iso:15118:2:2010:AppProtocol"
)

// SchemaForNamespace returns the schema set whose grammar codes the messages
// of a protocol namespace negotiated in SupportedAppProtocol. The same AC
// message codes differently in the AC set and in the AC-DER sets, so the
// grammar must follow the negotiated namespace, never the message's own.
func SchemaForNamespace(ns string) (*exi.Schema, error) {
	m := map[string]string{
		NamespaceAppProtocol:   apphand.SetName,
		NamespaceISO20Common:   iso20.SetName,
		NamespaceISO20AC:       ac.SetName,
		NamespaceISO20DC:       dc.SetName,
		NamespaceISO20WPT:      wpt.SetName,
		NamespaceISO20ACDP:     acdp.SetName,
		NamespaceISO20ACDERIEC: acderiec.SetName,
		NamespaceISO20ACDERSAE: acdersae.SetName,
		NamespaceISO2:          iso2.SetName,
		NamespaceDIN:           din.SetName,
	}
	name, ok := m[ns]
	if !ok {
		return nil, fmt.Errorf("%w: no schema set for namespace %q", ErrUnknownSet, ns)
	}
	return SchemaSet(name)
}
