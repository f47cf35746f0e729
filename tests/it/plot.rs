//! Charts and the HTML page: every chart kind for every example scenario in both formats, SVG
//! that parses, PNG that decodes at the stated size, `plot` of a saved report drawing what
//! `run --plot` drew, and the page opened in headless Chromium without console messages.
//!
//! The browser test needs Chromium (Debian's `chromium` package, `/usr/bin/chromium`), so it is
//! `#[ignore = "needs Chromium ..."]`: `cargo test -- --ignored` runs it (`.ci/run` installs
//! chromium and does), and it fails saying so when the browser is missing.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokencast::forecast::ForecastOptions;
use tokencast::output::html;
use tokencast::plot::{self, ChartKind, HEIGHT, WIDTH};
use tokencast::report::{BudgetStats, Report, ScaleCurve, ScalePoint, ScaleStrategy, Stats};
use tokencast::scenario::Scenario;

use crate::support::{bin, repo};

/// The example scenarios, found on disk so a new one is covered without editing this file.
fn example_scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    v.sort();
    assert!(v.len() >= 5, "{v:?}");
    v
}

/// A quick forecast of `path`: a fifth of the users over 45 days (two months), 3 runs.
fn quick_report(path: &Path) -> Report {
    let mut sc = Scenario::load(path, None).unwrap_or_else(|e| panic!("{e}"));
    sc.set_horizon_days(45);
    for e in &mut sc.endpoints {
        e.traffic.daily_active_users = (e.traffic.daily_active_users / 5.0).max(1.0);
    }
    tokencast::forecast::forecast(&sc, &ForecastOptions::runs(3)).unwrap_or_else(|e| panic!("{e}"))
}

fn scaled(s: Stats, f: f64) -> Stats {
    Stats {
        mean: s.mean * f,
        p5: s.p5 * f,
        p10: s.p10 * f,
        p50: s.p50 * f,
        p90: s.p90 * f,
        p95: s.p95 * f,
        min: s.min * f,
        max: s.max * f,
    }
}

fn minus(a: f64, s: Stats) -> Stats {
    // Margin = revenue − cost: quantiles swap ends.
    Stats {
        mean: a - s.mean,
        p5: a - s.p95,
        p10: a - s.p90,
        p50: a - s.p50,
        p90: a - s.p10,
        p95: a - s.p5,
        min: a - s.max,
        max: a - s.min,
    }
}

/// What `run --budget` and `run --scale` will fill in, set by hand so every chart is drawn:
/// a budget 10% under the baseline's first month, and a scale curve with a fixed overhead
/// spread over the users (cost per user-month × (1 + 2000 / users)) against revenue of 1.2 ×
/// the baseline's cost per user-month, so every strategy breaks even inside the curve.
fn with_budget_and_scale(mut r: Report) -> Report {
    let base = r.strategies[&r.strategy_order[0]].clone();
    let budget = base.monthly[0].cost_usd.p50 * 0.9;
    r.budget_usd_per_month = Some(budget);
    for s in r.strategies.values_mut() {
        for m in &mut s.monthly {
            m.probability_over_budget = Some(if m.cost_usd.p50 > budget { 0.8 } else { 0.1 });
        }
        s.budget = Some(BudgetStats {
            usd_per_month: budget,
            probability_exceeded: if s.monthly[0].cost_usd.p50 > budget {
                0.8
            } else {
                0.1
            },
            share_of_runs: 0.0,
            control_variate: false,
            expected_first_month: Some(1.0),
            most_likely_first_month: Some(s.monthly[0].label.clone()),
        });
    }
    let revenue = base.unit_economics.cost_per_user_month_usd.mean * 1.2;
    let users = [1_000.0, 10_000.0, 100_000.0, 1_000_000.0];
    let points = users
        .iter()
        .map(|&u| ScalePoint {
            daily_active_users: u,
            strategies: r
                .strategy_order
                .iter()
                .map(|n| {
                    let ue = &r.strategies[n].unit_economics;
                    let cost = scaled(ue.cost_per_user_month_usd, 1.0 + 2000.0 / u);
                    (
                        n.clone(),
                        ScaleStrategy {
                            cost_per_user_month_usd: cost,
                            cost_per_request_usd: scaled(ue.cost_per_request_usd, 1.0 + 2000.0 / u),
                            margin_per_user_month_usd: Some(minus(revenue, cost)),
                        },
                    )
                })
                .collect(),
        })
        .collect();
    let break_even_users = r
        .strategy_order
        .iter()
        .map(|n| {
            let c = r.strategies[n].unit_economics.cost_per_user_month_usd.mean;
            (n.clone(), (revenue > c).then(|| 2000.0 * c / (revenue - c)))
        })
        .collect();
    r.scale_curve = Some(ScaleCurve {
        days: 30,
        runs: 3,
        points,
        break_even_users,
    });
    r
}

