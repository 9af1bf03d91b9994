//! The tables: every key, stop condition, wait strategy, unit and log level, spelled once.
//! Every other file of the workspace refers to these entries rather than to the words.

/// What grammar a key's value is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A stop condition: `attempts(5) | elapsed(30s)`.
    Stop,
    /// A wait strategy: `exp_jitter(1, 60, 5)`.
    Wait,
    /// A duration: `250ms`.
    Duration,
    /// A log level: `warn`, `off`.
    Level,
    /// Patterns joined by `|` (`on`, `unless`).
    Patterns,
    /// A name to bind in the body (`state`).
    Binding,
    /// A path (`crate`).
    Path,
    /// Any Rust expression (closures, hooks, places).
    Code,
    /// A whole number (`seed`).
    Seed,
    /// A preset's name (`preset`): `openai`.
    Preset,
    /// What a layer does about retried calls nested in its attempts (`nested`): `multiply`.
    Nesting,
    /// When a hedge starts (`hedge`): `after(200ms)`.
    Hedge,
    /// How many hedges at most (`hedges`): a whole number from 1 to [`HEDGES_MAX`].
    Hedges,
}

/// One key of the attribute or of configuration.
///
/// ```
/// use retry_grammar::{Key, ValueKind};
/// let stop = Key::find("stop").unwrap();
/// assert_eq!(stop.value, ValueKind::Stop);
/// assert!(stop.configurable && !stop.beside_policy);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key as users spell it.
    pub name: &'static str,
    /// The grammar of its value.
    pub value: ValueKind,
    /// Whether the attribute takes it.
    pub attribute: bool,
    /// Whether configuration text (`PolicyConfig`) may set it.
    pub configurable: bool,
    /// Whether it may stand beside `policy = …` in the attribute.
    pub beside_policy: bool,
}

const fn key(name: &'static str, value: ValueKind, configurable: bool, beside_policy: bool) -> Key {
    Key { name, value, attribute: true, configurable, beside_policy }
}

/// `stop`.
pub const STOP: Key = key("stop", ValueKind::Stop, true, false);
/// `wait`.
pub const WAIT: Key = key("wait", ValueKind::Wait, true, false);
/// `on`.
pub const ON: Key = key("on", ValueKind::Patterns, false, false);
/// `unless`.
pub const UNLESS: Key = key("unless", ValueKind::Patterns, false, false);
/// `when`.
pub const WHEN: Key = key("when", ValueKind::Code, false, false);
/// `when_ok`.
pub const WHEN_OK: Key = key("when_ok", ValueKind::Code, false, false);
/// `retry_after`.
pub const RETRY_AFTER: Key = key("retry_after", ValueKind::Code, false, false);
/// `retry_after_max`.
pub const RETRY_AFTER_MAX: Key = key("retry_after_max", ValueKind::Duration, true, false);
/// `timeout`.
pub const TIMEOUT: Key = key("timeout", ValueKind::Duration, true, false);
/// `first_item_timeout`: a stream's wait for its first item.
pub const FIRST_ITEM_TIMEOUT: Key = key("first_item_timeout", ValueKind::Duration, false, false);
/// `before`.
pub const BEFORE: Key = key("before", ValueKind::Code, false, false);
/// `after`.
pub const AFTER: Key = key("after", ValueKind::Code, false, false);
/// `before_sleep`.
pub const BEFORE_SLEEP: Key = key("before_sleep", ValueKind::Code, false, false);
/// `on_give_up`.
pub const ON_GIVE_UP: Key = key("on_give_up", ValueKind::Code, false, false);
/// `log`.
pub const LOG: Key = key("log", ValueKind::Level, true, false);
/// `nested`: what this layer does about retried calls inside its attempts.
pub const NESTED: Key = key("nested", ValueKind::Nesting, false, false);
/// `sleeper`.
pub const SLEEPER: Key = key("sleeper", ValueKind::Code, false, false);
/// `state`.
pub const STATE: Key = key("state", ValueKind::Binding, false, true);
/// `breaker`.
pub const BREAKER: Key = key("breaker", ValueKind::Code, false, true);
/// `budget`.
pub const BUDGET: Key = key("budget", ValueKind::Code, false, true);
/// `limiter`: a `RateLimiter` that paces every attempt.
pub const LIMITER: Key = key("limiter", ValueKind::Code, false, true);
/// `bulkhead`: a `Bulkhead` that bounds the attempts in flight.
pub const BULKHEAD: Key = key("bulkhead", ValueKind::Code, false, true);
/// `hedge`: start another attempt concurrently when one has run this long (`after(D)`).
pub const HEDGE: Key = key("hedge", ValueKind::Hedge, true, true);
/// `hedges`: how many hedges a round may start beside its first attempt.
pub const HEDGES: Key = key("hedges", ValueKind::Hedges, true, true);
/// The most hedges a round may start: each is one more request in flight at once (Polly v8
/// caps its `MaxHedgedAttempts` at 10 too).
pub const HEDGES_MAX: u32 = 10;
/// The one form of `hedge`'s value: `after(D)`.
pub const HEDGE_AFTER: &str = "after";
/// `fallback`.
pub const FALLBACK: Key = key("fallback", ValueKind::Code, false, true);
/// `policy`.
pub const POLICY: Key = key("policy", ValueKind::Code, false, true);
/// `crate`.
pub const CRATE: Key = key("crate", ValueKind::Path, false, true);
/// `preset`: a ready policy that the other keys refine.
pub const PRESET: Key = key("preset", ValueKind::Preset, false, false);
/// `seed`: the jitter's seed, for tests that assert exact delays.
pub const SEED: Key =
    Key { name: "seed", value: ValueKind::Seed, attribute: true, configurable: true, beside_policy: false };

