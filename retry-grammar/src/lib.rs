//! The one language of `#[retry]`, below both of its front ends: the macro (Rust tokens)
//! and configuration text (`retry_runtime::config`).
//!
//! Here, and only here: the tables of keys, stop conditions, wait strategies, units and log
//! levels; the duration reader; "did you mean"; every message; and the checker that turns a
//! [`Term`] (with spans of whatever kind its front end has) into a typed [`StopSpec`] or
//! [`WaitSpec`], reporting every [`Diagnostic`] at once. The text front end ([`parse_text`])
//! lives here too, so that configuration and the tests share it.
//!
//! ```
//! use retry_grammar::{check_wait, parse_text, Front, TextKind, WaitSpec};
//!
//! let term = parse_text("fixed(1) + random(0, 500ms)", TextKind::Wait)?;
//! assert!(matches!(check_wait(&term, Front::Text), Ok(WaitSpec::Sum(_))));
//!
//! let term = parse_text("expo(1s, 60s)", TextKind::Wait)?;
//! let errors = check_wait(&term, Front::Text).unwrap_err();
//! assert!(errors[0].to_string().starts_with("unknown wait strategy `expo` (did you mean `exponential`?)"));
//! # Ok::<(), retry_grammar::SyntaxError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod check;
mod duration;
mod problem;
mod spec;
mod suggest;
mod table;
mod term;
mod text;

pub use check::{Diagnostics, Front, check_duration, check_hedge, check_hedges, check_stop, check_wait};
pub use duration::{Words, read_duration};
pub use problem::{Argument, Diagnostic, Problem, Table};
pub use spec::{Base, Count, Delay, Fraction, StopSpec, WaitSpec};
pub use suggest::{closest, one_of, snippet};
pub use table::*;
pub use term::{Node, Op, Term};
pub use text::{
    ByteRange, Entry, MAX_DEPTH, MAX_LEN, MAX_TOKENS, SyntaxError, TextKind, check_len, column, entries, parse_text,
};
