public import Foundation

/// Locations of the project's real test images (`../shared/data` beside the repository).
///
/// Tests use the real files by relative path from the repo root and skip, with a message naming the
/// folder, when it is absent (e.g. a clone without the shared data).
public enum SharedData {
    /// The repository root, found from this file's compile-time path.
    public static let repoRoot: URL = {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TestSupport
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // repo root
    }()

    /// `../shared/data`, or `OBJTRACE_SHARED_DATA` when set.
    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["OBJTRACE_SHARED_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repoRoot.appendingPathComponent("../shared/data").standardizedFileURL
    }()

    /// Whether the shared data folder exists; tests use `.enabled(if: SharedData.isAvailable)`.
    public static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("dev/MANIFEST.tsv").path)
    }

    /// The message a skipped test shows.
    public static let skipMessage = "../shared/data is absent (set OBJTRACE_SHARED_DATA): real-image tests skipped"

    /// Absolute URL of a path relative to `shared/data`.
    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// Every regular file below a folder of `shared/data`, sorted by path.
    public static func files(under relative: String, extensions: Set<String>? = nil) -> [URL] {
        let base = url(relative)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out: [URL] = []
        for case let u as URL in e {
            guard (try? u.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            if let exts = extensions, !exts.contains(u.pathExtension.lowercased()) { continue }
            out.append(u)
        }
        return out.sorted { $0.path < $1.path }
    }

    /// Reads a TSV with a header line into dictionaries keyed by column name.
    public static func readTSV(_ relative: String) throws -> [[String: String]] {
        let text = try String(contentsOf: url(relative), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.map { line in
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (i, name) in header.enumerated() { row[name] = i < cols.count ? cols[i] : "" }
            return row
        }
    }
}
