// Matching: work in progress.
