import ImageDecoding

/// `objtrace inspect`: header facts of each file as JSON lines.
public enum InspectJob {
    /// Inspects every file under `paths`, calling `emit` with one JSON line per file, in input order.
    /// Returns how many files were read.
    @discardableResult
    public static func run(paths: [String], emit: (String) -> Void) -> (read: Int, failed: Int) {
        var ok = 0, failed = 0
        for entry in InputFiles.expand(paths) {
            var line = JSONLine()
            switch entry {
            case .unreadable(let path, let reason):
                line.add("path", path)
                line.add("error", reason)
                failed += 1
            case .file(let path):
                line.add("path", path)
                do {
                    let bytes = try InputFiles.read(path)
                    // A full decode, not only the header: a truncated or garbled file must show as such here.
                    let info = try ImageDecoder.decode(bytes).info
                    line.add("format", info.format.rawValue)
                    line.add("width", info.width)
                    line.add("height", info.height)
                    line.add("orientation", info.orientation)
                    line.add("colorModel", info.colorModel)
                    line.add("bitDepth", info.bitDepth)
                    line.add("hasAlpha", info.hasAlpha)
                    line.add("progressive", info.progressive)
                    line.add("frames", info.frames)
                    ok += 1
                } catch let error as InputError {
                    line.add("error", error.message)
                    failed += 1
                } catch let error as DecodeError {
                    line.add("error", error.description)
                    failed += 1
                } catch {
                    line.add("error", "io: \(error)")
                    failed += 1
                }
            }
            emit(line.description)
        }
        return (ok, failed)
    }
}
