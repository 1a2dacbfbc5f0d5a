/// One oriented keypoint, in the pixel coordinates of the raster it was extracted from.
public struct Keypoint: Sendable, Equatable, Codable {
    /// Column of the keypoint centre (pixels, 0 = centre of the left column).
    public var x: Float
    /// Row of the keypoint centre.
    public var y: Float
    /// Diameter of the described patch in source pixels (grows with the pyramid level).
    public var size: Float
    /// Intensity-centroid orientation in radians, `atan2(dy, dx)` in image axes (y down).
    public var angle: Float
    /// Harris response on its level (higher is a stronger corner).
    public var response: Float
    /// Pyramid level (0 = full working resolution).
    public var level: UInt8

    /// Creates a keypoint.
    public init(x: Float, y: Float, size: Float, angle: Float, response: Float, level: UInt8) {
        self.x = x; self.y = y; self.size = size; self.angle = angle; self.response = response; self.level = level
    }
}

/// The local features of one image: keypoints and their 256-bit descriptors, ready to store or match.
public struct FeatureSet: Sendable, Equatable, Codable {
    /// Width of the source raster in pixels.
    public var imageWidth: Int
    /// Height of the source raster in pixels.
    public var imageHeight: Int
    /// Source pixels per working pixel (> 1 when the raster was downscaled before detection).
    public var workScale: Float
    /// Keypoints, strongest first within each pyramid level.
    public var keypoints: [Keypoint]
    /// Rotated-BRIEF descriptors, 4 words (256 bits) per keypoint, contiguous, in keypoint order.
    public var descriptors: [UInt64]
    /// Descriptors of the same keypoints as seen in the left-right mirrored image (empty if not computed).
    public var mirroredDescriptors: [UInt64]
    /// The image's aligned-appearance cells (`AlignedAppearance.referenceCells`), kept with a catalogue crop's
    /// features so that matching need not decode the crop again; nil when not computed (a query photo, or a
    /// crop stored before they were kept).
    public var appearanceCells: [AppearanceCell]?

    /// Creates a feature set; `descriptors.count` must be `4 * keypoints.count`.
    public init(imageWidth: Int, imageHeight: Int, workScale: Float, keypoints: [Keypoint],
                descriptors: [UInt64], mirroredDescriptors: [UInt64] = [], appearanceCells: [AppearanceCell]? = nil) {
        precondition(descriptors.count == 4 * keypoints.count, "4 descriptor words per keypoint")
        precondition(mirroredDescriptors.isEmpty || mirroredDescriptors.count == descriptors.count,
                     "mirrored descriptors must match the keypoints")
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.workScale = workScale
        self.keypoints = keypoints
        self.descriptors = descriptors
        self.mirroredDescriptors = mirroredDescriptors
        self.appearanceCells = appearanceCells
    }

    /// The number of keypoints.
    public var count: Int { keypoints.count }

    /// Whether mirror-aware descriptors are present.
    public var hasMirrored: Bool { !mirroredDescriptors.isEmpty }

    // MARK: Compact binary form

    private static let magic: [UInt8] = Array("OTLF".utf8)
    /// The extractor generation: bumped whenever the same image would give different descriptors, so stored
    /// features from an older extractor are recomputed instead of matched against new ones (2: bilinear
    /// rotated-BRIEF samples).
    private static let version: UInt8 = 2

    /// Whether `bytes` is a feature blob written by this extractor generation. A blob from an older one is
    /// still readable in layout but its descriptors no longer compare with fresh ones; recompute it from the
    /// image.
    public static func isCurrent(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && Array(bytes[0..<4]) == magic && bytes[4] == version
    }

    /// Flag bits of header byte 5.
    private static let mirroredFlag: UInt8 = 1, cellsFlag: UInt8 = 2