/// Every key, in the order messages list them.
pub const KEYS: &[Key] = &[
    STOP,
    WAIT,
    ON,
    UNLESS,
    WHEN,
    WHEN_OK,
    RETRY_AFTER,
    RETRY_AFTER_MAX,
    TIMEOUT,
    FIRST_ITEM_TIMEOUT,
    BEFORE,
    AFTER,
    BEFORE_SLEEP,
    ON_GIVE_UP,
    LOG,
    NESTED,
    SLEEPER,
    STATE,
    BREAKER,
    BUDGET,
    LIMITER,
    BULKHEAD,
    HEDGE,
    HEDGES,
    FALLBACK,
    POLICY,
    PRESET,
    CRATE,
    SEED,
];

impl Key {
    /// The key spelled `name`, if there is one.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Key::find("timeout"), Some(retry_grammar::TIMEOUT));
    /// assert_eq!(retry_grammar::Key::find("stpo"), None);
    /// ```
    pub fn find(name: &str) -> Option<Self> {
        KEYS.iter().copied().find(|k| k.name == name)
    }

    /// The names of the keys the attribute takes.
    ///
    /// ```
    /// assert!(retry_grammar::Key::attribute_names().contains(&"crate"));
    /// assert!(retry_grammar::Key::attribute_names().contains(&"seed"));
    /// ```
    pub fn attribute_names() -> Vec<&'static str> {
        KEYS.iter().filter(|k| k.attribute).map(|k| k.name).collect()
    }

    /// The names of the keys configuration may set, in the order `PolicyConfig` writes them.
    ///
    /// ```
    /// assert_eq!(
    ///     retry_grammar::Key::configurable_names(),
    ///     ["stop", "wait", "retry_after_max", "timeout", "log", "hedge", "hedges", "seed"]
    /// );
    /// ```
    pub fn configurable_names() -> Vec<&'static str> {
        KEYS.iter().filter(|k| k.configurable).map(|k| k.name).collect()
    }
}

