//! `#[derive(Describe)]`, written against the compiler's own `proc_macro` API
//! only (no syn or quote), so the example needs no crates.io access.

use proc_macro::{Delimiter, Spacing, TokenStream, TokenTree};

/// Implements the trait `Describe` (which must be in scope where the derive
/// is used) for a struct with named fields: `NAME` is the struct's name and
/// `FIELDS` its field names in order. Anything else becomes a compile error.
#[proc_macro_derive(Describe)]
pub fn derive_describe(input: TokenStream) -> TokenStream {
    let code = match parse_struct(input) {
        Ok((name, fields)) => {
            let fields: Vec<String> = fields.iter().map(|f| format!("{f:?}")).collect();
            format!(
                "impl Describe for {name} {{\n\
                 const NAME: &'static str = {name:?};\n\
                 const FIELDS: &'static [&'static str] = &[{}];\n\
                 }}",
                fields.join(", ")
            )
        }
        Err(message) => format!("compile_error!({message:?});"),
    };
    code.parse().expect("the generated code is valid Rust")
}

/// Returns the struct's name and field names.
fn parse_struct(input: TokenStream) -> Result<(String, Vec<String>), String> {
    let mut tokens = input.into_iter();
    // Attributes and the visibility come before the keyword.
    loop {
        match tokens.next() {
            Some(TokenTree::Ident(ident)) => match ident.to_string().as_str() {
                "struct" => break,
                "enum" | "union" => return Err("derive(Describe) supports structs only".into()),
                _ => {}
            },
            Some(_) => {}
            None => return Err("derive(Describe): no struct found".into()),
        }
    }
    let name = match tokens.next() {
        Some(TokenTree::Ident(ident)) => ident.to_string(),
        _ => return Err("derive(Describe): the struct has no name".into()),
    };
    match tokens.next() {
        Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => {
            Ok((name, field_names(body.stream())))
        }
        Some(TokenTree::Punct(p)) if p.as_char() == '<' => {
            Err("derive(Describe) does not support generic structs".into())
        }
        _ => Err("derive(Describe) needs a struct with named fields".into()),
    }
}

/// Returns the field names of a `{ ... }` struct body. Each field is
/// `#[attrs] vis name: Type`, separated by commas that are not inside the
/// type's angle brackets (which, unlike parentheses, are not token groups).
fn field_names(body: TokenStream) -> Vec<String> {
    let mut names = Vec::new();
    let mut at_field_start = true;
    let mut angle_depth = 0usize;
    let mut after_joint_minus = false;
    for token in body {
        let arrow = after_joint_minus;
        after_joint_minus = false;
        if at_field_start {
            // Skips `#`, an attribute's [..] group, `pub` and its (crate).
            if let TokenTree::Ident(ident) = token {
                let text = ident.to_string();
                if text != "pub" {
                    names.push(text.trim_start_matches("r#").to_string());
                    at_field_start = false;
                }
            }
            continue;
        }
        if let TokenTree::Punct(p) = token {
            match p.as_char() {
                '<' => angle_depth += 1,
                // The '>' of `->` in a function type closes nothing.
                '>' if !arrow => angle_depth = angle_depth.saturating_sub(1),
                '-' => after_joint_minus = p.spacing() == Spacing::Joint,
                ',' if angle_depth == 0 => at_field_start = true,
                _ => {}
            }
        }
    }
    names
}
