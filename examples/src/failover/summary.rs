//! What a run adds up to: a row per request, from the client's side (who served it, how
//! long it took and slept) and the providers' (every attempt and its answer), and the
//! totals a person checks first.

use core::fmt::{self, Write as _};
use core::time::Duration;

use retry_runtime::BreakerState;

use super::client::Served;
use super::script::Answer;
use super::server::Arrival;
use super::{Finished, Options, Provider};

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Answered, by a provider or by the human queue.
    Served(Served),
    /// Returned as an error: one not worth retrying (a 400), so no fallback ran.
    Failed {
        /// The provider's status, if it answered.
        status: Option<u16>,
        /// The error, as the client displays it.
        error: String,
    },
}

/// One request, from both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestReport {
    /// Its `x-request-id`.
    pub id: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// What the providers answered, attempt by attempt, in order of arrival.
    pub answers: Vec<(Provider, Answer)>,
    /// Time slept between attempts, at both providers.
    pub waited: Duration,
    /// From the first attempt to the answer, fallbacks included.
    pub took: Duration,
    /// Provider A's breaker right after the request ended.
    pub breaker_a: BreakerState,
}

impl RequestReport {
    /// The attempts that reached `provider`.
    pub fn attempts(&self, provider: Provider) -> u32 {
        self.answers.iter().filter(|(p, _)| *p == provider).count().try_into().unwrap_or(u32::MAX)
    }

    /// Who served it, if anyone did.
    pub fn served_by(&self) -> Option<Served> {
        match self.outcome {
            Outcome::Served(served) => Some(served),
            Outcome::Failed { .. } => None,
        }
    }

    /// Whether A gave up on it, or A's breaker refused it, and a fallback answered.
    pub fn caught_by_fallback(&self) -> bool {
        matches!(self.served_by(), Some(Served::Provider(Provider::B) | Served::Human))
    }

    /// Whether A's open breaker refused it: a fallback served it and A never saw it.
    pub fn refused_by_breaker_a(&self) -> bool {
        self.caught_by_fallback() && self.attempts(Provider::A) == 0
    }

    /// `A: 429 Retry-After: 1, 200`; `A: 503 ×3 → B: 200`; `A: (breaker open) → B: 200`.
    fn story(&self) -> String {
        let mut story = String::new();
        let asked_b = matches!(self.served_by(), Some(Served::Provider(Provider::B) | Served::Human));
        let providers: &[Provider] = if asked_b { &[Provider::A, Provider::B] } else { &[Provider::A] };
        for (i, &provider) in providers.iter().enumerate() {
            if i > 0 {
                story.push_str(" → ");
            }
            let _ = write!(story, "{provider}: ");
            let answers: Vec<Answer> =
                self.answers.iter().filter(|(p, _)| *p == provider).map(|(_, answer)| *answer).collect();
            if answers.is_empty() {
                story.push_str("(breaker open)");
            }
            let mut runs = answers.chunk_by(|x, y| x == y).peekable();
            while let Some(run) = runs.next() {
                let _ = write!(story, "{}", run[0]);
                if run.len() > 1 {
                    let _ = write!(story, " ×{}", run.len());
                }
                if runs.peek().is_some() {
                    story.push_str(", ");
                }
            }
        }
        if self.served_by() == Some(Served::Human) {
            story.push_str(" → human");
        }
        story
    }
}

/// The streamed request to provider C.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamReport {
    /// Its `x-request-id`.
    pub id: u32,
    /// What C answered, attempt by attempt.
    pub answers: Vec<Answer>,
    /// The tokens the client read, in order.
    pub tokens: Vec<String>,
    /// The error that ended the stream, or that the call gave up with, as displayed.
    pub error: Option<String>,
}

impl StreamReport {
    pub(super) fn new(streamed: super::Streamed, arrivals: &[Arrival]) -> Self {
        let answers =
            arrivals.iter().filter(|a| a.request == streamed.id && a.provider == Provider::C).map(|a| a.answer);
        Self {
            id: streamed.id,
            answers: answers.collect(),
            tokens: streamed.tokens,
            error: streamed.error.map(|e| e.to_string()),
        }
    }

    /// The attempts that reached C.
    pub fn attempts(&self) -> u32 {
        self.answers.len().try_into().unwrap_or(u32::MAX)
    }

    /// Whether the stream was retried before its first token, and read to its end once.
    pub fn retried_before_first_token(&self) -> bool {
        self.attempts() > 1 && !self.tokens.is_empty() && self.error.is_none()
    }
}

