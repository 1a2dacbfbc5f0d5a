/// One step of the schema, applied in order; `PRAGMA user_version` (PostgreSQL: the `schema_version` table)
/// records the last applied step.
struct Migration {
    let version: Int
    let name: String
    /// The step in SQLite's SQL.
    let sql: String
    /// The step in PostgreSQL's SQL; nil means "the SQLite script, translated" (`Schema.postgresTranslation`),
    /// which is enough for steps without triggers (tables, columns, indexes, CHECKs, data moves).
    var postgres: String? = nil

    /// The script for a dialect.
    func script(for dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite: sql
        case .postgres: postgres ?? Schema.postgresTranslation(of: sql)
        }
    }
}

/// The ordered migrations. Never edit a shipped step: append a new one.
enum Schema {
    static let migrations: [Migration] = [
        Migration(version: 1, name: "case work tables, audit log, import progress, banks, auto-match results, settings",
                  sql: v1 + v1Matches, postgres: postgresTranslation(of: v1 + v1Matches) + postgresV1),
        Migration(version: 2, name: "incremental candidate aggregates, change counters, repeated photos, local-feature table, bank kinds",
                  sql: v2, postgres: postgresTranslation(of: v2) + postgresV2),
        Migration(version: 3, name: "audit covers case rows; no INSERT OR REPLACE over audit rows or reviews",
                  sql: v2AuditIntegrity, postgres: postgresTranslation(of: v2AuditIntegrity) + postgresV3),
        Migration(version: 4, name: "match level: product or brand (issue 16)", sql: v4MatchLevel),
        Migration(version: 5, name: "web receipts: the SHA-256 of each tip receipt code beside its tip", sql: v5WebReceipts),
    ]

    static var latestVersion: Int { migrations.last!.version }

    /// Whether a recorded match is evidence for the product or only for its brand (a shared logo or product
    /// line); rows recorded before it are product level, as they were reported.
    static let v4MatchLevel = """
        ALTER TABLE tip_matches ADD COLUMN level TEXT NOT NULL DEFAULT 'product' CHECK (level IN ('product','brand'));
        """

    /// The public server's receipts: only the SHA-256 of each code is stored, beside the tip it names (the code
    /// is shown once to the tipster and kept nowhere). `IF NOT EXISTS`: servers before this step created the
    /// table themselves.
    static let v5WebReceipts = """
        CREATE TABLE IF NOT EXISTS web_receipts (
            receipt_sha256 TEXT PRIMARY KEY CHECK (length(receipt_sha256) = 64),
            tip_id         INTEGER NOT NULL REFERENCES tips(id)
        ) STRICT;
        """

    private static let objectStates = "'draft','approved','published','identified','eliminated-ubiquitous','withdrawn','archived'"
    private static let tipStates = "'received','triaged','relevant','duplicate','spam','needs-info','linked','referred','closed'"

    private static func isSHA(_ column: String) -> String {
        "length(\(column)) = 64 AND \(column) NOT GLOB '*[^0-9a-f]*'"
    }

