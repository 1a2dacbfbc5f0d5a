import Foundation
import ImageCore
import LocalFeatures
import Testing
import TestSupport

/// The C kernels (`CFeatureKernel`) against plain scalar definitions written here, on a real photo and on
/// synthetic images with extreme values and widths that are not a multiple of the 32-pixel vector step.
@Suite struct KernelTests {
    /// FAST-9 by its definition: the arc score of every pixel in the scanned band, then 3x3 non-maximum
    /// suppression (strict against earlier neighbours), then Harris from integer Sobel sums; row-major order.
    static func referenceCorners(_ g: GreyImage, threshold: Int, border: Int) -> [Corner] {
        let w = g.width, h = g.height, b = max(border, 4)
        guard w > 2 * b, h > 2 * b else { return [] }
        let px = g.pixels.map(Int.init)
        let circle = [(0, -3), (1, -3), (2, -2), (3, -1), (3, 0), (3, 1), (2, 2), (1, 3),
                      (0, 3), (-1, 3), (-2, 2), (-3, 1), (-3, 0), (-3, -1), (-2, -2), (-1, -3)]
        var score = [Int](repeating: 0, count: w * h)
        for y in (b - 1)...(h - b) {
            for x in (b - 1)...(w - b) {
                let c = px[y * w + x]
                let d = circle.map { px[(y + $0.1) * w + x + $0.0] - c }
                var best = 0
                for s in 0..<16 {
                    let arc = (0..<9).map { d[(s + $0) % 16] }
                    best = max(best, arc.min()!, -arc.max()!)
                }
                if best > threshold { score[y * w + x] = best }
            }
        }
        var out: [Corner] = []
        for y in b..<(h - b) {
            for x in b..<(w - b) {
                let p = y * w + x, s = score[p]
                guard s > 0 else { continue }
                let earlier = [p - w - 1, p - w, p - w + 1, p - 1], later = [p + 1, p + w - 1, p + w, p + w + 1]
                guard earlier.allSatisfy({ s > score[$0] }), later.allSatisfy({ s >= score[$0] }) else { continue }
                var sxx = 0, syy = 0, sxy = 0
                for yy in (y - 3)...(y + 3) {
                    for xx in (x - 3)...(x + 3) {
                        let q = yy * w + xx
                        let gx = (px[q - w + 1] + 2 * px[q + 1] + px[q + w + 1]) - (px[q - w - 1] + 2 * px[q - 1] + px[q + w - 1])
                        let gy = (px[q + w - 1] + 2 * px[q + w] + px[q + w + 1]) - (px[q - w - 1] + 2 * px[q - w] + px[q - w + 1])
                        sxx += gx * gx; syy += gy * gy; sxy += gx * gy
                    }
                }
                let norm: Float = 1.0 / (4.0 * 49.0 * 255.0)
                let fxx = Float(sxx) * norm, fyy = Float(syy) * norm, fxy = Float(sxy) * norm
                out.append(Corner(x: x, y: y, fastScore: s, harris: fxx * fyy - fxy * fxy - 0.04 * (fxx + fyy) * (fxx + fyy)))
            }
        }
        return out
    }

    static func same(_ a: [Corner], _ b: [Corner]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy {
            $0.x == $1.x && $0.y == $1.y && $0.fastScore == $1.fastScore && $0.harris.bitPattern == $1.harris.bitPattern
        }
    }

