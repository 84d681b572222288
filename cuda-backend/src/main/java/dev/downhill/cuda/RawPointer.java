package dev.downhill.cuda;

import org.bytedeco.javacpp.Pointer;

/**
 * An address handed to a native call, owning nothing (no deallocator): a device address, or a host
 * address inside memory someone else owns. Closing it frees nothing.
 */
final class RawPointer extends Pointer {
    RawPointer(long address) {
        this.address = address;
    }
}
