//! `check`: one answers file judged and reported, or a whole class at once.
//!
//! An answers file's `scenario:` is resolved like a SCENARIO argument, a relative path from
//! the answers file's folder. When the command line names a scenario too, the two agree
//! if they lead to the same file or built-in, or if the two scenarios carry the same name.

use super::{Format, ShowArgs, emit, pattern_index, pretty};
use crate::check::answers::{self, AnswersFile};
use crate::check::class::{Class, Student};
use crate::check::{self, Report};
use crate::error::{Doing, Error, InputError, IoFailure};
use crate::render::{self, Options};
use crate::scenario::{self, Scenario, Source};
use crate::text::terminal_safe;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The scenario named on the command line, loaded once.
struct Chosen {
    arg: String,
    scenario: Scenario,
    source: Option<Source>,
}

impl Chosen {
    fn load(arg: &str) -> Result<Chosen, Error> {
        Ok(Chosen {
            arg: arg.to_string(),
            scenario: scenario::load(arg)?,
            source: scenario::locate(arg, None).map(|(_, source)| source),
        })
    }
}

/// One answers file, judged.
struct Checked<'a> {
    scenario: Cow<'a, Scenario>,
    report: Report,
}

/// `nntrace check [SCENARIO] ANSWERS...`: prints the report(s); returns the exit code.
pub(crate) fn run(args: &[String], show: &ShowArgs, opts: &Options) -> Result<i32, Error> {
    let (scenario, answers) = match args {
        [answers] => (None, std::slice::from_ref(answers)),
        [scenario, answers @ ..] => (Some(scenario.as_str()), answers),
        [] => unreachable!("clap requires an argument"),
    };
    let is_class = answers.len() > 1 || answers.iter().any(|a| Path::new(a).is_dir());
    if !is_class {
        return one(scenario, &answers[0], show, opts);
    }
    let Some(scenario) = scenario else {
        return Err(Error::Usage(format!(
            "to check a class, name the scenario first: `nntrace check SCENARIO {}`",
            answers.join(" ")
        )));
    };
    class(scenario, &files(answers)?, show, opts)
}

/// One student's report, in the format asked for.
fn one(
    scenario: Option<&str>,
    answers: &str,
    show: &ShowArgs,
    opts: &Options,
) -> Result<i32, Error> {
    if show.format == Format::Csv {
        return Err(Error::Usage(
            "--format csv is the gradebook of a class: give several answers files, or a folder"
                .into(),
        ));
    }
    let chosen = scenario.map(Chosen::load).transpose()?;
    let Checked {
        scenario: s,
        report,
    } = judge(chosen.as_ref(), answers, show)?;
    for problem in render::check::problems(&report, answers) {
        eprintln!("error: {}", terminal_safe(&problem));
    }
    let handout = |kind| render::handout::report(kind, &report, &s.network, answers, opts.digits);
    let text = match show.format {
        Format::Json => pretty(&render::check::json(&report, opts)),
        Format::Table => render::check::table(&report, &s.network, answers, opts),
        Format::Markdown => handout(render::handout::Kind::Markdown),
        Format::Latex => handout(render::handout::Kind::Latex),
        Format::Html => render::html::check_page(&report, &s.network, answers, opts.digits),
        Format::Csv => unreachable!("refused above"),
    };
    emit(&text).map(|_| report.exit_code())
}

/// A class: every file judged against the same scenario, then the summary.
fn class(scenario: &str, files: &[String], show: &ShowArgs, opts: &Options) -> Result<i32, Error> {
    if matches!(show.format, Format::Markdown | Format::Latex | Format::Html) {
        return Err(Error::Usage(
            "a class report is a table, --format csv (the gradebook) or --format json".into(),
        ));
    }
    let chosen = Chosen::load(scenario)?;
    let mut students = Vec::with_capacity(files.len());
    for file in files {
        let judged = judge(Some(&chosen), file, show).map(|c| c.report);
        match &judged {
            Ok(report) => {
                for problem in render::check::problems(report, file) {
                    eprintln!("error: {}", terminal_safe(&problem));
                }
            }
            Err(e) => eprintln!("error: {}", terminal_safe(&e.to_string())),
        }
        students.push(Student {
            file: file.clone(),
            judged: judged.map_err(|e| in_the_file(&e, file)),
        });
    }
    let class = Class::new(&chosen.scenario.name, students);
    let text = match show.format {
        Format::Csv => render::class::csv(&class),
        Format::Json => pretty(&render::class::json(&class)),
        _ => render::class::table(&class, opts),
    };
    emit(&text).map(|_| class.exit_code())
}

/// The answers files named: each file as given, each folder's `.yaml` and `.yml` files in
/// name order.
fn files(args: &[String]) -> Result<Vec<String>, Error> {
    let mut files = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if !path.is_dir() {
            files.push(arg.clone());
            continue;
        }
        let entries = std::fs::read_dir(path)
            .map_err(|e| IoFailure::new(Doing::ReadingFolder(arg.clone()), e))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        found.sort();
        if found.is_empty() {
            return Err(Error::Usage(format!(
                "{arg}: the folder holds no answers files (*.yaml, *.yml)"
            )));
        }
        files.extend(found.iter().map(|p| p.to_string_lossy().into_owned()));
    }
    Ok(files)
}

