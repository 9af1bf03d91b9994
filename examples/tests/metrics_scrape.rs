//! `--metrics`: the failover demo's Prometheus endpoint, scraped after the tour, counts what
//! the demo's own summary table shows. A test binary of its own: the recorder is global.

use std::collections::BTreeMap;

use examples::failover::metrics::MetricsServer;
use examples::failover::{Options, Provider, RequestReport, Scenario, run};
use retry_runtime::BreakerState;
use retry_runtime::telemetry::{ATTEMPTS, BREAKER_TRANSITIONS, GIVE_UPS};

/// One sample of Prometheus's text format: its name, its labels and its value.
type Sample = (String, BTreeMap<String, String>, f64);

fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, labels.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter_map(|pair| {
                    let (key, value) = pair.split_once("=\"")?;
                    Some((key.to_owned(), value.trim_end_matches('"').to_owned()))
                })
                .collect();
            Some((name.to_owned(), labels, value.parse().ok()?))
        })
        .collect()
}

fn total(samples: &[Sample], name: &str, keep: impl Fn(&BTreeMap<String, String>) -> bool) -> u32 {
    samples.iter().filter(|(n, labels, _)| n == name && keep(labels)).map(|(_, _, v)| *v as u32).sum()
}

fn function_is(labels: &BTreeMap<String, String>, function: &str) -> bool {
    labels.get("function").is_some_and(|f| f == function || f.ends_with(&format!("::{function}")))
}

/// Guards `--metrics`: every counter scraped equals the summary's own count of the same thing.
#[tokio::test]
async fn the_scraped_counters_equal_the_summary() {
    let server = MetricsServer::start("127.0.0.1:0".parse().unwrap()).await.expect("the endpoint starts");
    let summary = run(&Options::new(Scenario::Tour)).await.expect("the server starts");
    let text = reqwest::get(format!("http://{}/metrics", server.address()))
        .await
        .expect("the endpoint answers")
        .text()
        .await
        .expect("a body");
    let samples = samples(&text);
    println!("{summary}\n{text}");

    // Each attempt the providers saw is one attempt counted (an attempt cut by the timeout
    // reached the server too; one the breaker refused reached neither).
    for (provider, function) in [(Provider::A, "ask_a"), (Provider::B, "ask_b")] {
        assert_eq!(
            total(&samples, ATTEMPTS, |l| function_is(l, function)),
            summary.attempts(provider),
            "attempts at {provider}"
        );
    }
    // The breaker refused A for the requests the table marks, and the 400 was returned as it is.
    assert_eq!(
        total(&samples, GIVE_UPS, |l| function_is(l, "ask_a") && l["reason"] == "breaker"),
        summary.ids(RequestReport::refused_by_breaker_a).len() as u32
    );
    assert_eq!(total(&samples, GIVE_UPS, |l| l["reason"] == "not_retryable"), summary.failed().len() as u32);
    // A's breaker opened and closed as often as the table's breaker column changed to each.
    for (state, label) in [(BreakerState::Open, "open"), (BreakerState::Closed, "closed")] {
        assert_eq!(
            total(&samples, BREAKER_TRANSITIONS, |l| l["breaker"] == "provider A" && l["to"] == label),
            summary.breaker_a_changes().iter().filter(|&&(_, s)| s == state).count() as u32,
            "changes of provider A to {label}"
        );
    }
}
