//! This process's CPU time; shared by the tests (through `common`) and the
//! scheduler bench (by `#[path]`).

/// User + system CPU time of this process, in clock ticks (Linux only:
/// `None` elsewhere).
pub fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}
