// libFuzzer target: the bounds-checked EXIF/TIFF parser and the segment/chunk walkers, on raw input (as a TIFF
// block, and as a JPEG/PNG when it starts like one), plus the whole-file metadata scan. No decoding, so it runs
// thousands of inputs a second. Built by Scripts/fuzz.sh exif SECONDS.
import ImageDecoding

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let summary = ExifSummary.parse(tiff: bytes[...])
    if let o = summary.orientation { precondition((1...8).contains(o)) }
    _ = ExifSummary.read(from: bytes)
    var end = 0
    for segment in JPEGSegments(bytes) {
        precondition(segment.range.lowerBound >= end && segment.range.upperBound <= bytes.count)
        end = segment.range.upperBound
    }
    end = 0
    for chunk in PNGChunks(bytes) {
        precondition(chunk.range.lowerBound >= end && chunk.range.upperBound <= bytes.count)
        end = chunk.range.upperBound
    }
    let found = MetadataScan.scan(bytes)
    precondition(found.tiffHeaders <= MetadataScan.maxTIFFHeaders + 1)
    // The orientation-only block parses back to itself and nothing else.
    let o = Int(bytes.first ?? 1) % 8 + 1
    let minimal = ExifSummary.parse(tiff: ExifSummary.orientationOnlyTIFF(o)[...])
    precondition(minimal.orientation == o && !minimal.hasGPS && !minimal.hasDeviceSerial)
    return 0
}
