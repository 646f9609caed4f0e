//! `nntrace export`: quizzes that parse as their platforms read them, with every answer
//! the trace's exact value.

use crate::generate::scratch;
use crate::support::{Test, values};
use std::collections::HashMap;
use std::io::Read;

/// Exports seesaw-cnn in `format` with `extra` options; returns the file's bytes.
fn export(format: &str, extra: &[&str], name: &str) -> Vec<u8> {
    let dir = scratch(&format!("export-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("quiz");
    Test::new()
        .args([
            "export",
            "seesaw-cnn",
            "--format",
            format,
            "-o",
            file.to_str().unwrap(),
        ])
        .args(extra.iter().copied())
        .status(0);
    std::fs::read(file).unwrap()
}

/// Half a unit in the third significant digit.
fn third_digit(v: f64) -> f64 {
    0.5 * 10f64.powi(v.abs().log10().floor() as i32 - 2)
}

/// The ids of every computed quantity of seesaw-cnn pattern 0 (not inputs or weights).
fn computed_ids() -> Vec<String> {
    computed_ids_of("seesaw-cnn")
}

/// The ids of every computed quantity of `scenario`'s pattern 0.
fn computed_ids_of(scenario: &str) -> Vec<String> {
    let mut t = Test::new()
        .args(["trace", scenario, "--format", "json"])
        .status(0);
    let json: serde_json::Value = serde_json::from_str(&t.stdout()).unwrap();
    json["quantities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["layer"] != "input" && q["kind"] != "w")
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect()
}

/// One numerical question as read back: its name, prompt, answer and tolerance.
#[derive(Debug)]
struct Asked {
    name: String,
    prompt: String,
    answer: String,
    tolerance: f64,
}

/// Every answer is the trace's exact value of the id the question names, with the
/// default tolerance, and the questions are the computed quantities in trace order.
fn assert_answers(questions: &[Asked]) {
    assert_answers_of("seesaw-cnn", questions);
}

fn assert_answers_of(scenario: &str, questions: &[Asked]) {
    let exact = values(scenario, 0);
    let ids: Vec<String> = questions
        .iter()
        .map(|q| q.name.split_once(' ').unwrap().1.to_string())
        .collect();
    assert_eq!(ids, computed_ids_of(scenario));
    for (q, id) in questions.iter().zip(&ids) {
        let value: f64 = q.answer.parse().unwrap();
        assert_eq!(value, exact[id], "{id}: answer {}", q.answer);
        let tol = if value == 0.0 {
            0.0
        } else {
            third_digit(value)
        };
        assert!(
            (q.tolerance - tol).abs() <= 1e-9 * tol,
            "{id}: tolerance {} for {value}",
            q.tolerance
        );
        assert!(q.prompt.contains("Compute"), "{id}: {}", q.prompt);
    }
}

fn child<'a>(node: roxmltree::Node<'a, 'a>, tag: &str) -> roxmltree::Node<'a, 'a> {
    node.children()
        .find(|c| c.has_tag_name(tag))
        .unwrap_or_else(|| panic!("<{}> has no <{tag}>", node.tag_name().name()))
}

fn text_of(node: roxmltree::Node, tag: &str) -> String {
    child(child(node, tag), "text")
        .text()
        .unwrap_or("")
        .to_string()
}

#[test]
fn moodle_xml_has_the_structure_moodle_documents() {
    let xml = String::from_utf8(export("moodle", &[], "moodle")).unwrap();
    assert_moodle("seesaw-cnn", &xml);
}

/// A generated 2-D exercise's quiz (`generate --quiz moodle`): the same structure, every
/// answer the exercise's exact value.
#[test]
fn the_quiz_of_a_2d_exercise_has_the_structure_moodle_documents() {
    let dir = scratch("generate-quiz-cnn2d");
    Test::new()
        .args([
            "generate", "--kind", "cnn2d", "--seed", "7", "--quiz", "moodle",
        ])
        .args(["-o", dir.to_str().unwrap()])
        .status(0);
    let xml = std::fs::read_to_string(dir.join("quiz.xml")).unwrap();
    let scenario = dir.join("exercise.yaml");
    assert_moodle(scenario.to_str().unwrap(), &xml);
}

fn assert_moodle(scenario: &str, xml: &str) {
    let name = nntrace::scenario::load(scenario).unwrap().name;
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let quiz = doc.root_element();
    assert_eq!(quiz.tag_name().name(), "quiz");
    let questions: Vec<_> = quiz.children().filter(|n| n.is_element()).collect();
    assert!(questions.iter().all(|q| q.has_tag_name("question")));
    assert_eq!(questions[0].attribute("type"), Some("category"));
    assert_eq!(
        text_of(questions[0], "category"),
        format!("$course$/top/nntrace/{name}")
    );
    let mut read = Vec::new();
    for q in &questions[1..] {
        assert_eq!(q.attribute("type"), Some("numerical"));
        assert_eq!(child(*q, "questiontext").attribute("format"), Some("html"));
        let answer = child(*q, "answer");
        assert_eq!(answer.attribute("fraction"), Some("100"));
        read.push(Asked {
            name: text_of(*q, "name"),
            prompt: text_of(*q, "questiontext"),
            answer: child(answer, "text").text().unwrap().to_string(),
            tolerance: child(answer, "tolerance").text().unwrap().parse().unwrap(),
        });
    }
    assert_answers_of(scenario, &read);
}

#[test]
fn a_question_that_needs_an_earlier_answer_says_which() {
    let xml = String::from_utf8(export("moodle", &[], "earlier")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let names: HashMap<String, (String, String)> = doc
        .descendants()
        .filter(|n| n.attribute("type") == Some("numerical"))
        .map(|q| {
            let name = text_of(q, "name");
            let (number, id) = name.split_once(' ').unwrap();
            (
                id.to_string(),
                (number.to_string(), text_of(q, "questiontext")),
            )
        })
        .collect();
    let (net, _) = &names["hidden.net.C"];
    let (_, prompt) = &names["hidden.out.C"];
    assert_eq!(
        prompt,
        &format!(
            "<p>FORWARD · hidden</p><p>Compute <b>C</b> = σ(I@C)</p>\
             <p>Use I@C = −0.02 (your answer to question {}).</p>",
            net.trim_start_matches('0')
        )
    );
    let (_, prompt) = &names["hidden.net.C"];
    assert!(prompt.contains("w5 = −0.1 (given)"), "{prompt}");
}

#[test]
fn kinds_and_only_choose_the_questions() {
    let xml = String::from_utf8(export(
        "moodle",
        &["--kinds", "dw", "--only", "output"],
        "only",
    ))
    .unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let names: Vec<String> = doc
        .descendants()
        .filter(|n| n.attribute("type") == Some("numerical"))
        .map(|q| text_of(q, "name"))
        .collect();
    assert_eq!(
        names,
        [
            "1 output.dw.w1",
            "2 output.dw.w2",
            "3 output.dw.w3",
            "4 output.dw.w4"
        ]
        .map(|n| format!("0{n}"))
    );
    Test::new()
        .args([
            "export",
            "seesaw-cnn",
            "--format",
            "gift",
            "-o",
            "-",
            "--only",
            "hiden",
        ])
        .status(2)
        .stderr_has(
            "--only hiden: seesaw-cnn has no layer `hiden`\n  help: did you mean `hidden`?",
        );
}

#[test]
fn moodle_cloze_is_one_question_per_table() {
    let xml = String::from_utf8(export("moodle", &["--cloze"], "cloze")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cloze: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("type") == Some("cloze"))
        .collect();
    let exact = values("seesaw-cnn", 0);
    let mut answers = Vec::new();
    for q in &cloze {
        let text = text_of(*q, "questiontext");
        for part in text.split("{1:NUMERICAL:=").skip(1) {
            let (answer, rest) = part.split_once(':').unwrap();
            let (tolerance, _) = rest.split_once('}').unwrap();
            answers.push((
                answer.parse::<f64>().unwrap(),
                tolerance.parse::<f64>().unwrap(),
            ));
        }
    }
    let ids = computed_ids();
    assert_eq!(answers.len(), ids.len());
    for ((answer, _), id) in answers.iter().zip(&ids) {
        assert_eq!(*answer, exact[id], "{id}");
    }
    assert!(cloze.len() > 5, "a question per table");
}

/// A small GIFT reader: `::name::text{#answer:tolerance}` questions separated by blank
/// lines, `//` comments and `$CATEGORY:` lines skipped, backslash escapes undone.
fn parse_gift(text: &str) -> Vec<Asked> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let lines: Vec<&str> = block
            .lines()
            .filter(|l| !l.starts_with("//") && !l.starts_with("$CATEGORY:") && !l.is_empty())
            .collect();
        if lines.is_empty() {
            continue;
        }
        let q = lines.join(" ");
        // Split on unescaped specials.
        let mut parts: Vec<(char, String)> = vec![(' ', String::new())];
        let mut chars = q.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => parts
                    .last_mut()
                    .unwrap()
                    .1
                    .push(chars.next().expect("an escaped char")),
                ':' | '{' | '}' | '#' => parts.push((c, String::new())),
                c => parts.last_mut().unwrap().1.push(c),
            }
        }
        // ' ' "" , ':' "" , ':' name , ':' "" , ':' text , '{' "" , '#' answer , ':' tol , '}' ""
        let kinds: String = parts.iter().map(|(c, _)| *c).collect();
        assert_eq!(kinds, " ::::{#:}", "not a numerical question: {q}");
        out.push(Asked {
            name: parts[2].1.clone(),
            prompt: parts[4].1.clone(),
            answer: parts[6].1.clone(),
            tolerance: parts[7].1.parse().unwrap(),
        });
    }
    out
}

