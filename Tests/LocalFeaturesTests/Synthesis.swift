import ImageCore

/// The test protocol's generator.
typealias TestRNG = SplitMix64

/// The transforms of the generated protocol: how a citizen's photo or a re-share shows a published object.
enum SceneTransform: String, CaseIterable, Sendable {
    /// The object pasted into an unrelated photo at 30–70% of its area.
    case paste
    /// Perspective warp (corners moved up to 18% of the side), pasted into a photo.
    case perspective
    /// Rotation by 5–15° either way, pasted into a photo.
    case rotation
    /// Left-right mirror, pasted into a photo.
    case mirror
    /// Screenshot: the object shrunk onto a page with padding, a header and caption bars of text-like marks.
    case screenshot
}

/// Image synthesis for the protocol (RGB rasters, bilinear sampling, area pre-shrink against aliasing).
enum Synth {
    /// Area-average RGB downscale by an integer-free factor (only shrinks).
    static func shrink(_ r: Raster, width nw: Int, height nh: Int) -> Raster {
        let src = r.rgb()
        if nw >= src.width && nh >= src.height { return src }
        var out = [UInt8](repeating: 0, count: nw * nh * 3)
        let sx = Double(src.width) / Double(nw), sy = Double(src.height) / Double(nh)
        src.pixels.withUnsafeBufferPointer { s in
            for y in 0..<nh {
                let y0 = Int(Double(y) * sy), y1 = max(y0 + 1, min(src.height, Int(Double(y + 1) * sy)))
                for x in 0..<nw {
                    let x0 = Int(Double(x) * sx), x1 = max(x0 + 1, min(src.width, Int(Double(x + 1) * sx)))
                    var acc = (0, 0, 0)
                    for yy in y0..<y1 {
                        for xx in x0..<x1 {
                            let p = (yy * src.width + xx) * 3
                            acc.0 += Int(s[p]); acc.1 += Int(s[p + 1]); acc.2 += Int(s[p + 2])
                        }
                    }
                    let n = (y1 - y0) * (x1 - x0)
                    let o = (y * nw + x) * 3
                    out[o] = UInt8(acc.0 / n); out[o + 1] = UInt8(acc.1 / n); out[o + 2] = UInt8(acc.2 / n)
                }
            }
        }
        return Raster(width: nw, height: nh, channels: 3, pixels: out)
    }

    /// Draws `object` into `canvas` through the homography `h` (object pixels -> canvas pixels), bilinear.
    static func composite(_ object: Raster, into canvas: inout Raster, h: [Double], mirror: Bool = false) {
        let inv = invert3(h)
        let obj = object.rgb()
        // Bounding box of the projected object.
        let w = Double(obj.width), hh = Double(obj.height)
        let corners = [(0.0, 0.0), (w, 0.0), (w, hh), (0.0, hh)].map { project(h, $0.0, $0.1) }
        let minX = max(0, Int(corners.map(\.0).min()!.rounded(.down)))
        let maxX = min(canvas.width - 1, Int(corners.map(\.0).max()!.rounded(.up)))
        let minY = max(0, Int(corners.map(\.1).min()!.rounded(.down)))
        let maxY = min(canvas.height - 1, Int(corners.map(\.1).max()!.rounded(.up)))
        guard minX <= maxX, minY <= maxY else { return }
        let cw = canvas.width
        canvas.pixels.withUnsafeMutableBufferPointer { dst in
            obj.pixels.withUnsafeBufferPointer { s in
                for y in minY...maxY {
                    for x in minX...maxX {
                        var (u, v) = project(inv, Double(x) + 0.5, Double(y) + 0.5)
                        u -= 0.5; v -= 0.5
                        guard u >= -0.5, v >= -0.5, u <= w - 0.5, v <= hh - 0.5 else { continue }
                        if mirror { u = w - 1 - u }
                        let fu = max(0, min(w - 1, u)), fv = max(0, min(hh - 1, v))
                        let x0 = Int(fu), y0 = Int(fv)
                        let x1 = min(obj.width - 1, x0 + 1), y1 = min(obj.height - 1, y0 + 1)
                        let tx = fu - Double(x0), ty = fv - Double(y0)
                        for c in 0..<3 {
                            let a = Double(s[(y0 * obj.width + x0) * 3 + c]), b = Double(s[(y0 * obj.width + x1) * 3 + c])
                            let d = Double(s[(y1 * obj.width + x0) * 3 + c]), e = Double(s[(y1 * obj.width + x1) * 3 + c])
                            let val = (a * (1 - tx) + b * tx) * (1 - ty) + (d * (1 - tx) + e * tx) * ty
                            dst[(y * cw + x) * 3 + c] = UInt8(max(0, min(255, val.rounded())))
                        }
                    }
                }
            }
        }
    }

