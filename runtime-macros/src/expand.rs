//! Turning `async fn` into a plain `fn` that builds a runtime and blocks on
//! the body.
//!
//! Spans: the user's tokens (attributes, signature, body, argument keys and
//! values) keep their own spans; everything the macro adds is spanned at the
//! attribute (`Span::call_site()`), with `Span::mixed_site()` for the macro's
//! own locals so they can never clash with the user's names. No generated
//! token borrows the span of the user's last statement, which is what confuses
//! IDEs (tokio #5518).
//!
//! On any error the function is still emitted, non-async and with its real
//! body inside an `async move` block that is type-checked but never run, next
//! to the `compile_error!`s: IDEs keep their completions and the user sees only
//! the macro's errors, not follow-on ones.

use crate::args::{self, Errors, Flavor, Kind};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::{AttrStyle, Attribute, FnArg, Ident, ItemFn, ReturnType, Type};

/// Entry point shared by both attributes.
pub(crate) fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                format_args!(
                    "`{}` goes on an `async fn`, like `{} async fn {}() {{ ... }}`",
                    kind.attr(),
                    kind.attr(),
                    if kind == Kind::Main {
                        "main"
                    } else {
                        "my_test"
                    },
                ),
            );
            let mut out = item;
            out.extend(error.into_compile_error());
            return out;
        }
    };

    let mut errors = Errors::default();
    let args = args::parse(kind, attr, &mut errors);
    check_signature(kind, &func, &mut errors);
    match errors.into_result() {
        Ok(()) => runtime_fn(kind, &args, func),
        Err(error) => {
            let mut out = error.into_compile_error();
            out.extend(fallback_fn(kind, func));
            out
        }
    }
}

fn check_signature(kind: Kind, func: &ItemFn, errors: &mut Errors) {
    let sig = &func.sig;
    let name = &sig.ident;
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span,
            format_args!(
                "the `async` keyword is missing from the function declaration: `{}` runs an \
                 async body; write `async fn {name}`",
                kind.attr()
            ),
        );
    }
    if !sig.inputs.is_empty() {
        match kind {
            Kind::Main if name == "main" => errors.push(syn::Error::new_spanned(
                &sig.inputs,
                "`main` cannot take arguments; remove them and read the command line with \
                 `std::env::args()` inside `main`",
            )),
            Kind::Test => errors.push(syn::Error::new_spanned(
                &sig.inputs,
                "test functions cannot take arguments; remove them and build the inputs in the \
                 test body",
            )),
            Kind::Main => {}
        }
    }
    if kind == Kind::Test {
        for attr in func.attrs.iter().filter(|a| is_test_attr(a)) {
            errors.push(syn::Error::new_spanned(
                attr,
                "this function already has a test attribute; `#[runtime::test]` registers the \
                 test itself, so remove this one",
            ));
        }
    }
}

/// `#[test]`, `#[core::prelude::v1::test]`, `#[tokio::test]`, ... would make
/// a second test (or an error about an `async` test) out of the function.
fn is_test_attr(attr: &Attribute) -> bool {
    matches!(attr.style, AttrStyle::Outer)
        && attr
            .path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "test")
}

/// Outer attributes go on the generated `fn`, inner ones (`#![allow(..)]`
/// written at the top of the body) inside it.
fn split_attrs(attrs: Vec<Attribute>) -> (Vec<Attribute>, Vec<Attribute>) {
    attrs
        .into_iter()
        .partition(|a| matches!(a.style, AttrStyle::Outer))
}

/// `async move { body }`, with the body's value annotated with the declared
/// return type when that type can be written in a `let` (not `impl Trait`,
/// not `!`). The annotation makes `?` infer its error conversion, and puts a
/// wrong tail expression's "mismatched types" on the user's body instead of
/// on the attribute.
fn body_future(func: &ItemFn) -> TokenStream {
    let block = &func.block;
    match &func.sig.output {
        ReturnType::Type(_, ty) if nameable(ty) => {
            let ret = Ident::new("__runtime_ret", Span::mixed_site());
            // A body that always returns early (`loop { .. return .. }`)
            // makes the tail unreachable; that is not the user's concern.
            quote! {
                async move {
                    let #ret: #ty = #block;
                    #[allow(unreachable_code)]
                    {
                        #ret
                    }
                }
            }
        }
        _ => quote!(async move #block),
    }
}

fn nameable(ty: &Type) -> bool {
    fn has_impl(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(i) => i == "impl",
            TokenTree::Group(g) => has_impl(g.stream()),
            _ => false,
        })
    }
    !matches!(ty, Type::Never(_)) && !has_impl(ty.to_token_stream())
}

