package v2g_test

import (
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testvec"
)

// benchVectors are the messages of BENCHMARKS.md, by vector path.
var benchVectors = []struct{ name, path string }{
	{"SessionSetupReq", "CommonMessages/SessionSetupReq/0033"},
	{"SessionSetupRes", "CommonMessages/SessionSetupRes/0033"},
	{"AuthorizationReq", "CommonMessages/AuthorizationReq/0033"},
	{"ServiceDiscoveryRes", "CommonMessages/ServiceDiscoveryRes/0033"},
	{"ScheduleExchangeRes", "CommonMessages/ScheduleExchangeRes/0033"},
	{"DC_ChargeLoopReq", "DC/DC_ChargeLoopReq/0033"},
	{"DC_ChargeLoopRes", "DC/DC_ChargeLoopRes/0033"},
	{"AC_ChargeLoopReq", "AC/AC_ChargeLoopReq/0033"},
	{"AC_ChargeLoopRes", "AC/AC_ChargeLoopRes/0033"},
	{"CertificateInstallationRes", "CommonMessages/CertificateInstallationRes/0033"},
	{"SignedInfo", "xmldsig/SignedInfo/0000"},
}

// benchCase is a decoded vector and its stream at the ISO 15118 profile.
// Vectors that use the string table (valuePartitionCapacity > 0) are
// re-encoded at the profile first, so every case runs at the profile.
type benchCase struct {
	v   *testvec.Vector
	iso []byte // the stream at the ISO 15118 profile
	msg any    // exi.Message or exi.Fragment
}

func loadBench(tb testing.TB, path string) benchCase {
	tb.Helper()
	m := testvec.Load(tb)
	for i := range m.Vectors {
		v := &m.Vectors[i]
		if v.Path != path {
			continue
		}
		eb, err := v.ReadEXI()
		if err != nil {
			tb.Fatal(err)
		}
		msg, err := typedDecode(v, eb, exi.UnboundedStringTable())
		if err != nil {
			tb.Fatal(err)
		}
		iso, err := typedEncode(v, msg, exi.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		return benchCase{v: v, iso: iso, msg: msg}
	}
	tb.Fatalf("no vector %s", path)
	return benchCase{}
}

func (c benchCase) decode(b []byte) error {
	if f, ok := c.msg.(exi.Fragment); ok && c.v.Mode == "fragment" {
		return f.DecodeEXIFragment(b, exi.Options{})
	}
	return c.msg.(exi.Message).DecodeEXI(b, exi.Options{})
}

func (c benchCase) encode(dst []byte) ([]byte, error) {
	if f, ok := c.msg.(exi.Fragment); ok && c.v.Mode == "fragment" {
		return f.AppendEXIFragment(dst, exi.Options{})
	}
	return c.msg.(exi.Message).AppendEXI(dst, exi.Options{})
}

// BenchmarkTyped times the typed API at the ISO 15118 profile: decode into
// a reused value and encode into a reused buffer.
func BenchmarkTyped(b *testing.B) {
	for _, bv := range benchVectors {
		c := loadBench(b, bv.path)
		b.Run(bv.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.iso)))
			for b.Loop() {
				if err := c.decode(c.iso); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bv.name+"/encode", func(b *testing.B) {
			buf := make([]byte, 0, 16<<10)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.iso)))
			for b.Loop() {
				if _, err := c.encode(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestTypedEncodeDoesNotAllocate asserts that encoding charge-loop and
// session messages into a buffer with capacity does not allocate.
func TestTypedEncodeDoesNotAllocate(t *testing.T) {
	for _, path := range []string{"DC/DC_ChargeLoopReq/0033", "CommonMessages/SessionSetupReq/0033"} {
		c := loadBench(t, path)
		buf := make([]byte, 0, 4096)
		var err error
		n := testing.AllocsPerRun(100, func() {
			_, err = c.encode(buf[:0])
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %v allocations per encode, want 0", path, n)
		}
	}
}

// TestTypedDecodeAllocs checks that decoding into a reused value allocates
// at most once per variable-length field (here: none of the charge-loop
// message's fields is a string).
func TestTypedDecodeAllocs(t *testing.T) {
	c := loadBench(t, "DC/DC_ChargeLoopReq/0033")
	var err error
	n := testing.AllocsPerRun(100, func() { err = c.decode(c.iso) })
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%v allocations per decode into a reused value, want 0", n)
	}
}