#[test]
fn gift_parses_and_every_answer_is_exact() {
    let text = String::from_utf8(export("gift", &[], "gift")).unwrap();
    assert!(
        text.starts_with("// nntrace: seesaw-cnn, pattern 0"),
        "{text}"
    );
    let questions = parse_gift(&text);
    assert!(questions[0].prompt.starts_with("[html]"));
    assert_answers(&questions);
}

#[test]
fn qti_is_a_zip_with_a_manifest_and_canvas_numerical_items() {
    let bytes = export("qti", &[], "qti");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let read = |zip: &mut zip::ZipArchive<_>, name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("{name} is in the zip"))
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let manifest = read(&mut zip, "imsmanifest.xml");
    let doc = roxmltree::Document::parse(&manifest).expect("the manifest is well-formed");
    let resource = doc
        .descendants()
        .find(|n| n.has_tag_name("resource"))
        .expect("a resource");
    assert_eq!(resource.attribute("type"), Some("imsqti_xmlv1p2"));
    let href = child(resource, "file")
        .attribute("href")
        .unwrap()
        .to_string();
    let assessment = read(&mut zip, &href);
    let doc = roxmltree::Document::parse(&assessment).expect("the assessment is well-formed");
    let mut questions = Vec::new();
    for item in doc.descendants().filter(|n| n.has_tag_name("item")) {
        let fields: HashMap<&str, &str> = item
            .descendants()
            .filter(|n| n.has_tag_name("qtimetadatafield"))
            .map(|f| {
                (
                    child(f, "fieldlabel").text().unwrap(),
                    child(f, "fieldentry").text().unwrap(),
                )
            })
            .collect();
        assert_eq!(fields["question_type"], "numerical_question");
        let equal = item
            .descendants()
            .find(|n| n.has_tag_name("varequal"))
            .unwrap();
        let bound = |tag: &str| -> f64 {
            item.descendants()
                .find(|n| n.has_tag_name(tag))
                .unwrap()
                .text()
                .unwrap()
                .parse()
                .unwrap()
        };
        let answer: f64 = equal.text().unwrap().parse().unwrap();
        let margin: f64 = equal.attribute("margin").unwrap().parse().unwrap();
        assert!((bound("varlte") - bound("vargte") - 2.0 * margin).abs() <= 1e-12);
        assert!(bound("vargte") <= answer && answer <= bound("varlte"));
        let prompt = item
            .descendants()
            .find(|n| n.has_tag_name("mattext"))
            .unwrap()
            .text()
            .unwrap()
            .to_string();
        questions.push(Asked {
            name: item.attribute("title").unwrap().to_string(),
            prompt,
            answer: equal.text().unwrap().to_string(),
            tolerance: margin,
        });
    }
    assert_answers(&questions);
}

#[test]
fn the_same_quiz_gives_the_same_bytes() {
    assert_eq!(export("qti", &[], "qti-a"), export("qti", &[], "qti-b"));
}

#[test]
fn generate_writes_the_quiz_beside_the_exercise() {
    let dir = scratch("generate-quiz");
    Test::new()
        .args([
            "generate", "--kind", "cnn1d", "--seed", "7", "--quiz", "moodle",
        ])
        .args(["-o", dir.to_str().unwrap()])
        .status(0);
    let xml = std::fs::read_to_string(dir.join("quiz.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    assert!(
        doc.descendants()
            .filter(|n| n.attribute("type") == Some("numerical"))
            .count()
            > 40
    );
}
