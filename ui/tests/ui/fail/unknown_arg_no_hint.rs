// No close match: the message lists every argument `#[runtime::test]` takes.
#[runtime::test(enable_time = true)]
async fn timers() {}

fn main() {}
