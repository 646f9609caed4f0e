//! QTI 1.2 as Canvas imports it: a zip holding `imsmanifest.xml` and one assessment,
//! `<ident>/<ident>.xml`, whose items are Canvas numerical questions (`question_type`
//! `numerical_question`, a decimal fill-in box, one response condition that scores 100
//! for the exact value or anything within the tolerance, as Canvas itself exports them).
//! Identifiers come from the scenario's name and the question numbers, and every file
//! carries the zip format's earliest date, so the same quiz gives the same bytes.

use super::{Question, Quiz, bound, feedback_html, prompt_html};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io::{self, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

type W = Writer<Vec<u8>>;

/// The assessment's identifier: letters, digits and dashes of the scenario's name.
pub fn ident(quiz: &Quiz) -> String {
    let clean: String = quiz
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("nntrace-{clean}")
}

/// The zip, as bytes.
pub fn write(quiz: &Quiz) -> Vec<u8> {
    let ident = ident(quiz);
    let files = [
        ("imsmanifest.xml".to_string(), manifest(quiz, &ident)),
        (format!("{ident}/{ident}.xml"), assessment(quiz, &ident)),
    ];
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(io::Cursor::new(Vec::new()));
    for (name, text) in &files {
        zip.start_file(name.as_str(), options)
            .and_then(|_| zip.write_all(text.as_bytes()).map_err(Into::into))
            .expect("writing a zip to memory cannot fail");
    }
    zip.finish()
        .expect("writing a zip to memory cannot fail")
        .into_inner()
}

fn document(body: impl FnOnce(&mut W) -> io::Result<()>) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|_| body(&mut w))
        .expect("writing to memory cannot fail");
    let mut text = String::from_utf8(w.into_inner()).expect("UTF-8 in, UTF-8 out");
    text.push('\n');
    text
}

