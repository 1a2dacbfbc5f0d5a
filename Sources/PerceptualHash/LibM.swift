// The C maths library, for the handful of transcendental values the references take from it (DCT and
// Lanczos tables). Reading them from the same libm keeps the tables bit-identical to the references'.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libm `cos`.
@inline(__always)
func libmCos(_ x: Double) -> Double { cos(x) }

/// libm `sin`.
@inline(__always)
func libmSin(_ x: Double) -> Double { sin(x) }