/// What one argument of a strategy is, as usage lines and messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `N` of `attempts`: a whole number of attempts.
    N,
    /// `D`: the one duration of `elapsed`, `deadline`, `fixed`.
    D,
    /// `MIN` of `random`.
    Min,
    /// `MAX`.
    Max,
    /// `INITIAL`: the first delay.
    Initial,
    /// `JITTER`: the random extra.
    Jitter,
    /// `BASE`: the first delay of a jitter strategy.
    Base,
    /// `CAP`: the largest delay of a jitter strategy.
    Cap,
    /// `START` of `incrementing`.
    Start,
    /// `STEP` of `incrementing`.
    Step,
    /// `FLOOR` of `decrementing`: the shortest delay, where it stops shrinking.
    Floor,
    /// `FRACTION` of `scaled_jitter`: a plain number from 0 to 1.
    Fraction,
    /// `BASE` of `exponential`: the growth factor, a plain number of at least 1.
    Growth,
    /// `W1, W2, …`: wait strategies.
    Strategies,
}

impl Role {
    /// The placeholder usage lines show: `INITIAL`.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Role::Growth.placeholder(), "BASE");
    /// ```
    pub const fn placeholder(self) -> &'static str {
        match self {
            Self::N => "N",
            Self::D => "D",
            Self::Min => "MIN",
            Self::Max => "MAX",
            Self::Initial => "INITIAL",
            Self::Jitter => "JITTER",
            Self::Base | Self::Growth => "BASE",
            Self::Cap => "CAP",
            Self::Start => "START",
            Self::Step => "STEP",
            Self::Floor => "FLOOR",
            Self::Fraction => "FRACTION",
            Self::Strategies => "W1, W2, …",
        }
    }

    /// The role in words, for the ordering message: "the initial delay".
    ///
    /// ```
    /// assert_eq!(retry_grammar::Role::Cap.in_words(), "the cap");
    /// ```
    pub const fn in_words(self) -> &'static str {
        match self {
            Self::Initial => "the initial delay",
            Self::Min => "the minimum",
            Self::Base => "the base",
            Self::Cap => "the cap",
            Self::Start => "the start",
            Self::Step => "the step",
            Self::Floor => "the floor",
            Self::Fraction => "the fraction",
            Self::Jitter => "the jitter",
            Self::Growth => "the growth base",
            Self::N => "the number of attempts",
            Self::D => "the duration",
            Self::Strategies => "the strategies",
            Self::Max => "the maximum",
        }
    }
}

/// Which stop condition a [`Strategy`] entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopKind {
    /// `attempts(N)`.
    Attempts,
    /// `elapsed(D)`.
    Elapsed,
    /// `deadline(D)`.
    Deadline,
    /// `never`.
    Never,
}

/// Which wait strategy a [`Strategy`] entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitKind {
    /// `none`.
    None,
    /// `fixed(D)`.
    Fixed,
    /// `random(MIN, MAX)`.
    Random,
    /// `exponential(INITIAL, MAX[, BASE])`.
    Exponential,
    /// `exp_jitter(INITIAL, MAX, JITTER)`.
    ExpJitter,
    /// `full_jitter(BASE, CAP)`.
    FullJitter,
    /// `equal_jitter(BASE, CAP)`.
    EqualJitter,
    /// `decorrelated_jitter(BASE, CAP)`.
    DecorrelatedJitter,
    /// `incrementing(START, STEP, MAX)`.
    Incrementing,
    /// `decrementing(START, STEP, FLOOR)`.
    Decrementing,
    /// `scaled_jitter(INITIAL, MAX, FRACTION)`.
    ScaledJitter,
    /// `chain(W1, W2, …)`.
    Chain,
}

/// Which family a strategy belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// A stop condition.
    Stop(StopKind),
    /// A wait strategy.
    Wait(WaitKind),
}

