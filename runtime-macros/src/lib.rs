//! `#[runtime::main]` and `#[runtime::test]` (being written).
use proc_macro::TokenStream;

/// Placeholder: expands `async fn main` onto a multi-thread runtime.
#[proc_macro_attribute]
pub fn main(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Placeholder.
#[proc_macro_attribute]
pub fn test(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
