// ObjtraceKit: work in progress.
