//! What the examples' SVG charts share: the palette, a labelled line, and the legend box.

use plotters::chart::{ChartContext, SeriesAnno, SeriesLabelPosition};
use plotters::coord::CoordTranslate;
use plotters::prelude::*;

/// The Okabe–Ito palette, told apart with any colour vision: black, vermillion, blue,
/// bluish green, reddish purple.
pub const PALETTE: [RGBColor; 5] =
    [RGBColor(0, 0, 0), RGBColor(213, 94, 0), RGBColor(0, 114, 178), RGBColor(0, 158, 115), RGBColor(204, 121, 167)];

/// Names a drawn line in the legend, with a swatch of its colour.
pub fn label<DB: DrawingBackend>(annotation: &mut SeriesAnno<'_, DB>, name: &str, colour: RGBColor) {
    annotation.label(name).legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
}

/// The legend box every chart uses, at `position`.
///
/// # Errors
/// The backend's, when drawing fails.
pub fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
}
