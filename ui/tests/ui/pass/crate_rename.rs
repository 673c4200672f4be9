// `crate = "path"`: the runtime crate under another name.
extern crate runtime as rt;

#[rt::main(crate = "rt")]
async fn main() {
    assert_eq!(rt::spawn(async { 5 }).await.unwrap(), 5);
}
