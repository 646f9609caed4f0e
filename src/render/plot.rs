//! The training curves as an SVG chart: SSE against epoch, one line per run, both axes
//! labelled; a logarithmic SSE axis on request.

use plotters::prelude::*;

/// One curve: its name and its (epoch, SSE) points.
pub struct Curve {
    pub name: String,
    pub points: Vec<(u64, f64)>,
}

/// Fonts most renderers have, then the generic family.
const FONT: &str = "DejaVu Sans, Arial, Helvetica, sans-serif";

const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 95, 191),
    RGBColor(211, 84, 0),
    RGBColor(30, 132, 73),
    RGBColor(142, 68, 173),
    RGBColor(192, 57, 43),
    RGBColor(52, 73, 94),
];

pub fn sse_chart(title: &str, curves: &[Curve], log: bool) -> Result<String, String> {
    let mut svg = String::new();
    {
        let finite = || {
            curves
                .iter()
                .flat_map(|c| c.points.iter())
                .filter(|(_, v)| v.is_finite())
        };
        let last = finite().map(|(e, _)| *e).max().unwrap_or(1).max(1);
        let top = finite().map(|(_, v)| *v).fold(0.0, f64::max).max(1e-9) * 1.05;
        let bottom = finite()
            .map(|(_, v)| *v)
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let root = SVGBackend::with_string(&mut svg, (960, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root);
        chart
            .caption(title, (FONT, 24))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80);
        let style = |c: &RGBColor| c.stroke_width(2);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc("epoch")
                    .y_desc(if log {
                        "SSE (sum of squared errors, log scale)"
                    } else {
                        "SSE (sum of squared errors)"
                    })
                    .axis_desc_style((FONT, 18))
                    .label_style((FONT, 14))
                    .draw()
                    .map_err(|e| e.to_string())?;
                for (i, c) in curves.iter().enumerate() {
                    let colour = COLOURS[i % COLOURS.len()];
                    let points = c
                        .points
                        .iter()
                        .filter(|(_, v)| v.is_finite() && (!log || *v > 0.0))
                        .map(|&(e, v)| (e, v));
                    chart
                        .draw_series(LineSeries::new(points, style(&colour)))
                        .map_err(|e| e.to_string())?
                        .label(c.name.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
                        });
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.9))
                    .border_style(BLACK)
                    .label_font((FONT, 16))
                    .draw()
                    .map_err(|e| e.to_string())?;
            }};
        }
        if log {
            let bottom = if bottom.is_finite() {
                bottom * 0.8
            } else {
                1e-6
            };
            draw!(
                chart
                    .build_cartesian_2d(0..last, (bottom..top).log_scale())
                    .map_err(|e| e.to_string())?
            );
        } else {
            draw!(
                chart
                    .build_cartesian_2d(0..last, 0.0..top)
                    .map_err(|e| e.to_string())?
            );
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
