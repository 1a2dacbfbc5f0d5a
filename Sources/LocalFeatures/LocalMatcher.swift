import CFeatureKernel
import ImageCore
/// A tentative descriptor correspondence: keypoint indices into the query and the reference feature sets.
public struct FeatureMatch: Sendable, Hashable, Codable {
    /// Index into the query's keypoints.
    public var query: Int
    /// Index into the reference's keypoints.
    public var reference: Int
    /// Hamming distance of the two descriptors (0–256).
    public var distance: Int

    /// Creates a correspondence.
    public init(query: Int, reference: Int, distance: Int) {
        self.query = query; self.reference = reference; self.distance = distance
    }
}

/// A geometrically verified sighting of a reference object in a query photo.
public struct LocalMatch: Sendable, Equatable, Codable {
    /// Correspondences consistent with `transform` (one-to-one).
    public var inliers: Int
    /// Confidence: the inlier count discounted when the inliers cover little of the object.
    public var score: Double
    /// Fraction (0–1) of the cells of a 6x6 grid over the reference's keypoints, among those with keypoints
    /// visible in the query, that hold an inlier.
    public var coverage: Double
    /// Whether the query shows the object mirrored (left-right flipped, possibly also rotated).
    public var mirrored: Bool
    /// Maps reference pixel coordinates to query pixel coordinates.
    public var transform: Homography
    /// The reference's outline (its four corners, clockwise from top-left) projected onto the query photo.
    public var region: [Point2D]
    /// Descriptor matches that went into verification.
    public var tentativeMatches: Int
    /// The inlier correspondences.
    public var inlierMatches: [FeatureMatch]
}

/// Descriptor matching (Hamming kNN, ratio test, one-to-one) and RANSAC geometric verification.
public struct LocalMatcher: Sendable {
    /// Matching and verification settings.
    public struct Config: Sendable, Equatable {
        /// Lowe's ratio: best distance must be below this fraction of the second best.
        public var ratio: Double = 0.8
        /// Largest Hamming distance (of 256) a tentative match may have.
        public var maxDistance: Int = 72
        /// Inlier threshold in working pixels at pyramid level 0 (grows with the keypoint's level).
        public var inlierThreshold: Double = 3.0
        /// RANSAC hypotheses (two-point similarities) per branch.
        public var iterations: Int = 600
        /// Allowed disagreement (degrees) between a hypothesis' rotation and the keypoints' orientations.
        public var angleTolerance: Double = 30
        /// Fewest inliers for any verified geometry.
        public var minInliers: Int = 8
        /// Largest ratio between projective denominators at the object's corners (limits perspective).
        public var maxPerspective: Double = 3.0
        /// Score at or above which `match` reports a match: `minInliers` well-spread inliers. No negative pair of
        /// the 2,000 in the tests reached any verified geometry (score 0), so this sits above all of them.
        public var minScore: Double = 8
        /// Also try the mirrored branch (query mirrored descriptors against reference descriptors).
        public var allowMirrored: Bool = true
        /// RANSAC seed (results are deterministic for a given seed).
        public var seed: UInt64 = 0x5EED_0B1E_C7
        /// Keypoints of each candidate (strongest per level first) used by the global vote.
        public var voteKeypoints: Int = 300
        /// Catalogues larger than this are voted in two stages: every candidate first votes with only
        /// `prefilterKeypoints` of its strongest keypoints, and only the `prefilterKeep` best of that cheap vote
        /// (at least three times the requested limit) go on to the full vote. The vote's cost is linear in the
        /// catalogue; this divides its slope by about `voteKeypoints / prefilterKeypoints`.
        public var prefilterAbove: Int = 24
        /// Keypoints per candidate in the first stage of a two-stage vote.
        public var prefilterKeypoints: Int = 64
        /// Candidates kept for the full vote after the first stage.
        public var prefilterKeep: Int = 16

        /// The default settings.
        public init() {}
    }

    /// The settings in use.
    public let config: Config

    /// Creates a matcher.
    public init(_ config: Config = Config()) { self.config = config }

    /// The verified match of `reference` inside `query` if its score reaches `config.minScore`.
    public func match(query: FeatureSet, reference: FeatureSet) -> LocalMatch? {
        guard let m = verify(query: query, reference: reference), m.score >= config.minScore else { return nil }
        return m
    }