/// Parse an SVG document and check its size and that it says something.
fn check_svg(svg: &str, what: &str) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{what}: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{what}");
    assert_eq!(
        root.attribute("width"),
        Some(WIDTH.to_string().as_str()),
        "{what}"
    );
    assert_eq!(
        root.attribute("height"),
        Some(HEIGHT.to_string().as_str()),
        "{what}"
    );
    let texts = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .count();
    assert!(texts >= 10, "{what}: only {texts} text elements");
}

/// Decode a PNG: (width, height, RGB(A) pixels, bytes per pixel).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let bpp = info.color_type.samples();
    (info.width, info.height, buf, bpp)
}

/// Distinct colours in a decoded image (alpha ignored).
fn distinct_colours(pixels: &[u8], bpp: usize) -> usize {
    let mut seen = std::collections::HashSet::new();
    for p in pixels.chunks_exact(bpp) {
        seen.insert((p[0], p[1], p[2]));
    }
    seen.len()
}

#[test]
fn every_chart_kind_renders_for_every_example_scenario() {
    for path in example_scenarios() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let report = with_budget_and_scale(quick_report(&path));
        assert_eq!(
            ChartKind::available_for(&report),
            ChartKind::ALL,
            "{name}: every chart applies once budget and scale curve are set"
        );
        for kind in ChartKind::ALL {
            let what = format!("{name} {kind}");
            let svg = plot::svg(&report, kind).unwrap_or_else(|e| panic!("{what}: {e}"));
            check_svg(&svg, &what);
            assert!(svg.contains(kind.title()), "{what}: no title");
            let png = plot::png(&report, kind).unwrap_or_else(|e| panic!("{what}: {e}"));
            let (w, h, pixels, bpp) = decode_png(&png);
            assert_eq!((w, h), (WIDTH, HEIGHT), "{what}");
            assert!(
                distinct_colours(&pixels, bpp) > 20,
                "{what}: PNG looks blank"
            );
        }
    }
}

#[test]
fn strategies_keep_their_colour_in_every_chart() {
    let report = quick_report(&repo("scenarios/support-assistant.ron"));
    for kind in [
        ChartKind::DailyCost,
        ChartKind::Strategies,
        ChartKind::CacheHitRatio,
    ] {
        let svg = plot::svg(&report, kind).unwrap().to_lowercase();
        for i in 0..report.strategy_order.len() {
            let colour = plot::hex(plot::strategy_colour(i));
            assert!(
                svg.contains(&colour),
                "{kind}: no {colour} for strategy {i}"
            );
        }
    }
}

#[test]
fn a_plain_report_skips_the_scale_curve_and_says_how_to_get_it() {
    let report = quick_report(&repo("scenarios/faq-bot.ron"));
    let kinds = ChartKind::available_for(&report);
    assert!(!kinds.contains(&ChartKind::ScaleCurve));
    assert!(matches!(
        plot::svg(&report, ChartKind::ScaleCurve),
        Err(plot::PlotError::NoData { .. })
    ));
    let page = html::render(&report, None).unwrap();
    assert!(
        page.contains("<code>--scale 1000,10000,100000</code>"),
        "{page}"
    );
    assert!(page.contains("--budget USD"));
}

#[test]
fn one_month_and_one_day_draw_intervals() {
    let mut sc = Scenario::load(&repo("scenarios/support-assistant.ron"), None).unwrap();
    sc.set_horizon_days(1);
    sc.endpoints[0].traffic.daily_active_users = 200.0;
    let mut report = tokencast::forecast::forecast(&sc, &ForecastOptions::runs(4)).unwrap();
    report.budget_usd_per_month = Some(100.0);
    for kind in [ChartKind::DailyCost, ChartKind::MonthlyCost] {
        let svg = plot::svg(&report, kind).unwrap();
        check_svg(&svg, &kind.to_string());
        assert!(svg.contains("P50 $"), "{kind}: interval labels");
        assert!(svg.contains("budget"), "{kind}: budget line");
    }
}

