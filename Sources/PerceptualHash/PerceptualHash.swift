// PerceptualHash: work in progress.
import ImageCore
