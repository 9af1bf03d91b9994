//! The failover demo, run against its real server on 127.0.0.1, ends as its script says:
//! `cargo run --example llm_failover` prints the same run.

use std::time::Duration;

use examples::failover::client::Served;
use examples::failover::script::{Answer, STREAMED_TOKENS};
use examples::failover::{Options, Outcome, Provider, RequestReport, Scenario, Summary, run};
use retry_runtime::BreakerState::{Closed, Open};
use tokio::sync::Mutex;

/// The runs share the client's `static` breakers: one at a time.
static SERIAL: Mutex<()> = Mutex::const_new(());

const A: Option<Served> = Some(Served::Provider(Provider::A));
const B: Option<Served> = Some(Served::Provider(Provider::B));
const HUMAN: Option<Served> = Some(Served::Human);

fn column<T>(summary: &Summary, cell: impl Fn(&RequestReport) -> T) -> Vec<T> {
    summary.requests.iter().map(cell).collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Guards the README's first command: at concurrency 1 the script fixes every row of the table.
#[tokio::test]
async fn the_tour_ends_as_its_script_says() {
    let _serial = SERIAL.lock().await;
    let summary = run(&Options::new(Scenario::Tour)).await.expect("the server starts");
    println!("{summary}");

    assert_eq!(column(&summary, |r| r.id), (1..=14).collect::<Vec<_>>());
    assert_eq!(
        column(&summary, RequestReport::served_by),
        [A, A, A, A, B, A, A, A, None, B, B, B, HUMAN, A],
        "who served each request"
    );
    assert_eq!(column(&summary, |r| r.attempts(Provider::A)), [1, 2, 2, 2, 1, 3, 2, 2, 1, 3, 0, 0, 0, 1]);
    assert_eq!(column(&summary, |r| r.attempts(Provider::B)), [0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 3, 0]);

    // The 400 is returned at once: one attempt, no fallback.
    assert_eq!(summary.failed(), [9]);
    let Outcome::Failed { status, .. } = &summary.requests[8].outcome else { unreachable!() };
    assert_eq!(*status, Some(400));

    // Three 503s in a row open A's breaker; it refuses A until its cooldown is over, and the
    // probe of request 14 closes it.
    assert_eq!(
        column(&summary, |r| r.breaker_a),
        [Closed, Closed, Closed, Closed, Closed, Closed, Closed, Closed, Closed, Open, Open, Open, Open, Closed]
    );
    assert_eq!(summary.breaker_a_changes(), [(10, Open), (14, Closed)]);

    // The fallback caught the 30 s Retry-After and the whole outage; B overloaded too sent
    // the last one to a human.
    assert_eq!(summary.ids(RequestReport::caught_by_fallback), [5, 10, 11, 12, 13]);
    assert_eq!(summary.ids(RequestReport::refused_by_breaker_a), [11, 12, 13]);
    assert_eq!(summary.human_queue, [13]);

    // No attempt came back sooner than the server asked: Retry-After (2), retry-after-ms
    // (3), x-ratelimit-reset-requests (4), and B's two 529s with retry-after-ms (13).
    assert_eq!(summary.server_delays.asked, 5);
    assert_eq!(summary.server_delays.early, []);
    let waited = column(&summary, |r| r.waited);
    for (id, at_least) in [(2, ms(1000)), (3, ms(300)), (4, ms(250)), (13, ms(600))] {
        assert!(waited[id - 1] >= at_least, "request {id} slept {:?}, less than {at_least:?}", waited[id - 1]);
    }
    // The 30 s the server asked for in request 5 is above `retry_after_max`: not slept.
    assert_eq!(waited[4], Duration::ZERO);

    // The slow answer was cut at the 250 ms timeout, not waited for (the server takes 1 s).
    let took = summary.requests[7].took;
    assert!(took >= ms(250) && took < ms(1000), "request 8 took {took:?}");

    // The streamed request (#15, provider C): its first stream sent `event: error`
    // overloaded_error before any token and was retried as a whole; the second streamed
    // every token once, and nothing after the first token was retried.
    let stream = &summary.stream;
    assert_eq!(stream.id, 15);
    assert_eq!(stream.answers, [Answer::StreamOverloaded, Answer::Stream]);
    assert!(stream.retried_before_first_token(), "{summary}");
    assert_eq!(stream.tokens, STREAMED_TOKENS);
    assert_eq!(stream.error, None);

    // Retries that failed kept their cost; the successful ones were refunded.
    assert!(summary.budget.0 < summary.budget.1);
    assert!(summary.elapsed < Duration::from_secs(10), "the tour took {:?}", summary.elapsed);
}

/// Guards `--scenario storm`: under load the outage still opens A's breaker and only 400s fail.
#[tokio::test]
async fn the_storm_is_caught_by_the_fallbacks() {
    let _serial = SERIAL.lock().await;
    let summary = run(&Options::new(Scenario::Storm)).await.expect("the server starts");
    println!("{summary}");

    assert_eq!(summary.requests.len(), 40);
    for r in &summary.requests {
        match &r.outcome {
            Outcome::Failed { status, error } => assert_eq!(*status, Some(400), "request {}: {error}", r.id),
            Outcome::Served(Served::Provider(Provider::A)) => assert_eq!(r.attempts(Provider::B), 0),
            Outcome::Served(_) => assert!(r.caught_by_fallback(), "request {}", r.id),
        }
    }
    // Requests 11 to 20 meet A's outage: its breaker opens and refuses some of them.
    assert!(summary.breaker_a_changes().iter().any(|&(_, state)| state == Open), "{summary}");
    assert!(!summary.ids(RequestReport::refused_by_breaker_a).is_empty());
    assert_eq!(summary.server_delays.early, []);
    assert!(summary.stream.retried_before_first_token(), "{summary}");
    assert!(summary.elapsed < Duration::from_secs(10), "the storm took {:?}", summary.elapsed);
}
