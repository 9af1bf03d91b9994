//! The herd experiment: how much work and time each backoff algorithm costs when `N`
//! clients race to write one row under optimistic concurrency, after Marc Brooker's
//! "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015). The model lives in
//! `src/herd.rs`; this file sweeps `N`, prints the means and plots them.
//!
//! ```text
//! cargo run --release -p examples --example herd -- --help
//! ```

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use examples::herd::{Algorithm, Model, Summary, summarize};
use examples::plot::{PALETTE, label, legend};
use plotters::chart::SeriesAnno;
use plotters::prelude::*;

const USAGE: &str = "\
Simulates N clients writing one row under optimistic concurrency, each backing off with
one of the runtime's wait strategies, for N = 10, 20, ... up to --max-clients; prints the
mean calls and completion time per (N, algorithm) and plots both as SVG.

Usage: cargo run -p examples --example herd -- [OPTIONS]

Options:
  --seed <u64>         seed of every run's network and jitter [default: 2015]
  --runs <u32>         runs averaged per (N, algorithm) [default: 50]
  --max-clients <u32>  largest N, reached in steps of 10 [default: 190]
  --out <PATH>         where the SVG goes [default: docs/herd.svg in the workspace]
  -h, --help           print this help
";

const STEP: u32 = 10;

#[derive(Debug)]
struct Args {
    seed: u64,
    runs: u32,
    max_clients: u32,
    out: PathBuf,
}

impl Args {
    /// `Ok(None)` when help was asked for.
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Self>, String> {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
        let mut parsed = Self { seed: 2015, runs: 50, max_clients: 190, out: workspace.join("docs").join("herd.svg") };
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            if flag == "-h" || flag == "--help" {
                return Ok(None);
            }
            let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("`{flag}` needs a value"));
            match flag.as_str() {
                "--seed" => parsed.seed = number(&flag, &value()?)?,
                "--runs" => parsed.runs = number(&flag, &value()?)?,
                "--max-clients" => parsed.max_clients = number(&flag, &value()?)?,
                "--out" => parsed.out = PathBuf::from(value()?),
                _ => {
                    return Err(format!(
                        "unknown argument `{flag}`; expected one of `--seed`, `--runs`, \
                         `--max-clients`, `--out`, `--help`"
                    ));
                }
            }
        }
        if parsed.runs == 0 {
            return Err("`--runs` must be at least 1".into());
        }
        if parsed.max_clients < STEP {
            return Err(format!("`--max-clients` must be at least {STEP}"));
        }
        Ok(Some(parsed))
    }
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("`{flag}` expects a non-negative integer, got `{value}`"))
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    let model = Model::default();
    let rows: Vec<[Summary; 5]> = (STEP..=args.max_clients)
        .step_by(STEP as usize)
        .map(|n| Algorithm::ALL.map(|a| summarize(&model, a, n, args.runs, args.seed)))
        .collect();

    println!(
        "{} runs per cell, seed {}; hops |Normal({:?}, {:?})|, base {:?}, cap {:?}\n",
        args.runs, args.seed, model.hop_mean, model.hop_sd, model.base, model.cap
    );
    print_table("mean calls per run", &rows, |s| format!("{:.0}", s.mean_calls));
    println!();
    print_table("mean completion time (ms)", &rows, |s| format!("{:.0}", s.mean_completion.as_secs_f64() * 1e3));

    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    plot(&args.out, &rows, &model, args)?;
    println!("\nplot written to {}", args.out.display());

    // The other half of protecting a server: once it is down, retries multiply its load.
    println!("\noutage amplification: 10 000 calls, 3 attempts each, every attempt fails\n");
    println!("| budget | attempts | attempts per call |\n|---|---:|---:|");
    for (i, name) in examples::outage::BUDGETS.iter().enumerate() {
        let row = examples::outage::amplification(10_000, i);
        println!("| {name} | {} | {:.3} |", row.attempts(), row.per_call_mean());
    }
    Ok(())
}

/// A Markdown table: one row per `N`, one column per algorithm.
fn print_table(title: &str, rows: &[[Summary; 5]], cell: impl Fn(&Summary) -> String) {
    println!("{title}\n");
    let mut header = String::from("| clients |");
    let mut rule = String::from("|--------:|");
    for a in Algorithm::ALL {
        header += &format!(" {} |", a.name());
        rule += &format!("{}:|", "-".repeat(a.name().len() + 1));
    }
    println!("{header}\n{rule}");
    for row in rows {
        let mut line = format!("| {:>7} |", row[0].clients);
        for (s, a) in row.iter().zip(Algorithm::ALL) {
            line += &format!(" {:>w$} |", cell(s), w = a.name().len());
        }
        println!("{line}");
    }
}

const fn colour(a: Algorithm) -> RGBColor {
    PALETTE[a as usize]
}

/// Two charts, like the blog's figures: work above, completion time below.
fn plot(out: &Path, rows: &[[Summary; 5]], model: &Model, args: &Args) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(out, (960, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        &format!(
            "N clients each writing one row under optimistic concurrency \
             (mean of {} runs, seed {}, base {:?}, cap {:?})",
            args.runs, args.seed, model.base, model.cap
        ),
        ("sans-serif", 18),
    )?;
    let (top, bottom) = root.split_vertically(490);
    let x_max = args.max_clients;

    let calls_max = rows.iter().flatten().map(|s| s.mean_calls).fold(0.0, f64::max);
    let mut calls = ChartBuilder::on(&top)
        .caption("Work: total calls, one per attempt (a read, then a conditional write)", ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(0..x_max, 0.0..calls_max * 1.05)?;
    calls
        .configure_mesh()
        .x_desc("clients (N)")
        .y_desc("calls per run")
        .axis_desc_style(("sans-serif", 15))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    for (i, a) in Algorithm::ALL.into_iter().enumerate() {
        let points = rows.iter().map(|row| (row[i].clients, row[i].mean_calls));
        series(calls.draw_series(LineSeries::new(points, colour(a).stroke_width(2)))?, a);
    }
    legend(&mut calls, SeriesLabelPosition::UpperLeft)?;

    // Exponential without jitter takes ten times longer than the rest: a log axis keeps
    // the others readable.
    let ms = |s: &Summary| s.mean_completion.as_secs_f64() * 1e3;
    let (lo, hi) = rows.iter().flatten().map(ms).fold((f64::MAX, 0.0_f64), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let mut time = ChartBuilder::on(&bottom)
        .caption("Time until every client has written", ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(0..x_max, (lo * 0.8..hi * 1.25).log_scale())?;
    time.configure_mesh()
        .x_desc("clients (N)")
        .y_desc("completion time (ms, log scale)")
        .axis_desc_style(("sans-serif", 15))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    for (i, a) in Algorithm::ALL.into_iter().enumerate() {
        let points = rows.iter().map(|row| (row[i].clients, ms(&row[i])));
        series(time.draw_series(LineSeries::new(points, colour(a).stroke_width(2)))?, a);
    }
    // Lower right is the one corner no line crosses.
    legend(&mut time, SeriesLabelPosition::LowerRight)?;

    root.present()?;
    Ok(())
}

fn series<DB: DrawingBackend>(annotation: &mut SeriesAnno<'_, DB>, a: Algorithm) {
    label(annotation, a.name(), colour(a));
}