/// Whether the client kept to the waits the server asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerDelays {
    /// Answers that asked for a wait and were followed by another attempt at the same
    /// provider for the same request.
    pub asked: u32,
    /// Of those, the next attempts that arrived sooner than asked: (request, provider,
    /// asked, gap between the two arrivals).
    pub early: Vec<(u32, Provider, Duration, Duration)>,
}

/// What a run did, request by request, with its totals. [`Display`](fmt::Display) prints
/// the table and the totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The run's knobs.
    pub options: Options,
    /// One report per request, by id.
    pub requests: Vec<RequestReport>,
    /// The whole run, first request to last answer.
    pub elapsed: Duration,
    /// Whether the server's delays were kept.
    pub server_delays: ServerDelays,
    /// The retry budget's tokens left at the end, and its capacity.
    pub budget: (u32, u32),
    /// The requests queued for a person, in order.
    pub human_queue: Vec<u32>,
    /// The streamed request to C, after the others.
    pub stream: StreamReport,
}

impl Summary {
    pub(super) fn new(
        options: &Options,
        finished: Vec<Finished>,
        arrivals: &[Arrival],
        elapsed: Duration,
        budget: (u32, u32),
        human_queue: Vec<u32>,
    ) -> Self {
        let requests = finished
            .into_iter()
            .map(|f| RequestReport {
                id: f.id,
                outcome: match f.result {
                    Ok(reply) => Outcome::Served(reply.served_by),
                    Err(e) => Outcome::Failed { status: e.status(), error: e.to_string() },
                },
                answers: arrivals.iter().filter(|a| a.request == f.id).map(|a| (a.provider, a.answer)).collect(),
                waited: f.waited,
                took: f.took,
                breaker_a: f.breaker_a,
            })
            .collect();
        Self {
            options: *options,
            requests,
            elapsed,
            server_delays: server_delays(arrivals),
            budget,
            human_queue,
            stream: StreamReport::default(),
        }
    }

    /// The requests `served` answered.
    pub fn served(&self, served: Served) -> Vec<u32> {
        self.ids(|r| r.served_by() == Some(served))
    }

    /// The requests returned as errors.
    pub fn failed(&self) -> Vec<u32> {
        self.ids(|r| r.served_by().is_none())
    }

    /// The ids of the requests that `keep` keeps.
    pub fn ids(&self, keep: impl Fn(&RequestReport) -> bool) -> Vec<u32> {
        self.requests.iter().filter(|r| keep(r)).map(|r| r.id).collect()
    }

    /// Attempts that reached `provider`, over all requests.
    pub fn attempts(&self, provider: Provider) -> u32 {
        self.requests.iter().map(|r| r.attempts(provider)).sum()
    }

    /// The requests after which A's breaker was found in another state than after the one
    /// before (the run starts closed). Exact at concurrency 1; under concurrency, a change
    /// and its reversal between two requests' ends go unseen.
    pub fn breaker_a_changes(&self) -> Vec<(u32, BreakerState)> {
        let mut last = BreakerState::Closed;
        let mut changes = Vec::new();
        for r in &self.requests {
            if r.breaker_a != last {
                changes.push((r.id, r.breaker_a));
                last = r.breaker_a;
            }
        }
        changes
    }
}

/// For each answer that asked for a wait, the gap to the next attempt of the same request
/// at the same provider.
fn server_delays(arrivals: &[Arrival]) -> ServerDelays {
    let mut delays = ServerDelays::default();
    for (i, first) in arrivals.iter().enumerate() {
        let Some(asked) = first.asked_delay() else { continue };
        let next = arrivals[i + 1..].iter().find(|a| a.request == first.request && a.provider == first.provider);
        if let Some(next) = next {
            delays.asked += 1;
            let gap = next.at.saturating_duration_since(first.at);
            if gap < asked {
                delays.early.push((first.request, first.provider, asked, gap));
            }
        }
    }
    delays
}

/// `850 ms`, `1.25 s`.
fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) { format!("{} ms", d.as_millis()) } else { format!("{:.2} s", d.as_secs_f64()) }
}

/// `0 requests`, `1 request (#4)`, `3 requests (#1 #2 #9)`.
fn requests(ids: &[u32]) -> String {
    match ids.len() {
        0 => "0 requests".to_owned(),
        1 => format!("1 request ({})", list(ids)),
        n => format!("{n} requests ({})", list(ids)),
    }
}

/// `0`, `1 (#4)`, `3 (#1 #2 #9)`.
fn count(ids: &[u32]) -> String {
    if ids.is_empty() { "0".to_owned() } else { format!("{} ({})", ids.len(), list(ids)) }
}

