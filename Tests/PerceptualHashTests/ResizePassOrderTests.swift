import PerceptualHash
import Testing

/// Pillow 13 runs the vertical LANCZOS pass first only when it removes rows, more than twice as many as the
/// horizontal pass removes columns; each recorded case (`make-reference-vectors.py`) gives different pixels
/// in the other order. imagehash's 8×8 → 32×32 phash upscale of PngSuite's cdsn2c08 is horizontal first.
@Suite struct ResizePassOrderTests {
    @Test(arguments: ReferenceVectors.resizes.indices)
    func resizeMatchesPillow(_ index: Int) {
        let r = ReferenceVectors.resizes[index]
        let input = ReferenceVectors.bytes(hex: r.input)
        let out = input.withUnsafeBufferPointer {
            pillowResizeLanczos($0, width: r.width, height: r.height, outWidth: r.outWidth, outHeight: r.outHeight)
        }
        #expect(out == ReferenceVectors.bytes(hex: r.output), "\(r.width)×\(r.height) → \(r.outWidth)×\(r.outHeight)")
    }
}

/// The same Pillow reference vectors through the streaming resizer (rows fed 1 and 3 at a time): both pass
/// orders stream bit-exactly.
@Suite struct StreamingResizeTests {
    @Test(arguments: ReferenceVectors.resizes.indices)
    func streamedResizeMatchesPillow(_ index: Int) {
        let r = ReferenceVectors.resizes[index]
        let input = ReferenceVectors.bytes(hex: r.input)
        for chunk in [1, 3] {
            let resizer = PillowRowResize(width: r.width, height: r.height, outWidth: r.outWidth, outHeight: r.outHeight)
            input.withUnsafeBufferPointer { p in
                var y = 0
                while y < r.height {
                    let n = min(chunk, r.height - y)
                    resizer.append(rows: p.baseAddress! + y * r.width, count: n)
                    y += n
                }
            }
            #expect(resizer.result() == ReferenceVectors.bytes(hex: r.output),
                    "\(r.width)×\(r.height) → \(r.outWidth)×\(r.outHeight), \(chunk) rows at a time")
        }
    }
}
