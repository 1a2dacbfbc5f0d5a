// PDQ's Jarosz filter (two rounds of 1-D box filters along rows then columns) in the reference's running-sum
// form. Bit-exactness with the C++ reference depends on the exact float32 operation order per line: add the
// entering sample, subtract the leaving one, divide by the current count. Lines are independent, so every
// pass here runs many lines at once ("lanes") over a step-major buffer, which keeps the per-line order and
// lets the compiler vectorise across lanes. Passes along the other axis go through a blocked transpose.

/// One 1-D box pass over `steps` positions for `lanes` independent lines stored step-major
/// (`input[step * lanes + lane]`), exactly as the reference's `box1DFloat` on each line.
///
/// When `outputSteps` is given (ascending, repeats allowed), only those positions are written, to
/// consecutive output rows; the running sums still visit every position, so the values are unchanged.
func jaroszBoxPass(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
    steps n: Int, lanes: Int, window w: Int, sums: UnsafeMutablePointer<Float>,
    outputSteps: [Int]? = nil
) {
    sums.update(repeating: 0, count: lanes)
    let half = (w + 2) / 2
    let phase1 = half - 1
    let phase2 = w - half + 1
    let phase3 = n - w
    let phase4 = half - 1
    var li = 0, ri = 0, oi = 0, count = 0
    var nextOut = 0

    @inline(__always)
    func emit() {
        let divisor = Float(count)
        if let wanted = outputSteps {
            while nextOut < wanted.count && wanted[nextOut] == oi {
                laneDivide(sums, divisor, output + nextOut * lanes, lanes)
                nextOut += 1
            }
        } else {
            laneDivide(sums, divisor, output + oi * lanes, lanes)
        }
    }

    for _ in 0..<max(phase1, 0) {
        laneAdd(sums, input + ri * lanes, lanes)
        count += 1
        ri += 1
    }
    for _ in 0..<max(phase2, 0) {
        laneAdd(sums, input + ri * lanes, lanes)
        count += 1
        emit()
        ri += 1
        oi += 1
    }
    for _ in 0..<max(phase3, 0) {
        laneAddSubtract(sums, input + ri * lanes, input + li * lanes, lanes)
        emit()
        li += 1
        ri += 1
        oi += 1
    }
    for _ in 0..<max(phase4, 0) {
        laneSubtract(sums, input + li * lanes, lanes)
        count -= 1
        emit()
        li += 1
        oi += 1
    }
}

// The lane loops are plain scalar loops over pointers: the optimiser vectorises them (each lane's operations
// stay in order, so the result is unchanged), and unoptimised test builds stay tolerably fast, which
// generic SIMD types are not.

@inline(__always)
private func laneAdd(_ s: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ n: Int) {
    var l = 0
    while l < n {
        s[l] = s[l] + a[l]
        l &+= 1
    }
}

@inline(__always)
private func laneSubtract(_ s: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
    var l = 0
    while l < n {
        s[l] = s[l] - b[l]
        l &+= 1
    }
}

@inline(__always)
private func laneAddSubtract(
    _ s: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int
) {
    var l = 0
    while l < n {
        // Two roundings, in the reference's order: add the entering sample, then subtract the leaving one.
        let added = s[l] + a[l]
        s[l] = added - b[l]
        l &+= 1
    }
}

@inline(__always)
private func laneDivide(_ s: UnsafePointer<Float>, _ d: Float, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    var l = 0
    while l < n {
        out[l] = s[l] / d
        l &+= 1
    }
}

/// `dst[c * rows + r] = src[r * cols + c]`, in cache-sized tiles.
func transposeFloats(_ src: UnsafePointer<Float>, rows: Int, cols: Int, _ dst: UnsafeMutablePointer<Float>) {
    let tile = 64  // measured best on 4032×3024 (32: 1.8× slower)
    var r0 = 0
    while r0 < rows {
        let r1 = min(r0 + tile, rows)
        var c0 = 0
        while c0 < cols {
            let c1 = min(c0 + tile, cols)
            var r = r0
            while r < r1 {
                let srcRow = src + r &* cols
                var c = c0
                while c < c1 {
                    dst[c &* rows &+ r] = srcRow[c]
                    c &+= 1
                }
                r &+= 1
            }
            c0 = c1
        }
        r0 = r1
    }
}
