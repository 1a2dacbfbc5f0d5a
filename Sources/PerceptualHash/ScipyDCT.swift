/// scipy's `fftpack.dct(x)` (type II, unnormalised: `X_k = 2 Σ x_n cos(πk(2n+1)/2N)`) for 32 values, with
/// the same float64 operations in the same order as scipy, so the results are bit-identical.
///
/// phash thresholds 64 coefficients at their median. On synthetic images some coefficients tie with it in
/// exact arithmetic, and then scipy's rounding picks the bits, so any other DCT differs there. scipy (1.17)
/// runs pocketfft (`pocketfft_hdronly.h`): `T_dcst23::exec` type 2 around the *backward* real FFT `rfftp`,
/// which factors 32 as [2, 4, 4] (`radb2`, `radb4`, `radb4`), with twiddles from `sincos_2pibyn`. Names
/// below follow that source. Its x86-64 wheels use no fused multiply-add; Swift does not contract `a*b + c`
/// either, so do not use `addingProduct` here.
package enum ScipyDCT32 {
    /// In place on `c[0..<32]`.
    package static func transform(_ c: UnsafeMutablePointer<Double>) {
        // T_dcst23::exec, type 2, cosine, not ortho, fct = 1.
        c[0] *= 2
        c[31] *= 2
        var k = 1
        while k < 31 {  // MPINPLACE(c[k+1], c[k])
            let t = c[k + 1]
            c[k + 1] = t - c[k]
            c[k] = t + c[k]
            k += 2
        }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 32) { buffer in
            let ch = buffer.baseAddress!
            // rfftp::exec backward: factors in order, ping-ponging c -> ch -> c -> ch, then copied back.
            radb2(ido: 16, l1: 1, c, ch, radb2Twiddle)
            radb4(ido: 4, l1: 2, ch, c, radb4Twiddle)
            radb4(ido: 1, l1: 8, c, ch, [])
            c.update(from: ch, count: 32)
        }
        let tw = postTwiddle
        k = 1
        var kc = 31
        while k < 16 {
            let t1 = tw[k - 1] * c[kc] + tw[kc - 1] * c[k]
            let t2 = tw[k - 1] * c[k] - tw[kc - 1] * c[kc]
            c[k] = 0.5 * (t1 + t2)
            c[kc] = 0.5 * (t1 - t2)
            k += 1
            kc -= 1
        }
        c[16] *= tw[15]
    }

    /// `T0(1.414213562373095048801688724209698L)`; rounds to the same double as this literal.
    private static let sqrt2 = 1.414213562373095048801688724209698

    /// rfftp's twiddles for its first factor (ip 2, l1 1, ido 16): `wa[2i-2], wa[2i-1]` = `twid[i]`.
    private static let radb2Twiddle: [Double] = {
        let twid = SinCos2PiByN(32)
        var wa = [Double](repeating: 0, count: 15)
        for i in 1...7 {
            (wa[2 * i - 2], wa[2 * i - 1]) = twid[i]
        }
        return wa
    }()

    /// rfftp's twiddles for its second factor (ip 4, l1 2, ido 4): `wa[3(j-1)], wa[3(j-1)+1]` = `twid[2j]`.
    private static let radb4Twiddle: [Double] = {
        let twid = SinCos2PiByN(32)
        var wa = [Double](repeating: 0, count: 9)
        for j in 1...3 {
            (wa[3 * (j - 1)], wa[3 * (j - 1) + 1]) = twid[2 * j]
        }
        return wa
    }()

    /// T_dcst23's `twiddle[i] = sincos_2pibyn(4N)[i+1].r`.
    private static let postTwiddle: [Double] = {
        let tw = SinCos2PiByN(128)
        return (0..<32).map { tw[$0 + 1].r }
    }()

    /// rfftp::radb2.
    @inline(__always)
    private static func radb2(ido: Int, l1: Int, _ cc: UnsafePointer<Double>, _ ch: UnsafeMutablePointer<Double>,
                              _ wa: [Double]) {
        func CC(_ a: Int, _ b: Int, _ c: Int) -> Double { cc[a + ido * (b + 2 * c)] }
        func CH(_ a: Int, _ b: Int, _ c: Int) -> Int { a + ido * (b + l1 * c) }
        for k in 0..<l1 {
            ch[CH(0, k, 0)] = CC(0, 0, k) + CC(ido - 1, 1, k)
            ch[CH(0, k, 1)] = CC(0, 0, k) - CC(ido - 1, 1, k)
        }
        if ido & 1 == 0 {
            for k in 0..<l1 {
                ch[CH(ido - 1, k, 0)] = 2 * CC(ido - 1, 0, k)
                ch[CH(ido - 1, k, 1)] = -2 * CC(0, 1, k)
            }
        }
        if ido <= 2 { return }
        for k in 0..<l1 {
            for i in stride(from: 2, to: ido, by: 2) {
                let ic = ido - i
                ch[CH(i - 1, k, 0)] = CC(i - 1, 0, k) + CC(ic - 1, 1, k)
                let tr2 = CC(i - 1, 0, k) - CC(ic - 1, 1, k)
                let ti2 = CC(i, 0, k) + CC(ic, 1, k)
                ch[CH(i, k, 0)] = CC(i, 0, k) - CC(ic, 1, k)
                (ch[CH(i, k, 1)], ch[CH(i - 1, k, 1)]) = mulpm(wa[i - 2], wa[i - 1], ti2, tr2)
            }
        }
    }

    /// rfftp::radb4.
    @inline(__always)
    private static func radb4(ido: Int, l1: Int, _ cc: UnsafePointer<Double>, _ ch: UnsafeMutablePointer<Double>,
                              _ wa: [Double]) {
        func CC(_ a: Int, _ b: Int, _ c: Int) -> Double { cc[a + ido * (b + 4 * c)] }
        func CH(_ a: Int, _ b: Int, _ c: Int) -> Int { a + ido * (b + l1 * c) }
        func WA(_ x: Int, _ i: Int) -> Double { wa[i + x * (ido - 1)] }
        for k in 0..<l1 {
            let tr2 = CC(0, 0, k) + CC(ido - 1, 3, k), tr1 = CC(0, 0, k) - CC(ido - 1, 3, k)
            let tr3 = 2 * CC(ido - 1, 1, k)
            let tr4 = 2 * CC(0, 2, k)
            ch[CH(0, k, 0)] = tr2 + tr3
            ch[CH(0, k, 2)] = tr2 - tr3
            ch[CH(0, k, 3)] = tr1 + tr4
            ch[CH(0, k, 1)] = tr1 - tr4
        }
        if ido & 1 == 0 {
            for k in 0..<l1 {
                let ti1 = CC(0, 3, k) + CC(0, 1, k), ti2 = CC(0, 3, k) - CC(0, 1, k)
                let tr2 = CC(ido - 1, 0, k) + CC(ido - 1, 2, k), tr1 = CC(ido - 1, 0, k) - CC(ido - 1, 2, k)
                ch[CH(ido - 1, k, 0)] = tr2 + tr2
                ch[CH(ido - 1, k, 1)] = sqrt2 * (tr1 - ti1)
                ch[CH(ido - 1, k, 2)] = ti2 + ti2
                ch[CH(ido - 1, k, 3)] = -sqrt2 * (tr1 + ti1)
            }
        }
        if ido <= 2 { return }
        for k in 0..<l1 {
            for i in stride(from: 2, to: ido, by: 2) {
                let ic = ido - i
                let tr2 = CC(i - 1, 0, k) + CC(ic - 1, 3, k), tr1 = CC(i - 1, 0, k) - CC(ic - 1, 3, k)
                let ti1 = CC(i, 0, k) + CC(ic, 3, k), ti2 = CC(i, 0, k) - CC(ic, 3, k)
                let tr4 = CC(i, 2, k) + CC(ic, 1, k), ti3 = CC(i, 2, k) - CC(ic, 1, k)
                let tr3 = CC(i - 1, 2, k) + CC(ic - 1, 1, k), ti4 = CC(i - 1, 2, k) - CC(ic - 1, 1, k)
                ch[CH(i - 1, k, 0)] = tr2 + tr3
                let cr3 = tr2 - tr3
                ch[CH(i, k, 0)] = ti2 + ti3
                let ci3 = ti2 - ti3
                let cr4 = tr1 + tr4, cr2 = tr1 - tr4
                let ci2 = ti1 + ti4, ci4 = ti1 - ti4
                (ch[CH(i, k, 1)], ch[CH(i - 1, k, 1)]) = mulpm(WA(0, i - 2), WA(0, i - 1), ci2, cr2)
                (ch[CH(i, k, 2)], ch[CH(i - 1, k, 2)]) = mulpm(WA(1, i - 2), WA(1, i - 1), ci3, cr3)
                (ch[CH(i, k, 3)], ch[CH(i - 1, k, 3)]) = mulpm(WA(2, i - 2), WA(2, i - 1), ci4, cr4)
            }
        }
    }

    /// rfftp::MULPM: `(a + ib) = conj(c + id)·(e + if)`, returned as `(a, b)`.
    @inline(__always)
    private static func mulpm(_ c: Double, _ d: Double, _ e: Double, _ f: Double) -> (Double, Double) {
        (c * e + d * f, c * f - d * e)
    }
}