    /// The best plausible geometry of `reference` inside `query` regardless of score (nil when none).
    /// - Complexity: O(q·r) descriptor comparisons plus O(iterations · tentative matches).
    public func verify(query: FeatureSet, reference: FeatureSet) -> LocalMatch? {
        var best: LocalMatch?
        var branches: [(Bool, [FeatureMatch])] = [(false, tentativeMatches(query.descriptors, reference.descriptors))]
        if config.allowMirrored {
            if query.hasMirrored {
                branches.append((true, tentativeMatches(query.mirroredDescriptors, reference.descriptors)))
            } else if reference.hasMirrored {
                branches.append((true, tentativeMatches(query.descriptors, reference.mirroredDescriptors)))
            }
        }
        for (mirrored, matches) in branches {
            guard let m = verifyBranch(query: query, reference: reference, matches: matches, mirrored: mirrored)
            else { continue }
            if best == nil || m.score > best!.score { best = m }
        }
        return best
    }

    /// Ranks `candidates` by a cheap global vote: each candidate's strongest descriptors (`voteKeypoints` of
    /// them, in proportion over its pyramid levels) find distinctive nearest neighbours among all of the query's
    /// descriptors (plain or mirrored; within `maxDistance`, passing the ratio test), and each such match
    /// votes, Hough-style, for the pose it implies — rotation, scale and the position of the candidate's
    /// centre in the query (`houghVote`). Returns the top `limit` as (index into `candidates`, votes), most
    /// votes first, ties by index.
    ///
    /// The vote runs from the candidate's side because every keypoint of an object crop lies on the object,
    /// while the strongest keypoints of a photo or screenshot are often on clutter (caption text, shelves):
    /// a vote by the query's strongest keypoints could miss the object altogether.
    ///
    /// Above `prefilterAbove` candidates the vote runs in two stages (see `Config.prefilterAbove`): the first
    /// stage is a smaller sample of the same vote, so a candidate it drops had few votes among its strongest
    /// keypoints.
    /// - Complexity: O(voteKeypoints · query keypoints) per candidate; with the two-stage vote
    ///   O(prefilterKeypoints · query keypoints) per candidate plus O(voteKeypoints · query keypoints) per kept one.
    public func rankCandidates(query: FeatureSet, candidates: [FeatureSet], limit: Int) -> [(index: Int, votes: Int)] {
        var pool = Array(candidates.indices)
        if candidates.count > config.prefilterAbove && config.prefilterKeypoints < config.voteKeypoints {
            let keep = max(config.prefilterKeep, 3 * limit)
            pool = votes(query: query, candidates: candidates, pool: pool, keypoints: config.prefilterKeypoints)
                .prefix(keep).map(\.index).sorted()
        }
        let scored = votes(query: query, candidates: candidates, pool: pool, keypoints: config.voteKeypoints)
        return Array(scored.prefix(max(0, limit)))
    }

    /// The Hough votes of the candidates at `pool`, each voting with `keypoints` of its strongest keypoints; most
    /// votes first, ties by index.
    func votes(query: FeatureSet, candidates: [FeatureSet], pool: [Int], keypoints: Int) -> [(index: Int, votes: Int)] {
        var scored: [(index: Int, votes: Int)] = []
        for ci in pool {
            let cand = candidates[ci]
            let picked = voteSubset(cand, keypoints: keypoints)
            var plainWords: [UInt64] = [], mirrorWords: [UInt64] = []
            plainWords.reserveCapacity(4 * picked.count)
            for i in picked { plainWords += cand.descriptors[(4 * i)..<(4 * i + 4)] }
            // Matches come back as (query: index into `picked`, reference: query keypoint): swap the roles.
            func pairs(_ ms: [FeatureMatch]) -> [(q: Int, r: Int)] { ms.map { ($0.reference, picked[$0.query]) } }
            let plain = houghVote(pairs(tentativeMatches(plainWords, query.descriptors)), query, cand, mirrored: false)
            var flipped = 0
            if config.allowMirrored {
                if query.hasMirrored {
                    flipped = houghVote(pairs(tentativeMatches(plainWords, query.mirroredDescriptors)), query, cand, mirrored: true)
                } else if cand.hasMirrored {
                    for i in picked { mirrorWords += cand.mirroredDescriptors[(4 * i)..<(4 * i + 4)] }
                    flipped = houghVote(pairs(tentativeMatches(mirrorWords, query.descriptors)), query, cand, mirrored: true)
                }
            }
            scored.append((ci, max(plain, flipped)))
        }
        scored.sort { $0.votes != $1.votes ? $0.votes > $1.votes : $0.index < $1.index }
        return scored
    }