fn simple(w: &mut W, tag: &str, value: &str) -> io::Result<()> {
    w.create_element(tag)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

pub fn manifest(quiz: &Quiz, ident: &str) -> String {
    document(|w| {
        w.create_element("manifest")
            .with_attribute(("identifier", format!("{ident}-manifest").as_str()))
            .with_attribute(("xmlns", "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"))
            .with_attribute(("xmlns:imsmd", "http://www.imsglobal.org/xsd/imsmd_v1p2"))
            .write_inner_content(|w| {
                w.create_element("metadata").write_inner_content(|w| {
                    simple(w, "schema", "IMS Content")?;
                    simple(w, "schemaversion", "1.1.3")?;
                    w.create_element("imsmd:lom").write_inner_content(|w| {
                        w.create_element("imsmd:general").write_inner_content(|w| {
                            w.create_element("imsmd:title").write_inner_content(|w| {
                                simple(w, "imsmd:string", &format!("nntrace: {}", quiz.title))
                            })?;
                            Ok(())
                        })?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
                w.create_element("organizations").write_empty()?;
                w.create_element("resources").write_inner_content(|w| {
                    w.create_element("resource")
                        .with_attribute(("identifier", ident))
                        .with_attribute(("type", "imsqti_xmlv1p2"))
                        .write_inner_content(|w| {
                            w.create_element("file")
                                .with_attribute(("href", format!("{ident}/{ident}.xml").as_str()))
                                .write_empty()?;
                            Ok(())
                        })?;
                    Ok(())
                })?;
                Ok(())
            })?;
        Ok(())
    })
}

fn metadata(w: &mut W, fields: &[(&str, &str)]) -> io::Result<()> {
    w.create_element("qtimetadata").write_inner_content(|w| {
        for (label, entry) in fields {
            w.create_element("qtimetadatafield")
                .write_inner_content(|w| {
                    simple(w, "fieldlabel", label)?;
                    simple(w, "fieldentry", entry)
                })?;
        }
        Ok(())
    })?;
    Ok(())
}

pub fn assessment(quiz: &Quiz, ident: &str) -> String {
    document(|w| {
        w.create_element("questestinterop")
            .with_attribute(("xmlns", "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"))
            .write_inner_content(|w| {
                w.create_element("assessment")
                    .with_attribute(("ident", ident))
                    .with_attribute(("title", format!("nntrace: {}", quiz.title).as_str()))
                    .write_inner_content(|w| {
                        metadata(w, &[("cc_maxattempts", "1")])?;
                        w.create_element("section")
                            .with_attribute(("ident", "root_section"))
                            .write_inner_content(|w| {
                                for q in quiz.questions() {
                                    item(w, quiz, q)?;
                                }
                                Ok(())
                            })?;
                        Ok(())
                    })?;
                Ok(())
            })?;
        Ok(())
    })
}

/// A number as Canvas wants it in a condition: with a decimal point (`4.0`, not `4`).
fn decimal(text: String) -> String {
    if text.contains('.') || text.contains('e') {
        text
    } else {
        format!("{text}.0")
    }
}

fn item(w: &mut W, quiz: &Quiz, q: &Question) -> io::Result<()> {
    let answer = decimal(q.answer_text());
    let low = decimal(bound(q.answer - q.tolerance));
    let high = decimal(bound(q.answer + q.tolerance));
    let margin = decimal(q.tolerance_text());
    w.create_element("item")
        .with_attribute(("ident", format!("q{}", q.number).as_str()))
        .with_attribute(("title", q.title(quiz.width()).as_str()))
        .write_inner_content(|w| {
            w.create_element("itemmetadata").write_inner_content(|w| {
                metadata(
                    w,
                    &[
                        ("question_type", "numerical_question"),
                        ("points_possible", "1.0"),
                    ],
                )
            })?;
            w.create_element("presentation").write_inner_content(|w| {
                w.create_element("material").write_inner_content(|w| {
                    w.create_element("mattext")
                        .with_attribute(("texttype", "text/html"))
                        .write_text_content(BytesText::new(&prompt_html(q)))?;
                    Ok(())
                })?;
                w.create_element("response_str")
                    .with_attribute(("ident", "response1"))
                    .with_attribute(("rcardinality", "Single"))
                    .write_inner_content(|w| {
                        w.create_element("render_fib")
                            .with_attribute(("fibtype", "Decimal"))
                            .write_inner_content(|w| {
                                w.create_element("response_label")
                                    .with_attribute(("ident", "answer1"))
                                    .write_empty()?;
                                Ok(())
                            })?;
                        Ok(())
                    })?;
                Ok(())
            })?;
            w.create_element("resprocessing").write_inner_content(|w| {
                w.create_element("outcomes").write_inner_content(|w| {
                    w.create_element("decvar")
                        .with_attribute(("maxvalue", "100"))
                        .with_attribute(("minvalue", "0"))
                        .with_attribute(("varname", "SCORE"))
                        .with_attribute(("vartype", "Decimal"))
                        .write_empty()?;
                    Ok(())
                })?;
                w.create_element("respcondition")
                    .with_attribute(("continue", "Yes"))
                    .write_inner_content(|w| {
                        w.create_element("conditionvar").write_inner_content(|w| {
                            w.create_element("other").write_empty()?;
                            Ok(())
                        })?;
                        w.create_element("displayfeedback")
                            .with_attribute(("feedbacktype", "Response"))
                            .with_attribute(("linkrefid", "general_fb"))
                            .write_empty()?;
                        Ok(())
                    })?;
                w.create_element("respcondition")
                    .with_attribute(("continue", "No"))
                    .write_inner_content(|w| {
                        w.create_element("conditionvar").write_inner_content(|w| {
                            w.create_element("or").write_inner_content(|w| {
                                w.create_element("varequal")
                                    .with_attribute(("respident", "response1"))
                                    .with_attribute(("margintype", "absolute"))
                                    .with_attribute(("margin", margin.as_str()))
                                    .write_text_content(BytesText::new(&answer))?;
                                w.create_element("and").write_inner_content(|w| {
                                    w.create_element("vargte")
                                        .with_attribute(("respident", "response1"))
                                        .write_text_content(BytesText::new(&low))?;
                                    w.create_element("varlte")
                                        .with_attribute(("respident", "response1"))
                                        .write_text_content(BytesText::new(&high))?;
                                    Ok(())
                                })?;
                                Ok(())
                            })?;
                            Ok(())
                        })?;
                        w.create_element("setvar")
                            .with_attribute(("action", "Set"))
                            .with_attribute(("varname", "SCORE"))
                            .write_text_content(BytesText::new("100"))?;
                        Ok(())
                    })?;
                Ok(())
            })?;
            w.create_element("itemfeedback")
                .with_attribute(("ident", "general_fb"))
                .write_inner_content(|w| {
                    w.create_element("flow_mat").write_inner_content(|w| {
                        w.create_element("material").write_inner_content(|w| {
                            w.create_element("mattext")
                                .with_attribute(("texttype", "text/html"))
                                .write_text_content(BytesText::new(&feedback_html(q)))?;
                            Ok(())
                        })?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}
