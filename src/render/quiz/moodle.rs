//! Moodle XML: one numerical question per quantity, or (`--cloze`) one Cloze question per
//! table, its answers embedded as `{1:NUMERICAL:=value:tolerance}`. A category question
//! first files them under `nntrace/<scenario>` in the course's question bank.

use super::{Question, Quiz, feedback_html, html, prompt_html};
use quick_xml::Writer;
use quick_xml::events::{BytesCData, BytesDecl, BytesText, Event};
use std::io;

type W = Writer<Vec<u8>>;

/// The quiz as a Moodle XML file.
pub fn write(quiz: &Quiz, cloze: bool) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written = w
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|_| {
            w.create_element("quiz").write_inner_content(|w| {
                category(w, quiz)?;
                if cloze {
                    for group in &quiz.groups {
                        cloze_question(w, quiz, &group.title, &group.questions)?;
                    }
                } else {
                    for q in quiz.questions() {
                        numerical(w, quiz, q)?;
                    }
                }
                Ok(())
            })?;
            Ok(())
        });
    written.expect("writing to memory cannot fail");
    let mut text = String::from_utf8(w.into_inner()).expect("UTF-8 in, UTF-8 out");
    text.push('\n');
    text
}

/// `<tag><text>…</text></tag>`, the text escaped.
fn text_element(w: &mut W, tag: &str, text: &str) -> io::Result<()> {
    w.create_element(tag).write_inner_content(|w| {
        w.create_element("text")
            .write_text_content(BytesText::new(text))?;
        Ok(())
    })?;
    Ok(())
}

/// `<tag format="html"><text><![CDATA[…]]></text></tag>`.
fn html_element(w: &mut W, tag: &str, content: &str) -> io::Result<()> {
    w.create_element(tag)
        .with_attribute(("format", "html"))
        .write_inner_content(|w| {
            w.create_element("text").write_inner_content(|w| {
                for part in BytesCData::escaped(content) {
                    w.write_event(Event::CData(part))?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(())
}

fn simple(w: &mut W, tag: &str, value: &str) -> io::Result<()> {
    w.create_element(tag)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn category(w: &mut W, quiz: &Quiz) -> io::Result<()> {
    w.create_element("question")
        .with_attribute(("type", "category"))
        .write_inner_content(|w| {
            text_element(
                w,
                "category",
                &format!("$course$/top/nntrace/{}", quiz.name),
            )
        })?;
    Ok(())
}

fn numerical(w: &mut W, quiz: &Quiz, q: &Question) -> io::Result<()> {
    w.create_element("question")
        .with_attribute(("type", "numerical"))
        .write_inner_content(|w| {
            text_element(w, "name", &q.title(quiz.width()))?;
            html_element(w, "questiontext", &prompt_html(q))?;
            html_element(w, "generalfeedback", &feedback_html(q))?;
            simple(w, "defaultgrade", "1")?;
            simple(w, "penalty", "0.3333333")?;
            simple(w, "hidden", "0")?;
            w.create_element("answer")
                .with_attribute(("fraction", "100"))
                .with_attribute(("format", "moodle_auto_format"))
                .write_inner_content(|w| {
                    simple(w, "text", &q.answer_text())?;
                    html_element(w, "feedback", "")?;
                    simple(w, "tolerance", &q.tolerance_text())
                })?;
            simple(w, "unitgradingtype", "0")?;
            simple(w, "unitpenalty", "0.1000000")?;
            simple(w, "showunits", "3")?;
            simple(w, "unitsleft", "0")
        })?;
    Ok(())
}

/// One table as a Cloze question: a row per quantity with its answer box.
fn cloze_question(w: &mut W, quiz: &Quiz, title: &str, questions: &[Question]) -> io::Result<()> {
    let mut body = format!(
        "<p>{}: {}</p><table><thead><tr><th>quantity</th><th>formula</th><th>use</th>\
         <th>value</th></tr></thead><tbody>",
        html(&quiz.title),
        html(title)
    );
    let mut feedback = String::new();
    for q in questions {
        let uses: Vec<String> = q.operands.iter().map(|o| html(&o.value_text())).collect();
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{{1:NUMERICAL:={}:{}}}</td></tr>",
            html(&q.symbol),
            html(&q.formula),
            uses.join(", "),
            q.answer_text(),
            q.tolerance_text()
        ));
        feedback.push_str(&feedback_html(q));
    }
    body.push_str("</tbody></table>");
    w.create_element("question")
        .with_attribute(("type", "cloze"))
        .write_inner_content(|w| {
            text_element(w, "name", &format!("{} · {title}", quiz.title))?;
            html_element(w, "questiontext", &body)?;
            html_element(w, "generalfeedback", &feedback)?;
            simple(w, "penalty", "0.3333333")?;
            simple(w, "hidden", "0")
        })?;
    Ok(())
}
