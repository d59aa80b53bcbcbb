//! The process's heap, tuned for training: freed tensors stay in the heap for the next step.
//!
//! glibc's malloc serves every block of 128 KiB or more with its own `mmap` and unmaps it on
//! `free`. A training step on the flex backend allocates and frees the same multi-MiB tensors
//! every step (at batch 8192 an expert layer's output alone is 4 MiB), so without this each
//! step faulted in and zeroed fresh pages from the kernel: `perf` put page faults at about a
//! fifth of an mmoe step at batch 8192. Keeping blocks up to 32 MiB in the heap and never
//! trimming it makes batch-8192 steps about 1.6× (mmoe) to 1.8× (shared-bottom) faster; batch
//! 256, whose tensors are smaller, is unchanged (the side-by-side numbers are in
//! tests/bench/README.md).

/// Sets glibc's mmap and trim thresholds (see the module doc). Call before other threads
/// start. Elsewhere (other C libraries, other systems) the allocator is left as it is.
pub fn keep_freed_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // 32 MiB: the ceiling of glibc's own dynamic threshold on 64-bit systems.
        const MMAP_THRESHOLD: libc::c_int = 32 << 20;
        const TRIM_THRESHOLD: libc::c_int = libc::c_int::MAX;
        // SAFETY: mallopt only changes two allocator parameters; it returns 0 when it refuses
        // a value, which leaves glibc's default in place (slower, still correct).
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
    }
}