/// pocketfft's `sincos_2pibyn<double>(n)`: `e^{2πi·idx/n}` from two small tables (octant-reduced libm
/// sin/cos products), whose rounding the twiddles must share.
private struct SinCos2PiByN {
    private let n: Int, mask: Int, shift: Int
    private var v1: [(r: Double, i: Double)] = [], v2: [(r: Double, i: Double)] = []

    init(_ n: Int) {
        precondition(n > 0 && n & (n - 1) == 0, "power of two only")
        self.n = n
        // `Thigh(0.25L*pi/n)`: π rounded to long double, scaled by a power of two, rounded to double.
        let ang = Double.pi / Double(4 * n)
        let nval = (n + 2) / 2
        var shift = 1
        while (1 << shift) * (1 << shift) < nval { shift += 1 }
        self.shift = shift
        mask = (1 << shift) - 1
        v1 = [(1, 0)] + (1...mask).map { Self.calc($0, n, ang) }
        let count2 = (nval + mask) / (mask + 1)
        v2 = [(1, 0)] + (1..<max(count2, 1)).map { Self.calc($0 * (mask + 1), n, ang) }
    }

    private static func calc(_ index: Int, _ n: Int, _ ang: Double) -> (r: Double, i: Double) {
        var x = index << 3
        if x < 4 * n {  // first half
            if x < 2 * n {  // first quadrant
                if x < n { return (libmCos(Double(x) * ang), libmSin(Double(x) * ang)) }
                return (libmSin(Double(2 * n - x) * ang), libmCos(Double(2 * n - x) * ang))
            }
            x -= 2 * n  // second quadrant
            if x < n { return (-libmSin(Double(x) * ang), libmCos(Double(x) * ang)) }
            return (-libmCos(Double(2 * n - x) * ang), libmSin(Double(2 * n - x) * ang))
        }
        x = 8 * n - x
        if x < 2 * n {  // third quadrant
            if x < n { return (libmCos(Double(x) * ang), -libmSin(Double(x) * ang)) }
            return (libmSin(Double(2 * n - x) * ang), -libmCos(Double(2 * n - x) * ang))
        }
        x -= 2 * n  // fourth quadrant
        if x < n { return (-libmSin(Double(x) * ang), -libmCos(Double(x) * ang)) }
        return (-libmCos(Double(2 * n - x) * ang), -libmSin(Double(2 * n - x) * ang))
    }

    subscript(_ index: Int) -> (r: Double, i: Double) {
        let idx = 2 * index <= n ? index : n - index
        let x1 = v1[idx & mask], x2 = v2[idx >> shift]
        let r = x1.r * x2.r - x1.i * x2.i, i = x1.r * x2.i + x1.i * x2.r
        return 2 * index <= n ? (r, i) : (r, -i)
    }
}
