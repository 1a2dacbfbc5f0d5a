// Store: work in progress.
