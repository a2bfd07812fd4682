package exi

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestReadBigUint checks the linear assembly of long Unsigned Integers
// against the definition, sum of group_i << 7i.
func TestReadBigUint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 8, 9, 10, 11, 17, 64, 100, 1000} {
		for k := 0; k < 20; k++ {
			var w BitWriter
			want := new(big.Int)
			groups := make([]uint64, n)
			for i := range groups {
				groups[i] = rng.Uint64N(128)
				flag := uint64(0x80)
				if i == n-1 {
					flag = 0
				}
				w.WriteBits(groups[i]|flag, 8)
			}
			for i := n - 1; i >= 0; i-- {
				want.Lsh(want, 7)
				want.Or(want, new(big.Int).SetUint64(groups[i]))
			}
			var r BitReader
			r.Reset(w.Bytes())
			got, err := r.readBigUint()
			if err != nil {
				t.Fatal(err)
			}
			if got.Cmp(want) != 0 {
				t.Fatalf("%d groups: got %v, want %v", n, got, want)
			}
		}
	}
}

func TestInRange(t *testing.T) {
	ul := &Datatype{Kind: TUnsigned, HasMin: true, MaxUint: 1<<64 - 1, HasMaxUint: true, Name: "unsignedLong"}
	short := &Datatype{Kind: TInteger, Min: -32768, Max: 32767, HasMin: true, HasMax: true, Name: "short"}
	max64 := new(big.Int).SetUint64(^uint64(0))
	tests := []struct {
		dt   *Datatype
		v    *big.Int
		want bool
	}{
		{ul, max64, true},
		{ul, new(big.Int).Add(max64, big.NewInt(1)), false},
		{short, big.NewInt(32767), true},
		{short, big.NewInt(32768), false},
		{short, big.NewInt(-32768), true},
		{short, big.NewInt(-32769), false},
		{&Datatype{Kind: TInteger, Name: "integer"}, new(big.Int).Lsh(big.NewInt(1), 1000), true},
	}
	for _, tc := range tests {
		if got := inRange(tc.dt, tc.v); got != tc.want {
			t.Errorf("inRange(%s, %v) = %v", tc.dt.Name, tc.v, got)
		}
	}
}