/// `#3 #7 #11-#15`: runs of three or more as ranges, in order.
fn list(ids: &[u32]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted
        .chunk_by(|a, b| a + 1 == *b)
        .flat_map(|run| match run {
            [first, .., last] if run.len() >= 3 => vec![format!("#{first}-#{last}")],
            _ => run.iter().map(|id| format!("#{id}")).collect(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header =
            ["#", "served by", "A tries", "B tries", "slept", "took", "A's breaker", "what the providers answered"];
        let rows: Vec<[String; 8]> = self
            .requests
            .iter()
            .map(|r| {
                let served = match &r.outcome {
                    Outcome::Served(served) => served.to_string(),
                    Outcome::Failed { status: Some(status), .. } => format!("failed: {status}"),
                    Outcome::Failed { status: None, .. } => "failed".to_owned(),
                };
                [
                    r.id.to_string(),
                    served,
                    r.attempts(Provider::A).to_string(),
                    r.attempts(Provider::B).to_string(),
                    duration(r.waited),
                    duration(r.took),
                    r.breaker_a.to_string(),
                    r.story(),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        // Numbers right, words left.
        let right = [true, false, true, true, true, true, false, false];
        let line = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
            f.write_str("|")?;
            for ((cell, width), right) in cells.iter().zip(widths).zip(right) {
                let pad = " ".repeat(width - cell.chars().count());
                if right { write!(f, " {pad}{cell} |")? } else { write!(f, " {cell}{pad} |")? }
            }
            writeln!(f)
        };
        line(f, &header.map(str::to_owned))?;
        let rule: Vec<String> = widths
            .iter()
            .zip(right)
            .map(|(&w, right)| if right { format!("{}:", "-".repeat(w)) } else { "-".repeat(w + 1) })
            .collect();
        writeln!(f, "|{}|", rule.iter().map(|r| format!("-{r}")).collect::<Vec<_>>().join("|"))?;
        for row in &rows {
            line(f, row)?;
        }

        let o = &self.options;
        let slept: Duration = self.requests.iter().map(|r| r.waited).sum();
        writeln!(
            f,
            "\n{} requests in {} (scenario {}, seed {}, concurrency {})",
            self.requests.len(),
            duration(self.elapsed),
            o.scenario.name(),
            o.seed,
            o.concurrency
        )?;
        let (a, b) = (Served::Provider(Provider::A), Served::Provider(Provider::B));
        let failed = self.failed();
        write!(
            f,
            "  served by    A {}, B {}, the human queue {}",
            self.served(a).len(),
            self.served(b).len(),
            self.served(Served::Human).len()
        )?;
        if !failed.is_empty() {
            write!(f, "; {} failed at once, not worth a retry", count(&failed))?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  attempts     A {}, B {}; {} slept between them",
            self.attempts(Provider::A),
            self.attempts(Provider::B),
            duration(slept)
        )?;
        let gave_up = self.ids(|r| r.caught_by_fallback() && !r.refused_by_breaker_a());
        let refused = self.ids(RequestReport::refused_by_breaker_a);
        let mut caught = [gave_up.as_slice(), refused.as_slice()].concat();
        caught.sort_unstable();
        write!(f, "  fallback     A → B: {}", requests(&caught))?;
        if !caught.is_empty() {
            write!(f, ": A gave up on {}, A's open breaker refused {}", count(&gave_up), count(&refused))?;
        }
        writeln!(f)?;
        writeln!(f, "               B → human: {}", requests(&self.human_queue))?;
        let changes: Vec<String> =
            self.breaker_a_changes().iter().map(|(id, state)| format!("{state} after #{id}")).collect();
        writeln!(
            f,
            "  A's breaker  {}",
            if changes.is_empty() { "closed throughout".to_owned() } else { changes.join(", ") }
        )?;
        let delays = &self.server_delays;
        write!(
            f,
            "  server waits {} asked for before another attempt, {} cut short",
            delays.asked,
            delays.early.len()
        )?;
        for (id, provider, asked, gap) in &delays.early {
            write!(f, "; #{id} at {provider}: asked for {asked:?}, came back after {gap:?}")?;
        }
        writeln!(f)?;
        writeln!(f, "  retry budget {} of {} tokens left", self.budget.0, self.budget.1)?;
        let s = &self.stream;
        let answers: Vec<String> = s.answers.iter().map(ToString::to_string).collect();
        write!(f, "  stream       #{} at C: {}", s.id, answers.join(", "))?;
        if s.retried_before_first_token() {
            write!(f, "; retried before its first token")?;
        }
        write!(f, "; {} tokens read once: {:?}", s.tokens.len(), s.tokens.concat())?;
        match &s.error {
            Some(error) => write!(f, "; ended by {error}"),
            None => Ok(()),
        }
    }
}
