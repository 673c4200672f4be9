//! Parsing and checking the attribute's arguments: `flavor = "..."`,
//! `worker_threads = N`, `max_blocking_threads = N`, `start_paused = bool`,
//! `tokio_bridge` (a flag), `crate = "path"`.
//!
//! Every mistake becomes an error on the offending token that says what to
//! write instead; all of them are collected, so one build shows them all.

use crate::suggest::closest;
use proc_macro2::{Span, TokenStream};
use std::collections::HashMap;
use std::fmt::Write as _;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, ExprLit, Ident, Lit, LitBool, LitInt, Path, Token};

/// Which attribute is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[runtime::main]`
    Main,
    /// `#[runtime::test]`
    Test,
}

impl Kind {
    /// The attribute as the user writes it, for messages.
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Kind::Main => "#[runtime::main]",
            Kind::Test => "#[runtime::test]",
        }
    }

    /// The argument names this attribute accepts, in documentation order.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Main => &[
                "flavor",
                "worker_threads",
                "max_blocking_threads",
                "tokio_bridge",
                "crate",
            ],
            Kind::Test => &[
                "flavor",
                "worker_threads",
                "max_blocking_threads",
                "start_paused",
                "tokio_bridge",
                "crate",
            ],
        }
    }

    fn default_flavor(self) -> Flavor {
        match self {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        }
    }
}

/// The runtime flavor the function runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `Builder::new_multi_thread()`
    MultiThread,
    /// `Builder::new_current_thread()`
    CurrentThread,
}

const FLAVORS: &[&str] = &["multi_thread", "current_thread"];

/// The checked arguments. Each setting keeps the user's key ident, so the
/// generated builder call carries the user's span (errors and IDE
/// "go to definition" land on the argument they wrote).
pub(crate) struct Args {
    /// Explicit or the attribute's default.
    pub(crate) flavor: Flavor,
    /// `worker_threads = N`, `N >= 1`, multi-thread flavor only.
    pub(crate) worker_threads: Option<(Ident, LitInt)>,
    /// `max_blocking_threads = N`, `N >= 1`.
    pub(crate) max_blocking_threads: Option<(Ident, LitInt)>,
    /// `start_paused = bool` (`#[runtime::test]` only).
    pub(crate) start_paused: Option<(Ident, LitBool)>,
    /// `tokio_bridge` (or `tokio_bridge = true`): `.tokio_bridge()`.
    pub(crate) tokio_bridge: Option<Ident>,
    /// `crate = "path"`: replaces `::runtime` in the expansion.
    pub(crate) krate: Option<Path>,
}

/// Collects errors so that one build reports every mistake at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn into_result(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

/// One `key` or `key = value` as written, before any checking.
struct RawArg {
    key: Ident,
    value: Option<Expr>,
}

/// Parses and checks the arguments, pushing every problem onto `errors`.
/// The returned `Args` holds whatever was valid (defaults elsewhere).
pub(crate) fn parse(kind: Kind, tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args {
        flavor: kind.default_flavor(),
        worker_threads: None,
        max_blocking_threads: None,
        start_paused: None,
        tokio_bridge: None,
        krate: None,
    };
    let raw = match (|input: ParseStream<'_>| parse_raw(kind, input)).parse2(tokens) {
        Ok(raw) => raw,
        Err(e) => {
            errors.push(e);
            return args;
        }
    };

    let mut seen: HashMap<String, Span> = HashMap::new();
    let mut explicit_flavor = false;
    for RawArg { key, value } in raw {
        let name = key.unraw().to_string();
        if !kind.keys().contains(&name.as_str()) {
            errors.at(key.span(), unknown_key(kind, &name));
            continue;
        }
        if seen.insert(name.clone(), key.span()).is_some() {
            errors.at(
                key.span(),
                format_args!("`{name}` is given twice; keep only one `{name} = ...`"),
            );
            continue;
        }
        if name == "tokio_bridge" {
            match value.as_ref().map(|v| boolean(&name, v)) {
                None => args.tokio_bridge = Some(key),
                Some(Ok(b)) => args.tokio_bridge = b.value.then_some(key),
                Some(Err(e)) => errors.push(e),
            }
            continue;
        }
        let Some(value) = value else {
            errors.at(
                key.span(),
                format_args!("`{name}` needs a value: write `{}`", example(&name)),
            );
            continue;
        };
        let checked = match name.as_str() {
            "flavor" => flavor(&value).map(|f| {
                args.flavor = f;
                explicit_flavor = true;
            }),
            "worker_threads" => count(&name, &value).map(|n| args.worker_threads = Some((key, n))),
            "max_blocking_threads" => {
                count(&name, &value).map(|n| args.max_blocking_threads = Some((key, n)))
            }
            "start_paused" => boolean(&name, &value).map(|b| args.start_paused = Some((key, b))),
            "crate" => crate_path(&value).map(|p| args.krate = Some(p)),
            _ => unreachable!("every key in Kind::keys is handled"),
        };
        if let Err(e) = checked {
            errors.push(e);
        }
    }

    if let Some((key, _)) = &args.worker_threads {
        if args.flavor == Flavor::CurrentThread {
            let message = if explicit_flavor {
                "`worker_threads` cannot be used with `flavor = \"current_thread\"`, which runs \
                 every task on the calling thread; remove `worker_threads`, or use \
                 `flavor = \"multi_thread\"`"
            } else {
                "`worker_threads` needs the multi-thread flavor, and `#[runtime::test]` runs on \
                 `current_thread` by default; add `flavor = \"multi_thread\"`"
            };
            errors.at(key.span(), message);
        }
    }
    args
}

