//! Allocator settings for large imports. On `bench ingest` (SQLite, 100k
//! messages; docs/benchmarks.md) a quarter of all CPU samples were the kernel
//! zeroing transparent huge pages (2 MiB per fault) under mimalloc's arenas,
//! most of them barely used. With THP off for this process, system time fell
//! from ~2.3 s to ~0.9 s per run.

/// Turns transparent huge pages off for this process, unless the operator
/// chose through mimalloc's own `MIMALLOC_ALLOW_THP`.
pub fn tune() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // The kernel checks this flag at each page fault, so it applies to the
        // arenas mimalloc has already mapped too. A failure leaves THP on:
        // slower, not wrong.
        // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory.
        let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn huge_pages_are_off_after_tuning() {
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
            eprintln!("SKIPPED: MIMALLOC_ALLOW_THP is set in the environment");
            return;
        }
        super::tune();
        // SAFETY: PR_GET_THP_DISABLE takes plain integers.
        let flag = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(flag, 1);
    }
}
