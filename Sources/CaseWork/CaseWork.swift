// CaseWork: work in progress.
