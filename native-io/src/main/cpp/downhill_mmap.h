// Read-only memory maps of data files (dev.downhill.io.MappedNpy, through dev.downhill.nativeio.NativeFiles): the
// backends then stream X straight from the page cache, block by block, with sequential read-ahead.
#ifndef DOWNHILL_MMAP_H
#define DOWNHILL_MMAP_H

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace downhill {

// Maps `length` bytes of `path` read-only; returns the address, or 0 with *error = errno.
inline void* map_file(const char* path, long long length, int* error) {
    *error = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        *error = errno;
        return 0;
    }
    void* p = mmap(0, (size_t) length, PROT_READ, MAP_SHARED, fd, 0);
    int saved = errno;
    close(fd);
    if (p == MAP_FAILED) {
        *error = saved;
        return 0;
    }
    madvise(p, (size_t) length, MADV_SEQUENTIAL);
    return p;
}

inline int unmap_file(void* address, long long length) {
    return munmap(address, (size_t) length) == 0 ? 0 : errno;
}

// Asks the kernel to back the 2 MiB-aligned interior of [address, address + length) with transparent huge pages
// (madvise(MADV_HUGEPAGE); Linux's default THP mode is "madvise", so without it a large array gets 4 KiB pages, and
// BLAS kernels and streaming passes over it pay a TLB miss every 4 KiB). Only pages not yet touched are affected: call
// it on fresh allocations. Returns 0, or errno (EINVAL where THP is unavailable; harmless); 0 where MADV_HUGEPAGE does
// not exist.
inline int advise_huge_pages(void* address, long long length) {
#ifdef MADV_HUGEPAGE
    const unsigned long long huge = 2ull << 20;
    unsigned long long first = ((unsigned long long) address + huge - 1) & ~(huge - 1);
    unsigned long long end = ((unsigned long long) address + (unsigned long long) length) & ~(huge - 1);
    if (end <= first) {
        return 0;
    }
    return madvise((void*) first, (size_t) (end - first), MADV_HUGEPAGE) == 0 ? 0 : errno;
#else
    return 0;
#endif
}

}  // namespace downhill

#endif