    static func project(_ h: [Double], _ x: Double, _ y: Double) -> (Double, Double) {
        let w = h[6] * x + h[7] * y + h[8]
        return ((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w)
    }

    static func invert3(_ m: [Double]) -> [Double] {
        let a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], i = m[8]
        let A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g
        let det = a * A + b * B + c * C
        return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
                B / det, (a * i - c * g) / det, -(a * f - c * d) / det,
                C / det, -(a * h - b * g) / det, (a * e - b * d) / det]
    }

    /// The homography taking the unit-square corners (0,0),(1,0),(1,1),(0,1) scaled to (w, h) onto `q`.
    static func homography(fromRect w: Double, _ h: Double, to q: [(Double, Double)]) -> [Double] {
        // Solve the 8x8 system directly.
        let src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
        var a = [Double](repeating: 0, count: 64), b = [Double](repeating: 0, count: 8)
        for k in 0..<4 {
            let (x, y) = src[k], (u, v) = q[k]
            let r1 = [x, y, 1, 0, 0, 0, -u * x, -u * y], r2 = [0, 0, 0, x, y, 1, -v * x, -v * y]
            for j in 0..<8 { a[(2 * k) * 8 + j] = r1[j]; a[(2 * k + 1) * 8 + j] = r2[j] }
            b[2 * k] = u; b[2 * k + 1] = v
        }
        // Gaussian elimination with partial pivoting.
        for col in 0..<8 {
            var piv = col
            for r in (col + 1)..<8 where abs(a[r * 8 + col]) > abs(a[piv * 8 + col]) { piv = r }
            for k in 0..<8 { a.swapAt(col * 8 + k, piv * 8 + k) }
            b.swapAt(col, piv)
            for r in 0..<8 where r != col {
                let f = a[r * 8 + col] / a[col * 8 + col]
                for k in 0..<8 { a[r * 8 + k] -= f * a[col * 8 + k] }
                b[r] -= f * b[col]
            }
        }
        var hm = (0..<8).map { b[$0] / a[$0 * 8 + $0] }
        hm.append(1)
        return hm
    }

    /// A query photo showing `object` under `transform`; `background` is an unrelated photo.
    /// Returns the query and the object's true outline in it.
    static func scene(object: Raster, background: Raster, transform: SceneTransform,
                      rng: inout TestRNG) -> (query: Raster, outline: [(Double, Double)]) {
        if transform == .screenshot { return screenshot(object: object, rng: &rng) }
        var canvas = background.rgb()
        let cw = Double(canvas.width), ch = Double(canvas.height)
        let ow = Double(object.width), oh = Double(object.height)
        // Target area 30–70% of the photo, limited so that the (rotated/warped) object still fits.
        let frac = rng.uniform(0.3, 0.7)
        var s = (frac * cw * ch / (ow * oh)).squareRoot()
        s = min(s, 0.92 * cw / ow, 0.92 * ch / oh)
        // Pre-shrink with area averaging so that the bilinear warp does not alias.
        let pw = max(8, Int((ow * s).rounded())), ph = max(8, Int((oh * s).rounded()))
        let small = shrink(object, width: pw, height: ph)
        let w = Double(small.width), h = Double(small.height)
        var quad = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
        switch transform {
        case .perspective:
            // Each corner moves independently by up to 18% of the side in x and y.
            quad = quad.map { ($0.0 + rng.uniform(-0.18, 0.18) * w, $0.1 + rng.uniform(-0.18, 0.18) * h) }
        case .rotation:
            let deg = rng.uniform(5, 15) * (rng.below(2) == 0 ? -1 : 1)
            let t = deg * .pi / 180, c = cosApprox(t), sn = sinApprox(t)
            quad = quad.map { (c * ($0.0 - w / 2) - sn * ($0.1 - h / 2) + w / 2, sn * ($0.0 - w / 2) + c * ($0.1 - h / 2) + h / 2) }
        default:
            break
        }
        // Fit into the canvas, then place at a random position.
        let minX = quad.map(\.0).min()!, maxX = quad.map(\.0).max()!
        let minY = quad.map(\.1).min()!, maxY = quad.map(\.1).max()!
        let fit = min(1, (cw - 2) / (maxX - minX), (ch - 2) / (maxY - minY))
        quad = quad.map { (($0.0 - minX) * fit, ($0.1 - minY) * fit) }
        let ox = rng.uniform(0, max(0, cw - (maxX - minX) * fit - 1)), oy = rng.uniform(0, max(0, ch - (maxY - minY) * fit - 1))
        quad = quad.map { ($0.0 + ox, $0.1 + oy) }
        let hm = homography(fromRect: w, h, to: quad)
        composite(small, into: &canvas, h: hm, mirror: transform == .mirror)
        // The outline in object coordinates: the mirror swaps which object corner lands where.
        let outline = transform == .mirror ? [quad[1], quad[0], quad[3], quad[2]] : quad
        return (canvas, outline)
    }

    /// A web-shop style screenshot: page margins, a header bar, the object, caption lines of word-like marks.
    static func screenshot(object: Raster, rng: inout TestRNG) -> (query: Raster, outline: [(Double, Double)]) {
        let pageW = 720 + rng.below(200)
        let ow = Double(object.width), oh = Double(object.height)
        let target = Double(pageW) * rng.uniform(0.45, 0.7)
        let s = min(target / ow, 420 / oh)
        let pw = max(8, Int((ow * s).rounded())), ph = max(8, Int((oh * s).rounded()))
        let small = shrink(object, width: pw, height: ph)
        let header = 40 + rng.below(30), gap = 16 + rng.below(24), captionH = 70 + rng.below(60)
        let pageH = header + gap + ph + gap + captionH
        let grey = UInt8(235 + rng.below(20))
        var page = Raster(width: pageW, height: pageH, channels: 3, pixels: [UInt8](repeating: grey, count: pageW * pageH * 3))
        func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: (UInt8, UInt8, UInt8)) {
            guard max(0, y0) < min(pageH, y1), max(0, x0) < min(pageW, x1) else { return }
            for y in max(0, y0)..<min(pageH, y1) {
                for x in max(0, x0)..<min(pageW, x1) {
                    let p = (y * pageW + x) * 3
                    page.pixels[p] = c.0; page.pixels[p + 1] = c.1; page.pixels[p + 2] = c.2
                }
            }
        }
        let barColour = (UInt8(20 + rng.below(60)), UInt8(40 + rng.below(80)), UInt8(90 + rng.below(120)))
        fill(0, 0, pageW, header, barColour)
        // Caption: rows of word-like dark marks with glyph-sized gaps.
        func words(_ x0: Int, _ y0: Int, _ x1: Int, _ lineH: Int, _ lines: Int, _ c: (UInt8, UInt8, UInt8)) {
            var y = y0
            for _ in 0..<lines {
                var x = x0
                while x < x1 - 20 {
                    let wordLen = 3 + rng.below(8)
                    for _ in 0..<wordLen {
                        let gw = 5 + rng.below(4), gh = lineH - rng.below(lineH / 3)
                        fill(x, y + (lineH - gh), x + gw, y + lineH, c)
                        x += gw + 2
                    }
                    x += 8
                }
                y += lineH + 8
            }
        }
        words(12, header / 3, pageW / 2, 12, 1, (240, 240, 240))
        let px = (pageW - pw) / 2 + rng.below(max(1, (pageW - pw) / 3)) - (pageW - pw) / 6
        let py = header + gap
        fill(px - 4, py - 4, px + pw + 4, py + ph + 4, (255, 255, 255))
        words(20, py + ph + gap, pageW - 20, 14, max(1, (captionH - 10) / 22), (40, 40, 40))
        let quad = [(Double(px), Double(py)), (Double(px + pw), Double(py)), (Double(px + pw), Double(py + ph)), (Double(px), Double(py + ph))]
        // The shrink only shrinks: map the raster it returned (possibly smaller than the slot) onto the slot.
        composite(small, into: &page, h: homography(fromRect: Double(small.width), Double(small.height), to: quad))
        return (page, quad)
    }

    static func sinApprox(_ x: Double) -> Double {
        var term = x, sum = x
        for i in 1...10 { term *= -x * x / Double((2 * i) * (2 * i + 1)); sum += term }
        return sum
    }

    static func cosApprox(_ x: Double) -> Double {
        var term = 1.0, sum = 1.0
        for i in 1...10 { term *= -x * x / Double((2 * i - 1) * (2 * i)); sum += term }
        return sum
    }
}
