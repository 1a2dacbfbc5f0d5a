// libFuzzer target: the `tip import` line parser (Sources/ObjtraceKit/ImportLineParser.swift and JSONValue.swift,
// compiled alone).
// Any input either parses or is refused with a reason; accepted photo paths are relative and free of `..`.
// Built by Scripts/fuzz.sh importline SECONDS.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JSONValue.parse(bytes)
    if let fields = try? ImportLineFields.parse(bytes) {
        for path in fields.photos {
            precondition(!path.isEmpty && !path.hasPrefix("/") && !path.utf8.contains(0), "accepted \(path)")
            precondition(!path.split(separator: "/", omittingEmptySubsequences: false).contains(".."), "accepted \(path)")
        }
        for key in fields.strings.keys { precondition(ImportLineFields.known.contains(key), "accepted field \(key)") }
    }
    return 0
}
