//! Canvas drawing. Hand-written on the 2-D context: six small charts need lines, a shaded
//! band, a heatmap and a scatter path, which is a few hundred lines here against a charting
//! library's megabytes (and its own render loop). Scales, ticks and decimation are the pure,
//! tested `crate::chart`.

use crate::chart::{Scale, decimate, format_tick, y_extent};
use crate::seesaw::Quadrant;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d as Ctx, HtmlCanvasElement};

/// One colour per task, in task order.
pub const TASK_COLORS: [&str; 8] = [
    "#d9480f", "#1971c2", "#2b8a3e", "#9c36b5", "#e67700", "#0c8599", "#c2255c", "#5c940d",
];

/// The colour of task `k`.
pub fn task_color(k: usize) -> &'static str {
    TASK_COLORS[k % TASK_COLORS.len()]
}

const MARGIN_LEFT: f64 = 46.0;
const MARGIN_RIGHT: f64 = 10.0;
const MARGIN_TOP: f64 = 8.0;
const MARGIN_BOTTOM: f64 = 22.0;
const AXIS: &str = "#868e96";
const GRID: &str = "#e9ecef";
const TEXT: &str = "#495057";
const FONT: &str = "11px system-ui, sans-serif";

/// A line to draw.
pub struct Line<'a> {
    /// Points, sorted by x.
    pub points: &'a [(f64, f64)],
    /// CSS colour.
    pub color: &'a str,
    /// Dash pattern (`[]` = solid).
    pub dash: &'a [f64],
}

/// How to draw a line chart.
#[derive(Default)]
pub struct LineOptions {
    /// Log₁₀ y axis.
    pub log_y: bool,
    /// A fixed y range instead of the data's.
    pub y_range: Option<(f64, f64)>,
    /// Shade y < 0 (gradient conflict).
    pub shade_negative: bool,
}

/// The 2-D context sized to the canvas's CSS box at the device pixel ratio, and that box.
pub(super) fn prepare(canvas: &HtmlCanvasElement) -> Option<(Ctx, f64, f64)> {
    let width = f64::from(canvas.client_width());
    let height = f64::from(canvas.client_height());
    if width <= 0.0 || height <= 0.0 {
        return None;
    }
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let (pw, ph) = ((width * ratio) as u32, (height * ratio) as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    // A CPU-rasterised canvas: these charts are small, and a GPU-backed canvas costs the page
    // thread more per draw when the "GPU" is a software one (measured in headless Chromium:
    // first draws of 80–140 ms).
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"willReadFrequently".into(), &true.into());
    let ctx = canvas
        .get_context_with_context_options("2d", &options)
        .ok()??
        .dyn_into::<Ctx>()
        .ok()?;
    ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0).ok()?;
    ctx.clear_rect(0.0, 0.0, width, height);
    ctx.set_font(FONT);
    Some((ctx, width, height))
}

fn message(ctx: &Ctx, width: f64, height: f64, text: &str) {
    ctx.set_fill_style_str("#adb5bd");
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    let _ = ctx.fill_text(text, width / 2.0, height / 2.0);
}

