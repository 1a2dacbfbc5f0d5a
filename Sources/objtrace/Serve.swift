import ArgumentParser
import Dispatch
import Foundation
import Logging
import ObjtraceServer

/// `objtrace serve`: the public gallery, tip form and JSON API (see README, "The public server").
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The public web server: gallery, anonymous tip form, JSON API, metrics.",
        subcommands: [ServeStart.self, ServeQuestion.self], defaultSubcommand: ServeStart.self)
}

/// `objtrace serve [start]`: runs the server until SIGTERM.
struct ServeStart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Run the public web server (the default).")

    @Option(help: "The store: an SQLite file or postgres://user@host:port/db (default: $OBJTRACE_STORE or ./objtrace.sqlite). A password in the URL is used, never printed; PGPASSWORD and ~/.pgpass work.")
    var store: String?

    @Option(help: "HOST:PORT for the public site (put a TLS-terminating proxy in front).")
    var listen = "127.0.0.1:8080"

    @Option(help: "HOST:PORT for Prometheus metrics (loopback only), or 'off'.")
    var metricsListen = "127.0.0.1:9090"

    @Option(help: "Header the reverse proxy sets to the client address, used only for in-memory rate limiting (e.g. X-Real-IP).")
    var clientAddressHeader: String?

    @Option(help: "Tips per client address per hour (0: no limit).")
    var tipsPerHour = 30

    @Flag(help: "Send the CSRF cookie without Secure (plain-HTTP local testing only).")
    var insecureCookies = false

    @Option(help: "Folder with templates/, messages/, static/ and openapi.json (default: the ones built in).")
    var resources: String?

    func run() throws {
        var options = ServerOptions(storePath: store ?? ProcessInfo.processInfo.environment["OBJTRACE_STORE"] ?? "./objtrace.sqlite")
        (options.host, options.port) = try Self.hostPort(listen)
        if metricsListen == "off" {
            options.metricsPort = nil
        } else {
            (options.metricsHost, options.metricsPort) = try Self.hostPort(metricsListen)
        }
        options.clientAddressHeader = clientAddressHeader
        options.ratePerHour = tipsPerHour
        if tipsPerHour == 0 { options.rateBurst = 0 }
        options.secureCookies = !insecureCookies
        options.resources = resources.map { URL(fileURLWithPath: $0) }
        try ServeRunner.runBlocking(options)
    }

    static func hostPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw ValidationError("expected HOST:PORT, got \(text)")
        }
        return (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }
}

/// `objtrace serve question CODE --language fr --text …`: the object's public question in another language.
struct ServeQuestion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "question",
        abstract: "Set an object's public question in another language (empty text removes it; English is the object's own).")

    @Argument(help: "The object code.")
    var code: String

    @Option(help: "Language tag, e.g. fr, de, pt-br.")
    var language: String

    @Option(help: "The question in that language.")
    var text: String

    @Option(help: "The store: an SQLite file or postgres://user@host:port/db (default: $OBJTRACE_STORE or ./objtrace.sqlite). A password in the URL is used, never printed; PGPASSWORD and ~/.pgpass work.")
    var store: String?

    @Option(help: "Who is acting (default: $OBJTRACE_ANALYST). Recorded in the audit log.")
    var analyst: String?

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        guard let who = analyst ?? env["OBJTRACE_ANALYST"], !who.isEmpty else {
            throw ValidationError("who is acting? pass --analyst NAME or set OBJTRACE_ANALYST")
        }
        do {
            try PublicQuestions.set(storePath: store ?? env["OBJTRACE_STORE"] ?? "./objtrace.sqlite", code: code,
                                    language: language, text: text, analyst: who)
        } catch {
            FileHandle.standardError.write(Data("objtrace: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
