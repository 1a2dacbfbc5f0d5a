import Foundation
import Hummingbird
import ImageDecoding
import MultipartKit
import NIOCore

/// Limits on one tip upload, enforced while the body streams in.
public struct UploadLimits: Sendable {
    /// Photos per tip.
    public var maxPhotos = 3
    /// Bytes per photo.
    public var maxPhotoBytes = 20 * 1024 * 1024
    /// Pixels per photo (width × height from the image header).
    public var maxPixels = 50_000_000
    /// Bytes per text field.
    public var maxFieldBytes = 32 * 1024
    /// Parts (fields and files) per request.
    public var maxParts = 24
    /// Bytes per request: every photo at its limit plus the text fields.
    public var maxRequestBytes: Int { maxPhotos * maxPhotoBytes + 1024 * 1024 }

    public init() {}
}

/// A refused upload, naming the field.
struct UploadError: Error, Sendable {
    var field: String
    var reason: String
    /// 413 for size limits, 400 for malformed input, 415 for a type objtrace does not decode.
    var status: HTTPResponse.Status = .badRequest
}

/// A parsed tip form: text fields and photos written to private temporary files (deleted by `cleanUp`).
struct ParsedUpload: Sendable {
    var fields: [String: String] = [:]
    var photos: [URL] = []

    func cleanUp() {
        for url in photos { try? FileManager.default.removeItem(at: url) }
    }
}

/// Streams a `multipart/form-data` body through multipart-kit's incremental parser, writing photo parts to
/// disk as they arrive and refusing a part as soon as it passes a limit: no photo is ever held whole in memory,
/// and the bytes of a refused body stop being read (the connection is then closed).
struct TipUploadParser {
    let limits: UploadLimits
    let tempDirectory: URL

    /// The text fields a tip form may carry; anything else is refused.
    static let textFields: Set<String> = [
        "object", "text", "brand", "product", "shop", "country", "city", "url", "language", "contact",
        "contact_opt_in", "csrf",
    ]

    /// The multipart boundary from a `Content-Type` value, or nil.
    static func boundary(_ contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for param in contentType.split(separator: ";").dropFirst() {
            let kv = param.trimmingCharacters(in: .whitespaces)
            if kv.lowercased().hasPrefix("boundary=") {
                var b = String(kv.dropFirst("boundary=".count))
                if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
                return (1...70).contains(b.count) ? b : nil
            }
        }
        return nil
    }

    func parse(_ body: RequestBody, contentType: String?) async throws -> ParsedUpload {
        guard let boundary = Self.boundary(contentType) else {
            throw UploadError(field: "request", reason: "expected multipart/form-data", status: .unsupportedMediaType)
        }
        let state = PartState(limits: limits, directory: tempDirectory)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in state.header(name, value) }
        parser.onBody = { buffer in state.body(&buffer) }
        parser.onPartComplete = { state.complete() }
        var total = 0
        do {
            for try await chunk in body {
                total += chunk.readableBytes
                if total > limits.maxRequestBytes {
                    throw UploadError(field: "request", reason: "body too large", status: .contentTooLarge)
                }
                state.sinceEvent += chunk.readableBytes
                do { try parser.execute(chunk) } catch {
                    throw UploadError(field: "request", reason: "malformed multipart body")
                }
                if let error = state.error { throw error }
                // Part headers and preambles are buffered by the parser; a body with no part events for this
                // long is not a form.
                if state.sinceEvent > 256 * 1024 {
                    throw UploadError(field: "request", reason: "malformed multipart body")
                }
            }
            guard state.finished else { throw UploadError(field: "request", reason: "incomplete multipart body") }
        } catch {
            state.discard()
            throw error
        }
        return state.result
    }
}

/// The parser's per-part state; multipart-kit calls back synchronously from `execute`.
private final class PartState {
    let limits: UploadLimits
    let directory: URL
    var result = ParsedUpload()
    var error: UploadError?
    var finished = false
    var sinceEvent = 0
    var parts = 0

