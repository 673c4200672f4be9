#[runtime::main]
async fn main(verbose: bool) {
    if verbose {
        println!("hello");
    }
}