    // Constraints repeat the domain's rules where SQL can state them cheaply, so that a bug in the Swift layer
    // (or a hand-edited row) cannot quietly store an impossible state.
    private static let v1 = """
        CREATE TABLE objects (
            id              INTEGER PRIMARY KEY,
            code            TEXT NOT NULL UNIQUE,
            title           TEXT NOT NULL,
            category        TEXT NOT NULL CHECK (category IN
                                ('bottle','packaging','textile','wallpaper','magazine','toy','container','other')),
            question        TEXT NOT NULL,
            notes           TEXT NOT NULL DEFAULT '',
            state           TEXT NOT NULL CHECK (state IN (\(objectStates))),
            created_by      TEXT NOT NULL,
            published_day   TEXT,
            origin_countries TEXT,      -- comma-separated ISO 3166-1 alpha-2, sorted; set when identified
            brand           TEXT,
            product         TEXT
        ) STRICT;

        CREATE TABLE object_approvals (
            object_id   INTEGER NOT NULL REFERENCES objects(id),
            ordinal     INTEGER NOT NULL,
            analyst     TEXT NOT NULL,
            PRIMARY KEY (object_id, analyst),   -- four-eyes: one approval per analyst
            UNIQUE (object_id, ordinal)
        ) STRICT;

        -- Four-eyes, again in SQL: an object can only become approved with two distinct approvals on file.
        CREATE TRIGGER objects_four_eyes BEFORE UPDATE OF state ON objects
        WHEN NEW.state = 'approved' AND OLD.state <> 'approved'
             AND (SELECT count(*) FROM object_approvals WHERE object_id = NEW.id) < 2
        BEGIN SELECT RAISE(ABORT, 'four-eyes: approval needs two distinct analysts'); END;

        CREATE TABLE object_crops (
            id          INTEGER PRIMARY KEY,
            object_id   INTEGER NOT NULL REFERENCES objects(id),
            sha256      TEXT NOT NULL CHECK (\(isSHA("sha256"))),
            width       INTEGER NOT NULL CHECK (width > 0),
            height      INTEGER NOT NULL CHECK (height > 0),
            path        TEXT NOT NULL,
            UNIQUE (object_id, sha256)
        ) STRICT;
        CREATE INDEX object_crops_sha256 ON object_crops(sha256);

        CREATE TABLE tips (
            id              INTEGER PRIMARY KEY,
            received_day    TEXT NOT NULL CHECK (received_day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            channel         TEXT NOT NULL CHECK (channel IN ('cli','import','web')),
            language        TEXT NOT NULL,
            text            TEXT NOT NULL,
            about_object_id INTEGER REFERENCES objects(id),
            linked_object_id INTEGER REFERENCES objects(id),
            state           TEXT NOT NULL CHECK (state IN (\(tipStates))),
            contact_opt_in  INTEGER NOT NULL DEFAULT 0 CHECK (contact_opt_in IN (0, 1)),
            contact         TEXT,
            content_sha256  TEXT NOT NULL UNIQUE CHECK (\(isSHA("content_sha256"))),
            match_score     REAL,
            -- Anonymous by design: a contact exists only with opt-in; there is no column for names, IPs or devices.
            CHECK ((contact_opt_in = 0 AND contact IS NULL) OR (contact_opt_in = 1 AND length(contact) > 0)),
            CHECK ((state IN ('linked','referred')) = (linked_object_id IS NOT NULL) OR state = 'closed')
        ) STRICT;
        CREATE INDEX tips_state ON tips(state);
        CREATE INDEX tips_queue ON tips(state, match_score DESC);
        CREATE INDEX tips_linked ON tips(linked_object_id);

        CREATE TABLE tip_claims (
            tip_id  INTEGER NOT NULL REFERENCES tips(id),
            kind    TEXT NOT NULL CHECK (kind IN ('brand','product','shop','country','city','url')),
            value   TEXT NOT NULL CHECK (length(value) > 0),
            PRIMARY KEY (tip_id, kind)
        ) STRICT;

        CREATE TABLE tip_photos (
            id                  INTEGER PRIMARY KEY,
            tip_id              INTEGER NOT NULL REFERENCES tips(id),
            ordinal             INTEGER NOT NULL,
            original_sha256     TEXT NOT NULL UNIQUE CHECK (\(isSHA("original_sha256"))),
            working_sha256      TEXT NOT NULL CHECK (\(isSHA("working_sha256"))),
            original_had_gps    INTEGER NOT NULL CHECK (original_had_gps IN (0, 1)),
            original_had_device_serial INTEGER NOT NULL CHECK (original_had_device_serial IN (0, 1)),
            UNIQUE (tip_id, ordinal)
        ) STRICT;

        CREATE TABLE hashes (
            id          INTEGER PRIMARY KEY,
            owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('object_crop','tip_photo')),
            owner_id    INTEGER NOT NULL,
            algo        TEXT NOT NULL,
            hex         TEXT NOT NULL,
            quality     INTEGER,
            UNIQUE (owner_kind, owner_id, algo, hex)
        ) STRICT;
        CREATE INDEX hashes_algo ON hashes(algo);

        -- The owner is polymorphic, so a foreign key cannot express it; a trigger does.
        CREATE TRIGGER hashes_owner_exists BEFORE INSERT ON hashes
        WHEN (NEW.owner_kind = 'object_crop' AND NOT EXISTS (SELECT 1 FROM object_crops WHERE id = NEW.owner_id))
          OR (NEW.owner_kind = 'tip_photo' AND NOT EXISTS (SELECT 1 FROM tip_photos WHERE id = NEW.owner_id))
        BEGIN SELECT RAISE(ABORT, 'hash owner does not exist'); END;

        CREATE TABLE candidates (
            id          INTEGER PRIMARY KEY,
            object_id   INTEGER NOT NULL REFERENCES objects(id),
            brand       TEXT,
            product     TEXT,
            country     TEXT CHECK (country IS NULL OR length(country) = 2),
            hypothesis_key TEXT NOT NULL,
            score       REAL NOT NULL,
            state       TEXT NOT NULL CHECK (state IN ('proposed','corroborated','confirmed','rejected')),
            decided_by  TEXT,
            CHECK (brand IS NOT NULL OR product IS NOT NULL OR country IS NOT NULL),
            UNIQUE (object_id, hypothesis_key)
        ) STRICT;

        CREATE TABLE candidate_support (
            candidate_id INTEGER NOT NULL REFERENCES candidates(id),
            tip_id       INTEGER NOT NULL REFERENCES tips(id),
            PRIMARY KEY (candidate_id, tip_id)
        ) STRICT;
        CREATE INDEX candidate_support_tip ON candidate_support(tip_id);

        CREATE TABLE reviews (
            id          INTEGER PRIMARY KEY,
            time_ms     INTEGER NOT NULL,
            analyst     TEXT NOT NULL,
            subject_kind TEXT NOT NULL,
            subject_key TEXT NOT NULL,
            action      TEXT NOT NULL,
            reason      TEXT NOT NULL
        ) STRICT;
        CREATE INDEX reviews_subject ON reviews(subject_kind, subject_key);

        CREATE TABLE audit_log (
            seq         INTEGER PRIMARY KEY,
            time_ms     INTEGER NOT NULL,
            analyst     TEXT NOT NULL,
            action      TEXT NOT NULL,
            subject     TEXT NOT NULL,
            details     TEXT NOT NULL,
            prev_hash   TEXT NOT NULL,
            hash        TEXT NOT NULL
        ) STRICT;

        -- Append-only. Someone with write access to the file can drop these; the hash chain is what catches that.
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
        BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
        CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
        BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;

        CREATE TABLE import_progress (
            source      TEXT NOT NULL,
            line_sha256 TEXT NOT NULL CHECK (\(isSHA("line_sha256"))),
            line_number INTEGER NOT NULL,
            outcome     TEXT NOT NULL CHECK (outcome IN ('imported','duplicate','rejected')),
            tip_id      INTEGER REFERENCES tips(id),
            message     TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (source, line_sha256)
        ) STRICT;

        CREATE TABLE banks (
            id      INTEGER PRIMARY KEY,
            name    TEXT NOT NULL UNIQUE,
            kind    TEXT NOT NULL
        ) STRICT;

        CREATE TABLE bank_hashes (
            id      INTEGER PRIMARY KEY,
            bank_id INTEGER NOT NULL REFERENCES banks(id),
            algo    TEXT NOT NULL,
            hex     TEXT NOT NULL,
            label   TEXT NOT NULL DEFAULT '',
            UNIQUE (bank_id, algo, hex)
        ) STRICT;
        """

