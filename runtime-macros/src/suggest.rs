//! "Did you mean ...?" for misspelt argument names and flavors.

/// The candidate closest to `word`, if one is close enough to be a likely
/// typo: a known alias (`core_threads` → `worker_threads`), then the smallest
/// edit distance within a third of the word's length (at least 2), then a
/// candidate that contains the word (`blocking` → `max_blocking_threads`).
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase().replace('-', "_");
    if let Some(alias) = alias(&word) {
        if let Some(hit) = candidates.iter().find(|c| **c == alias) {
            return Some(hit);
        }
    }
    let limit = (word.chars().count() / 3).max(2);
    let by_distance = candidates
        .iter()
        .map(|c| (levenshtein(&word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    by_distance.or_else(|| {
        (word.len() >= 4)
            .then(|| candidates.iter().find(|c| c.contains(word.as_str())))
            .flatten()
            .copied()
    })
}

/// Names users bring from other runtimes, or from tokio's older releases.
fn alias(word: &str) -> Option<&'static str> {
    Some(match word {
        "core_threads" | "threads" | "workers" | "num_workers" | "num_threads" | "worker_count" => {
            "worker_threads"
        }
        "blocking_threads" | "max_threads" | "blocking_pool_size" => "max_blocking_threads",
        "scheduler" | "runtime" | "kind" | "flavour" => "flavor",
        "krate" | "crate_path" | "path" | "runtime_crate" => "crate",
        "paused" | "pause" | "pause_time" | "paused_time" => "start_paused",
        "basic_scheduler" | "single_thread" | "single_threaded" | "local" => "current_thread",
        "threaded_scheduler" | "multi_threaded" | "work_stealing" => "multi_thread",
        _ => return None,
    })
}

/// Levenshtein distance (insertions, deletions, substitutions), by chars.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{closest, levenshtein};

    const KEYS: &[&str] = &[
        "flavor",
        "worker_threads",
        "max_blocking_threads",
        "start_paused",
        "crate",
    ];

    #[test]
    fn distance() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("worker_thread", "worker_threads"), 1);
        assert_eq!(levenshtein("flavor", ""), 6);
    }

    #[test]
    fn typos_find_their_key() {
        assert_eq!(closest("worker_thread", KEYS), Some("worker_threads"));
        assert_eq!(closest("Worker_Threads", KEYS), Some("worker_threads"));
        assert_eq!(closest("flavr", KEYS), Some("flavor"));
        assert_eq!(closest("start-paused", KEYS), Some("start_paused"));
        assert_eq!(
            closest("max_blocking_thread", KEYS),
            Some("max_blocking_threads")
        );
    }

    #[test]
    fn aliases_and_substrings() {
        assert_eq!(closest("core_threads", KEYS), Some("worker_threads"));
        assert_eq!(closest("flavour", KEYS), Some("flavor"));
        assert_eq!(closest("blocking", KEYS), Some("max_blocking_threads"));
        assert_eq!(
            closest("multi", &["multi_thread", "current_thread"]),
            Some("multi_thread")
        );
        assert_eq!(
            closest("basic_scheduler", &["multi_thread", "current_thread"]),
            Some("current_thread")
        );
    }

    #[test]
    fn unrelated_words_get_no_suggestion() {
        assert_eq!(closest("enable_io", KEYS), None);
        assert_eq!(closest("x", KEYS), None);
        // An alias only counts when its target is valid here.
        assert_eq!(closest("paused", &["flavor"]), None);
    }
}
