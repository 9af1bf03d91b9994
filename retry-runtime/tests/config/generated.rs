//! Generated valid forms: any expression the grammar allows, written out as text, parses
//! to what the same expression builds in code, or fails with the error `validate` gives
//! in code (never a parse error).

use std::time::Duration;

use proptest::prelude::*;
use retry_runtime::PolicyError;
use retry_runtime::config::{BoxStop, BoxWait, parse_stop, parse_wait};
use retry_runtime::stop::{Both, Either, Stop, attempts, deadline, elapsed, never};
use retry_runtime::wait::{
    Sum, Wait, chain, decorrelated_jitter, equal_jitter, exp_jitter, exponential, fixed, full_jitter, incrementing,
    none, random,
};

use crate::{assert_same_stop, assert_same_wait};

/// A duration as text and as the value it means.
#[derive(Debug, Clone)]
struct D(String, Duration);

fn duration() -> impl Strategy<Value = D> {
    let units = prop::sample::select(vec![
        ("", 1_000_000_000_u64),
        ("ns", 1),
        ("us", 1_000),
        ("µs", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
    ]);
    (0..=3_000_u64, prop::option::of(0..10_u64), units).prop_map(|(whole, tenth, (unit, scale))| {
        let nanos = whole * scale + tenth.map_or(0, |t| t * scale / 10);
        let text = match tenth {
            Some(t) => format!("{whole}.{t}{unit}"),
            None => format!("{whole}{unit}"),
        };
        D(text, Duration::from_nanos(nanos))
    })
}

#[derive(Debug, Clone)]
enum W {
    None,
    Fixed(D),
    Random(D, D),
    Exponential(D, D, Option<(&'static str, f64)>),
    ExpJitter(D, D, D),
    FullJitter(D, D),
    EqualJitter(D, D),
    DecorrelatedJitter(D, D),
    Incrementing(D, D, D),
    Chain(Vec<W>),
    Sum(Box<W>, Box<W>),
    Paren(Box<W>),
}

fn wait() -> impl Strategy<Value = W> {
    let d = duration;
    let base =
        prop::option::of(prop::sample::select(vec![("1", 1.0), ("1.5", 1.5), ("2", 2.0), ("3", 3.0), ("0.5", 0.5)]));
    let leaf = prop_oneof![
        Just(W::None),
        d().prop_map(W::Fixed),
        (d(), d()).prop_map(|(a, b)| W::Random(a, b)),
        (d(), d(), base).prop_map(|(a, b, c)| W::Exponential(a, b, c)),
        (d(), d(), d()).prop_map(|(a, b, c)| W::ExpJitter(a, b, c)),
        (d(), d()).prop_map(|(a, b)| W::FullJitter(a, b)),
        (d(), d()).prop_map(|(a, b)| W::EqualJitter(a, b)),
        (d(), d()).prop_map(|(a, b)| W::DecorrelatedJitter(a, b)),
        (d(), d(), d()).prop_map(|(a, b, c)| W::Incrementing(a, b, c)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(W::Chain),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| W::Sum(Box::new(a), Box::new(b))),
            inner.prop_map(|a| W::Paren(Box::new(a))),
        ]
    })
}

impl W {
    fn text(&self) -> String {
        match self {
            Self::None => "none".into(),
            Self::Fixed(a) => format!("fixed({})", a.0),
            Self::Random(a, b) => format!("random({}, {})", a.0, b.0),
            Self::Exponential(a, b, None) => format!("exponential({}, {})", a.0, b.0),
            Self::Exponential(a, b, Some((c, _))) => format!("exponential({},{},{c})", a.0, b.0),
            Self::ExpJitter(a, b, c) => format!("exp_jitter({}, {}, {})", a.0, b.0, c.0),
            Self::FullJitter(a, b) => format!("full_jitter( {} , {} )", a.0, b.0),
            Self::EqualJitter(a, b) => format!("equal_jitter({}, {},)", a.0, b.0),
            Self::DecorrelatedJitter(a, b) => format!("decorrelated_jitter({},\n{})", a.0, b.0),
            Self::Incrementing(a, b, c) => format!("incrementing({}, {}, {})", a.0, b.0, c.0),
            Self::Chain(ws) => format!("chain({})", ws.iter().map(Self::text).collect::<Vec<_>>().join(", ")),
            Self::Sum(a, b) => format!("{} + {}", a.text(), b.text()),
            Self::Paren(a) => format!("({})", a.text()),
        }
    }

    fn code(&self) -> BoxWait {
        match self {
            Self::None => Box::new(none()),
            Self::Fixed(a) => Box::new(fixed(a.1)),
            Self::Random(a, b) => Box::new(random(a.1, b.1)),
            Self::Exponential(a, b, None) => Box::new(exponential(a.1, b.1)),
            Self::Exponential(a, b, Some((_, c))) => Box::new(exponential(a.1, b.1).with_base(*c)),
            Self::ExpJitter(a, b, c) => Box::new(exp_jitter(a.1, b.1, c.1)),
            Self::FullJitter(a, b) => Box::new(full_jitter(a.1, b.1)),
            Self::EqualJitter(a, b) => Box::new(equal_jitter(a.1, b.1)),
            Self::DecorrelatedJitter(a, b) => Box::new(decorrelated_jitter(a.1, b.1)),
            Self::Incrementing(a, b, c) => Box::new(incrementing(a.1, b.1, c.1)),
            Self::Chain(ws) => Box::new(chain(ws.iter().map(Self::code).collect::<Vec<_>>())),
            Self::Sum(a, b) => Box::new(Sum(a.code(), b.code())),
            Self::Paren(a) => a.code(),
        }
    }
}

#[derive(Debug, Clone)]
enum S {
    Attempts(u32),
    Elapsed(D),
    Deadline(D),
    Never,
    Or(Box<S>, Box<S>),
    And(Box<S>, Box<S>),
    Paren(Box<S>),
}

fn stop() -> impl Strategy<Value = S> {
    let leaf = prop_oneof![
        (0..12_u32).prop_map(S::Attempts),
        duration().prop_map(S::Elapsed),
        duration().prop_map(S::Deadline),
        Just(S::Never),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| S::Or(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| S::And(Box::new(a), Box::new(b))),
            inner.prop_map(|a| S::Paren(Box::new(a))),
        ]
    })
}

