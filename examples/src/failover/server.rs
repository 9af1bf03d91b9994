//! The stand-in providers: one HTTP/1 server on 127.0.0.1, on a port the system picks,
//! serving OpenAI-compatible endpoints, `POST /{a,b,d,e}/v1/chat/completions`, and C's
//! Anthropic-style stream. Each answers as the scenario's script says for the
//! request named in the `x-request-id` header and the number of attempts it has seen for
//! it, and every attempt is logged with the time it arrived.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::Provider;
use super::script::{Answer, PACED_LIMIT, PACED_WINDOW, STREAMED_TOKENS, Scenario};

/// One attempt as the server saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// The request it belongs to (`x-request-id`).
    pub request: u32,
    /// Which endpoint it reached.
    pub provider: Provider,
    /// The how-manieth attempt of this request at this provider, from 1.
    pub attempt: u32,
    /// When it arrived.
    pub at: Instant,
    /// What the server answered.
    pub answer: Answer,
}

impl Arrival {
    /// How long the answer asked the client to wait before its next attempt, if it asked.
    pub fn asked_delay(&self) -> Option<Duration> {
        match self.answer {
            Answer::RetryAfter { secs } => Some(Duration::from_secs(secs)),
            Answer::RetryAfterMs { ms } | Answer::RateLimitReset { ms } => Some(Duration::from_millis(ms)),
            Answer::Overloaded { retry_after_ms } => retry_after_ms.map(Duration::from_millis),
            Answer::Complete
            | Answer::Unavailable
            | Answer::Slow { .. }
            | Answer::BadRequest
            | Answer::StreamOverloaded
            | Answer::Stream => None,
        }
    }
}

/// The running server. Dropping it stops it, and every connection with it.
#[derive(Debug)]
pub struct Server {
    address: SocketAddr,
    state: Arc<State>,
    // Dropping a `JoinSet` aborts its tasks: the accept loop, which owns the connections.
    _tasks: JoinSet<()>,
}

#[derive(Debug)]
struct State {
    scenario: Scenario,
    requests: u32,
    seed: u64,
    log: Mutex<Log>,
}

#[derive(Debug, Default)]
struct Log {
    attempts: HashMap<(u32, Provider), u32>,
    arrivals: Vec<Arrival>,
    /// D's current window: when it began, and the requests it has taken.
    window: Option<(Instant, u32)>,
}

impl Log {
    /// D's answer at `now`, and the counters it advertises: the requests left in the
    /// window, and the time to its reset.
    fn paced(&mut self, now: Instant) -> (Answer, u32, Duration) {
        let (start, used) = match self.window {
            Some((start, used)) if now < start + PACED_WINDOW => (start, used),
            _ => (now, 0),
        };
        // Rounded up to the next millisecond, so that a client that waits as told never
        // arrives before the window has turned.
        let reset = (start + PACED_WINDOW).saturating_duration_since(now);
        let reset = Duration::from_millis(u64::try_from(reset.as_millis()).unwrap_or(u64::MAX) + 1);
        let reset_ms = u64::try_from(reset.as_millis()).unwrap_or(u64::MAX);
        if used < PACED_LIMIT {
            self.window = Some((start, used + 1));
            (Answer::Complete, PACED_LIMIT - used - 1, reset)
        } else {
            self.window = Some((start, used));
            (Answer::RateLimitReset { ms: reset_ms }, 0, reset)
        }
    }
}

