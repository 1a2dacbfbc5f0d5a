public import CaseWork
import Foundation

/// Analyst names as people type them: normalised (Unicode NFKC, then case-folded) before they become an
/// `AnalystID`, so `ALICE`, `Ａｌｉｃｅ` and `alice` are one analyst and four-eyes cannot be passed by spelling.
public enum AnalystName {
    /// The identity of a typed name; refuses empty, over-long, control and invisible characters.
    public static func identity(_ typed: String) throws(CaseWorkError) -> AnalystID {
        try AnalystID(normalized(typed))
    }

    /// NFKC, then full case folding (`Straße` → `strasse`).
    public static func normalized(_ typed: String) -> String {
        typed.precomposedStringWithCompatibilityMapping.folding(options: [.caseInsensitive], locale: nil)
    }
}
