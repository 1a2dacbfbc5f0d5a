import CImageCodecs

/// Allocator settings for bulk decoding.
public enum DecoderMemory {
    /// Keeps freed image-sized buffers in the process instead of handing them back to the kernel after each
    /// file. glibc serves large blocks (decoded rasters, filter rings) with fresh `mmap` pages by default and
    /// trims the heap top on free, so every file paid for page faults and page zeroing again. Memory stays
    /// bounded: what is kept is what the images in flight used. Call once before a batch.
    public static func retainFreedBuffers() { ot_retain_freed_buffers() }
}
