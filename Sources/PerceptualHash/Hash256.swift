/// A 256-bit PDQ hash: bit `k` is the DCT comparison `B[i][j] > median` with `k = 16·i + j`.
///
/// The bit numbering is the reference's: bit `k` is integer bit `k` of the big-endian 256-bit number whose
/// hex digits are the PDQ hex string, so `words.0` holds bits 0..63 (the last 16 hex digits).
@frozen
public struct Hash256: Sendable, Hashable {
    /// Bits 0–63, 64–127, 128–191 and 192–255 (integer bit `k` of the hash is bit `k % 64` of word `k / 64`).
    public var words: (UInt64, UInt64, UInt64, UInt64)

    /// The all-zero hash (what PDQ returns for images too small to hash).
    public static let zero = Hash256(words: (0, 0, 0, 0))

    /// Wraps four words, least significant (bits 0–63) first.
    @inlinable
    public init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// The word holding bits `64·index ..< 64·index + 64`.
    @inlinable
    public func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: return words.0
        case 1: return words.1
        case 2: return words.2
        default:
            precondition(index == 3, "Hash256 has four words")
            return words.3
        }
    }

    /// Bit `k` (0..<256) in the reference numbering.
    @inlinable
    public subscript(bit k: Int) -> Bool {
        get { (word(k >> 6) >> UInt64(k & 63)) & 1 == 1 }
        set {
            let mask: UInt64 = 1 << UInt64(k & 63)
            switch k >> 6 {
            case 0: words.0 = newValue ? words.0 | mask : words.0 & ~mask
            case 1: words.1 = newValue ? words.1 | mask : words.1 & ~mask
            case 2: words.2 = newValue ? words.2 | mask : words.2 & ~mask
            default:
                precondition(k >= 0 && k < 256, "Hash256 bit index out of range")
                words.3 = newValue ? words.3 | mask : words.3 & ~mask
            }
        }
    }

    /// The number of set bits (128 for a PDQ hash without median ties).
    @inlinable
    public var popCount: Int {
        words.0.nonzeroBitCount + words.1.nonzeroBitCount + words.2.nonzeroBitCount + words.3.nonzeroBitCount
    }

    /// The Hamming distance to `other` (0...256).
    @inlinable
    public func distance(to other: Hash256) -> Int {
        (words.0 ^ other.words.0).nonzeroBitCount + (words.1 ^ other.words.1).nonzeroBitCount
            + (words.2 ^ other.words.2).nonzeroBitCount + (words.3 ^ other.words.3).nonzeroBitCount
    }

    /// Parses the reference's 64-digit hex form (case-insensitive); nil on any other input.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var parsed: [UInt64] = [0, 0, 0, 0]
        // Digit 0 is the most significant: it lands in the top nibble of the last word.
        for (n, byte) in utf8.enumerated() {
            guard let nibble = hexNibble(byte) else { return nil }
            let word = 3 - n / 16
            parsed[word] = (parsed[word] << 4) | UInt64(nibble)
        }
        words = (parsed[0], parsed[1], parsed[2], parsed[3])
    }

    /// The reference's 64-digit lowercase hex form (16-bit words `w[15] … w[0]` as `%04x`).
    public var hex: String {
        var digits = [UInt8]()
        digits.reserveCapacity(64)
        for w in stride(from: 3, through: 0, by: -1) {
            appendHex(word(w), digits: 16, to: &digits)
        }
        return String(decoding: digits, as: UTF8.self)
    }

    @inlinable
    public static func == (lhs: Hash256, rhs: Hash256) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1
            && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}

extension Hash256: CustomStringConvertible {
    /// The PDQ hex form.
    public var description: String { hex }
}

extension Hash256: Codable {
    /// Decodes from the PDQ hex string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Hash256(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a 64-digit PDQ hex string: \(text)")
        }
        self = value
    }

    /// Encodes as the PDQ hex string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// The value of one ASCII hex digit, or nil.
@usableFromInline
func hexNibble(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// Appends the low `digits` nibbles of `value` as lowercase hex, most significant first.
func appendHex(_ value: UInt64, digits: Int, to out: inout [UInt8]) {
    let table: StaticString = "0123456789abcdef"
    for d in stride(from: digits - 1, through: 0, by: -1) {
        let nibble = Int((value >> UInt64(4 * d)) & 0xF)
        out.append(table.utf8Start[nibble])
    }
}
