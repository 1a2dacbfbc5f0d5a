import Foundation
import ImageCore
import ImageDecoding
import TestSupport

/// Real images for the tests, decoded (upright) once per process.
enum TestImages {
    nonisolated(unsafe) private static var cache: [String: Raster] = [:]
    private static let lock = NSLock()

    /// The upright raster of a file under `shared/data` (relative path).
    static func raster(_ relative: String) throws -> Raster {
        lock.lock()
        if let r = cache[relative] { lock.unlock(); return r }
        lock.unlock()
        let bytes = try [UInt8](Data(contentsOf: SharedData.url(relative)))
        let r = try ImageDecoder.decode(bytes).upright()
        lock.lock(); cache[relative] = r; lock.unlock()
        return r
    }
}
