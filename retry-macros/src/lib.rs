//! The `#[retry]` attribute. Use it through `retry_runtime::retry`.

use proc_macro::TokenStream;

/// Retries the function it is placed on.
#[proc_macro_attribute]
pub fn retry(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