/// Reads one answers file, finds its scenario and pattern, and judges it.
fn judge<'a>(
    chosen: Option<&'a Chosen>,
    answers: &str,
    show: &ShowArgs,
) -> Result<Checked<'a>, Error> {
    let text = scenario::read_limited(Path::new(answers), answers)?;
    let file = answers::parse(&text, answers)?;
    file.something_to_check()?;
    let s = scenario_of(chosen, &file)?;
    let pattern = pattern_of(&s, &file, show.pattern)?;
    super::traced(&s, pattern, crate::trace::Policy::default())?;
    let report = check::check(&s, pattern, &file);
    Ok(Checked {
        scenario: s,
        report,
    })
}

/// The scenario the answers are checked against: the command line's, which the file's
/// `scenario:` must agree with, or the file's own.
fn scenario_of<'a>(
    chosen: Option<&'a Chosen>,
    file: &AnswersFile,
) -> Result<Cow<'a, Scenario>, Error> {
    let base = Path::new(&file.file).parent();
    let Some((named, position)) = &file.scenario else {
        return match chosen {
            Some(c) => Ok(Cow::Borrowed(&c.scenario)),
            None => Err(InputError {
                file: file.file.clone(),
                position: None,
                path: Some("scenario".into()),
                message: "missing: the file does not say which scenario it answers".into(),
                help: Some(format!(
                    "add a line `scenario: NAME`, or run `nntrace check SCENARIO {}`",
                    file.file
                )),
            }
            .into()),
        };
    };
    let located = scenario::locate(named, base);
    let Some(chosen) = chosen else {
        return match located {
            Some((arg, source)) => Ok(Cow::Owned(scenario::load_located(&arg, &source)?)),
            None => Err(not_found(file, named, *position).into()),
        };
    };
    let agrees = match located {
        Some((_, source)) if chosen.source.as_ref() == Some(&source) => true,
        Some((arg, source)) => scenario::load_located(&arg, &source)?.name == chosen.scenario.name,
        // Not found from here: the same file name as the command line's still agrees.
        None => {
            let stem = |p: &str| Path::new(p).file_stem().map(|s| s.to_os_string());
            stem(named) == stem(&chosen.arg)
                || stem(named).is_some_and(|s| s == *chosen.scenario.name)
        }
    };
    if !agrees {
        return Err(InputError {
            file: file.file.clone(),
            position: *position,
            path: Some("scenario".into()),
            message: format!("these answers are for `{named}`, not `{}`", chosen.arg),
            help: Some(format!(
                "check them against `{named}`, or change the `scenario:` line"
            )),
        }
        .into());
    }
    Ok(Cow::Borrowed(&chosen.scenario))
}

/// `scenario: hw.yaml` that is neither a file beside the answers file nor a built-in.
fn not_found(file: &AnswersFile, named: &str, position: Option<(usize, usize)>) -> InputError {
    let base = Path::new(&file.file).parent().unwrap_or(Path::new(""));
    let looked = base.join(named);
    let mut help = "`scenario:` is a built-in name (`nntrace list`) or a path relative to the \
                    answers file's folder"
        .to_string();
    if let Some(near) = scenario::nearest_builtin(named) {
        help = format!("did you mean `{near}`? {help}");
    }
    let looked = if looked.as_os_str() == named {
        String::new()
    } else {
        format!(" (looked for {})", looked.display())
    };
    InputError {
        file: file.file.clone(),
        position,
        path: Some("scenario".into()),
        message: format!("`{named}`: no such file{looked}, and no built-in scenario by that name"),
        help: Some(help),
    }
}

/// The pattern: `--pattern`, or the file's `pattern:` (which `--pattern` must agree with),
/// or the scenario's.
fn pattern_of(s: &Scenario, file: &AnswersFile, cli: Option<usize>) -> Result<usize, Error> {
    let Some((written, position)) = file.pattern else {
        return pattern_index(s, cli);
    };
    let refuse = |message: String, help: &str| -> Result<usize, Error> {
        Err(InputError {
            file: file.file.clone(),
            position,
            path: Some("pattern".into()),
            message,
            help: Some(help.into()),
        }
        .into())
    };
    match cli {
        Some(cli) if cli != written => refuse(
            format!("these answers are for pattern {written}, not --pattern {cli}"),
            "leave out --pattern, or change the `pattern:` line",
        ),
        _ if written >= s.data.len() => refuse(
            format!(
                "pattern {written}, but {} has patterns 0 to {}",
                s.name,
                s.data.len() - 1
            ),
            "change the `pattern:` line (patterns count from 0)",
        ),
        _ => Ok(written),
    }
}

/// What went wrong in a file, for the line that already names it: line:column, the field
/// and the message, without the help (the file itself named only if it is another one,
/// such as the scenario the answers name).
fn in_the_file(e: &Error, answers: &str) -> String {
    match e {
        Error::Input(e) => {
            let at = e
                .position
                .map_or(String::new(), |(l, c)| format!("{l}:{c}: "));
            let at = if e.file == answers {
                at
            } else {
                format!("{}:{at}", e.file)
            };
            let path = e.path.as_ref().map_or(String::new(), |p| format!("{p}: "));
            format!("{at}{path}{}", e.message)
        }
        other => other.to_string(),
    }
}
