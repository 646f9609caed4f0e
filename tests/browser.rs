//! The web page (`trace --format html`, `check --format html`) in a real browser:
//! Chromium driven over WebDriver by chromedriver, both from Debian's packages
//! (`chromium`, `chromium-driver`; `.ci/run` installs them when missing). Without them the
//! tests say so and skip, unless NNTRACE_REQUIRE_TOOLS is set (CI), where they must run.
//!
//! Screenshots at 1280 and 375 px are kept in `target/tmp/screenshots/`; with
//! NNTRACE_UPDATE_SCREENSHOTS=1 the test also writes the README's picture
//! (`snapshots/html-seesaw-cnn.png`).

use crate::support::{Test, skip_without, snapshot_stdout, tool_missing};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A headless Chromium under chromedriver, each with its own port and profile, both
/// stopped when dropped.
struct Browser {
    driver: Child,
    client: Option<Client>,
    rt: tokio::runtime::Runtime,
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Browser {
    /// None when Chromium or chromedriver is missing (CI installs them and sets
    /// NNTRACE_REQUIRE_TOOLS).
    fn start(name: &str) -> Option<Browser> {
        for tool in ["chromium", "chromedriver"] {
            if tool_missing(tool, "--version") {
                skip_without(tool, "the page is not tested in a browser");
                return None;
            }
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = dir(&format!("chromium-profile-{name}-{}", std::process::id()));
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,900",
        ]
        .map(String::from)
        .into_iter()
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let caps = json!({ "goog:chromeOptions": { "args": args } });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = rt
            .block_on(
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.as_object().unwrap().clone())
                    .connect(&format!("http://127.0.0.1:{port}")),
            )
            .expect("a WebDriver session");
        Some(Browser {
            driver,
            client: Some(client),
            rt,
        })
    }

