//! Heat maps of a constructive domain (`examples/annulus.pde`, 40 steps): blank outside the
//! domain (the hole's centre is the background colour), coloured inside, the boundary
//! pieces outlined in black (both circles cross the middle row where they should), and the
//! picture the same byte for byte when drawn again.

mod common;
use common::pdec;

use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("domain_plots")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Width and RGB rows of a PNG.
fn pixels(path: &Path) -> (usize, Vec<Vec<[u8; 3]>>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(file).read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png data");
    let channels = info.color_type.samples();
    let w = info.width as usize;
    let rows = buf[..info.buffer_size()]
        .chunks(w * channels)
        .map(|r| r.chunks(channels).map(|p| [p[0], p[1], p[2]]).collect())
        .collect();
    (w, rows)
}

/// A colour of the colour map: not white, black or a grey of the axes and text.
fn coloured(p: [u8; 3]) -> bool {
    !(p[0] == p[1] && p[1] == p[2])
}

fn black(p: [u8; 3]) -> bool {
    p.iter().all(|c| *c < 60)
}

#[test]
fn the_annulus_is_masked_and_outlined() {
    let dir = scratch("annulus").join("run");
    let out = pdec(&[
        "solve",
        "examples/annulus.pde",
        "--quiet",
        "--set",
        "steps=40",
        "--out",
        dir.to_str().expect("utf8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = dir.join("solution.png");
    let (w, rows) = pixels(&png);
    // The heat map is left of the colour bar (the last 150 pixels).
    let main = w - 150;
    let extent = |r: &Vec<[u8; 3]>| {
        let c: Vec<usize> = (0..main).filter(|x| coloured(r[*x])).collect();
        c.first().zip(c.last()).map(|(a, b)| (*a, *b))
    };
    // The middle row crosses the disc where it is widest.
    let widest = rows
        .iter()
        .filter_map(extent)
        .map(|(a, b)| b - a)
        .max()
        .expect("a coloured row");
    let middle: Vec<usize> = (0..rows.len())
        .filter(|y| extent(&rows[*y]).is_some_and(|(a, b)| b - a == widest))
        .collect();
    let y = middle[middle.len() / 2];
    let (left, right) = extent(&rows[y]).expect("extent");
    let centre = (left + right) / 2;
    let radius = (right - left) as f64 / 2.0;
    let at = |r: f64| (centre as f64 + r * radius).round() as usize;
    let row = &rows[y];
    // The hole (|x| < 0.5) is blank, the ring coloured.
    for r in [-0.3, 0.0, 0.3] {
        assert_eq!(row[at(r)], [255, 255, 255], "inside the hole at {r}");
    }
    for r in [-0.75, 0.75] {
        assert!(coloured(row[at(r)]), "in the ring at {r}: {:?}", row[at(r)]);
    }
    // The inner circle is drawn where the ring meets the hole, on both sides.
    for r in [-0.5, 0.5] {
        let near = (at(r) - 6..=at(r) + 6).any(|x| black(row[x]));
        assert!(near, "no outline near {r}");
    }
    // No outline in the middle of the ring.
    assert!(!(at(0.7)..=at(0.8)).any(|x| black(row[x])));

    // Drawn again: the same bytes.
    let first = std::fs::read(&png).expect("png");
    let again = pdec(&["plot", dir.to_str().expect("utf8")]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(std::fs::read(&png).expect("png"), first);
}
