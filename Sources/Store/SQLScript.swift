/// Small, dialect-aware text operations on SQL: splitting a script into statements and rewriting SQLite's
/// `?`/`?N` placeholders as PostgreSQL's `$n`. Quoted text (`'…'`, `"…"`), dollar-quoted bodies (`$$…$$`,
/// `$tag$…$tag$`) and comments are copied untouched.
enum SQLScript {
    /// The statements of a script, split at `;` outside quotes, dollar quotes and comments (empty ones dropped).
    static func statements(_ script: String) -> [String] {
        var out: [String] = []
        var current = ""
        scan(script) { piece, isCode in
            guard isCode else { current += piece; return }
            for ch in piece {
                if ch == ";" {
                    let trimmed = current.trimmingWhitespace()
                    if !trimmed.isEmpty && !isOnlyComments(trimmed) { out.append(trimmed) }
                    current = ""
                } else {
                    current.append(ch)
                }
            }
        }
        let trimmed = current.trimmingWhitespace()
        if !trimmed.isEmpty && !isOnlyComments(trimmed) { out.append(trimmed) }
        return out
    }

    /// `?` becomes `$k` (k = one more than the largest number so far, as in SQLite) and `?N` becomes `$N`.
    static func postgresPlaceholders(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var largest = 0
        scan(sql) { piece, isCode in
            guard isCode else { out += piece; return }
            var chars = Array(piece)[...]
            while let ch = chars.popFirst() {
                guard ch == "?" else { out.append(ch); continue }
                var digits = ""
                while let d = chars.first, d.isASCII, d.isNumber { digits.append(d); chars.removeFirst() }
                let n = digits.isEmpty ? largest + 1 : Int(digits)!
                largest = max(largest, n)
                out += "$\(n)"
            }
        }
        return out
    }

    private static func isOnlyComments(_ s: String) -> Bool {
        s.split(whereSeparator: \.isNewline).allSatisfy { $0.trimmingWhitespace().isEmpty || $0.trimmingWhitespace().hasPrefix("--") }
    }

    /// Calls `emit` with consecutive pieces of `sql`, flagged code (true) or quoted text / comment (false).
    private static func scan(_ sql: String, _ emit: (String, Bool) -> Void) {
        let chars = Array(sql)
        var i = 0
        var code = ""
        func flush() {
            if !code.isEmpty { emit(code, true); code = "" }
        }
        while i < chars.count {
            let ch = chars[i]
            if ch == "'" || ch == "\"" {
                flush()
                var j = i + 1
                while j < chars.count {
                    if chars[j] == ch {
                        if j + 1 < chars.count && chars[j + 1] == ch { j += 2; continue }
                        break
                    }
                    j += 1
                }
                let end = min(j + 1, chars.count)
                emit(String(chars[i..<end]), false)
                i = end
            } else if ch == "-" && i + 1 < chars.count && chars[i + 1] == "-" {
                flush()
                var j = i
                while j < chars.count && chars[j] != "\n" { j += 1 }
                emit(String(chars[i..<j]), false)
                i = j
            } else if ch == "$", let tagEnd = dollarTagEnd(chars, i) {
                flush()
                let tag = Array(chars[i...tagEnd])
                var j = tagEnd + 1
                var close = chars.count
                while j + tag.count <= chars.count {
                    if Array(chars[j..<(j + tag.count)]) == tag { close = j + tag.count; break }
                    j += 1
                }
                emit(String(chars[i..<min(close, chars.count)]), false)
                i = min(close, chars.count)
            } else {
                code.append(ch)
                i += 1
            }
        }
        flush()
    }

    /// `$$` or `$tag$` starting at `i` (not a `$1` parameter): the index of the closing `$` of the tag.
    private static func dollarTagEnd(_ chars: [Character], _ i: Int) -> Int? {
        var j = i + 1
        while j < chars.count, chars[j] == "_" || (chars[j].isLetter && chars[j].isASCII) { j += 1 }
        return j < chars.count && chars[j] == "$" ? j : nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