/// `key [= expr], ...` with an optional trailing comma. `crate` is a keyword,
/// hence `Ident::parse_any`.
fn parse_raw(kind: Kind, input: ParseStream<'_>) -> syn::Result<Vec<RawArg>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        if !input.peek(Ident::peek_any) {
            return Err(input.error(format_args!(
                "expected an argument like `worker_threads = 4`; valid arguments: {}",
                valid_list(kind)
            )));
        }
        let key = input.call(Ident::parse_any)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse::<Expr>()?)
        } else {
            None
        };
        out.push(RawArg { key, value });
        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            return Err(input.error("expected `,` between arguments, like `a = 1, b = 2`"));
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}

fn unknown_key(kind: Kind, name: &str) -> String {
    if kind == Kind::Main && name == "start_paused" {
        return "`start_paused` is only available on `#[runtime::test]`: a paused clock is for \
                tests; remove it here"
            .to_string();
    }
    if FLAVORS.contains(&name) {
        return format!("the flavor is an argument's value: write `flavor = \"{name}\"`");
    }
    let mut message = format!("unknown argument `{name}`");
    match closest(name, kind.keys()) {
        Some(hint) => {
            let _ = write!(message, "; did you mean `{hint}`?");
        }
        None => message.push(';'),
    }
    let _ = write!(message, " valid arguments: {}", valid_list(kind));
    message
}

