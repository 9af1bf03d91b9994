//! "Did you mean": the closest valid word to a misspelt one, and lists of valid words.

use core::fmt::Write;

/// Edit distance with adjacent transpositions counted as one edit (optimal string
/// alignment), so `stpo` is one edit from `stop`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows suffice: the one above, the one above that (for transpositions), this one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut above: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (above[j] + 1).min(row[j - 1] + 1).min(above[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            row[j] = best;
        }
        core::mem::swap(&mut before, &mut above);
        core::mem::swap(&mut above, &mut row);
    }
    above[b.len()]
}

/// The valid word closest to `word`, if one is close enough to be a likely typo: within a
/// third of the valid word's length in edits (at least one), compared without case, or one
/// of the two a prefix of the other of at least three letters (`expo` → `exponential`).
///
/// ```
/// use retry_grammar::closest;
/// assert_eq!(closest("stpo", &["stop", "wait"]), Some("stop"));
/// assert_eq!(closest("expo", &["exponential", "fixed"]), Some("exponential"));
/// assert_eq!(closest("banana", &["exponential", "fixed"]), None);
/// ```
pub fn closest<'a>(word: &str, valid: &[&'a str]) -> Option<&'a str> {
    // Misspelt words are short; a long one is not a typo of any of ours.
    if word.chars().count() > 64 {
        return None;
    }
    let lower = word.to_lowercase();
    valid
        .iter()
        .filter_map(|&candidate| {
            let d = distance(&lower, candidate);
            let close = d <= (candidate.len() / 3).max(1);
            let prefix = lower.len().min(candidate.len()) >= 3
                && (lower.starts_with(candidate) || candidate.starts_with(lower.as_str()));
            (close || prefix).then_some((d, candidate))
        })
        .min_by_key(|&(d, _)| d)
        .map(|(_, candidate)| candidate)
}

/// "`a`, `b` or `c`".
///
/// ```
/// assert_eq!(retry_grammar::one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
/// assert_eq!(retry_grammar::one_of(&["a"]), "`a`");
/// ```
pub fn one_of(valid: &[&str]) -> String {
    let mut out = String::new();
    for (i, word) in valid.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == valid.len() { " or " } else { ", " });
        }
        let _ = write!(out, "`{word}`");
    }
    out
}

/// `text` as a message quotes it: whole if short, else its start and an ellipsis, so that a
/// megabyte of input never makes a megabyte of message.
///
/// ```
/// assert_eq!(retry_grammar::snippet("short"), "short");
/// assert_eq!(retry_grammar::snippet(&"x".repeat(50)), format!("{}…", "x".repeat(40)));
/// ```
pub fn snippet(text: &str) -> String {
    const LONG: usize = 40;
    match text.char_indices().nth(LONG) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_a_swap_as_one_edit() {
        assert_eq!(distance("stpo", "stop"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn closest_finds_typos_and_prefixes_but_not_strangers() {
        let names = ["exponential", "exp_jitter", "fixed", "full_jitter"];
        assert_eq!(closest("exponental", &names), Some("exponential"));
        assert_eq!(closest("Fixed", &names), Some("fixed"));
        assert_eq!(closest("fullJitter", &names), Some("full_jitter"));
        assert_eq!(closest("warning", &["warn", "error"]), Some("warn"));
        assert_eq!(closest("banana", &names), None);
    }
}
