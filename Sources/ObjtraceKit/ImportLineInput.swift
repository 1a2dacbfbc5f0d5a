import CaseWork
public import Foundation

extension ImportLineFields {
    /// The tip input of this line, with photo paths resolved inside `folder` (the JSONL file's folder).
    public func tipInput(folder: URL) throws(InputError) -> CaseService.TipInput {
        var input = CaseService.TipInput()
        input.channel = .import
        do {
            if let day = strings["received"] { input.receivedOn = try DayDate(iso: day) }
        } catch {
            throw InputError("field 'received': \(error)")
        }
        if let channel = strings["channel"] {
            guard let c = TipChannel(rawValue: channel) else { throw InputError("unknown channel '\(channel)'") }
            input.channel = c
        }
        input.language = strings["language"] ?? "und"
        input.text = strings["text"] ?? ""
        input.brand = strings["brand"]
        input.product = strings["product"]
        input.shop = strings["shop"]
        input.country = strings["country"]
        input.city = strings["city"]
        input.url = strings["url"]
        input.contact = strings["contact"]
        input.object = strings["object"]
        do {
            input.photos = try photos.enumerated().map { i, path throws(ImportLineError) in
                try ImportPhotoPath.resolve(path, index: i, inFolder: folder.path)
            }
        } catch {
            throw InputError(error.reason)
        }
        return input
    }
}

/// One import line read once: its resume key, its tip input (or why it is refused), and the bytes of its
/// photos, so the key covers exactly the bytes that are imported and no photo is read or hashed twice.
public struct ImportLineRead: Sendable {
    /// A photo's bytes as read for the key, with their SHA-256 (hex).
    public struct Photo: Sendable {
        public var bytes: [UInt8]
        public var sha256: String
    }

    /// See `ImportLineKey.digest`.
    public var key: String
    public var input: Result<CaseService.TipInput, InputError>
    /// The photos of `input`, in order; nil when one could not be resolved or read (intake reads it again
    /// and refuses the line with the reason).
    public var photos: [Photo]?

    /// Parses `line` and reads its photos (paths inside `folder`).
    public init(_ line: [UInt8], folder: URL) {
        let fields: ImportLineFields
        do {
            fields = try ImportLineFields.parse(line)
        } catch {
            self.init(key: sha256Hex(line), input: .failure(InputError(error.reason)), photos: nil)
            return
        }
        var material = line
        var photos: [Photo]? = []
        for (i, path) in fields.photos.enumerated() {
            guard let resolved = try? ImportPhotoPath.resolve(path, index: i, inFolder: folder.path),
                  let bytes = try? InputFiles.read(resolved)
            else {
                photos = nil
                break
            }
            let sha = sha256Hex(bytes)
            material += [0] + Array(sha.utf8)
            photos?.append(Photo(bytes: bytes, sha256: sha))
        }
        let input = Result { () throws(InputError) in try fields.tipInput(folder: folder) }
        self.init(key: sha256Hex(photos == nil ? line : material), input: input, photos: photos)
    }

    private init(key: String, input: Result<CaseService.TipInput, InputError>, photos: [Photo]?) {
        self.key = key
        self.input = input
        self.photos = photos
    }
}

/// The resume key of an import line: what was imported, not where it came from.
public enum ImportLineKey {
    /// SHA-256 over the line's bytes and the SHA-256 of each photo's content, in order. A line equal to one
    /// already imported but naming a photo with different bytes (another folder's `photo.jpg`) is a different
    /// line; a re-run over the same file and photos skips what is done. When a photo cannot be read the key is
    /// the line's alone (the line is refused anyway, and refused lines are retried).
    public static func digest(_ line: [UInt8], folder: URL) -> String {
        ImportLineRead(line, folder: folder).key
    }
}