/// Draws lines over a step axis.
pub fn line_chart(canvas: &HtmlCanvasElement, lines: &[Line], options: &LineOptions) {
    let Some((ctx, width, height)) = prepare(canvas) else {
        return;
    };
    let (x0, x1) = (MARGIN_LEFT, width - MARGIN_RIGHT);
    let (y0, y1) = (height - MARGIN_BOTTOM, MARGIN_TOP);
    let x_max = lines
        .iter()
        .filter_map(|line| line.points.last().map(|p| p.0))
        .fold(1.0, f64::max);
    let x_scale = Scale::linear((0.0, x_max), (x0, x1));
    let decimated: Vec<Vec<(f64, f64)>> = lines
        .iter()
        .map(|line| decimate(line.points, (0.0, x_max), (x1 - x0) as usize))
        .collect();
    let extent = options
        .y_range
        .or_else(|| y_extent(decimated.iter().map(Vec::as_slice)));
    let Some(extent) = extent else {
        // Empty axes until the first report (this also warms the context's glyphs and paths
        // while the page loads, instead of on the first report).
        let y_scale = if options.log_y {
            Scale::log((0.01, 1.0), (y0, y1))
        } else {
            Scale::linear((0.0, 1.0), (y0, y1))
        };
        axes(&ctx, &x_scale, &y_scale, (x0, x1), (y0, y1));
        message(&ctx, width, height, "waiting for the first report…");
        return;
    };
    let y_scale = if options.log_y {
        let positive = y_extent(
            decimated
                .iter()
                .map(|l| l.iter().copied().filter(|p| p.1 > 0.0).collect::<Vec<_>>())
                .collect::<Vec<_>>()
                .iter()
                .map(Vec::as_slice),
        )
        .unwrap_or((1e-3, 1.0));
        Scale::log((positive.0 / 1.2, positive.1 * 1.2), (y0, y1))
    } else {
        let pad = if options.y_range.is_some() {
            0.0
        } else {
            (extent.1 - extent.0).abs() * 0.05
        };
        Scale::linear((extent.0 - pad, extent.1 + pad), (y0, y1))
    };
    if options.shade_negative && y_scale.domain.0 < 0.0 {
        let zero = y_scale.map(0.0).clamp(y1, y0);
        ctx.set_fill_style_str("rgba(224, 49, 49, 0.08)");
        ctx.fill_rect(x0, zero, x1 - x0, y0 - zero);
    }
    axes(&ctx, &x_scale, &y_scale, (x0, x1), (y0, y1));
    if options.shade_negative {
        ctx.set_stroke_style_str(AXIS);
        ctx.begin_path();
        let zero = y_scale.map(0.0);
        ctx.move_to(x0, zero);
        ctx.line_to(x1, zero);
        ctx.stroke();
    }
    ctx.save();
    ctx.begin_path();
    ctx.rect(x0, y1, x1 - x0, y0 - y1);
    ctx.clip();
    for (line, points) in lines.iter().zip(&decimated) {
        if points.is_empty() {
            continue;
        }
        ctx.set_stroke_style_str(line.color);
        ctx.set_line_width(1.6);
        let dash = js_sys::Array::new();
        for d in line.dash {
            dash.push(&(*d).into());
        }
        let _ = ctx.set_line_dash(&dash);
        ctx.begin_path();
        for (i, &(x, y)) in points.iter().enumerate() {
            let (px, py) = (x_scale.map(x), y_scale.map(y));
            if i == 0 {
                ctx.move_to(px, py);
            } else {
                ctx.line_to(px, py);
            }
        }
        if points.len() == 1 {
            let (px, py) = (x_scale.map(points[0].0), y_scale.map(points[0].1));
            ctx.line_to(px + 0.5, py);
        }
        ctx.stroke();
    }
    ctx.restore();
}

fn axes(ctx: &Ctx, x_scale: &Scale, y_scale: &Scale, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) {
    ctx.set_line_width(1.0);
    let _ = ctx.set_line_dash(&js_sys::Array::new());
    ctx.set_fill_style_str(TEXT);
    ctx.set_text_align("right");
    ctx.set_text_baseline("middle");
    for tick in y_scale.ticks(4) {
        let y = y_scale.map(tick);
        ctx.set_stroke_style_str(GRID);
        ctx.begin_path();
        ctx.move_to(x0, y);
        ctx.line_to(x1, y);
        ctx.stroke();
        let _ = ctx.fill_text(&format_tick(tick), x0 - 4.0, y);
    }
    ctx.set_text_align("center");
    ctx.set_text_baseline("top");
    for tick in x_scale.ticks(5) {
        let x = x_scale.map(tick);
        let _ = ctx.fill_text(&format_tick(tick), x, y0 + 4.0);
    }
    ctx.set_stroke_style_str(AXIS);
    ctx.begin_path();
    ctx.move_to(x0, y1);
    ctx.line_to(x0, y0);
    ctx.line_to(x1, y0);
    ctx.stroke();
}