/// One stop condition or wait strategy: its name, arguments and rules.
///
/// ```
/// use retry_grammar::{Role, WAITS};
/// let exp = WAITS.iter().find(|s| s.example == "exponential(1, 60)").unwrap();
/// assert_eq!(exp.params, [Role::Initial, Role::Max]);
/// assert_eq!(exp.optional, Some(Role::Growth));
/// assert_eq!(exp.usage(), "exponential(INITIAL, MAX)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Strategy {
    /// The name as users spell it; also the runtime constructor's name.
    pub name: &'static str,
    /// Which one it is.
    pub family: Family,
    /// The arguments it always takes; empty for a bare name (`never`, `none`).
    pub params: &'static [Role],
    /// One more argument it may take.
    pub optional: Option<Role>,
    /// The first argument must be above zero.
    pub positive_first: bool,
    /// These two arguments (indices) must be in order, the first at most the second.
    pub ordered: Option<(usize, usize)>,
    /// The strategy written out, for messages and docs.
    pub example: &'static str,
}

/// The most strategies a `chain` takes in the attribute, which builds a tuple of them;
/// configuration builds a `Vec` and takes any number.
pub const CHAIN_MAX: usize = 12;

const fn stop(
    name: &'static str,
    kind: StopKind,
    params: &'static [Role],
    positive_first: bool,
    example: &'static str,
) -> Strategy {
    Strategy { name, family: Family::Stop(kind), params, optional: None, positive_first, ordered: None, example }
}

const fn wait(
    name: &'static str,
    kind: WaitKind,
    params: &'static [Role],
    positive_first: bool,
    ordered: Option<(usize, usize)>,
    example: &'static str,
) -> Strategy {
    Strategy { name, family: Family::Wait(kind), params, optional: None, positive_first, ordered, example }
}

/// `attempts(N)`.
pub const ATTEMPTS: Strategy = stop("attempts", StopKind::Attempts, &[Role::N], false, "attempts(5)");
/// `elapsed(D)`.
pub const ELAPSED: Strategy = stop("elapsed", StopKind::Elapsed, &[Role::D], true, "elapsed(30s)");
/// `deadline(D)`.
pub const DEADLINE: Strategy = stop("deadline", StopKind::Deadline, &[Role::D], true, "deadline(30s)");
/// `never`.
pub const NEVER: Strategy = stop("never", StopKind::Never, &[], false, "never");

/// Every stop condition, in the order messages list them.
pub const STOPS: &[Strategy] = &[ATTEMPTS, ELAPSED, DEADLINE, NEVER];

/// `none`.
pub const NONE: Strategy = wait("none", WaitKind::None, &[], false, None, "none");
/// `fixed(D)`.
pub const FIXED: Strategy = wait("fixed", WaitKind::Fixed, &[Role::D], false, None, "fixed(2s)");
/// `random(MIN, MAX)`.
pub const RANDOM: Strategy =
    wait("random", WaitKind::Random, &[Role::Min, Role::Max], false, Some((0, 1)), "random(1, 5)");
/// `exponential(INITIAL, MAX[, BASE])`.
pub const EXPONENTIAL: Strategy = Strategy {
    optional: Some(Role::Growth),
    ..wait("exponential", WaitKind::Exponential, &[Role::Initial, Role::Max], true, Some((0, 1)), "exponential(1, 60)")
};
/// `exp_jitter(INITIAL, MAX, JITTER)`.
pub const EXP_JITTER: Strategy = wait(
    "exp_jitter",
    WaitKind::ExpJitter,
    &[Role::Initial, Role::Max, Role::Jitter],
    true,
    Some((0, 1)),
    "exp_jitter(1, 60, 5)",
);
/// `full_jitter(BASE, CAP)`.
pub const FULL_JITTER: Strategy =
    wait("full_jitter", WaitKind::FullJitter, &[Role::Base, Role::Cap], true, Some((0, 1)), "full_jitter(1, 60)");
/// `equal_jitter(BASE, CAP)`.
pub const EQUAL_JITTER: Strategy =
    wait("equal_jitter", WaitKind::EqualJitter, &[Role::Base, Role::Cap], true, Some((0, 1)), "equal_jitter(1, 60)");