    /// The largest number of matches that agree on one pose of the candidate in the query (Lowe's Hough
    /// clustering): each match's keypoint pair implies a rotation (orientation difference), a scale (size
    /// ratio) and, from the reference keypoint's offset to the reference centre, where that centre lies in the
    /// query. Bins: 30° of rotation, a factor 2 of scale, a quarter of the projected reference's longer side
    /// in position; every match votes into the two nearest bins of each dimension, so that a pose near a bin
    /// edge is not split. True matches share one pose, chance matches scatter over thousands of bins; a plain
    /// rotation histogram let large textured crops collect enough chance matches to outvote the true object.
    func houghVote(_ matches: [(q: Int, r: Int)], _ q: FeatureSet, _ r: FeatureSet, mirrored: Bool) -> Int {
        if matches.isEmpty { return 0 }
        let rcx = Double(r.imageWidth) / 2, rcy = Double(r.imageHeight) / 2
        let refSide = Double(max(r.imageWidth, r.imageHeight, 1))
        var counts: [Int: Int] = [:]
        counts.reserveCapacity(16 * matches.count)
        var best = 0
        for m in matches {
            let kq = q.keypoints[m.q], kr = r.keypoints[m.r]
            let phi = Double(mirrored ? kq.angle + kr.angle : kq.angle - kr.angle)
            let s = Double(kq.size) / Double(max(kr.size, 1e-3))
            guard s > 1.0 / 64, s < 64 else { continue }
            // Offset of the reference centre from the keypoint, rotated (and reflected) and scaled into the query.
            let dx = rcx - Double(kr.x), dy = (mirrored ? -1 : 1) * (rcy - Double(kr.y))
            let c = cosApprox(phi), sn = sinApprox(phi)
            let px = Double(kq.x) + s * (c * dx - sn * dy), py = Double(kq.y) + s * (sn * dx + c * dy)
            // Continuous bin coordinates; the two nearest bins are floor(v − 0.5) and the one above.
            var tv = phi / (2 * .pi) * 12
            tv -= 12 * (tv / 12).rounded(.down)
            let sv = log2Approx(s)
            let t0 = Int((tv - 0.5).rounded(.down)), s0 = Int((sv - 0.5).rounded(.down))
            for ds in 0...1 {
                let sb = s0 + ds
                let binSide = 0.25 * refSide * exp2Int(sb)
                let xv = px / binSide, yv = py / binSide
                // Bins far outside the photo carry no true pose; clamping keeps the packed key fields apart.
                let x0 = min(2000, max(-2000, Int((xv - 0.5).rounded(.down))))
                let y0 = min(2000, max(-2000, Int((yv - 0.5).rounded(.down))))
                for dt in 0...1 {
                    let tb = ((t0 + dt) % 12 + 12) % 12
                    for dxb in 0...1 {
                        for dyb in 0...1 {
                            let key = ((((sb + 64) * 16 + tb) * 4096 + (x0 + dxb + 2048)) * 4096) + (y0 + dyb + 2048)
                            let n = (counts[key] ?? 0) + 1
                            counts[key] = n
                            if n > best { best = n }
                        }
                    }
                }
            }
        }
        return best
    }

    /// The keypoints of a candidate that vote: the strongest of each level, in proportion to the level's share.
    func voteSubset(_ q: FeatureSet, keypoints: Int) -> [Int] {
        let n = q.count
        if n <= keypoints { return Array(0..<n) }
        // Keypoints are stored level by level, strongest first: take the leading share of each level.
        var start = 0
        var out: [Int] = []
        while start < n {
            var end = start
            while end < n && q.keypoints[end].level == q.keypoints[start].level { end += 1 }
            let share = max(1, (end - start) * keypoints / n)
            out += Array(start..<min(end, start + share))
            start = end
        }
        return out
    }

