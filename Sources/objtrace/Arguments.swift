public import ArgumentParser
import CaseWork
public import ObjtraceKit

// Closed vocabularies parse as typed values: a bad value is a usage error (exit 2) that lists the valid ones.

extension ObjectCategory: ExpressibleByArgument {}
extension ObjectState: ExpressibleByArgument {}
extension TipState: ExpressibleByArgument {}
extension CaseWork.TipDecision: ExpressibleByArgument {}
extension HashJob.Format: ExpressibleByArgument {}
extension HashListFormat: ExpressibleByArgument {}
extension OrientationPolicy: ExpressibleByArgument {
    public static var allValueStrings: [String] { [OrientationPolicy.stored.rawValue, OrientationPolicy.apply.rawValue] }
}

/// What a bank is for.
enum BankKind: String, CaseIterable, ExpressibleByArgument {
    /// Ubiquitous images (stock photos, products sold everywhere): matching tip photos are not auto-matched.
    case allowList = "allow-list"
    /// Images to be alerted on.
    case watchList = "watch-list"
}

/// Formats `import bank` reads.
enum BankFormat: String, CaseIterable, ExpressibleByArgument {
    case pdqList = "pdq-list", tx, imagehash, csv, vics
}

/// How many rows a listing prints.
struct ListLimit {
    /// `--limit 0` means all.
    static func value(_ limit: Int) -> Int { limit == 0 ? .max : limit }

    /// The trailer for a cut listing: `… N more (--limit 0 for all)`, or nil.
    static func trailer(shown: Int, total: Int) -> String? {
        total > shown ? "… \(total - shown) more (--limit 0 shows all)" : nil
    }
}
