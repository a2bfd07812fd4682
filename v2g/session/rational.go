package session

import "math"

// Rational returns the RationalNumber (Exponent, Value) closest to x with
// the most significant digits a 16-bit Value holds, using an exponent of
// at least -3. Values beyond the range saturate.
func Rational(x float64) (exponent int8, value int16) {
	if math.IsNaN(x) || x == 0 {
		return 0, 0
	}
	for e := -3; e <= 127; e++ {
		v := math.Round(x / math.Pow10(e))
		if math.Abs(v) <= math.MaxInt16 {
			// Drop trailing zeros so that small integers stay readable.
			for e < 0 && v != 0 && math.Mod(v, 10) == 0 {
				v /= 10
				e++
			}
			return int8(e), int16(v)
		}
	}
	if x < 0 {
		return 127, math.MinInt16
	}
	return 127, math.MaxInt16
}

// Float returns the value of a RationalNumber: value × 10^exponent.
func Float(exponent int8, value int16) float64 {
	return float64(value) * math.Pow10(int(exponent))
}