    // Current part.
    var name: String?
    var isFile = false
    var text: [UInt8] = []
    var file: FileHandle?
    var fileURL: URL?
    var fileBytes = 0
    var head: [UInt8] = []
    var headChecked = false

    init(limits: UploadLimits, directory: URL) {
        self.limits = limits
        self.directory = directory
    }

    func fail(_ e: UploadError) { if error == nil { error = e } }

    func header(_ headerName: String, _ value: String) {
        sinceEvent = 0
        finished = false
        guard headerName.lowercased() == "content-disposition" else { return }
        var fieldName: String?
        var hasFilename = false
        for param in value.split(separator: ";").dropFirst() {
            let kv = param.trimmingCharacters(in: .whitespaces)
            guard let eq = kv.firstIndex(of: "=") else { continue }
            let key = kv[..<eq].lowercased()
            var v = String(kv[kv.index(after: eq)...])
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            if key == "name" { fieldName = v }
            if key == "filename" { hasFilename = true }
        }
        name = fieldName
        isFile = hasFilename || fieldName == "photo"
    }

    func body(_ buffer: inout ByteBuffer) {
        sinceEvent = 0
        guard error == nil else { return }
        guard let name else { return fail(UploadError(field: "request", reason: "a part has no name")) }
        if name == "photo" {
            appendPhoto(&buffer)
        } else if TipUploadParser.textFields.contains(name) {
            text.append(contentsOf: buffer.readableBytesView)
            if text.count > limits.maxFieldBytes {
                fail(UploadError(field: name, reason: "too long", status: .contentTooLarge))
            }
        } else {
            fail(UploadError(field: name, reason: "unknown field"))
        }
    }

    private func appendPhoto(_ buffer: inout ByteBuffer) {
        if file == nil {
            guard result.photos.count < limits.maxPhotos else {
                return fail(UploadError(field: "photo", reason: "at most \(limits.maxPhotos) photos",
                                        status: .contentTooLarge))
            }
            let url = directory.appendingPathComponent("upload-\(UUID().uuidString)")
            guard FileManager.default.createFile(atPath: url.path, contents: nil,
                                                 attributes: [.posixPermissions: 0o600]),
                  let handle = try? FileHandle(forWritingTo: url) else {
                return fail(UploadError(field: "photo", reason: "cannot be stored", status: .internalServerError))
            }
            file = handle
            fileURL = url
            result.photos.append(url)
        }
        fileBytes += buffer.readableBytes
        if fileBytes > limits.maxPhotoBytes {
            return fail(UploadError(field: "photo", reason: "larger than \(limits.maxPhotoBytes / (1024 * 1024)) MB",
                                    status: .contentTooLarge))
        }
        if !headChecked {
            head.append(contentsOf: buffer.readableBytesView.prefix(max(0, 65_536 - head.count)))
            switch ImageHeader.check(head, maxPixels: limits.maxPixels) {
            case .needMore: if head.count >= 65_536 { headChecked = true }
            case .ok: headChecked = true
            case .refused(let e): return fail(e)
            }
        }
        do { try file?.write(contentsOf: Data(buffer.readableBytesView)) } catch {
            fail(UploadError(field: "photo", reason: "cannot be stored", status: .internalServerError))
        }
    }

    func complete() {
        sinceEvent = 0
        parts += 1
        if parts > limits.maxParts { fail(UploadError(field: "request", reason: "too many parts")) }
        if let name, name != "photo", error == nil {
            guard let value = String(validating: text, as: UTF8.self) else {
                return fail(UploadError(field: name, reason: "not UTF-8"))
            }
            guard result.fields[name] == nil else { return fail(UploadError(field: name, reason: "given twice")) }
            result.fields[name] = value
        }
        if file != nil {
            try? file?.close()
            if fileBytes == 0, let url = fileURL {
                // An empty file input (a form sent without choosing a photo) is no photo.
                try? FileManager.default.removeItem(at: url)
                result.photos.removeAll { $0 == url }
            } else if !headChecked || ImageFormat.sniff(head).isDecodable == false {
                if case .refused(let e) = ImageHeader.check(head, maxPixels: limits.maxPixels, final: true) { fail(e) }
            }
        }
        name = nil
        isFile = false
        text = []
        file = nil
        fileURL = nil
        fileBytes = 0
        head = []
        headChecked = false
        finished = true
    }

