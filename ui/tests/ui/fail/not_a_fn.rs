#[runtime::main]
struct Config;

fn main() {
    let _ = Config;
}
