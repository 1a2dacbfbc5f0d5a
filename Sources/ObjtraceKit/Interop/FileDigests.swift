import Crypto

/// The cryptographic digests of one file, as lowercase hex: MD5 and SHA-1 for VICS (its keys), SHA-256 for
/// objtrace's own evidence lists.
public struct FileDigests: Sendable, Hashable {
    /// 32 hex digits.
    public let md5: String
    /// 40 hex digits.
    public let sha1: String
    /// 64 hex digits.
    public let sha256: String
}

/// MD5, SHA-1 and SHA-256 of `bytes` (one pass each; MD5 and SHA-1 only as file identifiers, never for trust).
public func fileDigests(_ bytes: [UInt8]) -> FileDigests {
    FileDigests(
        md5: hexString(Insecure.MD5.hash(data: bytes)),
        sha1: hexString(Insecure.SHA1.hash(data: bytes)),
        sha256: hexString(SHA256.hash(data: bytes))
    )
}

/// Lowercase hex of a digest's bytes.
private func hexString(_ digest: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for byte in digest {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
