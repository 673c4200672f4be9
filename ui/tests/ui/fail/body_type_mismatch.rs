// A wrong tail expression is reported in the body, against the declared
// return type, not on the attribute.
#[runtime::main]
async fn main() -> Result<(), String> {
    let _ = runtime::spawn(async {}).await;
}
