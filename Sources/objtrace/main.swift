import ArgumentParser
import ObjtraceKit
print("objtrace")