/// `decorrelated_jitter(BASE, CAP)`.
pub const DECORRELATED_JITTER: Strategy = wait(
    "decorrelated_jitter",
    WaitKind::DecorrelatedJitter,
    &[Role::Base, Role::Cap],
    true,
    Some((0, 1)),
    "decorrelated_jitter(1, 60)",
);
/// `incrementing(START, STEP, MAX)`.
pub const INCREMENTING: Strategy = wait(
    "incrementing",
    WaitKind::Incrementing,
    &[Role::Start, Role::Step, Role::Max],
    false,
    Some((0, 2)),
    "incrementing(1, 2, 30)",
);
/// `decrementing(START, STEP, FLOOR)`.
pub const DECREMENTING: Strategy = wait(
    "decrementing",
    WaitKind::Decrementing,
    &[Role::Start, Role::Step, Role::Floor],
    false,
    Some((2, 0)),
    "decrementing(10, 3, 1)",
);
/// `scaled_jitter(INITIAL, MAX, FRACTION)`.
pub const SCALED_JITTER: Strategy = wait(
    "scaled_jitter",
    WaitKind::ScaledJitter,
    &[Role::Initial, Role::Max, Role::Fraction],
    true,
    Some((0, 1)),
    "scaled_jitter(0.5, 8, 0.25)",
);
/// `chain(W1, W2, …)`.
pub const CHAIN: Strategy =
    wait("chain", WaitKind::Chain, &[Role::Strategies], false, None, "chain(fixed(1), fixed(5))");

/// Every wait strategy, in the order messages list them.
pub const WAITS: &[Strategy] = &[
    NONE,
    FIXED,
    RANDOM,
    EXPONENTIAL,
    EXP_JITTER,
    FULL_JITTER,
    EQUAL_JITTER,
    DECORRELATED_JITTER,
    INCREMENTING,
    DECREMENTING,
    SCALED_JITTER,
    CHAIN,
];

impl Strategy {
    /// The entry for a stop condition.
    ///
    /// ```
    /// use retry_grammar::{Strategy, StopKind};
    /// assert_eq!(Strategy::stop(StopKind::Elapsed).example, "elapsed(30s)");
    /// ```
    pub fn stop(kind: StopKind) -> &'static Self {
        STOPS.iter().find(|s| s.family == Family::Stop(kind)).unwrap_or(&STOPS[0])
    }

    /// The entry for a wait strategy.
    ///
    /// ```
    /// use retry_grammar::{Strategy, WaitKind};
    /// assert_eq!(Strategy::wait(WaitKind::Random).usage(), "random(MIN, MAX)");
    /// ```
    pub fn wait(kind: WaitKind) -> &'static Self {
        WAITS.iter().find(|s| s.family == Family::Wait(kind)).unwrap_or(&WAITS[0])
    }

    /// The entry spelled `name` in either table.
    ///
    /// ```
    /// assert!(retry_grammar::Strategy::named("incrementing").is_some());
    /// assert!(retry_grammar::Strategy::named("expo").is_none());
    /// ```
    pub fn named(name: &str) -> Option<&'static Self> {
        STOPS.iter().chain(WAITS).find(|s| s.name == name)
    }

    /// The usage line, with its required arguments: `random(MIN, MAX)`.
    ///
    /// ```
    /// use retry_grammar::{Strategy, StopKind};
    /// assert_eq!(Strategy::stop(StopKind::Never).usage(), "never");
    /// ```
    pub fn usage(&self) -> String {
        if self.params.is_empty() {
            return self.name.to_owned();
        }
        let params: Vec<&str> = self.params.iter().map(|r| r.placeholder()).collect();
        format!("{}({})", self.name, params.join(", "))
    }

    /// The usage line with the optional argument too: `exponential(INITIAL, MAX, BASE)`.
    ///
    /// ```
    /// use retry_grammar::{Strategy, WaitKind};
    /// assert_eq!(Strategy::wait(WaitKind::Exponential).full_usage().as_deref(), Some("exponential(INITIAL, MAX, BASE)"));
    /// ```
    pub fn full_usage(&self) -> Option<String> {
        let extra = self.optional?;
        let mut params: Vec<&str> = self.params.iter().map(|r| r.placeholder()).collect();
        params.push(extra.placeholder());
        Some(format!("{}({})", self.name, params.join(", ")))
    }

    /// The names in a table, for messages.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Strategy::names(retry_grammar::STOPS), ["attempts", "elapsed", "deadline", "never"]);
    /// ```
    pub fn names(table: &[Self]) -> Vec<&'static str> {
        table.iter().map(|s| s.name).collect()
    }
}