    func discard() {
        try? file?.close()
        result.cleanUp()
    }
}

/// Checks the first bytes of an upload: a format objtrace decodes (JPEG, PNG, GIF, WebP, HEIC/HEIF) by its
/// signature (never by name or declared type), and the pixel count as soon as the header carrying it has arrived
/// (PNG IHDR, JPEG SOF, GIF logical screen, WebP VP8/VP8L/VP8X). A HEIF's size sits in a property box anywhere in
/// its `meta`; the decoder's pixel limit refuses it before any pixel is decoded.
enum ImageHeader {
    enum Verdict { case needMore, ok, refused(UploadError) }

    static let notAnImage = "not a JPEG, PNG, GIF, WebP or HEIC image"

    static func check(_ head: [UInt8], maxPixels: Int, final: Bool = false) -> Verdict {
        if head.count < 16 {
            return final ? .refused(UploadError(field: "photo", reason: notAnImage, status: .unsupportedMediaType))
                : .needMore
        }
        let format = ImageFormat.sniff(head)
        guard format.isDecodable else {
            return .refused(UploadError(field: "photo", reason: "\(notAnImage) (\(format.rawValue))",
                                        status: .unsupportedMediaType))
        }
        let dims: (Int, Int)?
        switch format {
        case .png:
            guard head.count >= 24 else { return final ? .ok : .needMore }
            dims = (be32(head, 16), be32(head, 20))
        case .jpeg:
            dims = jpegSize(head)
            if dims == nil { return final ? .ok : .needMore }
        case .gif:
            dims = (Int(head[6]) | Int(head[7]) << 8, Int(head[8]) | Int(head[9]) << 8)
        case .webp:
            guard head.count >= 30 else { return final ? .ok : .needMore }
            dims = webpSize(head)
        default:
            dims = nil
        }
        if let (w, h) = dims, w * h > maxPixels {
            return .refused(UploadError(field: "photo", reason: "\(w)×\(h) pixels is more than allowed",
                                        status: .contentTooLarge))
        }
        return .ok
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
    }

    /// Width × height from the first SOF marker in the bytes so far, or nil.
    private static func jpegSize(_ head: [UInt8]) -> (Int, Int)? {
        var i = 2
        while i + 9 < head.count {
            guard head[i] == 0xFF else { return nil }
            let marker = head[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }
            let length = Int(head[i + 2]) << 8 | Int(head[i + 3])
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                return (Int(head[i + 7]) << 8 | Int(head[i + 8]), Int(head[i + 5]) << 8 | Int(head[i + 6]))
            }
            i += 2 + length
        }
        return nil
    }

    /// The canvas of a WebP from its first chunk (VP8X canvas, VP8 frame header or VP8L header), or nil for
    /// another first chunk (the decoder checks the limit then).
    private static func webpSize(_ b: [UInt8]) -> (Int, Int)? {
        func le24(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 }
        switch String(decoding: b[12..<16], as: UTF8.self) {
        case "VP8X": return (le24(24) + 1, le24(27) + 1)
        case "VP8 ": return ((Int(b[26]) | Int(b[27]) << 8) & 0x3FFF, (Int(b[28]) | Int(b[29]) << 8) & 0x3FFF)
        case "VP8L":
            let bits = UInt32(b[21]) | UInt32(b[22]) << 8 | UInt32(b[23]) << 16 | UInt32(b[24]) << 24
            return (Int(bits & 0x3FFF) + 1, Int((bits >> 14) & 0x3FFF) + 1)
        default: return nil
        }
    }
}
