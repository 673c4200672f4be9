// `main` returning `Result`: `?` converts errors, `return` leaves early.
use std::error::Error;

#[runtime::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: u32 = "21".parse()?;
    let doubled = runtime::spawn(async move { n * 2 }).await?;
    assert_eq!(doubled, 42);
    if doubled == 42 {
        return Ok(());
    }
    Err("unreachable".into())
}
