import CaseWork
import Testing

@Suite struct TipTests {
    @Test func happyPath() throws {
        var t = Fx.tip()
        t = try t.triaging()
        t = try t.reviewing(.relevant)
        t = try t.linking(to: Fx.code)
        #expect(t.state == .linked && t.linkedObject == Fx.code)
        t = try t.referring()
        t = try t.closing()
        #expect(t.state == .closed)
    }

    @Test func reviewingAClosedTipIsRefused() {
        let closed = Fx.tip(.closed)
        for decision in TipDecision.allCases {
            #expect(throws: CaseWorkError.invalidTransition(subject: "tip 7", from: "closed", to: decision.state.rawValue,
                                                            reason: "a closed tip cannot be reviewed")) {
                try closed.reviewing(decision)
            }
        }
    }

    @Test func needsInfoGoesBackToTriagedWhenInfoArrives() throws {
        let waiting = try Fx.tip().reviewing(.needsInfo)
        #expect(waiting.state == .needsInfo)
        #expect(throws: CaseWorkError.self) { try waiting.reviewing(.relevant) }
        let back = try waiting.triaging()
        #expect(back.state == .triaged)
        #expect(try back.reviewing(.relevant).state == .relevant)
    }

    @Test func linkingNeedsARelevantTip() {
        for state in TipState.allCases where state != .relevant {
            #expect(throws: CaseWorkError.self) { try Fx.tip(state).linking(to: Fx.code) }
        }
    }

    /// Each transition function succeeds exactly when the table allows its target state.
    @Test(arguments: TipState.allCases)
    func transitionTableIsEnforced(from state: TipState) throws {
        let t = Fx.tip(state)
        let allowed = TipState.allowedNext[state]!
        var attempts: [(TipState, () throws -> Tip)] = [
            (.triaged, { try t.triaging() }),
            (.linked, { try t.linking(to: Fx.code) }),
            (.referred, { try t.referring() }),
            (.closed, { try t.closing() }),
        ]
        for d in TipDecision.allCases { attempts.append((d.state, { try t.reviewing(d) })) }
        for (target, attempt) in attempts {
            if allowed.contains(target) {
                #expect(try attempt().state == target, "\(state) -> \(target)")
            } else {
                #expect(throws: CaseWorkError.self, "\(state) -> \(target)") { try attempt() }
            }
        }
    }

    @Test func contactExistsOnlyWhenOptedIn() throws {
        let anon = try TipSubmission(receivedOn: Fx.day, channel: .web, text: "x")
        #expect(anon.contact == .declined && anon.contact.contact == nil)
        let opted = try TipSubmission(receivedOn: Fx.day, channel: .web, text: "x",
                                      contact: ContactConsent.optIn(" me@example.org "))
        #expect(opted.contact.contact == "me@example.org")
        #expect(throws: CaseWorkError.self) { try ContactConsent.optIn("  ") }
    }

    @Test func submissionValidation() throws {
        #expect(throws: CaseWorkError.self) { try TipSubmission(receivedOn: Fx.day, channel: .cli, text: "   ") }
        #expect(throws: CaseWorkError.self) { try TipSubmission(receivedOn: Fx.day, channel: .cli, language: "e n", text: "x") }
        let photo = TipPhoto(originalSHA256: Fx.sha("1"), workingSHA256: Fx.sha("2"), originalHadGPS: true,
                             originalHadDeviceSerial: false)
        #expect(throws: CaseWorkError.self) {
            try TipSubmission(receivedOn: Fx.day, channel: .cli, photos: [photo, photo])
        }
        // Claims alone or a photo alone are enough.
        _ = try TipSubmission(receivedOn: Fx.day, channel: .cli, claims: TipClaims(brand: "Acme"))
        _ = try TipSubmission(receivedOn: Fx.day, channel: .cli, photos: [photo])
        let c = try TipClaims(brand: " Acme ", country: "", url: nil)
        #expect(c[.brand] == "Acme" && c[.country] == nil && c.values.count == 1)
    }

    @Test func canonicalContentIgnoresChannelAndPhotoOrderButNotText() throws {
        let p1 = TipPhoto(originalSHA256: Fx.sha("1"), workingSHA256: Fx.sha("2"), originalHadGPS: false, originalHadDeviceSerial: false)
        let p2 = TipPhoto(originalSHA256: Fx.sha("3"), workingSHA256: Fx.sha("4"), originalHadGPS: false, originalHadDeviceSerial: false)
        let a = try TipSubmission(receivedOn: Fx.day, channel: .cli, text: "x", photos: [p1, p2])
        let b = try TipSubmission(receivedOn: Fx.day, channel: .import, text: "x", photos: [p2, p1])
        let c = try TipSubmission(receivedOn: Fx.day, channel: .cli, text: "y", photos: [p1, p2])
        let d = try TipSubmission(receivedOn: DayDate(iso: "2026-11-30"), channel: .cli, text: "x", photos: [p1, p2])
        #expect(a.canonicalContent == b.canonicalContent)
        #expect(a.canonicalContent != c.canonicalContent)
        #expect(a.canonicalContent != d.canonicalContent)
        // Moving text between fields must change the bytes (length prefixes, no ambiguity).
        let e = try TipSubmission(receivedOn: Fx.day, channel: .cli, text: "Acme", claims: TipClaims(brand: "x"))
        let f = try TipSubmission(receivedOn: Fx.day, channel: .cli, text: "x", claims: TipClaims(brand: "Acme"))
        #expect(e.canonicalContent != f.canonicalContent)
    }
}
