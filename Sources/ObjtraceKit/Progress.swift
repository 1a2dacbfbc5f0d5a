public import Foundation

/// A one-line progress display for long batches: files done / total, rate and time left.
///
/// Only the text is made here; the executable decides whether stderr is a terminal and draws it.
public struct ProgressLine: Sendable {
    private let start = Date()
    /// Draw at most this often.
    public var interval: TimeInterval = 0.2
    private var lastDraw = Date.distantPast

    /// A progress line starting now.
    public init() {}

    /// Carriage return + erase to end of line (ANSI `EL`): what a terminal needs before another line is printed
    /// where the bar was.
    public static let erase = "\r\u{1B}[K"

    /// The line for `done` of `total` after `elapsed` seconds.
    public static func render(done: Int, total: Int, elapsed: TimeInterval, width: Int = 30) -> String {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(total - done) / rate : 0
        return String(format: "[%@] %d/%d  %.1f files/s  ETA %@", bar, done, total, rate, Self.clock(left))
    }

    /// `m:ss` or `h:mm:ss`.
    public static func clock(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// The line to draw now, or nil when drawn too recently (the last file always draws).
    public mutating func update(done: Int, total: Int) -> String? {
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) >= interval else { return nil }
        lastDraw = now
        return Self.render(done: done, total: total, elapsed: now.timeIntervalSince(start))
    }
}
