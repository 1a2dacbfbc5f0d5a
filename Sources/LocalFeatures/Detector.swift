import CFeatureKernel

/// A FAST-9 corner found on one pyramid level, before orientation and description.
package struct Corner {
    package var x: Int
    package var y: Int
    package var fastScore: Int
    package var harris: Float

    package init(x: Int, y: Int, fastScore: Int, harris: Float) {
        self.x = x
        self.y = y
        self.fastScore = fastScore
        self.harris = harris
    }
}

/// FAST-9 on a radius-3 Bresenham circle, the arc score of Rosten & Drummond, 3x3 non-maximum suppression on
/// that score, then the Harris response (as ORB ranks) for choosing which corners to keep. The loops are C
/// kernels (`CFeatureKernel`): 32 pixels per step through the quick rejections and the 9-arc test.
package enum FastDetector {
    /// Corners at least `border` pixels from every edge whose FAST score exceeds `threshold`.
    package static func detect(_ image: GreyImage, threshold: Int, border: Int) -> [Corner] {
        let w = image.width, h = image.height
        let b = max(border, 4)
        guard w > 2 * b, h > 2 * b else { return [] }
        var score = [Int16](repeating: 0, count: w * h)
        // Every candidate is a scored pixel of the inner region: at most one per pixel.
        let capacity = (w - 2 * b) * (h - 2 * b)
        var positions = [Int32](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }
        let thr = Int32(clamping: threshold)
        let n = image.pixels.withUnsafeBufferPointer { px in
            score.withUnsafeMutableBufferPointer { sc in
                positions.withUnsafeMutableBufferPointer { pos in
                    let found = ot_feat_fast9(px.baseAddress, Int32(w), Int32(h), thr, Int32(b), sc.baseAddress,
                                              pos.baseAddress, capacity)
                    return ot_feat_nms(sc.baseAddress, Int32(w), pos.baseAddress, min(found, capacity), pos.baseAddress)
                }
            }
        }
        var harris = [Float](repeating: 0, count: n)
        image.pixels.withUnsafeBufferPointer { px in
            ot_feat_harris(px.baseAddress, Int32(w), positions, n, &harris)
        }
        var corners: [Corner] = []
        corners.reserveCapacity(n)
        score.withUnsafeBufferPointer { sc in
            for i in 0..<n {
                let p = Int(positions[i])
                corners.append(Corner(x: p % w, y: p / w, fastScore: Int(sc[p]), harris: harris[i]))
            }
        }
        return corners
    }
}