/// A unit a duration may carry, with its length in nanoseconds.
///
/// ```
/// let ms = retry_grammar::UNITS.iter().find(|u| u.nanos == 1_000_000).unwrap();
/// assert_eq!(ms.name, "ms");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// The suffix.
    pub name: &'static str,
    /// Nanoseconds in one.
    pub nanos: u128,
    /// Whether messages list it (the Greek mu spelling is accepted but not advertised).
    pub listed: bool,
}

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Every unit; a bare number is seconds.
pub const UNITS: &[Unit] = &[
    Unit { name: "ns", nanos: 1, listed: true },
    Unit { name: "us", nanos: 1_000, listed: true },
    Unit { name: "µs", nanos: 1_000, listed: true },
    Unit { name: "μs", nanos: 1_000, listed: false },
    Unit { name: "ms", nanos: 1_000_000, listed: true },
    Unit { name: "s", nanos: NANOS_PER_SEC, listed: true },
    Unit { name: "m", nanos: 60 * NANOS_PER_SEC, listed: true },
    Unit { name: "h", nanos: 3_600 * NANOS_PER_SEC, listed: true },
];

impl Unit {
    /// The unit spelled `name`.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Unit::find("h").map(|u| u.nanos), Some(3_600_000_000_000));
    /// ```
    pub fn find(name: &str) -> Option<Self> {
        UNITS.iter().copied().find(|u| u.name == name)
    }

    /// What a mistaken unit most likely meant: `sec` → `s`.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Unit::hint("secs"), Some("s"));
    /// assert_eq!(retry_grammar::Unit::hint("d"), None);
    /// ```
    pub fn hint(unit: &str) -> Option<&'static str> {
        const HINTS: &[(&[&str], usize)] = &[
            (&["nsec", "nsecs", "nanos"], 0),
            (&["usec", "usecs", "micros"], 1),
            (&["msec", "msecs", "millis", "MS", "Ms"], 4),
            (&["sec", "secs", "second", "seconds", "S"], 5),
            (&["min", "mins", "minute", "minutes"], 6),
            (&["hr", "hrs", "hour", "hours", "H"], 7),
        ];
        HINTS.iter().find(|(words, _)| words.contains(&unit)).map(|&(_, i)| UNITS[i].name)
    }

    /// The units messages list.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Unit::listed_names(), ["ns", "us", "µs", "ms", "s", "m", "h"]);
    /// ```
    pub fn listed_names() -> Vec<&'static str> {
        UNITS.iter().filter(|u| u.listed).map(|u| u.name).collect()
    }
}

/// A level of the default events, or off.
///
/// Read in any case, as `tracing` and `RUST_LOG` read levels, in the attribute and in
/// configuration alike: `log = WARN` is `warn`.
///
/// ```
/// use retry_grammar::Level;
/// assert_eq!(Level::parse("WARN"), Some(Level::Warn));
/// assert_eq!(Level::Debug.name(), "debug");
/// assert_eq!(Level::parse("loud"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// No default events.
    Off,
    /// Trace.
    Trace,
    /// Debug.
    Debug,
    /// Info.
    Info,
    /// Warn.
    Warn,
    /// Error.
    Error,
}

/// Every level, as it is written.
pub const LEVELS: &[(&str, Level)] = &[
    ("off", Level::Off),
    ("trace", Level::Trace),
    ("debug", Level::Debug),
    ("info", Level::Info),
    ("warn", Level::Warn),
    ("error", Level::Error),
];

impl Level {
    /// The level written `word`, in any case.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Level::parse("Off"), Some(retry_grammar::Level::Off));
    /// ```
    pub fn parse(word: &str) -> Option<Self> {
        LEVELS.iter().find(|(w, _)| w.eq_ignore_ascii_case(word)).map(|&(_, l)| l)
    }