    /// A compact little-endian binary form for the store: 28 bytes of header, 21 bytes per keypoint and
    /// 32 (64 with mirrored) bytes of descriptor per keypoint, then, when present, the appearance cells (a
    /// 4-byte count and 4 bytes per cell: r, g, b and a used byte). The cells are an optional
    /// tail flagged in the header, not a new generation: a blob written without them still reads.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        let cells = appearanceCells ?? []
        out.reserveCapacity(28 + keypoints.count * (21 + (hasMirrored ? 64 : 32)) + 4 + 4 * cells.count)
        out += Self.magic
        out.append(Self.version)
        out.append((hasMirrored ? Self.mirroredFlag : 0) | (appearanceCells != nil ? Self.cellsFlag : 0))
        out += [0, 0]
        func u32(_ v: UInt32) { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
        func f32(_ v: Float) { u32(v.bitPattern) }
        u32(UInt32(imageWidth)); u32(UInt32(imageHeight)); f32(workScale); u32(UInt32(keypoints.count))
        u32(0)
        for k in keypoints {
            f32(k.x); f32(k.y); f32(k.size); f32(k.angle); f32(k.response); out.append(k.level)
        }
        for words in [descriptors, mirroredDescriptors] {
            for wd in words { for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: wd >> (8 * UInt64(i)))) } }
        }
        if appearanceCells != nil {
            u32(UInt32(cells.count))
            for c in cells { out += [c.r, c.g, c.b, c.used ? 1 : 0] }
        }
        return out
    }

    /// Reads the form written by `serialized()`.
    public init(serialized bytes: [UInt8]) throws(LocalFeaturesError) {
        var pos = 0
        func need(_ n: Int) throws(LocalFeaturesError) {
            if pos + n > bytes.count { throw LocalFeaturesError("feature blob truncated at byte \(pos)") }
        }
        func u32() throws(LocalFeaturesError) -> UInt32 {
            try need(4)
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(bytes[pos + i]) << (8 * UInt32(i)) }
            pos += 4
            return v
        }
        func f32() throws(LocalFeaturesError) -> Float { Float(bitPattern: try u32()) }
        try need(8)
        guard Array(bytes[0..<4]) == Self.magic else { throw LocalFeaturesError("not a feature blob (bad magic)") }
        guard bytes[4] == Self.version else { throw LocalFeaturesError("unsupported feature blob version \(bytes[4])") }
        let mirrored = bytes[5] & Self.mirroredFlag != 0, hasCells = bytes[5] & Self.cellsFlag != 0
        pos = 8
        let w = Int(try u32()), h = Int(try u32())
        let scale = try f32()
        let n = Int(try u32())
        _ = try u32()
        // Bounded before anything is allocated: the keypoints and descriptors fill the blob exactly, up to the
        // cells' tail when flagged (whose own count is checked below).
        let body = n.multipliedReportingOverflow(by: 21 + 8 * 4 * (mirrored ? 2 : 1))
        guard !body.overflow, hasCells ? bytes.count - pos >= body.partialValue + 4 : bytes.count - pos == body.partialValue else {
            throw LocalFeaturesError("feature blob size \(bytes.count) does not match \(n) keypoints")
        }
        // The sizes are checked above, so the bulk reads below stay inside the blob (every load is unaligned
        // and little-endian, whatever the host).
        let base = pos
        let (kps, desc, mdesc) = bytes.withUnsafeBytes { raw -> ([Keypoint], [UInt64], [UInt64]) in
            func f32(_ at: Int) -> Float { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
            let kps = [Keypoint](unsafeUninitializedCapacity: n) { buf, count in
                for i in 0..<n {
                    let at = base + 21 * i
                    buf.initializeElement(at: i, to: Keypoint(x: f32(at), y: f32(at + 4), size: f32(at + 8), angle: f32(at + 12),
                                                              response: f32(at + 16), level: raw[at + 20]))
                }
                count = n
            }
            func words(from start: Int) -> [UInt64] {
                [UInt64](unsafeUninitializedCapacity: 4 * n) { buf, count in
                    for j in 0..<(4 * n) {
                        buf.initializeElement(at: j, to: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * j, as: UInt64.self)))
                    }
                    count = 4 * n
                }
            }
            let start = base + 21 * n
            return (kps, words(from: start), mirrored ? words(from: start + 32 * n) : [])
        }
        pos += body.partialValue
        var cells: [AppearanceCell]?
        if hasCells {
            let m = Int(try u32())
            guard bytes.count - pos == m * 4 else {
                throw LocalFeaturesError("feature blob size \(bytes.count) does not match \(m) appearance cells")
            }
            cells = (0..<m).map { i in
                let at = pos + 4 * i
                return AppearanceCell(r: bytes[at], g: bytes[at + 1], b: bytes[at + 2], used: bytes[at + 3] != 0)
            }
        }
        self.init(imageWidth: w, imageHeight: h, workScale: scale, keypoints: kps, descriptors: desc,
                  mirroredDescriptors: mdesc, appearanceCells: cells)
    }
}
