import CResampleKernel

/// Pillow's `resize((outWidth, outHeight), LANCZOS)` of an 8-bit grey image fed row by row, top to bottom,
/// bit-exact with `pillowResizeLanczos` on the whole plane.
///
/// Both of Pillow's pass orders stream:
/// - horizontal first (or horizontal only): each arriving row is resampled along x at once, so only the
///   `height × outWidth` intermediate is kept, and the vertical pass runs on it at the end;
/// - vertical first (Pillow 13 when it removes many rows) or vertical only: every arriving row is added into
///   the `outHeight × width` integer accumulators of the output rows whose window holds it. Pillow's sums are
///   integers (wrapping, as `CResampleKernel` adds them), so the order of the additions does not matter; the
///   horizontal pass runs at the end on the clipped rows.
/// When those accumulators would be larger than the plane itself (a large vertical-first target, e.g. wHash's
/// 2048² of a portrait photo), and when nothing is resized, the plane is kept instead.
package final class PillowRowResize {
    package let width: Int, height: Int, outWidth: Int, outHeight: Int
    private enum Plan { case keepPlane, horizontalFirst, verticalFirst }
    private let plan: Plan
    private var plane: [UInt8] = []               // .keepPlane
    private var mid: [UInt8] = []                 // .horizontalFirst: height × outWidth
    private var accumulators: [Int32] = []        // .verticalFirst: outHeight × width, Pillow's rounding bias
    private let horizontal: PillowAxisKernel?
    private let vertical: PillowAxisKernel?
    private var received = 0
    private var firstOpen = 0                     // .verticalFirst: first output row whose window is not done

    /// A resize of a `width`×`height` grey image to `outWidth`×`outHeight` (all at least 1).
    package init(width: Int, height: Int, outWidth: Int, outHeight: Int) {
        self.width = width
        self.height = height
        self.outWidth = outWidth
        self.outHeight = outHeight
        let needH = outWidth != width, needV = outHeight != height
        let verticalFirst = needV && (!needH || pillowVerticalFirst(width: width, height: height, outWidth: outWidth, outHeight: outHeight))
        if !needH && !needV {
            plan = .keepPlane
        } else if verticalFirst {
            // Accumulators cost 4 bytes per output sample; keep the plane when that is cheaper.
            plan = 4 * outHeight * width > width * height ? .keepPlane : .verticalFirst
        } else {
            plan = .horizontalFirst
        }
        horizontal = needH ? PillowAxisKernel(inSize: width, outSize: outWidth) : nil
        vertical = needV ? PillowAxisKernel(inSize: height, outSize: outHeight) : nil
        switch plan {
        case .keepPlane: plane.reserveCapacity(width * height)
        case .horizontalFirst: mid = [UInt8](repeating: 0, count: height * outWidth)
        case .verticalFirst: accumulators = [Int32](repeating: 1 << (pillowPrecisionBits - 1), count: outHeight * width)
        }
    }

    /// Consumes the next `count` grey rows at `rows` (`width` bytes each).
    package func append(rows: UnsafePointer<UInt8>, count: Int) {
        switch plan {
        case .keepPlane:
            plane.append(contentsOf: UnsafeBufferPointer(start: rows, count: width * count))
        case .horizontalFirst:
            let k = horizontal!
            mid.withUnsafeMutableBufferPointer { m in
                ot_resample_horizontal_u8(rows, Int32(width), Int32(count), Int32(outWidth), k.start, k.count, k.coefficients,
                                          Int32(k.ksize), Int32(pillowPrecisionBits), m.baseAddress! + received * outWidth)
            }
        case .verticalFirst:
            let k = vertical!
            accumulators.withUnsafeMutableBufferPointer { acc in
                k.start.withUnsafeBufferPointer { start in
                    k.count.withUnsafeBufferPointer { taps in
                        k.coefficients.withUnsafeBufferPointer { coefficients in
                            for r in 0..<count {
                                let y = received + r
                                let row = rows + r * width
                                // Output rows whose window [start, start + count) holds y: windows move forward
                                // with the output row, so they form a run starting at `firstOpen`.
                                while firstOpen < outHeight && Int(start[firstOpen]) + Int(taps[firstOpen]) <= y { firstOpen += 1 }
                                var j = firstOpen
                                while j < outHeight && Int(start[j]) <= y {
                                    let t = y - Int(start[j])
                                    if t < Int(taps[j]) {
                                        ot_resample_accumulate_row_u8(row, Int32(width), coefficients[j * k.ksize + t],
                                                                      acc.baseAddress! + j * width)
                                    }
                                    j += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        received += count
    }

    /// The resized plane (`outWidth × outHeight`), once every row has arrived.
    package func result() -> [UInt8] {
        precondition(received == height, "resize requested before the last row")
        switch plan {
        case .keepPlane:
            return plane.withUnsafeBufferPointer {
                pillowResizeLanczos($0, width: width, height: height, outWidth: outWidth, outHeight: outHeight)
            }
        case .horizontalFirst:
            guard vertical != nil else { return mid }
            return mid.withUnsafeBufferPointer { pillowVerticalPass($0, width: outWidth, height: height, outHeight: outHeight) }
        case .verticalFirst:
            let rows = [UInt8](unsafeUninitializedCapacity: outHeight * width) { out, initialized in
                accumulators.withUnsafeBufferPointer {
                    ot_resample_clip_u8($0.baseAddress, outHeight * width, Int32(pillowPrecisionBits), out.baseAddress)
                }
                initialized = outHeight * width
            }
            guard horizontal != nil else { return rows }
            return rows.withUnsafeBufferPointer { pillowHorizontalPass($0, width: width, height: outHeight, outWidth: outWidth) }
        }
    }
}