    fn c(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    fn open(&self, file: &Path) {
        let url = format!("file://{}", file.canonicalize().unwrap().display());
        self.rt.block_on(self.c().goto(&url)).unwrap();
    }

    fn js(&self, script: &str) -> Value {
        self.rt
            .block_on(self.c().execute(script, vec![]))
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    fn text(&self, css: &str) -> String {
        self.js(&format!(
            "return document.querySelector({}).innerText;",
            json!(css)
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Clicks the element as a user would, once it is scrolled to the middle of the
    /// window (clear of the sticky toolbar).
    fn click(&self, css: &str) {
        self.js(&format!(
            "document.querySelector({}).scrollIntoView({{block: 'center'}});",
            json!(css)
        ));
        let c = self.c();
        self.rt
            .block_on(async { c.find(Locator::Css(css)).await?.click().await })
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    fn keys(&self, css: &str, keys: &str) {
        let c = self.c();
        self.rt
            .block_on(async { c.find(Locator::Css(css)).await?.send_keys(keys).await })
            .unwrap_or_else(|e| panic!("keys to {css}: {e}"));
    }

    fn screenshot(&self, width: u32, name: &str) -> PathBuf {
        self.rt
            .block_on(self.c().set_window_size(width, 1000))
            .unwrap();
        let png = self.rt.block_on(self.c().screenshot()).unwrap();
        let path = dir("screenshots").join(name);
        std::fs::write(&path, png).unwrap();
        path
    }

    /// The page asked for nothing over the network: no resource was loaded at all.
    fn assert_no_request(&self) {
        let loaded = self.js(
            "return performance.getEntriesByType('resource').map(e => e.name)
                .concat(performance.getEntriesByType('navigation').map(e => e.name)
                .filter(n => !n.startsWith('file:')));",
        );
        assert_eq!(loaded, json!([]), "the page made network requests");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = self.rt.block_on(c.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The steps written into a page, as its script reads them.
fn steps_of(html: &str) -> Vec<Value> {
    let start = html
        .find("<script type=\"application/json\" id=\"steps\">")
        .unwrap();
    let rest = &html[start..];
    let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str::<Value>(json)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '−' || c == 'e'))
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
        .map(String::from)
        .collect()
}

fn page(args: &[&str], code: i32, name: &str) -> (PathBuf, String) {
    let html = Test::new().args(args.iter().copied()).status(code).stdout();
    let path = dir("pages").join(name);
    std::fs::write(&path, &html).unwrap();
    (path, html)
}

#[test]
fn trace_seesaw_cnn_html() {
    let html = snapshot_stdout(
        "trace_seesaw_cnn_html",
        &["trace", "seesaw-cnn", "--format", "html"],
        0,
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("default-src 'none'"),
        "a CSP forbids requests"
    );
    // The SVG namespace is a name, not an address; nothing else may name one.
    let text = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for outside in ["http:", "https:", "//cdn", "@import", "url(", " src="] {
        assert!(!text.contains(outside), "nothing from outside: {outside}");
    }
}

#[test]
fn the_page_steps_hides_and_explains_in_a_browser() {
    let Some(b) = Browser::start("trace") else {
        return;
    };
    let (file, html) = page(
        &["trace", "seesaw-cnn", "--format", "html"],
        0,
        "seesaw-cnn.html",
    );
    let steps = steps_of(&html);
    b.open(&file);
    assert_eq!(b.text("#counter"), format!("step 1 / {}", steps.len()));

    // Forty times →: the 41st quantity is the current one, highlighted and shown.
    b.keys("#next", &"\u{e014}".repeat(40));
    let now = &steps[40];
    let current = b.js(&format!(
        "return Array.from(document.querySelectorAll('svg .current')).map(e => e.getAttribute({}));",
        now["at"]["attr"]
    ));
    assert_eq!(
        current,
        json!([now["at"]["value"]]),
        "the diagram highlights {}",
        now["id"]
    );
    let card = b.text("#now");
    let value = now["value"].as_str().unwrap();
    assert!(card.contains(now["id"].as_str().unwrap()), "{card}");
    assert!(card.contains(&format!("= {value}")), "{card}");
    assert_eq!(
        b.text(&format!(
            "tr[data-row=\"{}\"] td.value",
            now["id"].as_str().unwrap()
        )),
        value,
        "the table shows the revealed value"
    );
    let next = steps[41]["id"].as_str().unwrap();
    assert_eq!(
        b.text(&format!("tr[data-row=\"{next}\"] td.value")),
        "",
        "the next value is not shown yet"
    );

    // Hide numbers: no value of a quantity not yet revealed is in the visible text.
    b.click("#hide");
    assert!(b.text("#counter").ends_with("· numbers hidden"));
    let seen = words(&b.text("body"));
    let revealed: HashSet<&str> = steps[..40]
        .iter()
        .map(|s| s["value"].as_str().unwrap())
        .collect();
    let hidden: Vec<&str> = steps[40..]
        .iter()
        .map(|s| s["value"].as_str().unwrap())
        .filter(|v| !revealed.contains(v))
        .collect();
    assert!(hidden.len() > 30, "enough values to look for");
    for v in &hidden {
        assert!(!seen.contains(*v), "{v} is visible before its step");
    }
    assert!(
        !b.text("#now").contains(&format!("= {value}")),
        "the current result is hidden too"
    );
    b.click("#hide");

    // Click a node: its formulas, with numbers, value and reasoning.
    b.keys("#next", "\u{e010}"); // End: every step revealed
    b.click("svg g[data-node=\"hidden.C\"]");
    let detail = b.text("#detail");
    let out_c = steps.iter().find(|s| s["id"] == "hidden.out.C").unwrap();
    for part in ["formula", "substituted", "value", "why"] {
        let text = out_c[part].as_str().unwrap();
        assert!(
            detail.contains(text),
            "details lack the {part} {text:?}:\n{detail}"
        );
    }
    assert!(detail.contains("hidden.delta.C"), "every quantity of C");
    // And a table row, by keyboard.
    b.js("document.querySelector('tr[data-row=\"pool.out.A\"]').focus();");
    b.keys("tr[data-row=\"pool.out.A\"]", "\u{e007}");
    assert!(
        b.text("#detail").contains("max(r1, r2)"),
        "{}",
        b.text("#detail")
    );

    // An edge of the shared filter: the weight's quantities and this position's term.
    b.click("svg g[data-contrib=\"conv.contrib.w2@1\"]");
    let edge = b.text("#detail");
    for id in [
        "conv.w.w2",
        "conv.wgrad.w2",
        "conv.dw.w2",
        "conv.new.w2",
        "conv.contrib.w2@1",
    ] {
        assert!(edge.contains(id), "the edge's details lack {id}:\n{edge}");
    }
    assert!(
        !edge.contains("conv.contrib.w2@2"),
        "only this position's term"
    );

    // Printed: a PDF, without the buttons.
    let pdf =
        b.rt.block_on(b.c().print(fantoccini::wd::PrintConfiguration::default()))
            .unwrap();
    assert!(pdf.starts_with(b"%PDF"), "the page prints");
    std::fs::write(dir("screenshots").join("seesaw-cnn.pdf"), &pdf).unwrap();

    b.assert_no_request();
    b.keys("#first", "\u{e00c}"); // Esc closes the details
    assert_eq!(
        b.js("return document.getElementById('detail').hidden;"),
        json!(true)
    );
    b.keys("#first", "\u{e011}"); // Home
    b.keys("#next", &"\u{e014}".repeat(40));
    b.js("document.activeElement.blur(); window.scrollTo(0, 0);");
    let wide = b.screenshot(1280, "seesaw-cnn-1280.png");
    let narrow = b.screenshot(375, "seesaw-cnn-375.png");
    let overflow = b.js("return document.documentElement.scrollWidth;");
    assert!(
        overflow.as_u64().unwrap() <= 375,
        "no sideways scrolling on a phone: {overflow}"
    );
    if std::env::var_os("NNTRACE_UPDATE_SCREENSHOTS").is_some() {
        let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
        std::fs::copy(&wide, snapshots.join("html-seesaw-cnn.png")).unwrap();
        std::fs::copy(&narrow, snapshots.join("html-seesaw-cnn-phone.png")).unwrap();
    }
}

#[test]
fn the_check_report_page_in_a_browser() {
    let Some(b) = Browser::start("check") else {
        return;
    };
    let (file, _) = page(
        &[
            "check",
            "seesaw-cnn",
            "scenarios/seesaw-cnn.slide-answers.yaml",
            "--format",
            "html",
        ],
        1,
        "check.html",
    );
    b.open(&file);
    let summary = b.text("#summary");
    assert!(
        summary.starts_with("score: 13 correct, 8 consistent with an earlier error, 4 wrong"),
        "{summary}"
    );
    assert_eq!(
        b.js("return document.querySelectorAll('tr.wrong').length;"),
        json!(4)
    );
    b.assert_no_request();
    b.screenshot(375, "check-375.png");
    let overflow = b.js("return document.documentElement.scrollWidth;");
    assert!(overflow.as_u64().unwrap() <= 375, "{overflow}");
}

/// `--round`, `--pattern` and `--digits` shape the page as they shape the tables.
#[test]
fn the_page_takes_the_trace_options() {
    let rounded = Test::new()
        .args(["trace", "seesaw-cnn", "--format", "html", "--round", "3"])
        .status(0)
        .stdout();
    let steps = steps_of(&rounded);
    let p1 = steps.iter().find(|s| s["id"] == "output.out.p1").unwrap();
    assert_eq!(p1["value"], "0.513");
    assert!(rounded.contains("hand-calculation mode: every value is rounded to 3"));
    let other = Test::new()
        .args([
            "trace",
            "seesaw-cnn",
            "--format",
            "html",
            "--pattern",
            "2",
            "--digits",
            "3",
        ])
        .status(0)
        .stdout();
    assert!(
        other.contains("pattern 2: input (0, 0, 1, 1, 0)"),
        "the pattern"
    );
    let p1 = steps_of(&other)
        .into_iter()
        .find(|s| s["id"] == "output.out.p1")
        .unwrap();
    let exact = crate::support::values("seesaw-cnn", 2)["output.out.p1"];
    assert_eq!(p1["value"], nntrace::formula::number(exact, 3));
}

/// Names are escaped in the page too, control characters shown as their pictures, and a
/// name cannot end the script that holds the steps.
#[test]
fn any_name_is_escaped_in_the_page() {
    let mut s = nntrace::scenario::load("seesaw-cnn").unwrap();
    s.network.input_names[0] = "a\0<b>&</script>".into();
    let t = s.trace(0, nntrace::trace::Policy::default());
    let ex = s.explainer(0, &t);
    let html = nntrace::render::html::trace_page(&s, 0, &ex, 6, None);
    assert!(!html.contains('\0'));
    assert!(html.contains("a\u{2400}&lt;b&gt;&amp;&lt;/script&gt;"));
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "only the page's own scripts end"
    );
    let steps = steps_of(&html);
    assert_eq!(steps[0]["symbol"], "a\u{0}<b>&</script>");
}

/// A padded corner cell's window: the inputs it covers, and every weight of its kernel,
/// those that meet a padded 0 too (conv2d-pad: 3 × 3 kernel, padding 1, stride 2).
#[test]
fn a_padded_cell_shades_its_inputs_and_its_whole_kernel() {
    let html = Test::new()
        .args(["trace", "conv2d-pad", "--format", "html"])
        .status(0)
        .stdout();
    let steps = steps_of(&html);
    let corner = steps.iter().find(|s| s["id"] == "conv.out.f1_1_1").unwrap();
    let pairs: Vec<(String, String)> = serde_json::from_value(corner["window"].clone()).unwrap();
    let of = |attr: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(a, _)| a == attr)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(
        of("data-node"),
        [
            "input.x1_1_1",
            "input.x1_1_2",
            "input.x1_2_1",
            "input.x1_2_2"
        ]
    );
    let kernel: Vec<String> = (1..=3)
        .flat_map(|u| (1..=3).map(move |v| format!("conv.w.w1_1_{u}_{v}")))
        .collect();
    assert_eq!(of("data-weight"), kernel);
    let rows: Vec<String> = ["1_1", "1_2", "2_1", "2_2"]
        .iter()
        .map(|c| format!("input.out.x1_{c}"))
        .chain(kernel.iter().cloned())
        .collect();
    assert_eq!(of("data-row"), rows);
}

/// The 2-D page: a 5 × 5 image, a 2 × 2 kernel, ReLU, 2 × 2 max pool, flatten, one
/// sigmoid output (the built-in conv2d-4x4); its maps are grids in the diagram and in
/// the tables.
const TWO_D: &str = "conv2d-4x4";

/// The ids shown as cells of a 2-D map.
fn grid_ids(html: &str) -> Vec<String> {
    let mark = "<td class=\"value\" data-row=\"";
    html.split("<table class=\"map\">")
        .skip(1)
        .flat_map(|table| {
            let table = &table[..table.find("</table>").unwrap()];
            table
                .split(mark)
                .skip(1)
                .map(|rest| rest[..rest.find('"').unwrap()].to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_2d_page_steps_through_its_grids_in_a_browser() {
    let Some(b) = Browser::start("trace-2d") else {
        return;
    };
    let (file, html) = page(&["trace", TWO_D, "--format", "html"], 0, "2d.html");
    let steps = steps_of(&html);
    let in_grid = grid_ids(&html);
    let id = |s: &Value| s["id"].as_str().unwrap().to_string();
    // A cell in the middle of the first computed map (the convolution's).
    let first = steps
        .iter()
        .position(|s| {
            in_grid.contains(&id(s)) && id(s).contains(".out.") && !id(s).starts_with("input.")
        })
        .expect("a map after the input");
    let n = first + 5;
    assert!(in_grid.contains(&id(&steps[n])) && in_grid.contains(&id(&steps[n + 1])));
    b.open(&file);

    // n times →: step n is the current one, its cell highlighted in the diagram's map
    // and in the table's grid.
    b.keys("#next", &"\u{e014}".repeat(n));
    let now = &steps[n];
    let drawn = b.js(&format!(
        "return Array.from(document.querySelectorAll('svg .current')).map(e => e.getAttribute({}));",
        now["at"]["attr"]
    ));
    assert_eq!(
        drawn,
        json!([now["at"]["value"]]),
        "the diagram highlights {}",
        now["id"]
    );
    let current = b.js(
        "return Array.from(document.querySelectorAll('table.map td.current'))
            .map(e => [e.getAttribute('data-row'), e.innerText]);",
    );
    let value = now["value"].as_str().unwrap();
    assert_eq!(
        current,
        json!([[now["id"], value]]),
        "the grid highlights {}",
        now["id"]
    );
    assert!(b.text("#now").contains(&format!("= {value}")));
    let next = id(&steps[n + 1]);
    assert_eq!(
        b.text(&format!("table.map td[data-row=\"{next}\"]")),
        "",
        "the next cell is not shown yet"
    );

    // Hide numbers: no value of an unrevealed quantity is in the visible text.
    b.click("#hide");
    let seen = words(&b.text("body"));
    // What the page states above the steps (α, the input's shape) is given, not revealed.
    let given = words(&b.text("header.intro"));
    let revealed: HashSet<&str> = steps[..n]
        .iter()
        .map(|s| s["value"].as_str().unwrap())
        .chain(given.iter().map(String::as_str))
        .collect();
    let hidden: Vec<&str> = steps[n..]
        .iter()
        .map(|s| s["value"].as_str().unwrap())
        // A whole number is also a row, a column or a step number: decimals only.
        .filter(|v| !revealed.contains(v) && v.contains('.'))
        .collect();
    assert!(hidden.len() > 5, "enough values to look for: {hidden:?}");
    for v in &hidden {
        assert!(!seen.contains(*v), "{v} is visible before its step");
    }
    b.click("#hide");

    // Click a grid cell of a later map: its formula, with numbers, value and reasoning.
    b.keys("#next", "\u{e010}"); // End
    let later = steps
        .iter()
        .rev()
        .find(|s| in_grid.contains(&id(s)) && s["formula"].is_string())
        .expect("a computed cell in a map");
    b.click(&format!("table.map td[data-row=\"{}\"]", id(later)));
    let detail = b.text("#detail");
    for part in ["formula", "substituted", "value"] {
        let text = later[part].as_str().unwrap();
        assert!(
            detail.contains(text),
            "details lack the {part} {text:?}:\n{detail}"
        );
    }
    b.assert_no_request();

    b.keys("#first", "\u{e00c}"); // Esc
    b.keys("#first", "\u{e011}"); // Home
    b.keys("#next", &"\u{e014}".repeat(n));

    // The current cell's receptive field is shaded: f1_r_c of a 2 × 2 kernel at stride 1
    // reads x1_r_c..x1_(r+1)_(c+1), in the diagram's input map and the table's input grid,
    // and meets every weight of the kernel, in the diagram and in the table's kernel grid.
    let (r, c) = cell_of(&id(now), "conv.out.f1_");
    let field = [(r, c), (r, c + 1), (r + 1, c), (r + 1, c + 1)];
    let kernel = ["1_1", "1_2", "2_1", "2_2"].map(|w| format!("conv.w.w1_1_{w}"));
    let shaded = shading(&b);
    assert_eq!(
        shaded.cells,
        field.map(|(r, c)| format!("input.x1_{r}_{c}")),
        "the diagram shades the receptive field of {}",
        id(now)
    );
    assert_eq!(shaded.params, kernel, "the diagram shades the kernel");
    let mut rows: Vec<String> = field
        .map(|(r, c)| format!("input.out.x1_{r}_{c}"))
        .into_iter()
        .chain(kernel.iter().cloned())
        .collect();
    rows.sort();
    assert_eq!(
        shaded.rows, rows,
        "the tables shade the field and the kernel"
    );
    assert_eq!(
        b.js("return document.querySelectorAll('#section-0 table.map td.window').length;"),
        json!(4),
        "four cells of the input's grid"
    );
    // Shaded as a reader sees it: the window's colour, not only a class.
    assert_eq!(
        b.js("return [getComputedStyle(document.querySelector('table.map td.window')).backgroundColor,
            getComputedStyle(document.querySelector('svg .cell.window rect.cell')).fill,
            getComputedStyle(document.querySelector('svg .param.window rect')).fill];"),
        json!(["rgb(255, 213, 158)", "rgb(255, 213, 158)", "rgb(255, 213, 158)"])
    );
    // Wide: the diagram with the current cell; on a phone: the table's grid with it.
    let centre = |css: &str, width: u32| {
        b.rt.block_on(b.c().set_window_size(width, 1000)).unwrap();
        b.js(&format!(
            "document.activeElement.blur(); document.querySelector({}).scrollIntoView({{block: 'center'}});",
            json!(css)
        ));
    };
    centre("svg .current", 1280);
    let wide = b.screenshot(1280, "2d-1280.png");
    centre("table.map td.current", 375);
    let narrow = b.screenshot(375, "2d-375.png");
    let overflow = b.js("return document.documentElement.scrollWidth;");
    assert!(
        overflow.as_u64().unwrap() <= 375,
        "no sideways scrolling on a phone: {overflow}"
    );
    if std::env::var_os("NNTRACE_UPDATE_SCREENSHOTS").is_some() {
        let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
        std::fs::copy(&wide, snapshots.join("html-2d.png")).unwrap();
        std::fs::copy(&narrow, snapshots.join("html-2d-phone.png")).unwrap();
    }

    // A pooled cell p1_r_c (2 × 2, stride 2): its window r1_(2r−1)_(2c−1)..r1_(2r)_(2c)
    // shaded, the convolution's field and kernel no longer.
    let at = |wanted: &str| steps.iter().position(|s| id(s) == wanted).unwrap();
    let pooled = at("pool.out.p1_1_2");
    b.keys("#next", &"\u{e014}".repeat(pooled - n));
    let (r, c) = cell_of(&id(&steps[pooled]), "pool.out.p1_");
    let window = [
        (2 * r - 1, 2 * c - 1),
        (2 * r - 1, 2 * c),
        (2 * r, 2 * c - 1),
        (2 * r, 2 * c),
    ];
    let shaded = shading(&b);
    assert_eq!(
        shaded.cells,
        window.map(|(r, c)| format!("relu.r1_{r}_{c}"))
    );
    assert!(shaded.params.is_empty(), "a pool has no kernel");
    assert_eq!(
        shaded.rows,
        window.map(|(r, c)| format!("relu.out.r1_{r}_{c}"))
    );
    centre("svg .current", 1280);
    b.screenshot(1280, "2d-pool-1280.png");

    // A gradient: the cell of the map above that sends it.
    let back = at("conv.grad.f1_2_2");
    b.keys("#next", &"\u{e014}".repeat(back - pooled));
    let shaded = shading(&b);
    assert_eq!(shaded.cells, ["relu.r1_2_2"]);
    assert_eq!(shaded.rows, ["relu.grad.r1_2_2"]);
    // A step outside the maps shades nothing.
    b.keys("#next", "\u{e010}"); // End: the last update
    assert_eq!(
        b.js("return document.querySelectorAll('.window').length;"),
        json!(0)
    );
}

/// (row, column) of a map cell's id: `conv.out.f1_2_3` after `conv.out.f1_` is (2, 3).
fn cell_of(id: &str, prefix: &str) -> (usize, usize) {
    let (r, c) = id.strip_prefix(prefix).unwrap().split_once('_').unwrap();
    (r.parse().unwrap(), c.parse().unwrap())
}

/// What the page shades at the current step, each list sorted: the diagram's map cells
/// (`data-node`) and kernel cells (`data-weight`), and the tables' grid cells (`data-row`,
/// each id once).
struct Shading {
    cells: Vec<String>,
    params: Vec<String>,
    rows: Vec<String>,
}

fn shading(b: &Browser) -> Shading {
    let list = |css: &str, attr: &str| -> Vec<String> {
        let found = b.js(&format!(
            "return Array.from(new Set(Array.from(document.querySelectorAll({})).map(e => e.getAttribute({})))).sort();",
            json!(css),
            json!(attr)
        ));
        serde_json::from_value(found).unwrap()
    };
    Shading {
        cells: list("svg .cell.window", "data-node"),
        params: list("svg .param.window", "data-weight"),
        rows: list("table.map td.window", "data-row"),
    }
}

/// `check --format html` for a 2-D network: a generated 2-D exercise, three answers right
/// and one wrong, read on a phone.
#[test]
fn the_check_report_of_a_2d_exercise_in_a_browser() {
    let Some(b) = Browser::start("check-2d") else {
        return;
    };
    let dir = dir("check-2d");
    Test::new()
        .args(["generate", "--kind", "cnn2d", "--seed", "7", "-o"])
        .args([dir.to_str().unwrap()])
        .status(0);
    let exercise = dir.join("exercise.yaml");
    let exact = crate::support::values(exercise.to_str().unwrap(), 0);
    let ids = ["conv.out.f1_1_1", "conv.out.f1_1_2", "conv.out.f1_2_1"];
    let mut answers = String::from("scenario: exercise.yaml\nanswers:\n");
    for id in ids {
        answers.push_str(&format!("  {id}: {}\n", exact[id]));
    }
    answers.push_str(&format!(
        "  conv.out.f1_2_2: {}\n",
        exact["conv.out.f1_2_2"] + 1.0
    ));
    let file = dir.join("answers.yaml");
    std::fs::write(&file, answers).unwrap();
    let (page_file, _) = page(
        &["check", file.to_str().unwrap(), "--format", "html"],
        1,
        "check-2d.html",
    );
    b.open(&page_file);
    let summary = b.text("#summary");
    assert!(
        summary.starts_with("score: 3 correct, 0 consistent with an earlier error, 1 wrong"),
        "{summary}"
    );
    let wrong = b
        .js("return Array.from(document.querySelectorAll('tr.wrong code')).map(e => e.innerText);");
    assert_eq!(wrong, json!(["conv.out.f1_2_2"]));
    b.assert_no_request();
    b.screenshot(375, "check-2d-375.png");
    let overflow = b.js("return document.documentElement.scrollWidth;");
    assert!(overflow.as_u64().unwrap() <= 375, "{overflow}");
}
