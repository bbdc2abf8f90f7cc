//! The skim that picks the locals worth pinning: counts the references to each local by looking for
//! `local.get/set/tee` opcode bytes in a body without decoding it (see `FuncTranslator::choose_pinned`).
//! A full pass over every body byte, so it is vectorized: SSE2, the compiler's only `unsafe`.

/// Counts, per local index, the bytes that look like `local.get/set/tee` (0x20..=0x22) followed by
/// their LEB128 index, skipping each index once decoded. Indices beyond `uses` are ignored.
/// Two passes per window of the body: the positions of every candidate byte, 32 bytes at a time with
/// no branch per candidate (a loop per chunk over its candidates mispredicted its exit about once a
/// chunk), then the candidates in order. Windows keep `positions` (scratch space, reused across calls)
/// small enough to stay in cache: sized to a whole large body, it was written and read back from memory.
pub(super) fn count_local_ops(bytes: &[u8], uses: &mut [u32], positions: &mut Vec<u32>) {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_set_epi64x, _mm_set1_epi8, _mm_sub_epi8,
    };
    const WINDOW: usize = 4096;
    const CHUNK: usize = 32;
    // Only grown: every position read below was written first.
    if positions.len() < WINDOW + CHUNK {
        positions.resize(WINDOW + CHUNK, 0);
    }
    // One bit per byte (bit i for byte i) set where the byte is 0x20..=0x22: the bytes minus 0x20 are
    // at most 2 where min(b, 2) == b. Five SSE2 instructions per 16 bytes (callgrind, sqlite: the
    // portable multiply-and-mask trick before it cost 1.7% more of the whole compile).
    fn candidates(half: &[u8]) -> u32 {
        let lo = u64::from_le_bytes(half[..8].try_into().unwrap()) as i64;
        let hi = u64::from_le_bytes(half[8..16].try_into().unwrap()) as i64;
        // SAFETY: SSE2 is part of x86-64, the only target weft builds for.
        unsafe {
            let d = _mm_sub_epi8(_mm_set_epi64x(hi, lo), _mm_set1_epi8(0x20));
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(2)), d)) as u32
        }
    }
    // Where the next candidate may start: bytes before it belong to an index already decoded (which
    // may reach into the next window).
    let mut next = 0;
    for (w, window) in bytes.chunks(WINDOW).enumerate() {
        let mut count = 0;
        let chunks = window.chunks_exact(CHUNK);
        let tail = chunks.remainder().len();
        for (c, chunk) in chunks.enumerate() {
            let mut m = candidates(&chunk[..16]) | candidates(&chunk[16..]) << 16;
            let n = m.count_ones() as usize;
            let base = (c * CHUNK) as u32;
            // Room: `count` <= c * CHUNK, and `positions` has CHUNK more than a window.
            let out: &mut [u32; CHUNK] = (&mut positions[count..count + CHUNK]).try_into().unwrap();
            // Four writes whatever the count (only the first `n` count): most chunks have fewer.
            for slot in &mut out[..4] {
                *slot = base + m.trailing_zeros();
                m &= m.wrapping_sub(1);
            }
            let mut j = 4;
            while m != 0 {
                out[j] = base + m.trailing_zeros();
                m &= m - 1;
                j += 1;
            }
            count += n;
        }
        for (op, b) in window.iter().enumerate().skip(window.len() - tail) {
            if (0x20..=0x22).contains(b) {
                positions[count] = op as u32;
                count += 1;
            }
        }
        let start = w * WINDOW;
        for &op in &positions[..count] {
            let op = start + op as usize;
            if op < next {
                continue;
            }
            let index = match bytes.get(op + 1) {
                Some(&b) if b < 0x80 => {
                    next = op + 2;
                    b as u32
                }
                _ => {
                    let (mut index, mut shift, mut i) = (0u32, 0, op + 1);
                    while let Some(&b) = bytes.get(i) {
                        i += 1;
                        index |= ((b & 0x7f) as u32) << shift;
                        shift += 7;
                        if b & 0x80 == 0 || shift >= 32 {
                            break;
                        }
                    }
                    next = i;
                    index
                }
            };
            if let Some(n) = uses.get_mut(index as usize) {
                *n += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn count_local_ops_matches_a_byte_by_byte_scan() {
        // The reference: every byte in turn; a candidate's index is decoded and skipped.
        fn reference(bytes: &[u8], uses: &mut [u32]) {
            let mut i = 0;
            while i < bytes.len() {
                if !(0x20..=0x22).contains(&bytes[i]) {
                    i += 1;
                    continue;
                }
                // The index: up to five bytes, through the first without the continuation bit.
                let rest = &bytes[i + 1..];
                let leb = &rest[..rest.iter().take(5).position(|b| b & 0x80 == 0).map_or(rest.len().min(5), |p| p + 1)];
                let index = leb.iter().enumerate().fold(0u32, |x, (k, &b)| x | ((b & 0x7f) as u32) << (7 * k));
                i += 1 + leb.len();
                if let Some(n) = uses.get_mut(index as usize) {
                    *n += 1;
                }
            }
        }
        // Pseudo-random bytes, dense in candidates and in multi-byte indices that hide candidates.
        // Also indices of five bytes and more (a sixth is an opcode again), and candidates hidden in them.
        let mut bytes = vec![0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x21, 0x05, 0x22, 0xa0, 0xa1, 0xa2, 0x21, 0x22, 0x01];
        bytes.extend((0..9000u32).map(|i| {
            let r = i.wrapping_mul(2654435761);
            [0x20, 0x21, 0x22, 0x80, 0xa0, 0x01, 0x05, (r >> 7) as u8][(r >> 13) as usize % 8]
        }));
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1999, 4095, 4096, 4097, 8200, bytes.len()] {
            for from in [0, 1, 3, 8] {
                let body = &bytes[from.min(len)..len];
                let (mut got, mut want) = (vec![0u32; 200], vec![0u32; 200]);
                super::count_local_ops(body, &mut got, &mut Vec::new());
                reference(body, &mut want);
                assert_eq!(got, want, "bytes {from}..{len}");
            }
        }
    }
}