/// Draws a heatmap: one row per gate, one column per expert, the cell's shade its mean weight.
pub fn heatmap(canvas: &HtmlCanvasElement, rows: &[(String, Vec<f64>)]) {
    let Some((ctx, width, height)) = prepare(canvas) else {
        return;
    };
    let columns = rows.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    if rows.is_empty() || columns == 0 {
        message(&ctx, width, height, "this architecture has no gates");
        return;
    }
    let label_width = rows
        .iter()
        .filter_map(|(name, _)| ctx.measure_text(name).ok())
        .map(|metrics| metrics.width())
        .fold(0.0f64, f64::max);
    let (left, top, bottom) = ((label_width + 10.0).clamp(40.0, width / 3.0), 6.0, 20.0);
    let cell_w = (width - left - 6.0) / columns as f64;
    let cell_h = ((height - top - bottom) / rows.len() as f64).min(40.0);
    let max = rows
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1e-9);
    ctx.set_text_baseline("middle");
    for (r, (name, values)) in rows.iter().enumerate() {
        let y = top + r as f64 * cell_h;
        ctx.set_fill_style_str(TEXT);
        ctx.set_text_align("right");
        let _ = ctx.fill_text(name, left - 6.0, y + cell_h / 2.0);
        for (c, &value) in values.iter().enumerate() {
            let x = left + c as f64 * cell_w;
            let t = (value / max).clamp(0.0, 1.0);
            let shade = (245.0 - 200.0 * t) as u8;
            ctx.set_fill_style_str(&format!(
                "rgb({shade}, {}, 255)",
                (shade as f64 * 0.9) as u8
            ));
            ctx.fill_rect(x + 1.0, y + 1.0, cell_w - 2.0, cell_h - 2.0);
            if cell_w > 28.0 {
                ctx.set_fill_style_str(if t > 0.6 { "#fff" } else { "#343a40" });
                ctx.set_text_align("center");
                let _ = ctx.fill_text(&format!("{value:.2}"), x + cell_w / 2.0, y + cell_h / 2.0);
            }
        }
    }
    ctx.set_fill_style_str(TEXT);
    ctx.set_text_align("center");
    ctx.set_text_baseline("top");
    let label_y = top + rows.len() as f64 * cell_h + 4.0;
    for c in 0..columns {
        let _ = ctx.fill_text(&format!("e{c}"), left + (c as f64 + 0.5) * cell_w, label_y);
    }
}

/// The quadrants (shaded and labelled), axes and axis names of a gains plot spanning ±`reach`
/// on both axes; its scales.
fn quadrant_frame(
    ctx: &Ctx,
    (width, height): (f64, f64),
    reach: f64,
    x_name: &str,
    y_name: &str,
) -> (Scale, Scale) {
    let (x0, x1) = (MARGIN_LEFT, width - MARGIN_RIGHT);
    let (y0, y1) = (height - MARGIN_BOTTOM - 10.0, MARGIN_TOP);
    let xs = Scale::linear((-reach, reach), (x0, x1));
    let ys = Scale::linear((-reach, reach), (y0, y1));
    let (cx, cy) = (xs.map(0.0), ys.map(0.0));
    for (quadrant, (qx, qy, qw, qh), color) in [
        (
            Quadrant::BothBetter,
            (cx, y1, x1 - cx, cy - y1),
            "rgba(47, 158, 68, 0.09)",
        ),
        (
            Quadrant::BothWorse,
            (x0, cy, cx - x0, y0 - cy),
            "rgba(224, 49, 49, 0.09)",
        ),
        (
            Quadrant::Seesaw,
            (x0, y1, cx - x0, cy - y1),
            "rgba(245, 159, 0, 0.09)",
        ),
        (
            Quadrant::Seesaw,
            (cx, cy, x1 - cx, y0 - cy),
            "rgba(245, 159, 0, 0.09)",
        ),
    ] {
        ctx.set_fill_style_str(color);
        ctx.fill_rect(qx, qy, qw, qh);
        ctx.set_fill_style_str("#868e96");
        ctx.set_text_align("center");
        ctx.set_text_baseline("middle");
        let _ = ctx.fill_text(quadrant.label(), qx + qw / 2.0, qy + 12.0);
    }
    axes(ctx, &xs, &ys, (x0, x1), (y0, y1));
    ctx.set_stroke_style_str(AXIS);
    ctx.begin_path();
    ctx.move_to(cx, y1);
    ctx.line_to(cx, y0);
    ctx.move_to(x0, cy);
    ctx.line_to(x1, cy);
    ctx.stroke();
    ctx.set_fill_style_str(TEXT);
    ctx.set_text_align("center");
    ctx.set_text_baseline("bottom");
    let _ = ctx.fill_text(
        &format!("gain of {x_name} (%)"),
        (x0 + x1) / 2.0,
        height - 1.0,
    );
    ctx.save();
    let _ = ctx.translate(11.0, (y0 + y1) / 2.0);
    let _ = ctx.rotate(-std::f64::consts::FRAC_PI_2);
    ctx.set_text_baseline("middle");
    let _ = ctx.fill_text(&format!("gain of {y_name} (%)"), 0.0, 0.0);
    ctx.restore();
    (xs, ys)
}

