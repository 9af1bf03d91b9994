//! The rate-limit experiment: N clients share a provider that allows R requests a second,
//! with retries alone, a fixed limiter at R, or the adaptive limiter fed the provider's
//! headers. The model lives in `src/rate_limit.rs`; this file sweeps N, prints the table,
//! plots it, and exits non-zero unless the adaptive limiter with the headers sends at
//! least 90 % fewer 429s than retries alone while keeping goodput at 95 % of R or more.
//!
//! ```text
//! cargo run --release -p examples --example rate_limit -- --help
//! ```

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use examples::plot::{PALETTE, label, legend};
use examples::rate_limit::{Model, Report, Shaping, simulate};
use plotters::prelude::*;

const USAGE: &str = "\
Simulates N clients (10, 50, 100, 200) sharing one provider that allows R requests a second
and answers 429 above that, for retries alone, a fixed limiter at R and the adaptive limiter
fed the provider's headers; prints 429s per success, goodput and latency, and plots them.

Usage: cargo run --release -p examples --example rate_limit -- [OPTIONS]

Options:
  --seconds <u64>  simulated seconds per run [default: 60]
  --out <PATH>     where the SVG goes [default: docs/rate_limit.svg in the workspace]
  -h, --help       print this help
";

const CLIENTS: [u32; 4] = [10, 50, 100, 200];

fn main() -> ExitCode {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    let mut model = Model::default();
    let mut out = workspace.join("docs").join("rate_limit.svg");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = match flag.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--seconds" | "--out" => args.next(),
            _ => None,
        };
        match (flag.as_str(), value) {
            ("--seconds", Some(v)) if v.parse::<u64>().is_ok_and(|s| s > 0) => model.seconds = v.parse().unwrap_or(60),
            ("--out", Some(v)) => out = PathBuf::from(v),
            _ => {
                eprintln!(
                    "error: unreadable argument `{flag}`; expected `--seconds <u64 ≥ 1>`, `--out <PATH>` or `--help`\n\n{USAGE}"
                );
                return ExitCode::from(2);
            }
        }
    }
    match run(&model, &out) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Prints and plots every cell; `Ok(false)` when the goal does not hold.
fn run(model: &Model, out: &Path) -> Result<bool, Box<dyn Error>> {
    let rows: Vec<[Report; 3]> =
        CLIENTS.iter().map(|&n| Shaping::ALL.map(|shaping| simulate(model, shaping, n))).collect();
    println!(
        "R = {} requests/s in fixed 1 s windows, {:?} a request, {} s simulated per run\n",
        model.rate, model.latency, model.seconds
    );
    println!("| clients | shaping | 429s per success | goodput (share of R) | p50 latency | p99 latency |");
    println!("|---:|---|---:|---:|---:|---:|");
    for row in &rows {
        for r in row {
            println!(
                "| {} | {} | {:.4} | {:.1} % | {} | {} |",
                r.clients,
                r.shaping.name(),
                r.throttled_per_success(),
                r.goodput() * 100.0,
                millis(r.latency(0.5)),
                millis(r.latency(0.99))
            );
        }
    }

    let mut holds = true;
    println!();
    for [alone, _, adaptive] in &rows {
        let cut = 1.0 - adaptive.throttled_per_success() / alone.throttled_per_success().max(f64::MIN_POSITIVE);
        let ok = cut >= 0.9 && adaptive.goodput() >= 0.95;
        holds &= ok;
        println!(
            "{:>3} clients: 429s cut by {:.1} %, goodput {:.1} % of R: {}",
            alone.clients,
            cut * 100.0,
            adaptive.goodput() * 100.0,
            if ok { "goal met" } else { "GOAL MISSED (≥ 90 % fewer 429s, goodput ≥ 95 %)" }
        );
    }

    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    plot(out, &rows, model)?;
    println!("\nplot written to {}", out.display());
    Ok(holds)
}

fn millis(d: std::time::Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

const fn colour(shaping: Shaping) -> RGBColor {
    PALETTE[shaping as usize]
}

/// Two charts: 429s per success above (log scale), goodput below.
fn plot(out: &Path, rows: &[[Report; 3]], model: &Model) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(out, (960, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        &format!("N clients sharing a provider of R = {} requests/s ({} s simulated)", model.rate, model.seconds),
        ("sans-serif", 18),
    )?;
    let (top, bottom) = root.split_vertically(440);
    let x_max = CLIENTS[CLIENTS.len() - 1] + 10;
    // A run with no 429 at all sits on the floor of the log axis.
    let floor = 1e-4;
    let per_success = |r: &Report| r.throttled_per_success().max(floor);
    let hi = rows.iter().flatten().map(per_success).fold(floor, f64::max);

    let mut throttled = ChartBuilder::on(&top)
        .caption("429s per successful call (log scale; the floor means none)", ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(0..x_max, (floor..hi * 2.0).log_scale())?;
    throttled
        .configure_mesh()
        .x_desc("clients (N)")
        .y_desc("429s per success")
        .axis_desc_style(("sans-serif", 15))
        .draw()?;
    for (i, s) in Shaping::ALL.into_iter().enumerate() {
        let points = rows.iter().map(|row| (row[i].clients, per_success(&row[i])));
        label(throttled.draw_series(LineSeries::new(points, colour(s).stroke_width(2)))?, s.name(), colour(s));
    }
    legend(&mut throttled, SeriesLabelPosition::UpperLeft)?;

    let mut goodput = ChartBuilder::on(&bottom)
        .caption("Goodput: successful calls as a share of R", ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(0..x_max, 0.0..110.0)?;
    goodput
        .configure_mesh()
        .x_desc("clients (N)")
        .y_desc("goodput (% of R)")
        .axis_desc_style(("sans-serif", 15))
        .draw()?;
    for (i, s) in Shaping::ALL.into_iter().enumerate() {
        let points = rows.iter().map(|row| (row[i].clients, row[i].goodput() * 100.0));
        label(goodput.draw_series(LineSeries::new(points, colour(s).stroke_width(2)))?, s.name(), colour(s));
    }
    legend(&mut goodput, SeriesLabelPosition::LowerRight)?;
    root.present()?;
    Ok(())
}
