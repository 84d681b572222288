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

}  // namespace downhill

#endif
