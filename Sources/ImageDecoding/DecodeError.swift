/// Why an image could not be read: one kind per way a file can be bad, plus a human reason.
///
/// The CLI prints it as `"<kind>: <reason>"` next to the file's path and goes on with the batch.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad class of failure, stable for scripts.
    public enum Kind: String, Sendable {
        /// Not an image format objtrace reads (TIFF, BMP, AVIF, …, or not an image at all).
        case unsupportedFormat = "unsupported-format"
        /// A readable format with a feature objtrace does not decode (e.g. 12-bit JPEG).
        case unsupported
        /// The codec rejected the data: bad signature, bad header, bad checksum, missing data.
        case corrupt
        /// The data decodes only partly (truncated or garbled entropy data); see `DecodeOptions.allowDamaged`.
        case damaged
        /// Bigger than the configured pixel limit: refused before any pixel memory was allocated.
        case tooLarge = "too-large"
        /// The decoder's memory cap was hit.
        case memory
    }

    /// The broad class of failure.
    public let kind: Kind
    /// What exactly was wrong, from the codec where it said.
    public let reason: String

    /// Creates an error of `kind` with a human reason.
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// `"<kind>: <reason>"`.
    public var description: String { "\(kind.rawValue): \(reason)" }
}