fn valid_list(kind: Kind) -> String {
    kind.keys()
        .iter()
        .map(|k| format!("`{}`", example(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How each argument is written, for messages.
fn example(key: &str) -> &'static str {
    match key {
        "flavor" => "flavor = \"multi_thread\" | \"current_thread\"",
        "worker_threads" => "worker_threads = 4",
        "max_blocking_threads" => "max_blocking_threads = 64",
        "start_paused" => "start_paused = true",
        "tokio_bridge" => "tokio_bridge",
        "crate" => "crate = \"my_runtime\"",
        _ => "key = value",
    }
}

fn lit(value: &Expr) -> Option<&Lit> {
    match value {
        Expr::Lit(ExprLit { lit, attrs }) if attrs.is_empty() => Some(lit),
        _ => None,
    }
}

fn flavor(value: &Expr) -> syn::Result<Flavor> {
    match lit(value) {
        Some(Lit::Str(s)) => match s.value().as_str() {
            "multi_thread" => Ok(Flavor::MultiThread),
            "current_thread" => Ok(Flavor::CurrentThread),
            other => {
                let mut message = format!("unknown flavor `{other}`");
                if let Some(hint) = closest(other, FLAVORS) {
                    let _ = write!(message, "; did you mean `flavor = \"{hint}\"`?");
                }
                message.push_str(
                    " expected `flavor = \"multi_thread\"` or `flavor = \"current_thread\"`",
                );
                Err(syn::Error::new(s.span(), message))
            }
        },
        _ => {
            let written = quote::ToTokens::to_token_stream(value).to_string();
            let wanted = closest(&written, FLAVORS).unwrap_or("current_thread");
            Err(syn::Error::new_spanned(
                value,
                format_args!("expected a string: write `flavor = \"{wanted}\"`"),
            ))
        }
    }
}

/// A thread count: an integer literal of at least 1, re-emitted unsuffixed
/// (so `2u8` still calls the `usize` setter) with the user's span.
fn count(name: &str, value: &Expr) -> syn::Result<LitInt> {
    match lit(value) {
        Some(Lit::Int(i)) => {
            let n: usize = i.base10_parse().map_err(|_| {
                syn::Error::new(i.span(), format_args!("`{name}` must fit in a `usize`"))
            })?;
            if n == 0 {
                let fix = if name == "worker_threads" {
                    "remove it to get one worker per CPU core"
                } else {
                    "remove it to keep the default limit"
                };
                return Err(syn::Error::new(
                    i.span(),
                    format_args!(
                        "`{name} = 0` would leave no thread to run on; use 1 or more, or {fix}"
                    ),
                ));
            }
            Ok(LitInt::new(&n.to_string(), i.span()))
        }
        Some(Lit::Str(s)) => {
            let inner = s.value();
            let shown = if inner.trim().parse::<usize>().is_ok_and(|n| n > 0) {
                inner.trim().to_string()
            } else {
                "4".to_string()
            };
            Err(syn::Error::new(
                s.span(),
                format_args!("expected an integer, found a string: write `{name} = {shown}`"),
            ))
        }
        _ => Err(syn::Error::new_spanned(
            value,
            format_args!("expected an integer literal: write `{name} = 4`"),
        )),
    }
}

fn boolean(name: &str, value: &Expr) -> syn::Result<LitBool> {
    match lit(value) {
        Some(Lit::Bool(b)) => Ok(b.clone()),
        Some(Lit::Str(s)) if matches!(s.value().as_str(), "true" | "false") => {
            Err(syn::Error::new(
                s.span(),
                format_args!(
                    "expected a bool, found a string: write `{name} = {}` without quotes",
                    s.value()
                ),
            ))
        }
        _ => Err(syn::Error::new_spanned(
            value,
            format_args!("expected `true` or `false`: write `{name} = true`"),
        )),
    }
}

/// `crate = "path"`; the parsed path's tokens carry the string's span.
fn crate_path(value: &Expr) -> syn::Result<Path> {
    match lit(value) {
        Some(Lit::Str(s)) => s.parse_with(Path::parse_mod_style).map_err(|_| {
            let written = s.value();
            let problem = if written.trim().is_empty() {
                "the crate path is empty".to_string()
            } else {
                format!("`{written}` is not a path")
            };
            syn::Error::new(
                s.span(),
                format_args!(
                    "{problem}: write the name the `runtime` crate has here, like \
                     `crate = \"my_runtime\"`"
                ),
            )
        }),
        _ => {
            let written = match value {
                Expr::Path(p) => quote::ToTokens::to_token_stream(&p.path)
                    .to_string()
                    .replace(' ', ""),
                _ => "my_runtime".to_string(),
            };
            Err(syn::Error::new_spanned(
                value,
                format_args!("expected a string: write `crate = \"{written}\"`"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Errors, Flavor, Kind};
    use quote::quote;

    fn errors_of(kind: Kind, tokens: proc_macro2::TokenStream) -> String {
        let mut errors = Errors::default();
        parse(kind, tokens, &mut errors);
        match errors.into_result() {
            Ok(()) => String::new(),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn defaults_per_attribute() {
        let mut errors = Errors::default();
        assert_eq!(
            parse(Kind::Main, quote!(), &mut errors).flavor,
            Flavor::MultiThread
        );
        assert_eq!(
            parse(Kind::Test, quote!(), &mut errors).flavor,
            Flavor::CurrentThread
        );
        assert!(errors.into_result().is_ok());
    }

    #[test]
    fn all_arguments_accepted() {
        let mut errors = Errors::default();
        let args = parse(
            Kind::Test,
            quote!(
                flavor = "multi_thread",
                worker_threads = 2u8,
                max_blocking_threads = 8,
                start_paused = true,
                crate = "::rt",
            ),
            &mut errors,
        );
        assert!(errors.into_result().is_ok());
        assert_eq!(args.flavor, Flavor::MultiThread);
        assert_eq!(args.worker_threads.unwrap().1.to_string(), "2");
        assert_eq!(args.max_blocking_threads.unwrap().1.to_string(), "8");
        assert!(args.start_paused.unwrap().1.value);
        assert!(args.krate.unwrap().leading_colon.is_some());
    }

    #[test]
    fn tokio_bridge_is_a_flag() {
        let mut errors = Errors::default();
        let args = parse(Kind::Main, quote!(tokio_bridge), &mut errors);
        assert!(errors.into_result().is_ok());
        assert!(args.tokio_bridge.is_some());
        let mut errors = Errors::default();
        let args = parse(Kind::Test, quote!(tokio_bridge = false), &mut errors);
        assert!(errors.into_result().is_ok());
        assert!(args.tokio_bridge.is_none());
        let e = errors_of(Kind::Main, quote!(tokio_bridge = 2));
        assert!(e.contains("write `tokio_bridge = true`"), "{e}");
        let e = errors_of(Kind::Main, quote!(tokio_bridge, tokio_bridge));
        assert!(e.contains("given twice"), "{e}");
    }

    #[test]
    fn every_mistake_is_reported() {
        let e = errors_of(
            Kind::Main,
            quote!(worker_thread = 2, flavor = 1, crate = rt),
        );
        assert!(e.contains("did you mean `worker_threads`?"), "{e}");
        assert!(e.contains("write `flavor = \"current_thread\"`"), "{e}");
        assert!(e.contains("write `crate = \"rt\"`"), "{e}");
    }

    #[test]
    fn unknown_key_lists_the_valid_ones() {
        let e = errors_of(Kind::Test, quote!(enable_time = true));
        assert!(
            e.starts_with("unknown argument `enable_time`; valid arguments: `flavor"),
            "{e}"
        );
        assert!(e.contains("`start_paused = true`"), "{e}");
        let e = errors_of(Kind::Main, quote!(core_threads = 2));
        assert!(
            e.contains("did you mean `worker_threads`? valid arguments:"),
            "{e}"
        );
        assert!(!e.contains("start_paused"), "{e}");
    }

    #[test]
    fn start_paused_is_for_tests() {
        let e = errors_of(Kind::Main, quote!(start_paused = true));
        assert!(e.contains("only available on `#[runtime::test]`"), "{e}");
        assert!(errors_of(Kind::Test, quote!(start_paused = false)).is_empty());
        let e = errors_of(Kind::Test, quote!(start_paused = "true"));
        assert!(
            e.contains("write `start_paused = true` without quotes"),
            "{e}"
        );
    }

    #[test]
    fn worker_threads_needs_multi_thread() {
        let e = errors_of(Kind::Test, quote!(worker_threads = 2));
        assert!(e.contains("add `flavor = \"multi_thread\"`"), "{e}");
        assert!(errors_of(
            Kind::Test,
            quote!(flavor = "multi_thread", worker_threads = 2)
        )
        .is_empty());
        let e = errors_of(
            Kind::Main,
            quote!(flavor = "current_thread", worker_threads = 2),
        );
        assert!(
            e.contains("cannot be used with `flavor = \"current_thread\"`"),
            "{e}"
        );
    }

    #[test]
    fn bare_and_malformed() {
        let e = errors_of(Kind::Main, quote!(current_thread));
        assert!(e.contains("write `flavor = \"current_thread\"`"), "{e}");
        let e = errors_of(Kind::Main, quote!(worker_threads));
        assert!(
            e.contains("needs a value: write `worker_threads = 4`"),
            "{e}"
        );
        let e = errors_of(Kind::Main, quote!(4));
        assert!(e.contains("expected an argument like"), "{e}");
        let e = errors_of(Kind::Main, quote!(worker_threads = 2 flavor = "x"));
        assert!(e.contains("expected `,`"), "{e}");
        let e = errors_of(Kind::Main, quote!(max_blocking_threads = 0));
        assert!(e.contains("use 1 or more"), "{e}");
        let e = errors_of(Kind::Main, quote!(worker_threads = -1));
        assert!(e.contains("expected an integer literal"), "{e}");
    }
}