    // MARK: Descriptor matching

    /// Brute-force 2-NN from every query descriptor, Lowe's ratio test and an absolute bound, then one-to-one
    /// (a reference keypoint keeps only its closest query keypoint).
    package func tentativeMatches(_ query: [UInt64], _ reference: [UInt64]) -> [FeatureMatch] {
        let nq = query.count / 4, nr = reference.count / 4
        guard nq > 0, nr > 1 else { return [] }
        var bestForRef = [Int](repeating: -1, count: nr)
        var bestDistForRef = [Int](repeating: Int.max, count: nr)
        var out: [FeatureMatch] = []
        let ratio = config.ratio, maxD = config.maxDistance
        // 2-NN by hardware popcount (C kernel, runtime CPU dispatch).
        var nearest = [Int32](repeating: 0, count: nq), d1s = [Int32](repeating: 0, count: nq)
        var d2s = [Int32](repeating: 0, count: nq)
        ot_feat_knn2(query, nq, reference, nr, &nearest, &d1s, &d2s)
        for i in 0..<nq {
            let d1 = Int(d1s[i]), d2 = Int(d2s[i]), j1 = Int(nearest[i])
            guard d1 <= maxD, Double(d1) < ratio * Double(d2) else { continue }
            if d1 < bestDistForRef[j1] {
                bestDistForRef[j1] = d1
                bestForRef[j1] = i
            }
        }
        for j in 0..<nr where bestForRef[j] >= 0 {
            out.append(FeatureMatch(query: bestForRef[j], reference: j, distance: bestDistForRef[j]))
        }
        return out
    }

    // MARK: Geometric verification

    func verifyBranch(query: FeatureSet, reference: FeatureSet, matches: [FeatureMatch], mirrored: Bool) -> LocalMatch? {
        let n = matches.count
        guard n >= config.minInliers else { return nil }
        let src = matches.map { Point2D(x: Double(reference.keypoints[$0.reference].x), y: Double(reference.keypoints[$0.reference].y)) }
        let dst = matches.map { Point2D(x: Double(query.keypoints[$0.query].x), y: Double(query.keypoints[$0.query].y)) }
        // Per-match tolerance: localisation error grows with the query keypoint's pyramid scale.
        let tight = matches.map { config.inlierThreshold * Double(query.keypoints[$0.query].size) / 31.0 }
        let angleDiff = matches.map { m -> Double in
            let aq = Double(query.keypoints[m.query].angle), ar = Double(reference.keypoints[m.reference].angle)
            return mirrored ? aq + ar : aq - ar
        }
        let refW = Double(reference.imageWidth), refH = Double(reference.imageHeight)
        let refDiag = (refW * refW + refH * refH).squareRoot()
        let tolerance = config.angleTolerance * .pi / 180

        var rng = SplitMix64(seed: config.seed ^ (mirrored ? 0xA5A5 : 0))
        // LO-RANSAC: every hypothesis whose loose support could beat the best verified result so far is
        // refined (homography refits while the tolerance shrinks to `tight`), and the refined results compete.
        // Keeping only the hypothesis with the most loose support lets a wrong pose that collects one or two more
        // chance matches under the loose tolerance hide the true, smaller object.
        var bestFinal: (h: Homography, inliers: [Int], region: [Point2D])?
        var tried = 0
        for _ in 0..<config.iterations {
            let i = rng.below(n)
            var j = rng.below(n - 1)
            if j >= i { j += 1 }
            let p1 = src[i], p2 = src[j], q1 = dst[i], q2 = dst[j]
            let dpx = p2.x - p1.x, dpy = (mirrored ? -1 : 1) * (p2.y - p1.y)
            let dqx = q2.x - q1.x, dqy = q2.y - q1.y
            let den = dpx * dpx + dpy * dpy
            guard den > 64, dqx * dqx + dqy * dqy > 16 else { continue }
            // a = dq / dp (complex), with the reference conjugated on the mirrored branch.
            let re = (dqx * dpx + dqy * dpy) / den, im = (dqy * dpx - dqx * dpy) / den
            let scale2 = re * re + im * im
            guard scale2 > 1.0 / 100, scale2 < 100 else { continue }
            let rot = approxAtan2(Float(im), Float(re))
            guard angleClose(Double(rot), angleDiff[i], tolerance), angleClose(Double(rot), angleDiff[j], tolerance)
            else { continue }
            let p1y = mirrored ? -p1.y : p1.y
            let tx = q1.x - (re * p1.x - im * p1y), ty = q1.y - (im * p1.x + re * p1y)
            let h0 = Homography.similarity(a: re, im, tx: tx, ty: ty, mirrored: mirrored)
            // Loose tolerance: a similarity only approximates a perspective view of the object.
            let loose = max(3 * config.inlierThreshold * Double(query.workScale), 0.03 * scale2.squareRoot() * refDiag)
            var count = 0
            for k in 0..<n {
                let p = h0.apply(src[k])
                let ex = p.x - dst[k].x, ey = p.y - dst[k].y
                if ex * ex + ey * ey <= loose * loose + tight[k] * tight[k] { count += 1 }
            }
            guard count >= config.minInliers, count > (bestFinal?.inliers.count ?? 0) else { continue }
            // Bound the refinement work on pathological inputs (each refinement is a few O(n) refits).
            tried += 1
            if tried > 64 { continue }
            // Only physically plausible views of the object compete.
            guard let refined = refine(h0, loose: loose, src, dst, tight, angleDiff, tolerance),
                  refined.inliers.count > (bestFinal?.inliers.count ?? 0),
                  let region = plausibleRegion(refined.h, reference: reference, query: query, mirrored: mirrored)
            else { continue }
            bestFinal = (refined.h, refined.inliers, region)
        }
        guard let (h, inl, region) = bestFinal else { return nil }

        let coverage = gridCoverage(inl.map { src[$0] }, reference: reference, query: query, h: h)
        // Inliers bunched on a small patch (text, a logo corner, a repeated texture) are weak evidence.
        let score = Double(inl.count) * min(1.0, coverage / 0.25)
        return LocalMatch(inliers: inl.count, score: score, coverage: coverage, mirrored: mirrored, transform: h,
                          region: region, tentativeMatches: n, inlierMatches: inl.map { matches[$0] })
    }