    /// The word for the level.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Level::Error.name(), "error");
    /// ```
    pub fn name(self) -> &'static str {
        LEVELS.iter().find(|(_, l)| *l == self).map_or("off", |&(w, _)| w)
    }

    /// Every level's word, for messages.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Level::names().len(), 6);
    /// ```
    pub fn names() -> Vec<&'static str> {
        LEVELS.iter().map(|&(w, _)| w).collect()
    }
}

/// What a layer does about retried calls made inside its attempts, `nested = MODE`; the
/// runtime's `Nested` is the same choice.
///
/// ```
/// use retry_grammar::Nesting;
/// assert_eq!(Nesting::parse("inner_once"), Some(Nesting::InnerOnce));
/// assert_eq!(Nesting::Multiply.name(), "multiply");
/// assert_eq!(Nesting::parse("Multiply"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nesting {
    /// The innermost layer retries; an outer one does not retry what it gave up on (the default).
    Inner,
    /// Layers nested in this one make one attempt each; this one retries.
    InnerOnce,
    /// Every layer retries on its own (Tenacity): attempts multiply.
    Multiply,
}

/// Every nesting mode, as it is written.
pub const NESTINGS: &[(&str, Nesting)] =
    &[("inner", Nesting::Inner), ("inner_once", Nesting::InnerOnce), ("multiply", Nesting::Multiply)];

impl Nesting {
    /// The mode written `word` (in the case shown: these are words of the attribute).
    ///
    /// ```
    /// assert_eq!(retry_grammar::Nesting::parse("inner"), Some(retry_grammar::Nesting::Inner));
    /// ```
    pub fn parse(word: &str) -> Option<Self> {
        NESTINGS.iter().find(|(w, _)| *w == word).map(|&(_, n)| n)
    }

    /// The word for the mode.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Nesting::InnerOnce.name(), "inner_once");
    /// ```
    pub fn name(self) -> &'static str {
        NESTINGS.iter().find(|(_, n)| *n == self).map_or("inner", |&(w, _)| w)
    }

    /// Every mode's word, for messages.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Nesting::names(), ["inner", "inner_once", "multiply"]);
    /// ```
    pub fn names() -> Vec<&'static str> {
        NESTINGS.iter().map(|&(w, _)| w).collect()
    }
}

/// A ready policy, `preset = NAME`: the runtime's `presets::NAME()` is the same policy.
///
/// ```
/// let openai = retry_grammar::Preset::find("openai").unwrap();
/// assert!(!openai.timed);
/// assert!(retry_grammar::Preset::find("interactive").unwrap().timed);
/// assert_eq!(retry_grammar::Preset::names(), ["openai", "anthropic", "interactive", "background"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The name as users spell it; also the runtime function's name.
    pub name: &'static str,
    /// Its stop condition reads the clock (a `deadline`), so the call keeps its start time.
    pub timed: bool,
}

/// `openai`: decides as openai-python does.
pub const OPENAI: Preset = Preset { name: "openai", timed: false };
/// `anthropic`: decides as anthropic-python does.
pub const ANTHROPIC: Preset = Preset { name: "anthropic", timed: false };
/// `interactive`: a person is waiting.
pub const INTERACTIVE: Preset = Preset { name: "interactive", timed: true };
/// `background`: nobody is waiting.
pub const BACKGROUND: Preset = Preset { name: "background", timed: true };

/// Every preset, in the order messages list them.
pub const PRESETS: &[Preset] = &[OPENAI, ANTHROPIC, INTERACTIVE, BACKGROUND];

impl Preset {
    /// The preset spelled `name`.
    pub fn find(name: &str) -> Option<Self> {
        PRESETS.iter().copied().find(|p| p.name == name)
    }

    /// Every preset's name.
    pub fn names() -> Vec<&'static str> {
        PRESETS.iter().map(|p| p.name).collect()
    }
}
