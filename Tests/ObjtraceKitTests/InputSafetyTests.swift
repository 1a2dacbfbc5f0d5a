import CaseWork
import Foundation
import ImageDecoding
import Matching
import ObjtraceKit
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A temporary folder removed at the end of the test.
private final class Scratch {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("objtrace-input-\(UUID().uuidString)")
    var path: String { url.path }
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }
    func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: url.appendingPathComponent(name)) }
}

private func mode(_ path: String) -> mode_t {
    var st = stat()
    return stat(path, &st) == 0 ? st.st_mode & 0o777 : 0
}

@Suite("Inputs: regular files only, every skipped entry reported")
struct InputFilesTests {
    @Test("A FIFO is refused without blocking; /dev/zero and a link to it are refused; a folder is not 'too large'")
    func specialFiles() throws {
        let dir = try Scratch()
        let fifo = dir.path + "/pipe.jpg"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: InputError("not-a-file: \(fifo) is a FIFO (named pipe)")) { try InputFiles.read(fifo) }
        #expect(throws: InputError("not-a-file: /dev/zero is a character device")) { try InputFiles.read("/dev/zero") }
        #expect(symlink("/dev/zero", dir.path + "/zero.jpg") == 0)
        #expect(throws: InputError("not-a-file: \(dir.path)/zero.jpg is a character device")) { try InputFiles.read(dir.path + "/zero.jpg") }
        #expect(throws: InputError("not-a-file: \(dir.path) is a folder, not a file")) { try InputFiles.read(dir.path) }
    }

    @Test("Reads stop at the limit plus one byte")
    func limit() throws {
        let dir = try Scratch()
        try dir.write("big.bin", [UInt8](repeating: 7, count: 5000))
        #expect(try InputFiles.read(dir.path + "/big.bin", maxBytes: 5000).count == 5000)
        #expect(throws: InputError.self) { try InputFiles.read(dir.path + "/big.bin", maxBytes: 4999) }
    }

    @Test("Walking reports link loops, dangling links, links to folders, FIFOs and non-UTF-8 names, one line each")
    func walkReportsEverything() throws {
        let dir = try Scratch()
        try dir.write("a.jpg", [1, 2, 3])
        try FileManager.default.createDirectory(atPath: dir.path + "/sub", withIntermediateDirectories: true)
        try dir.write("sub/b.png", [4])
        #expect(symlink("loop2", dir.path + "/loop1") == 0)
        #expect(symlink("loop1", dir.path + "/loop2") == 0)
        #expect(symlink("missing.jpg", dir.path + "/dangling.jpg") == 0)
        #expect(symlink("sub", dir.path + "/sublink") == 0)
        #expect(symlink("a.jpg", dir.path + "/alias.jpg") == 0)
        #expect(mkfifo(dir.path + "/pipe", 0o600) == 0)
        let bad: [UInt8] = Array(dir.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".jpg".utf8) + [0]
        let fd = bad.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o600) }
        #expect(fd >= 0)
        close(fd)
        let entries = InputFiles.expand([dir.path])
        func reason(_ name: String) -> String? {
            for case .unreadable(let path, let reason) in entries where path == dir.path + "/" + name { return reason }
            return nil
        }
        #expect(entries.contains(.file(dir.path + "/a.jpg")))
        #expect(entries.contains(.file(dir.path + "/alias.jpg")))
        #expect(entries.contains(.file(dir.path + "/sub/b.png")))
        #expect(reason("loop1") == "not-a-file: symbolic link loop")
        #expect(reason("dangling.jpg")?.hasPrefix("not-a-file: dangling symbolic link") == true)
        #expect(reason("sublink") == "not-a-file: symbolic link to a directory (not followed)")
        #expect(reason("pipe") == "not-a-file: is a FIFO (named pipe)")
        #expect(reason("caf\\xE9.jpg") == "unsupported-name: file name is not valid UTF-8")
        #expect(entries.count == 9)
    }

    @Test("hash and inspect report a FIFO with a line instead of hanging")
    func jobsDoNotHang() throws {
        let dir = try Scratch()
        #expect(mkfifo(dir.path + "/pipe.jpg", 0o600) == 0)
        var lines: [String] = []
        let r = InspectJob.run(paths: [dir.path + "/pipe.jpg", dir.path]) { lines.append($0) }
        #expect(r.failed == 2 && lines.allSatisfy { $0.contains("FIFO") })
    }

    @Test("CSV escapes control and bidi characters in names")
    func csvEscapes() {
        #expect(CSV.field("plain.jpg") == "plain.jpg")
        #expect(CSV.field("a,b.jpg") == "\"a,b.jpg\"")
        #expect(CSV.field("invoice\u{202E}gpj.exe") == "invoice\\u{202E}gpj.exe")
        #expect(CSV.field("bell\u{07}\nline") == "bell\\u{7}\\u{A}line")
        #expect(CSV.field("back\\slash\u{2067}") == "back\\\\slash\\u{2067}")
        #expect(CSV.field("c1\u{85}") == "c1\\u{85}")
    }

    @Test("hash --jobs shares one memory budget: an image over it is refused per file")
    func hashJobBudget() throws {
        let samples = SharedData.repoRoot.appendingPathComponent("samples").path
        var job = HashJob(hasher: ImageHasher(algorithms: [.pdq]), format: .jsonl, jobs: 2)
        job.memoryBudget = 1000
        var out: [String] = []
        let r = job.run(paths: [samples], emit: { out.append($0) }, report: { _ in })
        #expect(r.hashed == 0 && r.failed > 0)
        #expect(out.contains { $0.contains("memory budget") })
    }
}