    /// Local optimisation of a hypothesis: refit a homography on its inliers while the tolerance shrinks from
    /// `loose` (plus `tight`) to `tight`, then keep the inliers whose keypoint orientations agree with the
    /// final transform. Nil when fewer than `minInliers` remain.
    func refine(_ h0: Homography, loose: Double, _ src: [Point2D], _ dst: [Point2D], _ tight: [Double],
                _ angleDiff: [Double], _ tolerance: Double) -> (h: Homography, inliers: [Int])? {
        var h = h0
        for extra in [1.0, 0.5, 0.0, 0.0, 0.0] {
            let inl = inliers(h, src, dst, tight, extra * loose)
            guard inl.count >= config.minInliers, let refit = Homography.fit(src: src, dst: dst, indices: inl) else { break }
            h = refit
        }
        let inl = inliers(h, src, dst, tight, 0).filter { k in
            // The Jacobian's first column carries the rotation φ for a similarity and for a mirror R(φ)·diag(1, −1).
            let jac = h.jacobian(at: src[k])
            let phi = approxAtan2(Float(jac.c), Float(jac.a))
            return angleClose(Double(phi), angleDiff[k], tolerance)
        }
        return inl.count >= config.minInliers ? (h, inl) : nil
    }

    func inliers(_ h: Homography, _ src: [Point2D], _ dst: [Point2D], _ tight: [Double], _ extra: Double) -> [Int] {
        var out: [Int] = []
        for k in src.indices {
            guard h.denominator(src[k]) > 0 else { continue }
            let p = h.apply(src[k])
            let ex = p.x - dst[k].x, ey = p.y - dst[k].y
            let t = tight[k] + extra
            if ex * ex + ey * ey <= t * t { out.append(k) }
        }
        return out
    }

