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

/// The resume key of an import line: what was imported, not where it came from.
public enum ImportLineKey {
    /// SHA-256 over the line's bytes and the SHA-256 of each photo's content, in order. A line equal to one
    /// already imported but naming a photo with different bytes (another folder's `photo.jpg`) is a different
    /// line; a re-run over the same file and photos skips what is done. When a photo cannot be read the key is
    /// the line's alone (the line is refused anyway, and refused lines are retried).
    public static func digest(_ line: [UInt8], folder: URL) -> String {
        var material = line
        if let fields = try? ImportLineFields.parse(line) {
            for (i, path) in fields.photos.enumerated() {
                guard let resolved = try? ImportPhotoPath.resolve(path, index: i, inFolder: folder.path),
                      let bytes = try? InputFiles.read(resolved)
                else { return sha256Hex(line) }
                material += [0] + Array(sha256Hex(bytes).utf8)
            }
        }
        return sha256Hex(material)
    }
}
