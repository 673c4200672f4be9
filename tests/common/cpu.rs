//! This process's CPU time; shared by the tests (through `common`) and the
//! scheduler bench (by `#[path]`).

/// User + system CPU time of this process, in clock ticks (Linux only:
/// `None` elsewhere).
pub fn cpu_ticks() -> Option<u64> {
    stat_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// User + system CPU time, in clock ticks, of this process's threads whose
/// name starts with `prefix` (Linux only: `None` elsewhere). Unlike
/// [`cpu_ticks`], not disturbed by other tests running in the same process.
/// `None` also if no such thread exists, so a misspelt prefix cannot pass
/// for an idle runtime.
#[allow(dead_code)] // used by the tests, not by the bench
pub fn thread_cpu_ticks(prefix: &str) -> Option<u64> {
    let mut total = None;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        // A thread may exit between the listing and the read: skip it.
        let Ok(stat) = std::fs::read_to_string(task.ok()?.path().join("stat")) else {
            continue;
        };
        let name = &stat[stat.find('(')? + 1..stat.rfind(')')?];
        if name.starts_with(prefix) {
            *total.get_or_insert(0) += stat_ticks(&stat)?;
        }
    }
    total
}

/// utime + stime from a `/proc/.../stat` line.
fn stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}
