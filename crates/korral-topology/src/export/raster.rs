//! PNG and PDF, rendered from the SVG drawing with resvg and svg2pdf.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::ExportError;

/// The largest side of a PNG, in pixels: beyond it the drawing is scaled down (a
/// 100,000-object graph would otherwise need gigabytes of pixels).
const MAX_SIDE: f32 = 8_192.0;
/// Pixels per SVG unit for drawings that fit: sharp on high-density screens.
const SCALE: f32 = 2.0;

/// System fonts, loaded once: text needs a font to be drawn at all.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    Arc::clone(FONTS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_system_fonts();
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    }))
}

fn parse(svg: &str) -> Result<usvg::Tree, ExportError> {
    let options = usvg::Options {
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|e| ExportError::Render(e.to_string()))
}

pub(super) fn png(svg: &str) -> Result<Vec<u8>, ExportError> {
    let tree = parse(svg)?;
    let size = tree.size();
    let scale = SCALE.min(MAX_SIDE / size.width().max(size.height()));
    let width = (size.width() * scale).ceil() as u32;
    let height = (size.height() * scale).ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width.max(1), height.max(1))
        .ok_or_else(|| ExportError::Render(format!("cannot allocate a {width}×{height} image")))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ExportError::Render(e.to_string()))
}

pub(super) fn pdf(svg: &str) -> Result<Vec<u8>, ExportError> {
    let tree = parse(svg)?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| ExportError::Render(e.to_string()))
}