/// The successful expansion.
fn runtime_fn(kind: Kind, args: &args::Args, func: ItemFn) -> TokenStream {
    let body = body_future(&func);
    let ItemFn {
        attrs,
        vis,
        mut sig,
        ..
    } = func;
    sig.asyncness = None;
    let (outer, inner) = split_attrs(attrs);

    let krate = match &args.krate {
        Some(path) => path.to_token_stream(),
        None => quote!(::runtime),
    };
    let mut builder = match args.flavor {
        Flavor::MultiThread => quote!(#krate::Builder::new_multi_thread()),
        Flavor::CurrentThread => quote!(#krate::Builder::new_current_thread()),
    };
    // The setter is named with the user's key ident: a missing method or a
    // type error lands on the argument, and "go to definition" on it opens
    // the `Builder` method.
    if let Some((key, n)) = &args.worker_threads {
        builder.extend(quote!(.#key(#n)));
    }
    if let Some((key, n)) = &args.max_blocking_threads {
        builder.extend(quote!(.#key(#n)));
    }
    if let Some((key, b)) = &args.start_paused {
        builder.extend(quote!(.#key(#b)));
    }
    // Through a macro of the facade, which is `.tokio_bridge()` with the
    // `tokio-bridge` feature and a `compile_error!` saying so without it.
    if let Some(key) = &args.tokio_bridge {
        let mac = quote::format_ident!("__tokio_bridge", span = key.span());
        builder = quote!(#krate::#mac!(#builder));
    }

    let test_attr = match kind {
        Kind::Test => quote!(#[::core::prelude::v1::test]),
        Kind::Main => quote!(),
    };
    let body_var = Ident::new("body", Span::mixed_site());
    let rt = Ident::new("rt", Span::mixed_site());
    quote! {
        #test_attr
        #(#outer)*
        #vis #sig {
            #(#inner)*
            let #body_var = #body;
            #[allow(clippy::expect_used)]
            let #rt = #builder.build().expect("failed to build the runtime");
            #rt.block_on(#body_var)
        }
    }
}

/// What is emitted beside the errors: the same function, made non-async,
/// whose body is type-checked inside a future that is never run. It names no
/// item of the `runtime` crate (whose path may be what is wrong), gets no
/// `#[test]` (a test with arguments would be a second error), and `main` loses
/// its arguments (rustc would report `main` with the wrong type), which become
/// locals so the body still resolves them.
fn fallback_fn(kind: Kind, func: ItemFn) -> TokenStream {
    let body = body_future(&func);
    let ItemFn {
        attrs,
        vis,
        mut sig,
        ..
    } = func;
    sig.asyncness = None;
    let (outer, inner) = split_attrs(attrs);

    let never = Ident::new("__runtime_never", Span::mixed_site());
    let mut locals = Vec::new();
    if kind == Kind::Main && sig.ident == "main" && !sig.inputs.is_empty() {
        for input in std::mem::take(&mut sig.inputs) {
            if let FnArg::Typed(arg) = input {
                let (pat, ty) = (&arg.pat, &arg.ty);
                locals.push(quote!(let #pat: #ty = #never();));
            }
        }
    }
    let never_fn =
        (!locals.is_empty()).then(|| quote!(fn #never<T>() -> T { ::core::unreachable!() }));
    let allow_dead = match kind {
        Kind::Test => quote!(#[allow(dead_code)]),
        Kind::Main => quote!(),
    };
    let block_on = Ident::new("__runtime_block_on", Span::mixed_site());
    let body_var = Ident::new("body", Span::mixed_site());
    quote! {
        #(#outer)*
        #allow_dead
        #vis #sig {
            #(#inner)*
            fn #block_on<F: ::core::future::Future>(_: F) -> F::Output {
                ::core::unreachable!()
            }
            #never_fn
            #(#locals)*
            let #body_var = #body;
            #block_on(#body_var)
        }
    }
}
