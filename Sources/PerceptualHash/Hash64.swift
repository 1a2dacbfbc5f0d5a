/// A 64-bit imagehash-style hash: element 0 (the first row-major comparison) is the most significant bit.
///
/// This is imagehash's order: the hex string is `int("".join(bits), 2)` as 16 hex digits, so element `e`
/// is integer bit `63 − e` of `value`. It is the reverse of PDQ's order; never compare across families.
@frozen
public struct Hash64: Sendable, Hashable {
    /// The bits as the big-endian integer imagehash prints (element 0 = bit 63).
    public var value: UInt64

    /// Wraps a raw value (element 0 = bit 63).
    @inlinable
    public init(value: UInt64) {
        self.value = value
    }

    /// Element `e` (0..<64) in row-major order.
    @inlinable
    public subscript(element e: Int) -> Bool {
        get {
            precondition(e >= 0 && e < 64, "Hash64 element out of range")
            return (value >> UInt64(63 - e)) & 1 == 1
        }
        set {
            precondition(e >= 0 && e < 64, "Hash64 element out of range")
            let mask: UInt64 = 1 << UInt64(63 - e)
            value = newValue ? value | mask : value & ~mask
        }
    }

    /// Builds a hash from 64 row-major comparison results.
    @inlinable
    public init(elements: some Sequence<Bool>) {
        var v: UInt64 = 0
        var n = 0
        for bit in elements {
            precondition(n < 64, "Hash64 takes exactly 64 elements")
            v = (v << 1) | (bit ? 1 : 0)
            n += 1
        }
        precondition(n == 64, "Hash64 takes exactly 64 elements")
        value = v
    }

    /// The number of set bits.
    @inlinable
    public var popCount: Int { value.nonzeroBitCount }

    /// The Hamming distance to `other` (0...64).
    @inlinable
    public func distance(to other: Hash64) -> Int {
        (value ^ other.value).nonzeroBitCount
    }

    /// Parses imagehash's 16-digit hex form (case-insensitive); nil on any other input.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 16 else { return nil }
        var v: UInt64 = 0
        for byte in utf8 {
            guard let nibble = hexNibble(byte) else { return nil }
            v = (v << 4) | UInt64(nibble)
        }
        value = v
    }

    /// imagehash's 16-digit lowercase hex form.
    public var hex: String {
        var digits = [UInt8]()
        digits.reserveCapacity(16)
        appendHex(value, digits: 16, to: &digits)
        return String(decoding: digits, as: UTF8.self)
    }
}

extension Hash64: CustomStringConvertible {
    /// The imagehash hex form.
    public var description: String { hex }
}

extension Hash64: Codable {
    /// Decodes from the imagehash hex string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Hash64(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a 16-digit imagehash hex string: \(text)")
        }
        self = value
    }

    /// Encodes as the imagehash hex string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
