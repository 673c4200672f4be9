extern crate runtime as rt;

#[rt::main(crate = rt)]
async fn main() {}