    /// Auto-match results (one row per tip photo and matched reference image) and small settings such as
    /// the calibrated match policy. Part of version 1: no store with an earlier version 1 was ever shipped.
    private static let v1Matches = """
        CREATE TABLE tip_matches (
            id            INTEGER PRIMARY KEY,
            tip_photo_id  INTEGER NOT NULL REFERENCES tip_photos(id),
            tip_id        INTEGER NOT NULL REFERENCES tips(id),
            ref_kind      TEXT NOT NULL CHECK (ref_kind IN ('object_crop','tip_photo')),
            ref_id        INTEGER NOT NULL,
            object_id     INTEGER REFERENCES objects(id),
            ref_tip_id    INTEGER REFERENCES tips(id),
            algos         TEXT NOT NULL,
            distances     TEXT NOT NULL,
            transform     TEXT NOT NULL,
            tier          TEXT NOT NULL CHECK (tier IN ('confirm','suggest')),
            strength      REAL NOT NULL,
            region        TEXT,
            UNIQUE (tip_photo_id, ref_kind, ref_id)
        ) STRICT;
        CREATE INDEX tip_matches_object ON tip_matches(object_id);
        CREATE INDEX tip_matches_tip ON tip_matches(tip_id);
        CREATE INDEX tips_about ON tips(about_object_id);

        CREATE TABLE settings (
            key    TEXT PRIMARY KEY,
            value  TEXT NOT NULL
        ) STRICT;
        """