impl Server {
    /// Listens on 127.0.0.1 at a free port, answering `requests` requests of `scenario`.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start(scenario: Scenario, requests: u32, seed: u64) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(State { scenario, requests, seed, log: Mutex::default() });
        let mut tasks = JoinSet::new();
        tasks.spawn(accept(listener, Arc::clone(&state)));
        Ok(Self { address, state, _tasks: tasks })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The tour's providers ([`Scenario::Tour`], seed 1), for a test that sends its requests
    /// by hand.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn tour() -> io::Result<Self> {
        Self::start(Scenario::Tour, Scenario::Tour.default_requests(), 1).await
    }

    /// `http://127.0.0.1:PORT/{a,b}/v1/chat/completions`.
    pub fn chat_url(&self, provider: Provider) -> String {
        format!("{}/{}/v1/chat/completions", self.base_url(), provider.path())
    }

    /// How many attempts of request `id` reached `provider`.
    pub fn attempts(&self, provider: Provider, id: u32) -> usize {
        self.arrivals().iter().filter(|a| a.request == id && a.provider == provider).count()
    }

    /// Every attempt so far, in the order they arrived.
    pub fn arrivals(&self) -> Vec<Arrival> {
        self.state.log.lock().unwrap_or_else(PoisonError::into_inner).arrivals.clone()
    }
}

async fn accept(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        while connections.try_join_next().is_some() {}
        let state = Arc::clone(&state);
        connections.spawn(async move {
            let service = service_fn(move |request| respond(Arc::clone(&state), request));
            // A client that gives up on a slow answer closes the connection: not an error here.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// A whole body, or one sent a frame at a time (server-sent events).
type Body = http_body_util::Either<Full<Bytes>, StreamBody<ReceiverStream>>;
type Reply = Response<Body>;

async fn respond(state: Arc<State>, request: Request<Incoming>) -> Result<Reply, Infallible> {
    let provider = match request.uri().path() {
        "/a/v1/chat/completions" => Provider::A,
        "/b/v1/chat/completions" => Provider::B,
        "/c/v1/messages" => Provider::C,
        "/d/v1/chat/completions" => Provider::D,
        "/e/v1/chat/completions" => Provider::E,
        _ => return Ok(error(StatusCode::NOT_FOUND, "not_found_error", "no such endpoint")),
    };
    if request.method() != Method::POST {
        return Ok(error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request_error", "use POST"));
    }
    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()?.parse::<u32>().ok());
    let Some(id) = id else {
        return Ok(error(StatusCode::BAD_REQUEST, "invalid_request_error", "the stand-in needs `x-request-id: N`"));
    };
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return Ok(error(StatusCode::BAD_REQUEST, "invalid_request_error", "unreadable body")),
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return Ok(error(StatusCode::BAD_REQUEST, "invalid_request_error", "the body is not JSON"));
    };

    let script = state.scenario.script(id, state.requests, state.seed);
    let (answer, attempt, advertised) = {
        let mut log = state.log.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = log.attempts.entry((id, provider)).or_insert(0);
        *seen += 1;
        let attempt = *seen;
        let now = Instant::now();
        let (answer, advertised) = if provider == Provider::D {
            let (answer, remaining, reset) = log.paced(now);
            (answer, Some((remaining, reset)))
        } else {
            (script.answer(provider, attempt), None)
        };
        log.arrivals.push(Arrival { request: id, provider, attempt, at: now, answer });
        (answer, attempt, advertised)
    };

    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reply = match answer {
        Answer::Complete => completion(provider, id, attempt, &body),
        Answer::Slow { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            completion(provider, id, attempt, &body)
        }
        Answer::RetryAfter { secs } => with(rate_limited(status), &[("retry-after", secs.to_string())]),
        Answer::RetryAfterMs { ms } => with(rate_limited(status), &[("retry-after-ms", ms.to_string())]),
        Answer::RateLimitReset { ms } => with(
            rate_limited(status),
            &[
                ("x-ratelimit-limit-requests", "500".into()),
                ("x-ratelimit-remaining-requests", "0".into()),
                ("x-ratelimit-reset-requests", format!("{ms}ms")),
                // A limit with room left asks for no wait, however far off its reset.
                ("x-ratelimit-remaining-tokens", "29000".into()),
                ("x-ratelimit-reset-tokens", "6m0s".into()),
            ],
        ),
        Answer::Unavailable => error(status, "server_error", "The server is overloaded or not ready yet."),
        Answer::Overloaded { retry_after_ms } => {
            // Anthropic's shape: the type at the top, the kind of error inside.
            let body = json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}});
            let reply = json_reply(status, &body);
            match retry_after_ms {
                Some(ms) => with(reply, &[("retry-after-ms", ms.to_string())]),
                None => reply,
            }
        }
        Answer::BadRequest => error(status, "invalid_request_error", "Invalid 'messages[0].content': string too long."),
        Answer::StreamOverloaded => events(vec![(
            "error",
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        )]),
        Answer::Stream => {
            let mut sent =
                vec![("message_start", json!({"type": "message_start", "message": {"id": format!("msg_{id}")}}))];
            for (i, token) in STREAMED_TOKENS.iter().enumerate() {
                if i == 2 {
                    sent.push(("ping", json!({"type": "ping"})));
                }
                let delta =
                    json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": token}});
                sent.push(("content_block_delta", delta));
            }
            sent.push(("message_stop", json!({"type": "message_stop"})));
            events(sent)
        }
    };
    // D says on every answer how many requests its window has left and when it resets, as
    // OpenAI does (the `RateLimitReset` answer above already carries them).
    Ok(match advertised {
        Some((remaining, reset)) if answer == Answer::Complete => with(
            reply,
            &[
                ("x-ratelimit-limit-requests", PACED_LIMIT.to_string()),
                ("x-ratelimit-remaining-requests", remaining.to_string()),
                ("x-ratelimit-reset-requests", format!("{}ms", reset.as_millis())),
            ],
        ),
        _ => reply,
    })
}

