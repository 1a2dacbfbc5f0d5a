// ImageDecoding: work in progress.
import ImageCore