/// Draws the seesaw quadrant: gains (%) of task `x` against task `y`, the path over time.
pub fn quadrant(canvas: &HtmlCanvasElement, path: &[(f64, f64)], x_name: &str, y_name: &str) {
    let Some((ctx, width, height)) = prepare(canvas) else {
        return;
    };
    let reach = path
        .iter()
        .map(|&(x, y)| x.abs().max(y.abs()))
        .fold(1.0f64, f64::max)
        * 1.15;
    let (xs, ys) = quadrant_frame(&ctx, (width, height), reach, x_name, y_name);
    if path.is_empty() {
        message(
            &ctx,
            width,
            height,
            "waiting for model and baseline reports…",
        );
        return;
    }
    ctx.set_stroke_style_str("rgba(52, 58, 64, 0.45)");
    ctx.set_line_width(1.2);
    ctx.begin_path();
    for (i, &(x, y)) in path.iter().enumerate() {
        if i == 0 {
            ctx.move_to(xs.map(x), ys.map(y));
        } else {
            ctx.line_to(xs.map(x), ys.map(y));
        }
    }
    ctx.stroke();
    let n = path.len();
    for (i, &(x, y)) in path.iter().enumerate() {
        let age = (i + 1) as f64 / n as f64;
        let last = i + 1 == n;
        ctx.set_fill_style_str(&format!("rgba(25, 113, 194, {:.2})", 0.15 + 0.85 * age));
        ctx.begin_path();
        let _ = ctx.arc(
            xs.map(x),
            ys.map(y),
            if last { 5.0 } else { 2.5 },
            0.0,
            std::f64::consts::TAU,
        );
        ctx.fill();
    }
}

/// A configuration on the comparison's seesaw view: its mean gains (%) on the two tasks, their
/// standard deviations over seeds, and its name.
pub struct GainPoint {
    /// Mean gain of the x task and its std.
    pub x: (f64, Option<f64>),
    /// Mean gain of the y task and its std.
    pub y: (f64, Option<f64>),
    /// The configuration.
    pub label: String,
    /// On the Pareto front of the configurations.
    pub pareto: bool,
}

/// Draws configurations as points with error bars (± one std over seeds) in the seesaw
/// quadrants, the Pareto front joined by a line.
pub fn gains_scatter(canvas: &HtmlCanvasElement, points: &[GainPoint], x_name: &str, y_name: &str) {
    let Some((ctx, width, height)) = prepare(canvas) else {
        return;
    };
    let reach = points
        .iter()
        .map(|p| (p.x.0.abs() + p.x.1.unwrap_or(0.0)).max(p.y.0.abs() + p.y.1.unwrap_or(0.0)))
        .filter(|r| r.is_finite())
        .fold(1.0f64, f64::max)
        * 1.15;
    let (xs, ys) = quadrant_frame(&ctx, (width, height), reach, x_name, y_name);
    if points.is_empty() {
        message(&ctx, width, height, "finished runs appear here");
        return;
    }
    let mut front: Vec<&GainPoint> = points.iter().filter(|p| p.pareto).collect();
    front.sort_by(|a, b| a.x.0.total_cmp(&b.x.0));
    ctx.set_stroke_style_str("rgba(25, 113, 194, 0.6)");
    ctx.set_line_width(1.5);
    let _ = ctx.set_line_dash(&js_sys::Array::of2(&4.0.into(), &3.0.into()));
    ctx.begin_path();
    for (i, p) in front.iter().enumerate() {
        let (x, y) = (xs.map(p.x.0), ys.map(p.y.0));
        if i == 0 {
            ctx.move_to(x, y);
        } else {
            ctx.line_to(x, y);
        }
    }
    ctx.stroke();
    let _ = ctx.set_line_dash(&js_sys::Array::new());
    for (k, p) in points.iter().enumerate() {
        let color = task_color(k);
        let (x, y) = (xs.map(p.x.0), ys.map(p.y.0));
        ctx.set_stroke_style_str(color);
        ctx.set_line_width(1.0);
        ctx.begin_path();
        if let Some(std) = p.x.1 {
            ctx.move_to(xs.map(p.x.0 - std), y);
            ctx.line_to(xs.map(p.x.0 + std), y);
        }
        if let Some(std) = p.y.1 {
            ctx.move_to(x, ys.map(p.y.0 - std));
            ctx.line_to(x, ys.map(p.y.0 + std));
        }
        ctx.stroke();
        ctx.set_fill_style_str(color);
        ctx.begin_path();
        let _ = ctx.arc(
            x,
            y,
            if p.pareto { 5.0 } else { 3.5 },
            0.0,
            std::f64::consts::TAU,
        );
        ctx.fill();
        ctx.set_fill_style_str(TEXT);
        ctx.set_text_align("left");
        ctx.set_text_baseline("bottom");
        let _ = ctx.fill_text(&p.label, x + 6.0, y - 3.0);
    }
}

