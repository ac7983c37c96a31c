//! Just enough of a bitmap font to label a colour bar in the CLI's PNG: digits, `.`, `e`,
//! `+`, `-`. A font crate would bring a rasterizer and a font file for 14 glyphs.

/// Glyphs are 3×5 cells drawn at 2× so the labels stay legible next to a 256 px map.
const SCALE: usize = 2;
const CELL_W: usize = 3;
const CELL_H: usize = 5;
pub const HEIGHT: usize = CELL_H * SCALE;
const INK: [u8; 4] = [34, 34, 34, 255];

/// Rows of 3 bits, top first; bit 2 is the left column.
fn glyph(c: char) -> Option<[u8; CELL_H]> {
    Some(match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b001, 0b001, 0b001],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '.' => [0b000, 0b000, 0b000, 0b000, 0b010],
        'e' => [0b000, 0b111, 0b111, 0b100, 0b111],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        '+' => [0b000, 0b010, 0b111, 0b010, 0b000],
        _ => return None,
    })
}

/// Width in pixels of `text` (one blank column between glyphs).
pub fn width(text: &str) -> usize {
    text.chars().count() * (CELL_W + 1) * SCALE
}

/// Draws `text` with its top-left corner at `(x, y)`; characters without a glyph are blank.
pub fn draw(text: &str, x: usize, y: usize, put: &mut impl FnMut(usize, usize, &[u8])) {
    for (i, c) in text.chars().enumerate() {
        let Some(rows) = glyph(c) else { continue };
        let left = x + i * (CELL_W + 1) * SCALE;
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..CELL_W {
                if bits & (0b100 >> col) != 0 {
                    for dy in 0..SCALE {
                        for dx in 0..SCALE {
                            put(left + col * SCALE + dx, y + row * SCALE + dy, &INK);
                        }
                    }
                }
            }
        }
    }
}