impl S {
    /// The text, with the parentheses precedence needs: an `|` under an `&`.
    fn text(&self) -> String {
        let tight = |s: &Self| match s {
            Self::Or(..) => format!("({})", s.text()),
            _ => s.text(),
        };
        match self {
            Self::Attempts(n) => format!("attempts({n})"),
            Self::Elapsed(d) => format!("elapsed({})", d.0),
            Self::Deadline(d) => format!("deadline({})", d.0),
            Self::Never => "never".into(),
            Self::Or(a, b) => format!("{} | {}", a.text(), b.text()),
            Self::And(a, b) => format!("{}&{}", tight(a), tight(b)),
            Self::Paren(a) => format!("( {} )", a.text()),
        }
    }

    fn code(&self) -> BoxStop {
        match self {
            Self::Attempts(n) => Box::new(attempts(*n)),
            Self::Elapsed(d) => Box::new(elapsed(d.1)),
            Self::Deadline(d) => Box::new(deadline(d.1)),
            Self::Never => Box::new(never()),
            Self::Or(a, b) => Box::new(Either(a.code(), b.code())),
            Self::And(a, b) => Box::new(Both(a.code(), b.code())),
            Self::Paren(a) => a.code(),
        }
    }
}

/// `parsed` is what `code` is: the same strategy if `code` is valid, else its error.
fn assert_agree<T: ?Sized>(
    text: &str,
    parsed: Result<Box<T>, PolicyError>,
    code: Result<(), PolicyError>,
    same: impl FnOnce(&T),
) {
    match (parsed, code) {
        (Ok(parsed), Ok(())) => same(&*parsed),
        (Err(parsed), Err(code)) => assert_eq!(parsed, code, "`{text}`"),
        (Ok(_), Err(code)) => panic!("`{text}` parsed, but code says {code}"),
        (Err(parsed), Ok(())) => panic!("`{text}` failed: {parsed}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_wait_the_grammar_allows_is_the_strategy_code_builds(w in wait()) {
        let text = w.text();
        let code = w.code();
        assert_agree(&text, parse_wait(&text), code.validate(), |parsed: &(dyn Wait + Send + Sync + 'static)| {
            assert_same_wait(&text, parsed, &*code);
        });
    }

    #[test]
    fn any_stop_the_grammar_allows_is_the_condition_code_builds(s in stop()) {
        let text = s.text();
        let code = s.code();
        assert_agree(&text, parse_stop(&text), code.validate(), |parsed: &(dyn Stop + Send + Sync + 'static)| {
            assert_same_stop(&text, parsed, &*code);
        });
    }
}
