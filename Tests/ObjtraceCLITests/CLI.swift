import Foundation
import Testing
import TestSupport

/// Runs the built `objtrace` executable (the one beside this test bundle) in a scratch folder.
struct CLI {
    /// What a run printed and how it ended.
    struct Run: CustomStringConvertible {
        var status: Int32
        var out: String
        var err: String
        var outLines: [String] { out.split(separator: "\n").map(String.init) }
        var description: String { "exit \(status)\nstdout: \(out)\nstderr: \(err)" }
    }

    /// The executable: next to the test bundle (`.build/<config>/`), else the repository's release or debug build.
    static let executable: URL? = {
        var candidates: [URL] = []
        let argv0 = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).standardizedFileURL
        candidates.append(argv0.deletingLastPathComponent().appendingPathComponent("objtrace"))
        if let main = Bundle.main.executableURL { candidates.append(main.deletingLastPathComponent().appendingPathComponent("objtrace")) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("objtrace"))
        for config in ["release", "debug"] {
            candidates.append(SharedData.repoRoot.appendingPathComponent(".build/\(config)/objtrace"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// A fresh working folder, removed by `cleanUp()`.
    let dir: URL
    /// A store other than the folder's SQLite file (a `postgres://` URL), if given.
    let storeOverride: String?

    init(store: String? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("objtrace-cli-\(UUID().uuidString)")
        storeOverride = store
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: dir) }

    /// The store used by `run` unless the arguments name one: `case.sqlite` in the folder, or the override.
    var store: String { storeOverride ?? dir.appendingPathComponent("case.sqlite").path }

    /// Runs another program (e.g. `script` for a terminal) in the scratch folder.
    func runProgram(_ path: String, _ arguments: [String]) throws -> Run {
        try launch(URL(fileURLWithPath: path), arguments, environment: nil)
    }

    /// Runs objtrace with `arguments` (cwd = the scratch folder, `OBJTRACE_STORE` = `store`, no analyst set).
    @discardableResult
    func run(_ arguments: [String], analyst: String? = nil, environment: [String: String] = [:]) throws -> Run {
        let exe = try #require(CLI.executable, "the objtrace executable was not built beside the tests")
        var env = ProcessInfo.processInfo.environment
        env["OBJTRACE_STORE"] = store
        env.removeValue(forKey: "OBJTRACE_ANALYST")
        if let analyst { env["OBJTRACE_ANALYST"] = analyst }
        env["COLUMNS"] = "100"
        for (k, v) in environment { env[k] = v }
        return try launch(exe, arguments, environment: env)
    }

    /// Runs `executable` in the scratch folder with no input; `environment` nil inherits this process's.
    private func launch(_ executable: URL, _ arguments: [String], environment: [String: String]?) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = dir
        if let environment { process.environment = environment }
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes at once (stderr on its own thread) before waiting, so a command that fills either
        // pipe cannot block.
        let errRead = PipeDrain(errPipe.fileHandleForReading)
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        let errData = errRead.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                   err: String(decoding: errData, as: UTF8.self))
    }

    /// A sample file shipped in the repository.
    static func sample(_ relative: String) -> String { SharedData.repoRoot.appendingPathComponent("samples/" + relative).path }

    /// `init` + three objects published by alice and bob, as samples/run.sh does.
    func publishedCase() throws {
        try #require(try run(["init"], analyst: "alice").status == 0)
        let objects = [("TAO-2026-001", "grocery_iconic_Alpro-Fresh-Soy-Milk.jpg"), ("TAO-2026-002", "grocery_iconic_Oatly-Oat-Milk.jpg")]
        for (code, file) in objects {
            let add = try run(["object", "add", "--code", code, "--title", "Carton", "--category", "packaging",
                               "--question", "Where is this sold?", CLI.sample("objects/" + file)], analyst: "alice")
            try #require(add.status == 0, "\(add)")
            try #require(try run(["object", "approve", code], analyst: "alice").status == 0)
            try #require(try run(["object", "approve", code], analyst: "bob").status == 0)
            try #require(try run(["object", "publish", code], analyst: "bob").status == 0)
        }
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()  // written by the reading thread before `done` is signalled

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
