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
package struct ImportLineRead: Sendable {
    /// A photo's bytes as read for the key, with their SHA-256 (hex).
    package struct Photo: Sendable {
        package var bytes: [UInt8]
        package var sha256: String
    }

    /// See `ImportLineKey.digest`.
    package var key: String
    package var input: Result<CaseService.TipInput, InputError>
    /// The photos of `input`, in order; nil when the line is refused before its photos are used, when one
    /// could not be resolved or read (intake reads it again and refuses the line with the reason), or when
    /// together they exceed `keptBytes` (intake reads them again one at a time).
    package var photos: [Photo]?

    /// Photo bytes one line keeps between its key and its intake; a line over it reads its photos again.
    package static let keptBytes = 64 << 20

    /// Parses `line` and reads its photos (paths inside `folder`), one at a time: a photo's bytes are kept
    /// only while the line's photos stay within `keptBytes`, so one line never holds more than that plus the
    /// photo being hashed.
    package init(_ line: [UInt8], folder: URL) {
        let fields: ImportLineFields
        do {
            fields = try ImportLineFields.parse(line)
        } catch {
            self.init(key: sha256Hex(line), input: .failure(InputError(error.reason)), photos: nil)
            return
        }
        let input = Result { () throws(InputError) in try fields.tipInput(folder: folder) }
        // The paths `tipInput` resolved, where it succeeded: one resolution, so the bytes are the file intake names.
        let resolvedByInput = try? input.get().photos
        var material = line
        var kept: [Photo]? = resolvedByInput == nil ? nil : []
        var keptTotal = 0
        for (i, path) in fields.photos.enumerated() {
            guard let resolved = resolvedByInput?[i] ?? (try? ImportPhotoPath.resolve(path, index: i, inFolder: folder.path)),
                  let bytes = try? InputFiles.read(resolved)
            else {
                self.init(key: sha256Hex(line), input: input, photos: nil)
                return
            }
            let sha = sha256Hex(bytes)
            material += [0] + Array(sha.utf8)
            keptTotal += bytes.count
            if keptTotal <= Self.keptBytes { kept?.append(Photo(bytes: bytes, sha256: sha)) } else { kept = nil }
        }
        self.init(key: sha256Hex(material), input: input, photos: kept)
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
