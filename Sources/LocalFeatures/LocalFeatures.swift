// LocalFeatures: work in progress.
