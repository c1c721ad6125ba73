//! TFRecord framing, the container of TensorBoard's event files
//! (tensorflow/core/lib/io/record_writer.cc): each record is its length (u64, little
//! endian), the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the
//! data. [`records`] reads a file back, stopping at the first record that is cut short or
//! damaged (the tail a full disk or a killed process can leave).

/// TensorFlow's mask: a CRC of data that holds CRCs would otherwise be weak.
const MASK_DELTA: u32 = 0xa282_ead8;

/// The masked CRC-32C (Castagnoli) of `b`.
pub fn masked_crc(b: &[u8]) -> u32 {
    let crc = crc32c::crc32c(b);
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// `data` framed as one record.
pub fn frame(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
    out
}

/// The records of `bytes` in order, up to the first that is incomplete or fails a checksum.
pub fn records(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 12 {
        let (len, tail) = rest.split_at(8);
        let crc = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        if crc != masked_crc(len) {
            break;
        }
        let n = u64::from_le_bytes(len.try_into().unwrap_or([0; 8]));
        let Some(n) = usize::try_from(n)
            .ok()
            .filter(|n| n.checked_add(4).is_some_and(|m| tail.len() - 4 >= m))
        else {
            break;
        };
        let (data, after) = tail[4..].split_at(n);
        if after[..4] != masked_crc(data).to_le_bytes() {
            break;
        }
        out.push(data);
        rest = &after[4..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        // The CRC-32C check value, and masked values from TensorBoard's own
        // `tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c`.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(masked_crc(b""), 0xa282_ead8);
        assert_eq!(masked_crc(b"123456789"), 0xc78a_b0e5);
        assert_eq!(masked_crc(&24u64.to_le_bytes()), 0x224b_7fa3);
    }

    #[test]
    fn framed_records_read_back_and_a_damaged_tail_is_dropped() {
        let mut file = frame(b"first");
        file.extend(frame(b""));
        file.extend(frame(&[7u8; 300]));
        assert_eq!(records(&file), vec![&b"first"[..], b"", &[7u8; 300][..]]);
        let whole = file.len();
        // Every cut inside the last record keeps the first two.
        for cut in whole - 315..whole {
            assert_eq!(records(&file[..cut]).len(), 2, "cut at {cut}");
        }
        // A flipped bit in the last record's data.
        file[whole - 10] ^= 1;
        assert_eq!(records(&file).len(), 2);
        // A length that claims more than the file holds.
        let mut huge = frame(b"x");
        huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        let crc = masked_crc(&huge[..8]).to_le_bytes();
        huge[8..12].copy_from_slice(&crc);
        assert!(records(&huge).is_empty());
    }
}
