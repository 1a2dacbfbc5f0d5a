import PerceptualHash
import Testing

/// pHash's DCT against scipy.fftpack.dct outputs recorded as float64 bit patterns
/// (`make-reference-vectors.py`): every coefficient must match bit for bit, because median ties on
/// synthetic images make scipy's own rounding decide the hash bits.
@Suite struct ScipyDCTTests {
    @Test(arguments: ReferenceVectors.vectors.indices)
    func vectorMatchesScipyBitForBit(_ index: Int) {
        let v = ReferenceVectors.vectors[index]
        var c = v.input.map(Double.init(bitPattern:))
        c.withUnsafeMutableBufferPointer { ScipyDCT32.transform($0.baseAddress!) }
        #expect(c.map(\.bitPattern) == v.output, "\(v.name)")
    }

    @Test(arguments: ReferenceVectors.grids.indices)
    func gridLowBandAndHashMatchScipy(_ index: Int) throws {
        let g = ReferenceVectors.grids[index]
        let grid = ReferenceVectors.bytes(hex: g.grid)
        try #require(grid.count == 32 * 32)
        #expect(GreyPlane.perceptualLowBand(grid).map(\.bitPattern) == g.low, "\(g.file)")
        #expect(GreyPlane.perceptualBits(grid).hex == g.phash, "\(g.file)")
    }
}

extension ReferenceVectors {
    /// Bytes of a hex string, ignoring whitespace.
    static func bytes(hex: String) -> [UInt8] {
        let digits = hex.compactMap(\.hexDigitValue)
        return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(digits[$0] << 4 | digits[$0 + 1]) }
    }
}