    /// Version 2: what a long-lived, store-size-independent intake needs.
    ///
    /// - `object_evidence`, `hypothesis_clusters`, `hypothesis_scores`: per object, the tips that concern it
    ///   (with their near-duplicate cluster, weight and normalised claims key) and, per hypothesis, the best
    ///   contribution of each cluster and the running score, so a new tip updates a few rows instead of
    ///   re-ranking every tip about the object. Derived data: an object without a row in `evidence_fresh` is
    ///   rebuilt from the source tables before use (every store from version 1 starts that way, and an
    ///   analyst's review, link or close of a tip clears its objects' rows).
    /// - `change_counters`: bumped by triggers whenever the catalogue (object states, crops, crop hashes, local
    ///   features), the banks or the settings change, whichever process or code path made the change, so a
    ///   long-lived process knows when to reload its indexes.
    /// - `tip_photo_repeats`: a later tip that sends a photo already stored (same original bytes) refers to the
    ///   earlier photo row instead of being dropped; the image and its hashes are stored once.
    /// - `local_features`: a crop's local-feature blob in its own table (was a fake `localfeat` hash row).
    /// - bank kinds limited to `allow-list` and `watch-list` (a trigger: the column predates the rule).
    private static let v2 = """
        CREATE TABLE object_evidence (
            object_id   INTEGER NOT NULL REFERENCES objects(id),
            tip_id      INTEGER NOT NULL REFERENCES tips(id),
            cluster_id  INTEGER NOT NULL,       -- smallest tip id of the tip's near-duplicate cluster
            hkey        TEXT NOT NULL,          -- normalised claims key; '' when the tip claims nothing
            fields      INTEGER NOT NULL CHECK (fields BETWEEN 0 AND 3),
            weight      REAL NOT NULL CHECK (weight >= 0),
            PRIMARY KEY (object_id, tip_id)
        ) STRICT;
        CREATE INDEX object_evidence_key ON object_evidence(object_id, hkey, cluster_id);
        CREATE INDEX object_evidence_tip ON object_evidence(tip_id);
        CREATE INDEX object_evidence_cluster ON object_evidence(object_id, cluster_id);

        CREATE TABLE hypothesis_scores (
            object_id   INTEGER NOT NULL REFERENCES objects(id),
            hkey        TEXT NOT NULL CHECK (length(hkey) > 0),
            brand       TEXT,
            product     TEXT,
            country     TEXT,
            fields      INTEGER NOT NULL CHECK (fields BETWEEN 1 AND 3),
            score       REAL NOT NULL CHECK (score >= 0),
            clusters    INTEGER NOT NULL CHECK (clusters >= 0),
            PRIMARY KEY (object_id, hkey)
        ) STRICT;

        CREATE TABLE hypothesis_clusters (
            object_id   INTEGER NOT NULL REFERENCES objects(id),
            hkey        TEXT NOT NULL,
            cluster_id  INTEGER NOT NULL,
            best        REAL NOT NULL CHECK (best >= 0),
            best_tip    INTEGER NOT NULL REFERENCES tips(id),
            PRIMARY KEY (object_id, hkey, cluster_id)
        ) STRICT;

        CREATE TABLE evidence_fresh (
            object_id   INTEGER PRIMARY KEY REFERENCES objects(id)
        ) STRICT;

        CREATE TABLE tip_photo_repeats (
            tip_id      INTEGER NOT NULL REFERENCES tips(id),
            ordinal     INTEGER NOT NULL,
            photo_id    INTEGER NOT NULL REFERENCES tip_photos(id),
            PRIMARY KEY (tip_id, ordinal)
        ) STRICT;
        CREATE INDEX tip_photo_repeats_photo ON tip_photo_repeats(photo_id);

        CREATE TABLE local_features (
            crop_id     INTEGER PRIMARY KEY REFERENCES object_crops(id),
            blob_sha256 TEXT NOT NULL CHECK (\(isSHA("blob_sha256")))
        ) STRICT;
        INSERT INTO local_features (crop_id, blob_sha256)
            SELECT owner_id, hex FROM hashes WHERE owner_kind = 'object_crop' AND algo = 'localfeat';
        DELETE FROM hashes WHERE algo = 'localfeat';

        CREATE TABLE change_counters (
            name    TEXT PRIMARY KEY CHECK (name IN ('catalogue','banks','settings')),
            value   INTEGER NOT NULL
        ) STRICT;
        INSERT INTO change_counters (name, value) VALUES ('catalogue', 0), ('banks', 0), ('settings', 0);
        CREATE TRIGGER catalogue_object_state AFTER UPDATE OF state ON objects
        BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'catalogue'; END;
        CREATE TRIGGER catalogue_crop AFTER INSERT ON object_crops
        BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'catalogue'; END;
        CREATE TRIGGER catalogue_crop_hash AFTER INSERT ON hashes WHEN NEW.owner_kind = 'object_crop'
        BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'catalogue'; END;
        CREATE TRIGGER catalogue_local_features AFTER INSERT ON local_features
        BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'catalogue'; END;
        CREATE TRIGGER catalogue_local_features_update AFTER UPDATE ON local_features
        BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'catalogue'; END;
        CREATE TRIGGER banks_changed AFTER INSERT ON bank_hashes
        BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'banks'; END;
        CREATE TRIGGER banks_kind_changed AFTER UPDATE OF kind ON banks
        BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'banks'; END;
        CREATE TRIGGER settings_inserted AFTER INSERT ON settings
        BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'settings'; END;
        CREATE TRIGGER settings_updated AFTER UPDATE ON settings
        BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'settings'; END;

        CREATE TRIGGER banks_kind_insert BEFORE INSERT ON banks WHEN NEW.kind NOT IN ('allow-list','watch-list')
        BEGIN SELECT RAISE(ABORT, 'bank kind must be allow-list or watch-list'); END;
        CREATE TRIGGER banks_kind_update BEFORE UPDATE OF kind ON banks WHEN NEW.kind NOT IN ('allow-list','watch-list')
        BEGIN SELECT RAISE(ABORT, 'bank kind must be allow-list or watch-list'); END;
        """
}
