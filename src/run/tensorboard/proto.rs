//! The few protobuf messages of a TensorBoard event file, encoded by hand: `Event`
//! (tensorflow/core/util/event.proto) with its `Summary` of `Value`s, each a `simple_value`
//! or an `Image` (tensorflow/core/framework/summary.proto). Five messages and a dozen fields
//! do not justify a protobuf code generator in the build. [`step_of`] reads an event's step
//! back, which a resumed run needs to keep the events before it.

/// Protobuf wire types.
const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const BYTES: u8 = 2;
const FIXED32: u8 = 5;

/// `Event.file_version` of the first event of every file; TensorBoard checks it.
pub const FILE_VERSION: &str = "brain.Event:2";

/// An image summary: a PNG's bytes and what TensorBoard shows of it.
pub struct Image<'a> {
    pub tag: &'a str,
    pub height: u32,
    pub width: u32,
    /// 1 grey, 2 grey and alpha, 3 RGB, 4 RGBA (summary.proto).
    pub colorspace: u32,
    pub png: &'a [u8],
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, (u64::from(field) << 3) | u64::from(wire));
}

fn bytes_field(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    key(out, field, BYTES);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// `wall_time = 1` (double) and `step = 2` (int64, two's complement as a varint).
fn header(wall_time: f64, step: i64) -> Vec<u8> {
    let mut out = Vec::new();
    key(&mut out, 1, FIXED64);
    out.extend_from_slice(&wall_time.to_le_bytes());
    if step != 0 {
        key(&mut out, 2, VARINT);
        varint(&mut out, step as u64);
    }
    out
}

/// The first event of a file: its `file_version`.
pub fn file_version_event(wall_time: f64) -> Vec<u8> {
    let mut out = header(wall_time, 0);
    bytes_field(&mut out, 3, FILE_VERSION.as_bytes());
    out
}

/// An event whose summary (field 5) holds `values`, each an encoded `Summary.Value`.
fn summary_event(wall_time: f64, step: i64, values: &[Vec<u8>]) -> Vec<u8> {
    let mut summary = Vec::new();
    for v in values {
        bytes_field(&mut summary, 1, v);
    }
    let mut out = header(wall_time, step);
    bytes_field(&mut out, 5, &summary);
    out
}

/// A `Summary.Value` with a `simple_value` (a 32-bit float, as TensorBoard's scalars are).
fn scalar_value(tag: &str, v: f64) -> Vec<u8> {
    let mut value = Vec::new();
    bytes_field(&mut value, 1, tag.as_bytes());
    key(&mut value, 2, FIXED32);
    value.extend_from_slice(&(v as f32).to_le_bytes());
    value
}

/// A `Summary.Value` with an `Image`.
fn image_value(im: &Image) -> Vec<u8> {
    let mut image = Vec::new();
    for (field, v) in [(1, im.height), (2, im.width), (3, im.colorspace)] {
        key(&mut image, field, VARINT);
        varint(&mut image, u64::from(v));
    }
    bytes_field(&mut image, 4, im.png);
    let mut value = Vec::new();
    bytes_field(&mut value, 1, im.tag.as_bytes());
    bytes_field(&mut value, 4, &image);
    value
}

/// One event with a scalar per tag.
pub fn scalars_event(wall_time: f64, step: i64, scalars: &[(&str, f64)]) -> Vec<u8> {
    let values: Vec<Vec<u8>> = scalars.iter().map(|(t, v)| scalar_value(t, *v)).collect();
    summary_event(wall_time, step, &values)
}

/// One event with an image summary per picture.
pub fn images_event(wall_time: f64, step: i64, images: &[Image]) -> Vec<u8> {
    let values: Vec<Vec<u8>> = images.iter().map(image_value).collect();
    summary_event(wall_time, step, &values)
}

fn read_varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
}

/// What a kept event is: its step (0 when absent) and whether it is a file's first event
/// (`file_version`). `None` for bytes that are not an event this module could have written.
pub fn step_of(event: &[u8]) -> Option<(i64, bool)> {
    let (mut at, mut step, mut version) = (0, 0i64, false);
    while at < event.len() {
        let k = read_varint(event, &mut at)?;
        let (field, wire) = (k >> 3, (k & 7) as u8);
        match wire {
            VARINT => {
                let v = read_varint(event, &mut at)?;
                if field == 2 {
                    step = v as i64;
                }
            }
            FIXED64 => at += 8,
            FIXED32 => at += 4,
            BYTES => {
                let n = usize::try_from(read_varint(event, &mut at)?).ok()?;
                at = at.checked_add(n)?;
                version |= field == 3;
            }
            _ => return None,
        }
    }
    (at == event.len()).then_some((step, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    // The expected bytes are TensorBoard's own protobuf classes' (`event_pb2.Event(...)
    // .SerializeToString()`, tensorboard 2.21).
    #[test]
    fn events_encode_as_tensorboards_protobuf_classes_do() {
        let mut e = header(1.5, 7);
        bytes_field(&mut e, 3, FILE_VERSION.as_bytes());
        assert_eq!(
            hex(&e),
            "09000000000000f83f10071a0d627261696e2e4576656e743a32"
        );
        let image = Image {
            tag: "plots/x",
            height: 2,
            width: 3,
            colorspace: 3,
            png: b"ab",
        };
        let both = summary_event(
            2.0,
            300,
            &[scalar_value("loss/pde", 0.25), image_value(&image)],
        );
        assert_eq!(
            hex(&both),
            "09000000000000004010ac022a280a0f0a086c6f73732f706465150000803e0a150a07706c6f74732f78220a08021003180322026162"
        );
        assert_eq!(
            hex(&header(2.0, -1)),
            "09000000000000004010ffffffffffffffffff01"
        );
    }

    #[test]
    fn steps_read_back() {
        assert_eq!(step_of(&file_version_event(3.0)), Some((0, true)));
        assert_eq!(
            step_of(&scalars_event(3.0, 123_456, &[("a", 1.0), ("b", -2.0)])),
            Some((123_456, false))
        );
        assert_eq!(step_of(&header(1.0, -1)), Some((-1, false)));
        // Cut short: not an event.
        let e = scalars_event(3.0, 5, &[("a", 1.0)]);
        assert_eq!(step_of(&e[..e.len() - 2]), None);
    }
}
