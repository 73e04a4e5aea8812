//! The hash chain of the audit log. Each event's hash is SHA-256 over the
//! previous hash and the event's fields, so editing or deleting any stored
//! event breaks every later link.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[allow(clippy::too_many_arguments)]
pub fn link_hash(
    prev_hash: &str,
    seq: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    subject_type: &str,
    subject_id: &str,
    payload: &str,
) -> String {
    let mut h = Sha256::new();
    // Length-prefix each field so that no two different events hash alike.
    for part in [prev_hash, actor, action, subject_type, subject_id, payload] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(seq.to_le_bytes());
    h.update(at_ms.to_le_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_field_changes_the_hash() {
        let base = link_hash(GENESIS, 1, 10, "a", "b", "c", "d", "{}");
        assert_eq!(base, link_hash(GENESIS, 1, 10, "a", "b", "c", "d", "{}"));
        assert_ne!(base, link_hash(GENESIS, 2, 10, "a", "b", "c", "d", "{}"));
        assert_ne!(base, link_hash(GENESIS, 1, 11, "a", "b", "c", "d", "{}"));
        assert_ne!(base, link_hash(GENESIS, 1, 10, "ab", "", "c", "d", "{}"));
        assert_ne!(base, link_hash(&base, 1, 10, "a", "b", "c", "d", "{}"));
    }
}