@Suite("Store files are private")
struct StorePermissionTests {
    @Test("Blobs 0600 in 0700 folders; the database and its -wal/-shm 0600, whatever the umask")
    func permissions() throws {
        let dir = try Scratch()
        let old = umask(0o022)
        defer { umask(old) }
        let db = dir.path + "/case.sqlite"
        let service = try CaseService(path: db, requireSchema: false)
        try service.initialize(by: AnalystID("alice"))
        let sha = try service.blobs.put([1, 2, 3, 4])
        #expect(mode(service.blobs.url(for: sha).path) == 0o600)
        #expect(mode(service.blobs.url(for: sha).deletingLastPathComponent().path) == 0o700)
        #expect(mode(service.blobs.root.path) == 0o700)
        #expect(mode(db) == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: db + suffix) {
            #expect(mode(db + suffix) == 0o600, "\(suffix)")
        }
    }
}

@Suite("tip import lines: strict JSON, photos inside the import folder, resume by content")
struct ImportLineTests {
    @Test("Duplicate keys are refused by name, at any depth")
    func duplicateKeys() {
        #expect(throws: ImportLineError("invalid JSON: duplicate key 'brand' at byte 25")) {
            try ImportLineFields.parse(Array(#"{"brand":"A","text":"x","brand":"B"}"#.utf8))
        }
        #expect(throws: JSONSyntaxError(reason: "duplicate key 'k'", offset: 8, line: 1, column: 9)) {
            try JSONValue.parse(Array(#"[{"k":1,"k":2}]"#.utf8))
        }
        #expect(throws: ImportLineError("unknown field 'ip'")) { try ImportLineFields.parse(Array(#"{"ip":"1.2.3.4"}"#.utf8)) }
        #expect(throws: ImportLineError("invalid JSON: nesting deeper than 32 levels at byte 33")) {
            try ImportLineFields.parse(Array(String(repeating: "[", count: 5000).utf8))
        }
    }

    @Test("Photo paths that leave the folder are refused with a reason",
          arguments: ["../../../../etc/passwd", "/proc/self/environ", "/etc/hostname", "a/../../x.jpg", "", "photos/../x.jpg"])
    func lexicalEscapes(_ path: String) throws {
        let line = #"{"text":"t","photos":["# + path + #""]}"#
        #expect(throws: ImportLineError.self) { try ImportLineFields.parse(Array(line.utf8)) }
        #expect(throws: InputError.self) { try TipImport.parse(Array(line.utf8), base: URL(fileURLWithPath: "/tmp")) }
    }

    @Test("A symbolic link leaving the folder is refused; one staying inside is followed")
    func symlinks() throws {
        let dir = try Scratch()
        try dir.write("photo.jpg", [0xFF, 0xD8, 0xFF])
        #expect(symlink("/etc/hostname", dir.path + "/out.jpg") == 0)
        #expect(symlink("photo.jpg", dir.path + "/in.jpg") == 0)
        let outside = Array(#"{"photos":["out.jpg"]}"#.utf8), inside = Array(#"{"photos":["in.jpg"]}"#.utf8)
        #expect(throws: InputError("photos[0] 'out.jpg' resolves outside the import file's folder (symbolic link)")) {
            try TipImport.parse(outside, base: dir.url)
        }
        let input = try TipImport.parse(inside, base: dir.url)
        #expect(input.photos.count == 1 && input.photos[0].hasSuffix("/photo.jpg"))
    }

    @Test("The resume key covers the photos' content: equal lines in two folders with different photos differ")
    func resumeKey() throws {
        let a = try Scratch(), b = try Scratch()
        try a.write("photo.jpg", [1, 2, 3])
        try b.write("photo.jpg", [4, 5, 6])
        let line = Array(#"{"text":"seen at the market","photos":["photo.jpg"]}"#.utf8)
        #expect(ImportLineKey.digest(line, folder: a.url) != ImportLineKey.digest(line, folder: b.url))
        try b.write("photo.jpg", [1, 2, 3])
        #expect(ImportLineKey.digest(line, folder: a.url) == ImportLineKey.digest(line, folder: b.url))
        // The key's definition, computed outside objtrace (Python hashlib): SHA-256(line ‖ 0 ‖ hex SHA-256 of
        // each photo); with a photo that cannot be read, SHA-256(line). A change here orphans every resume record.
        #expect(ImportLineKey.digest(line, folder: a.url) == "2ee1b15759ba2afe71027bdfc3ecee6aba2cdd587b667f29365a686f51b20485")
        let c = try Scratch()
        #expect(ImportLineKey.digest(line, folder: c.url) == "2a51e1801330f61410163bde30a5553470fd8b28f7a5d827103b7e89547a7e44")
    }

    @Test("A line lists at most ImportLineFields.maxPhotos photos, each once, refused before any is read")
    func photoCountAndRepeats() throws {
        let many = (0...ImportLineFields.maxPhotos).map { #""p\#($0).jpg""# }.joined(separator: ",")
        #expect(throws: ImportLineError("field 'photos' lists \(ImportLineFields.maxPhotos + 1) photos; a tip takes at most \(ImportLineFields.maxPhotos)")) {
            try ImportLineFields.parse(Array((#"{"photos":["# + many + "]}").utf8))
        }
        #expect(throws: ImportLineError("photos[2] repeats photos[0] ('a.jpg')")) {
            try ImportLineFields.parse(Array(#"{"photos":["a.jpg","b.jpg","a.jpg"]}"#.utf8))
        }
        let fields = try ImportLineFields.parse(Array(#"{"photos":["a.jpg","b.jpg"]}"#.utf8))
        #expect(fields.photos == ["a.jpg", "b.jpg"])
    }
}

@Suite("tip submit stores a working copy without the tipster's metadata", .enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
struct TipPrivacyTests {
    /// A little-endian EXIF block with a GPS IFD pointer and a BodySerialNumber.
    static func exif(serial: String) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
        let s: [UInt8] = Array(serial.utf8) + [0]
        var out: [UInt8] = Array("Exif".utf8) + [0, 0, 0x49, 0x49, 0x2A, 0]
        out += le32(8) + le16(2)
        out += le16(0x8769) + le16(4) + le32(1) + le32(38)
        out += le16(0x8825) + le16(4) + le32(1) + le32(38) + le32(0)
        out += le16(1) + le16(0xA431) + le16(2) + le32(s.count) + le32(56) + le32(0)
        return out + s
    }

    @Test("A photo with a second image carrying GPS and a serial after EOI: new SHA-256, flags set, blob clean, 0600")
    func motionPhotoTrailer() throws {
        let (service, dir) = try temporaryService()
        defer { try? FileManager.default.removeItem(at: dir) }
        service.useLocalFeatures = false
        let base = [UInt8](try Data(contentsOf: SharedData.url("dev/formats/derived/citrus_exif_orient_6.jpg")))
        let serial = "SN-TIPSTER-9876"
        let app1: [UInt8] = Self.exif(serial: serial)
        let length = app1.count + 2
        var second: [UInt8] = Array(base[0..<2])
        second += [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)]
        second += app1
        second += Array(base[2...])
        let photo = dir.appendingPathComponent("motion.jpg")
        try Data(base + second).write(to: photo)
        var input = CaseService.TipInput()
        input.text = "seen it"
        input.photos = [photo.path]
        let report = try service.submitTip(input, by: AnalystID("alice"))
        let p = try #require(report.photos.first)
        #expect(p.hadGPS && p.hadDeviceSerial)
        #expect(p.originalSHA256 != p.workingSHA256)
        let blobPath = service.blobs.url(for: p.workingSHA256).path
        let stored = [UInt8](try Data(contentsOf: URL(fileURLWithPath: blobPath)))
        #expect(stored.count < base.count + second.count)
        #expect(!String(decoding: stored, as: UTF8.self).contains(serial))
        #expect(try ImageDecoder.decode(stored).info.orientation == 6)
        #expect(mode(blobPath) == 0o600)
    }
}

@Suite("tip import line fuzz corpus and findings")
struct ImportLineReplayTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    @Test("Every corpus line and finding parses or is refused; accepted photo paths are relative and '..'-free")
    func replay() throws {
        var files: [URL] = []
        for sub in ["corpus/importline", "regressions"] {
            let dir = Self.fuzz.appendingPathComponent(sub)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            where sub == "corpus/importline" || name.hasPrefix("importline-") {
                files.append(dir.appendingPathComponent(name))
            }
        }
        #expect(files.count >= 5)
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            guard let fields = try? ImportLineFields.parse(bytes) else { continue }
            for path in fields.photos {
                #expect(!path.hasPrefix("/") && !path.split(separator: "/", omittingEmptySubsequences: false).contains(".."))
            }
        }
    }
}