/// The HTML page of a report: self-contained, with charts, tables and assumptions.
fn check_page(page: &str) {
    assert!(page.starts_with("<!DOCTYPE html>"));
    let lower = page.to_lowercase();
    assert!(!lower.contains("<script"), "no scripts");
    assert!(
        !lower.contains("http://") && !lower.contains("https://"),
        "no addresses"
    );
    assert!(!lower.contains(" src="), "nothing loaded");
    assert!(!lower.contains("<link"), "no stylesheets");
    assert!(
        !lower.contains("@import") && !lower.contains("url("),
        "no CSS loads"
    );
    assert!(page.contains("Content-Security-Policy"));
    assert!(page.contains("<svg"), "inline charts");
}

#[test]
fn run_plot_and_html_then_plot_of_the_saved_report_draws_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = repo("scenarios/nightly-docs.ron");
    let out = bin()
        .arg("run")
        .arg(&scenario)
        .args(["--runs", "2", "--format", "json", "-o"])
        .arg(d.join("report.json"))
        .arg("--plot")
        .arg(d.join("run-charts"))
        .arg("--html")
        .arg(d.join("page.html"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Report =
        serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap();
    let kinds = ChartKind::available_for(&report);
    let mut names: Vec<String> = std::fs::read_dir(d.join("run-charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut expected: Vec<String> = kinds
        .iter()
        .map(|k| format!("{}.svg", k.file_stem()))
        .collect();
    expected.sort();
    assert_eq!(names, expected);

    let page = std::fs::read_to_string(d.join("page.html")).unwrap();
    check_page(&page);
    assert_eq!(page.matches("<svg ").count(), kinds.len());
    assert!(page.contains(&report.scenario.sha256));
    assert!(page.contains(&format!("<dt>seed</dt><dd>{}</dd>", report.seed)));
    assert!(page.contains("Scenario("), "the scenario's source is shown");

    // `plot` of the saved report: the same SVG bytes, and PNGs at the stated size.
    let out = bin()
        .arg("plot")
        .arg(d.join("report.json"))
        .arg(d.join("plot-charts"))
        .arg("--html")
        .arg(d.join("page2.html"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in &names {
        assert_eq!(
            std::fs::read(d.join("run-charts").join(name)).unwrap(),
            std::fs::read(d.join("plot-charts").join(name)).unwrap(),
            "{name}"
        );
    }
    assert_eq!(page, std::fs::read_to_string(d.join("page2.html")).unwrap());
    bin()
        .arg("plot")
        .arg(d.join("report.json"))
        .arg(d.join("png"))
        .args(["--plot-format", "png"])
        .assert()
        .success();
    for k in &kinds {
        let bytes = std::fs::read(d.join("png").join(format!("{}.png", k.file_stem()))).unwrap();
        let (w, h, _, _) = decode_png(&bytes);
        assert_eq!((w, h), (WIDTH, HEIGHT), "{k}");
    }
}

#[test]
fn plot_draws_an_audit_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = bin()
        .arg("audit")
        .arg(repo("traces/example-native.csv"))
        .args(["--format", "json", "-o"])
        .arg(d.join("audit.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    bin()
        .arg("plot")
        .arg(d.join("audit.json"))
        .arg(d.join("charts"))
        .arg("--html")
        .arg(d.join("audit.html"))
        .assert()
        .success();
    let report: Report =
        serde_json::from_slice(&std::fs::read(d.join("audit.json")).unwrap()).unwrap();
    let kinds = ChartKind::available_for(&report);
    assert!(
        kinds.contains(&ChartKind::CostByEndpoint) && kinds.contains(&ChartKind::CacheHitRatio)
    );
    assert!(
        !kinds.contains(&ChartKind::Strategies),
        "one recorded strategy"
    );
    for k in &kinds {
        let svg = std::fs::read_to_string(d.join("charts").join(format!("{}.svg", k.file_stem())))
            .unwrap();
        check_svg(&svg, &k.to_string());
    }
    let page = std::fs::read_to_string(d.join("audit.html")).unwrap();
    check_page(&page);
    assert!(page.contains("<h2>Audit</h2>"));
}

/// The page of an audit of a source that records costs shows what the markdown does: the
/// costliest users, recorded cost against the provider's price per model, the `--by` tables
/// and the items left out.
#[test]
fn an_audit_page_shows_recorded_costs_and_breakdowns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    bin()
        .arg("audit")
        .arg(repo("tests/fixtures/sources/litellm/spend-logs.csv"))
        .args(["--by", "team_id", "--format", "json", "-o"])
        .arg(d.join("audit.json"))
        .assert()
        .success();
    bin()
        .arg("plot")
        .arg(d.join("audit.json"))
        .arg("--html")
        .arg(d.join("audit.html"))
        .assert()
        .success();
    let page = std::fs::read_to_string(d.join("audit.html")).unwrap();
    check_page(&page);
    for want in [
        "<h3>Users by cost (the 20 costliest)</h3>",
        "<td>cust-9</td><td>$0.02325</td>",
        "<h3>Recorded cost against the provider's price</h3>",
        "<th class=\"text\">likely cause</th>",
        "<td>claude-sonnet-4-6</td>",
        "<h3>Cost by team_id</h3>",
        "<td>team-42</td><td>2</td><td>18,210</td><td>340</td><td>$0.03483</td><td>91.0%</td>",
        "<td>(none)</td>",
    ] {
        assert!(page.contains(want), "{want} missing from the page");
    }

    // Spans without usage are left out and the page says how many.
    bin()
        .arg("audit")
        .arg(repo("tests/fixtures/sources/otlp/traces.jsonl"))
        .args(["--format", "json", "-o"])
        .arg(d.join("otlp.json"))
        .assert()
        .success();
    bin()
        .arg("plot")
        .arg(d.join("otlp.json"))
        .arg("--html")
        .arg(d.join("otlp.html"))
        .assert()
        .success();
    let page = std::fs::read_to_string(d.join("otlp.html")).unwrap();
    assert!(page.contains("<p>Left out, without usage: "), "{page}");
}

#[test]
fn plot_rejects_what_is_not_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema_version\": 1}").unwrap();
    let out = bin()
        .arg("plot")
        .arg(&bad)
        .arg(dir.path().join("charts"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a tokencast JSON report"));
    // Neither a folder nor a page asked for: a usage error.
    bin().arg("plot").arg(&bad).assert().code(2);
}

#[test]
fn a_chart_format_without_charts_is_a_usage_error() {
    // `--plot-format` alone would be silently ignored: clap refuses it, naming what it needs.
    let out = bin()
        .arg("run")
        .arg(repo("scenarios/support-assistant.ron"))
        .args(["--runs", "1", "--plot-format", "png"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--plot <DIR>"));
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("plot")
        .arg(repo("tests/fixtures/diff/expected.md"))
        .arg("--html")
        .arg(dir.path().join("p.html"))
        .args(["--plot-format", "png"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<DIR>"));
}

#[test]
fn a_run_that_fails_leaves_no_empty_chart_folder() {
    // The chart folder is made before the simulation (a bad path fails fast); when the
    // command fails after that, the folders it made are removed again. A folder that existed
    // before is left alone.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let charts = d.join("new").join("charts");
    let out = bin()
        .arg("run")
        .arg(repo("scenarios/support-assistant.ron"))
        .args(["--runs", "1", "-q", "--plot"])
        .arg(&charts)
        .arg("--html")
        .arg(d.join("missing").join("page.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !d.join("new").exists(),
        "the chart folders were left behind"
    );
    std::fs::create_dir(d.join("kept")).unwrap();
    let out = bin()
        .arg("run")
        .arg(repo("scenarios/support-assistant.ron"))
        .args(["--runs", "1", "-q", "--plot"])
        .arg(d.join("kept").join("charts"))
        .arg("--html")
        .arg(d.join("missing").join("page.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(d.join("kept").is_dir() && !d.join("kept").join("charts").exists());
}

/// `/usr/bin/chromium`, or `None` (with a note) when it is missing and not required.
fn chromium() -> PathBuf {
    let p = PathBuf::from("/usr/bin/chromium");
    assert!(
        p.exists(),
        "/usr/bin/chromium is missing: install Debian's chromium package (`apt-get install \
         chromium`; .ci/run does)"
    );
    p
}

/// What headless Chromium saw of a page: its console messages and a screenshot.
struct BrowserView {
    console: Vec<String>,
    screenshot: Vec<u8>,
}

/// Open `page` in headless Chromium, take a 1280 × 2000 screenshot and collect console
/// messages. With `--enable-logging=stderr --v=0` Chromium prints every console message of the
/// page (console.log/error, CSP violations, blocked loads) as a line containing `:CONSOLE`.
fn open_in_chromium(chromium: &Path, page: &Path, work: &Path) -> BrowserView {
    let shot = work.join("screenshot.png");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = reader.join().unwrap();
    assert!(status.success(), "chromium failed: {status}\n{log}");
    BrowserView {
        console: log
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
        screenshot: std::fs::read(&shot)
            .unwrap_or_else(|e| panic!("no screenshot {}: {e}\n{log}", shot.display())),
    }
}

#[test]
#[ignore = "needs Chromium (/usr/bin/chromium, Debian's chromium package); CI installs it and runs this with --ignored"]
fn html_page_opens_in_headless_chromium_without_console_messages() {
    let chromium = chromium();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // The detector first: a page that breaks its own policy must be caught.
    let bad = d.join("bad.html");
    std::fs::write(
        &bad,
        format!(
            "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
             content=\"{}\"></head><body><p>bad</p><img src=\"missing.png\">\
             <script>console.error('x')</script></body></html>",
            html::CSP
        ),
    )
    .unwrap();
    std::fs::create_dir(d.join("bad")).unwrap();
    let view = open_in_chromium(&chromium, &bad, &d.join("bad"));
    assert!(
        view.console.len() >= 2,
        "the console detector missed a blocked image and script: {:?}",
        view.console
    );

    let report = with_budget_and_scale(quick_report(&repo("scenarios/support-assistant.ron")));
    let page = d.join("report.html");
    std::fs::write(
        &page,
        html::render(&report, Some("Scenario(name: \"x\")")).unwrap(),
    )
    .unwrap();
    std::fs::create_dir(d.join("good")).unwrap();
    let view = open_in_chromium(&chromium, &page, &d.join("good"));
    assert!(
        view.console.is_empty(),
        "console messages: {:#?}",
        view.console
    );
    let (w, h, pixels, bpp) = decode_png(&view.screenshot);
    assert_eq!((w, h), (1280, 2000));
    let colours = distinct_colours(&pixels, bpp);
    assert!(
        colours > 50,
        "the screenshot looks blank: {colours} colours"
    );
}

#[test]
fn a_bad_html_or_chart_path_fails_before_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let out = bin()
        .arg("run")
        .arg(repo("scenarios/support-assistant.ron"))
        .arg("--html")
        .arg(dir.path().join("missing").join("page.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot create output file"));
    let out = bin()
        .arg("run")
        .arg(repo("scenarios/support-assistant.ron"))
        .arg("--plot")
        .arg(file.join("charts"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot create chart folder"));
}

/// Every number of `v` (a report as JSON) replaced by `x`, counts and days kept.
fn every_float(v: &mut serde_json::Value, x: f64) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => *v = x.into(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|e| every_float(e, x)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|e| every_float(e, x)),
        _ => {}
    }
}

/// Found running edge values through the `report` fuzz target: in a saved report whose every
/// number is 1e308, the cache charts' shares lie far outside their fixed axis (0 to 1.15), and
/// plotters' pixel arithmetic overflowed on them (a panic in a debug build, a stray bar in
/// release); the cost axes made its tick search loop forever. Every chart now finishes: drawn,
/// or an error saying its axis cannot be drawn.
#[test]
fn huge_values_are_a_draw_error_not_a_hang() {
    let mut v =
        serde_json::to_value(quick_report(&repo("tests/fixtures/good/two-endpoints.ron"))).unwrap();
    every_float(&mut v, 1e308);
    let report: Report = serde_json::from_value(v).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut refused = 0;
        for kind in ChartKind::available_for(&report) {
            match plot::svg(&report, kind) {
                Ok(_) => {}
                Err(e) => {
                    assert!(e.to_string().contains("cannot be drawn"), "{e}");
                    refused += 1;
                }
            }
        }
        tx.send(refused).unwrap();
    });
    let refused = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("drawing the charts of a report with huge values hung or panicked");
    assert!(refused > 0);
}