/// A line of the knob view: a configuration's value at each knob value, with its std.
pub struct KnobLine {
    /// The configuration (without the knob).
    pub label: String,
    /// (knob value, mean, std) sorted by knob value.
    pub points: Vec<(f64, f64, Option<f64>)>,
}

/// Draws a metric (or Δm) against the swept knob, one line per configuration, ± one std; a
/// dashed vertical line at `marker` (the current value), if any.
pub fn knob_chart(
    canvas: &HtmlCanvasElement,
    lines: &[KnobLine],
    knob: &str,
    what: &str,
    marker: Option<f64>,
) {
    let Some((ctx, width, height)) = prepare(canvas) else {
        return;
    };
    let all = || lines.iter().flat_map(|l| l.points.iter());
    let (Some(x_low), Some(x_high)) = (
        all().map(|p| p.0).reduce(f64::min),
        all().map(|p| p.0).reduce(f64::max),
    ) else {
        message(&ctx, width, height, "finished runs appear here");
        return;
    };
    let y_low = all()
        .map(|p| p.1 - p.2.unwrap_or(0.0))
        .fold(f64::INFINITY, f64::min);
    let y_high = all()
        .map(|p| p.1 + p.2.unwrap_or(0.0))
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = ((y_high - y_low) * 0.08).max(1e-6);
    let x_pad = if x_high > x_low { 0.0 } else { 0.5 };
    let (x0, x1) = (MARGIN_LEFT, width - MARGIN_RIGHT);
    let (y0, y1) = (height - MARGIN_BOTTOM - 10.0, MARGIN_TOP);
    let xs = Scale::linear((x_low - x_pad, x_high + x_pad), (x0, x1));
    let ys = Scale::linear((y_low - pad, y_high + pad), (y0, y1));
    axes(&ctx, &xs, &ys, (x0, x1), (y0, y1));
    ctx.set_fill_style_str(TEXT);
    ctx.set_text_align("center");
    ctx.set_text_baseline("bottom");
    let _ = ctx.fill_text(
        &format!("{what} against {knob}"),
        (x0 + x1) / 2.0,
        height - 1.0,
    );
    if let Some(x) = marker.filter(|x| (x_low - x_pad..=x_high + x_pad).contains(x)) {
        ctx.set_stroke_style_str(AXIS);
        ctx.set_line_width(1.0);
        let dash = js_sys::Array::of2(&4.0.into(), &3.0.into());
        let _ = ctx.set_line_dash(&dash);
        ctx.begin_path();
        ctx.move_to(xs.map(x), y0);
        ctx.line_to(xs.map(x), y1);
        ctx.stroke();
        let _ = ctx.set_line_dash(&js_sys::Array::new());
    }
    for (k, line) in lines.iter().enumerate() {
        let color = task_color(k);
        ctx.set_stroke_style_str(color);
        ctx.set_fill_style_str(color);
        ctx.set_line_width(1.5);
        ctx.begin_path();
        for (i, &(x, y, _)) in line.points.iter().enumerate() {
            if i == 0 {
                ctx.move_to(xs.map(x), ys.map(y));
            } else {
                ctx.line_to(xs.map(x), ys.map(y));
            }
        }
        ctx.stroke();
        ctx.set_line_width(1.0);
        for &(x, y, std) in &line.points {
            if let Some(std) = std {
                ctx.begin_path();
                ctx.move_to(xs.map(x), ys.map(y - std));
                ctx.line_to(xs.map(x), ys.map(y + std));
                ctx.stroke();
            }
            ctx.begin_path();
            let _ = ctx.arc(xs.map(x), ys.map(y), 3.0, 0.0, std::f64::consts::TAU);
            ctx.fill();
        }
        if let Some(&(x, y, _)) = line.points.last() {
            ctx.set_text_align("right");
            ctx.set_text_baseline("bottom");
            let _ = ctx.fill_text(&line.label, xs.map(x) - 4.0, ys.map(y) - 4.0);
        }
    }
}
