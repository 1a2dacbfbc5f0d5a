import ImageCore
import LocalFeatures
import Testing
import TestSupport

/// The aligned-appearance check on real packshots: the same pack under light changes scores high, the same
/// layout in another colourway scores low (the check that tells one flavour of a brand's line from another).
@Suite struct AppearanceTests {
    static let packs = ["dev/products/grocery/grocery_iconic_God-Morgon-Orange-Juice.jpg",
                        "dev/products/grocery/grocery_iconic_Yoggi-Strawberry-Yoghurt.jpg",
                        "dev/products/grocery/grocery_iconic_Tropicana-Mandarin-Morning.jpg"]

    /// Each pixel mapped through `f` (per RGB sample triple).
    static func mapped(_ r: Raster, _ f: (UInt8, UInt8, UInt8) -> (UInt8, UInt8, UInt8)) -> Raster {
        let rgb = r.rgb()
        var px = rgb.pixels
        for i in stride(from: 0, to: px.count, by: 3) { (px[i], px[i + 1], px[i + 2]) = f(px[i], px[i + 1], px[i + 2]) }
        return Raster(width: rgb.width, height: rgb.height, channels: 3, pixels: px)
    }

    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)), arguments: packs)
    func sameAppearanceHighOtherColourwayLow(pack: String) throws {
        let ref = try TestImages.raster(pack)
        let cells = AlignedAppearance.referenceCells(ref)
        func score(_ photo: Raster, _ h: Homography = .identity) throws -> AppearanceScore {
            try #require(AlignedAppearance.score(photo: photo, transform: h, referenceWidth: ref.width,
                                                 referenceHeight: ref.height, referenceCells: cells))
        }
        #expect(try score(ref).colour > 0.95)
        // Darker and warmer: still the pack.
        let darker = Self.mapped(ref) { r, g, b in (UInt8(Double(r) * 0.75), UInt8(Double(g) * 0.7), UInt8(Double(b) * 0.6)) }
        #expect(try score(darker).colour > 0.9)
        // Twice as large in the photo, shifted: the homography brings it back.
        let big = Self.upscaled(ref, by: 2, offset: 10)
        let h = Homography([2, 0, 10.5, 0, 2, 10.5, 0, 0, 1])
        #expect(try score(big, h).colour > 0.95)
        // Channels rotated (red → green → blue): same layout and luma structure, another colourway.
        let other = Self.mapped(ref) { r, g, b in (b, r, g) }
        let s = try score(other)
        #expect(s.colour < 0.5, "colourway: \(s)")
    }

    static func upscaled(_ r: Raster, by k: Int, offset: Int) -> Raster {
        let rgb = r.rgb()
        let w = rgb.width * k + 2 * offset, h = rgb.height * k + 2 * offset
        var px = [UInt8](repeating: 128, count: w * h * 3)
        for y in 0..<(rgb.height * k) {
            for x in 0..<(rgb.width * k) {
                let s = ((y / k) * rgb.width + x / k) * 3, d = ((y + offset) * w + x + offset) * 3
                px[d] = rgb.pixels[s]; px[d + 1] = rgb.pixels[s + 1]; px[d + 2] = rgb.pixels[s + 2]
            }
        }
        return Raster(width: w, height: h, channels: 3, pixels: px)
    }
}

extension AppearanceTests {
    /// An opaque sticker over part of the pack (the overlays) leaves the aligned colours high.
    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)), arguments: packs)
    func stickerOverPartOfThePackKeepsItsColours(pack: String) throws {
        let ref = try TestImages.raster(pack).rgb()
        var px = ref.pixels
        let r = min(ref.width, ref.height) / 6, cx = ref.width / 3, cy = ref.height / 2
        for y in (cy - r)..<(cy + r) {
            for x in (cx - r)..<(cx + r) where (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r {
                let i = (y * ref.width + x) * 3
                (px[i], px[i + 1], px[i + 2]) = (40, 160, 255)
            }
        }
        let photo = Raster(width: ref.width, height: ref.height, channels: 3, pixels: px)
        let s = try #require(AlignedAppearance.score(photo: photo, transform: .identity, referenceWidth: ref.width,
                                                     referenceHeight: ref.height,
                                                     referenceCells: AlignedAppearance.referenceCells(ref)))
        #expect(s.colour > 0.8, "sticker: \(s)")
    }
}
