import Dispatch
import Logging

/// Runs the server from a synchronous command (the CLI's `serve`), blocking until shutdown.
public enum ServeRunner {
    /// Logs go to stderr at `info`: start, stop and errors only. There is no access log; nothing logged
    /// carries a client address, user agent or referrer.
    public static func runBlocking(_ options: ServerOptions) throws {
        let logger = Logger(label: "objtrace.serve") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await TipServer.run(options, logger: logger)
                box.result = .success(())
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        try box.result.get()
    }
}

private final class ResultBox: @unchecked Sendable {
    var result: Result<Void, any Error> = .success(())
}