    /// Noise over the full 0...255 range (saturating centre ± threshold), flat blocks (no corners) and hard
    /// black/white squares (the largest gradients); 77 and 45 columns leave partial vector steps.
    static func synthetic(width: Int, height: Int, seed: UInt64) -> GreyImage {
        var rng = SplitMix64(seed: seed)
        var px = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let v: UInt8
                switch (x / 12 + y / 12) % 4 {
                case 0: v = UInt8(truncatingIfNeeded: rng.next())
                case 1: v = 128
                case 2: v = (x / 4 + y / 4) % 2 == 0 ? 0 : 255
                default: v = rng.next() % 3 == 0 ? 255 : 0
                }
                px[y * width + x] = v
            }
        }
        return GreyImage(width: width, height: height, pixels: px)
    }

    @Test(arguments: [(77, 60, 12), (45, 40, 0), (200, 90, 12), (128, 64, 40), (96, 70, 254)])
    func fastAndHarrisMatchTheirDefinitionOnSyntheticImages(width: Int, height: Int, threshold: Int) {
        let g = Self.synthetic(width: width, height: height, seed: UInt64(width * 1000 + threshold))
        let c = FastDetector.detect(g, threshold: threshold, border: 5)
        let r = Self.referenceCorners(g, threshold: threshold, border: 5)
        #expect(Self.same(c, r), "\(c.count) corners vs \(r.count) by the definition")
        if threshold == 12 { #expect(r.count > 20) }
    }

    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func fastAndHarrisMatchTheirDefinitionOnAPhoto() throws {
        let g = GreyImage(try TestImages.raster(FeatureExtractionTests.photo))
        let c = FastDetector.detect(g, threshold: 12, border: RotatedBRIEF.border)
        let r = Self.referenceCorners(g, threshold: 12, border: RotatedBRIEF.border)
        #expect(r.count > 1000)
        #expect(Self.same(c, r))
    }

    /// The CPU-specific BRIEF path (AVX2 where present) and the portable one give the same bits, plain and mirrored.
    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func briefPathsAgree() throws {
        let g = GreyImage(try TestImages.raster(FeatureExtractionTests.photo))
        let smoothed = g.gaussianBlurredSigma2()
        let corners = FastDetector.detect(g, threshold: 12, border: RotatedBRIEF.border)
        let xs = corners.map { Int32($0.x) }, ys = corners.map { Int32($0.y) }
        let dirs = RotatedBRIEF.orientations(g, positions: corners.map { Int32($0.y * g.width + $0.x) })
        for mirrored in [false, true] {
            var fast = [UInt64](repeating: 0, count: 4 * corners.count), portable = fast
            RotatedBRIEF.describe(smoothed, xs: xs, ys: ys, cos: dirs.cos, sin: dirs.sin, mirrored: mirrored, into: &fast, at: 0)
            RotatedBRIEF.describe(smoothed, xs: xs, ys: ys, cos: dirs.cos, sin: dirs.sin, mirrored: mirrored, portable: true,
                                  into: &portable, at: 0)
            #expect(fast == portable)
            #expect(Set(fast).count > corners.count)  // real descriptors, not a constant
        }
    }

    /// The pyramid's area resize equals the per-pixel definition (float sums in tap order, then + 0.5 truncated).
    @Test func areaResizeMatchesItsDefinition() {
        let g = Self.synthetic(width: 77, height: 61, seed: 5)
        for (nw, nh) in [(59, 47), (21, 17), (77, 61), (8, 5)] {
            let r = g.areaResized(width: nw, height: nh)
            let xt = AreaTaps(source: 77, target: nw), yt = AreaTaps(source: 61, target: nh)
            var tmp = [Float](repeating: 0, count: nw * 61)
            for y in 0..<61 {
                for x in 0..<nw {
                    var acc: Float = 0
                    for k in Int(xt.start[x])..<Int(xt.start[x + 1]) { acc += Float(g.pixels[y * 77 + Int(xt.index[k])]) * xt.weight[k] }
                    tmp[y * nw + x] = acc
                }
            }
            var expected = [UInt8](repeating: 0, count: nw * nh)
            for y in 0..<nh {
                for x in 0..<nw {
                    var acc: Float = 0.5
                    for k in Int(yt.start[y])..<Int(yt.start[y + 1]) { acc += tmp[Int(yt.index[k]) * nw + x] * yt.weight[k] }
                    expected[y * nw + x] = acc >= 255 ? 255 : (acc <= 0 ? 0 : UInt8(acc))
                }
            }
            #expect(r.pixels == expected, "\(nw)x\(nh)")
        }
    }

    /// The 2-NN kernel against a brute-force scan (ties keep the lowest index).
    @Test func nearestNeighboursMatchABruteForceScan() {
        var rng = SplitMix64(seed: 11)
        let refs = (0..<300).map { _ in [rng.next(), rng.next(), rng.next(), rng.next()] }
        // Queries: perturbed references (true neighbours) and fresh codes.
        var queries: [[UInt64]] = []
        for i in 0..<200 {
            var q = i % 2 == 0 ? refs[(i * 7) % 300] : [rng.next(), rng.next(), rng.next(), rng.next()]
            for _ in 0..<(i % 30) { let b = Int(rng.next() % 256); q[b / 64] ^= 1 << UInt64(b % 64) }
            queries.append(q)
        }
        let matcher = LocalMatcher()
        let got = matcher.tentativeMatches(queries.flatMap { $0 }, refs.flatMap { $0 })
        func dist(_ a: [UInt64], _ b: [UInt64]) -> Int { zip(a, b).map { ($0 ^ $1).nonzeroBitCount }.reduce(0, +) }
        var bestForRef: [Int: (Int, Int)] = [:]
        for (i, q) in queries.enumerated() {
            var d1 = Int.max, d2 = Int.max, j1 = -1
            for (j, r) in refs.enumerated() {
                let d = dist(q, r)
                if d < d1 { d2 = d1; d1 = d; j1 = j } else if d < d2 { d2 = d }
            }
            guard d1 <= matcher.config.maxDistance, Double(d1) < matcher.config.ratio * Double(d2) else { continue }
            if d1 < (bestForRef[j1]?.1 ?? Int.max) { bestForRef[j1] = (i, d1) }
        }
        let expected = bestForRef.keys.sorted().map { FeatureMatch(query: bestForRef[$0]!.0, reference: $0, distance: bestForRef[$0]!.1) }
        #expect(got == expected)
        #expect(expected.count > 50)
    }
}
