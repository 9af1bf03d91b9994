//! A small accumulator over `syn::Error::combine`, so that every mistake in one attribute is
//! reported in one build.

use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Collects errors; `finish` yields all of them as one `syn::Error`.
#[derive(Default)]
pub(crate) struct Errors {
    all: Option<syn::Error>,
}

impl Errors {
    /// Records `error`.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.all {
            Some(all) => all.combine(error),
            None => self.all = Some(error),
        }
    }

    /// Records an error spanning `tokens`.
    pub(crate) fn spanned<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span`.
    pub(crate) fn at<M: Display>(&mut self, span: proc_macro2::Span, message: M) {
        self.push(syn::Error::new(span, message));
    }

    /// All the errors recorded, as `compile_error!` invocations.
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.all.map(|e| e.to_compile_error()).unwrap_or_default()
    }

    /// `Ok(value)` when nothing was recorded.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, Self> {
        if self.all.is_none() { Ok(value) } else { Err(self) }
    }
}

/// "did you mean" for a misspelling: the closest candidate within a small edit distance.
pub(crate) fn did_you_mean<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(found, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(found.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Damerau–Levenshtein (optimal string alignment) distance, so a swap (`stpo`) costs one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// "`a`, `b` or `c`".
pub(crate) fn one_of(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// "unknown X `found`; did you mean `y`? expected one of …".
pub(crate) fn unknown(what: &str, found: &str, choices: &[&str]) -> String {
    let hint = did_you_mean(found, choices).map(|c| format!("did you mean `{c}`? ")).unwrap_or_default();
    format!("unknown {what} `{found}`; {hint}expected one of {}", one_of(choices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposition_counts_as_one_edit() {
        // `stpo` must suggest `stop`: the spec's own example of a misspelled key.
        assert_eq!(did_you_mean("stpo", &["stop", "wait", "on"]), Some("stop"));
        assert_eq!(did_you_mean("expo", &["exponential", "fixed"]), None);
        assert_eq!(did_you_mean("exponental", &["exponential", "fixed"]), Some("exponential"));
    }

    #[test]
    fn unknown_names_the_suggestion_before_the_choices() {
        // One sentence per clause: no `?;` where the suggestion meets the list.
        assert_eq!(
            unknown("key", "stpo", &["stop", "wait"]),
            "unknown key `stpo`; did you mean `stop`? expected one of `stop` or `wait`"
        );
        assert_eq!(unknown("key", "x", &["stop", "wait"]), "unknown key `x`; expected one of `stop` or `wait`");
    }

    #[test]
    fn choices_read_as_a_sentence() {
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
        assert_eq!(one_of(&["a"]), "`a`");
    }
}