    /// The projected outline if the homography is a physically plausible view of a planar object: corners in
    /// front, a convex quadrilateral with the expected handedness, bounded perspective and scale.
    func plausibleRegion(_ h: Homography, reference: FeatureSet, query: FeatureSet, mirrored: Bool) -> [Point2D]? {
        let w = Double(reference.imageWidth), hh = Double(reference.imageHeight)
        let corners = [Point2D(x: -0.5, y: -0.5), Point2D(x: w - 0.5, y: -0.5),
                       Point2D(x: w - 0.5, y: hh - 0.5), Point2D(x: -0.5, y: hh - 0.5)]
        let dens = corners.map { h.denominator($0) }
        guard let dMin = dens.min(), let dMax = dens.max(), dMin > 0, dMax / dMin <= config.maxPerspective else { return nil }
        let quad = corners.map { h.apply($0) }
        let turn = convexTurnSign(quad)
        // Reference corners run clockwise on screen (positive turns in y-down axes); a mirror reverses that.
        guard turn == (mirrored ? -1 : 1) else { return nil }
        let area = abs(signedArea2(quad)) / 2
        let scale2 = area / (w * hh)
        guard scale2 > 1.0 / 400, scale2 < 64 else { return nil }
        let qArea = Double(query.imageWidth * query.imageHeight)
        guard area >= qArea / 400 else { return nil }
        return quad
    }

    /// Fraction of the occupied cells of a 6x6 grid over the reference keypoints that hold an inlier.
    ///
    /// Only cells with a reference keypoint that `h` maps inside the query count: blank background (white
    /// catalogue margins) cannot hold inliers, and a crop shows only part of the object. At least four cells
    /// always count, so a sliver of visible object cannot claim full coverage.
    func gridCoverage(_ pts: [Point2D], reference: FeatureSet, query: FeatureSet, h: Homography) -> Double {
        guard !reference.keypoints.isEmpty else { return 0 }
        var x0 = Float.infinity, y0 = Float.infinity, x1 = -Float.infinity, y1 = -Float.infinity
        for k in reference.keypoints { x0 = min(x0, k.x); y0 = min(y0, k.y); x1 = max(x1, k.x); y1 = max(y1, k.y) }
        let gw = max(1, Double(x1 - x0)), gh = max(1, Double(y1 - y0))
        func cell(_ p: Point2D) -> Int {
            let cx = min(5, max(0, Int((p.x - Double(x0)) / gw * 6)))
            let cy = min(5, max(0, Int((p.y - Double(y0)) / gh * 6)))
            return cy * 6 + cx
        }
        let qw = Double(query.imageWidth), qh = Double(query.imageHeight)
        var visible = Set<Int>()
        for k in reference.keypoints {
            let p = Point2D(x: Double(k.x), y: Double(k.y))
            guard h.denominator(p) > 0 else { continue }
            let q = h.apply(p)
            if q.x >= 0 && q.y >= 0 && q.x < qw && q.y < qh { visible.insert(cell(p)) }
        }
        let hit = Set(pts.map(cell))
        return Double(hit.count) / Double(max(4, visible.count, hit.count))
    }
}

@inline(__always)
func angleClose(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
    var d = (a - b).truncatingRemainder(dividingBy: 2 * .pi)
    if d > .pi { d -= 2 * .pi }
    if d < -.pi { d += 2 * .pi }
    return abs(d) <= tol
}

/// log2 of a positive finite value from its exponent and a cubic on the significand (error < 0.01).
func log2Approx(_ v: Double) -> Double {
    let m = v.significand  // in [1, 2)
    let t = m - 1
    return Double(v.exponent) + t * (1.4425 - t * (0.7213 - t * 0.2788))
}

/// 2^n for an integer n.
func exp2Int(_ n: Int) -> Double { Double(sign: .plus, exponent: n, significand: 1) }

/// sin and cos without libm: reduction to [−π, π] and Taylor series (error < 1e-7 there).
func sinApprox(_ x0: Double) -> Double {
    var x = x0 - 2 * .pi * (x0 / (2 * .pi)).rounded()
    if x > .pi / 2 { x = .pi - x } else if x < -.pi / 2 { x = -.pi - x }
    var term = x, sum = x
    for i in 1...7 { term *= -x * x / Double((2 * i) * (2 * i + 1)); sum += term }
    return sum
}

func cosApprox(_ x: Double) -> Double { sinApprox(x + .pi / 2) }