/// A `text/event-stream` of `events`, one frame each, a few milliseconds apart, as a
/// provider streams tokens: Anthropic's shape (`event: NAME`, `data: JSON`).
fn events(events: Vec<(&'static str, Value)>) -> Reply {
    let (frames, receiver) = tokio::sync::mpsc::channel(events.len().max(1));
    tokio::spawn(async move {
        for (name, data) in events {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let frame = Frame::data(Bytes::from(format!("event: {name}\ndata: {data}\n\n")));
            if frames.send(Ok(frame)).await.is_err() {
                return; // the client hung up
            }
        }
    });
    let body = StreamBody::new(ReceiverStream(receiver));
    let mut reply = Response::new(http_body_util::Either::Right(body));
    reply.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    reply
}

/// The frames the task that writes an event stream sends, as a `Stream` for `StreamBody`.
#[derive(Debug)]
pub struct ReceiverStream(tokio::sync::mpsc::Receiver<Result<Frame<Bytes>, Infallible>>);

impl futures_util::Stream for ReceiverStream {
    type Item = Result<Frame<Bytes>, Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// An OpenAI chat completion that echoes the last message (and, from E, which attempt it
/// answers, so that the summary can tell the hedge's answer from the first attempt's).
fn completion(provider: Provider, id: u32, attempt: u32, request: &Value) -> Reply {
    let model = request["model"].as_str().unwrap_or("unknown");
    let asked = request["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str());
    let mut content = format!("{model}'s answer to {}", asked.unwrap_or("nothing"));
    if provider == Provider::E {
        content.push_str(&format!(" (attempt {attempt})"));
    }
    let body = json!({
        "id": format!("chatcmpl-{provider}-{id}"),
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    });
    json_reply(StatusCode::OK, &body)
}

fn rate_limited(status: StatusCode) -> Reply {
    error(status, "requests", "Rate limit reached for requests.")
}

/// An error in OpenAI's shape.
fn error(status: StatusCode, kind: &str, message: &str) -> Reply {
    json_reply(status, &json!({"error": {"message": message, "type": kind}}))
}

fn json_reply(status: StatusCode, body: &Value) -> Reply {
    let mut reply = Response::new(http_body_util::Either::Left(Full::new(Bytes::from(body.to_string()))));
    *reply.status_mut() = status;
    reply.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    reply
}

fn with(mut reply: Reply, headers: &[(&'static str, String)]) -> Reply {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            reply.headers_mut().insert(*name, value);
        }
    }
    reply
}
