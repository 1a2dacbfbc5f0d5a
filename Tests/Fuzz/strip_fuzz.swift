// libFuzzer target: the Swift side of decoding and of the tip-photo working copy. Every decodable input goes
// through MetadataStripper.strip (coefficient transcoding or PNG from pixels, pixel check, metadata scan), and
// the copy must decode to the same pixels with the same orientation and carry no GPS or serial metadata.
// Built by Scripts/fuzz.sh strip SECONDS.
import ImageDecoding

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = ExifSummary.read(from: bytes)
    _ = MetadataScan.scan(bytes)
    _ = try? ImageDecoder.inspect(bytes)
    var options = DecodeOptions(maxPixels: 4 << 20, maxCodecMemory: 256 << 20)
    options.maxWork = 8 << 20
    guard let decoded = try? ImageDecoder.decode(bytes, options: options) else { return 0 }
    guard let (copy, _) = try? MetadataStripper.workingCopy(bytes, decoded: decoded, options: options) else {
        fatalError("a decodable image has no working copy")
    }
    guard let again = try? ImageDecoder.decode(copy, options: options) else { fatalError("the working copy does not decode") }
    precondition(again.raster == decoded.raster, "the working copy decodes to different pixels")
    precondition(again.info.orientation == decoded.info.orientation, "the working copy lost the orientation")
    // Structure, not a byte scan: a crafted image can carry any bytes (a TIFF header with a GPS IFD among them)
    // in its entropy-coded pixels, which the lossless transcode keeps (regressions/strip-gps-bytes-in-pixels.jpg).
    precondition(MetadataStripper.metadataCarried(copy).isEmpty, "the working copy carries metadata")
    let exif = ExifSummary.read(from: copy)
    precondition(!exif.hasGPS && !exif.hasDeviceSerial, "the working copy carries GPS or serial EXIF")
    return 0
}
