// SPDX-License-Identifier: GPL-2.0

//! How the kernel's C reads and prints the text written to a sysfs file.

use core::fmt;

/// The bytes up to the first NUL: what C sees of a write (bonding passes
/// the buffer on as a C string).
pub(crate) fn c_string(input: &[u8]) -> &[u8] {
    let end = input.iter().position(|b| *b == 0).unwrap_or(input.len());
    &input[..end]
}

/// Displays bytes as printk passes them on: valid UTF-8 as is, other bytes
/// as `\xHH`, which is how `dmesg` shows them either way.
pub(crate) struct Bytes<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // (`utf8_chunks()` is newer than the kernel's minimum Rust.)
        let mut rest = self.0;
        loop {
            match core::str::from_utf8(rest) {
                Ok(s) => return f.write_str(s),
                Err(e) => {
                    let (valid, bad) = rest.split_at(e.valid_up_to());
                    f.write_str(core::str::from_utf8(valid).map_err(|_| fmt::Error)?)?;
                    let n = e.error_len().unwrap_or(bad.len());
                    for b in &bad[..n] {
                        write!(f, "\\x{b:02x}")?;
                    }
                    rest = &bad[n..];
                }
            }
        }
    }
}

/// `in4_pton(s, -1, dst, -1, NULL)`: a dotted quad, ended by the end of
/// the input or by any byte that is not a hex digit, a dot or a colon
/// (a colon ends it too).
pub(crate) fn in4_pton(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let (mut i, mut w, mut digits) = (0usize, 0u32, false);
    let mut pos = 0;
    loop {
        let c = s.get(pos).copied().unwrap_or(0);
        let end = c == 0 || c == b':' || !(c.is_ascii_hexdigit() || c == b'.');
        if end || c == b'.' {
            if !digits {
                return None;
            }
            out[i] = w as u8;
            i += 1;
            (w, digits) = (0, false);
            if end {
                return (i == 4).then_some(out);
            }
        } else if c.is_ascii_digit() {
            w = (w * 10 + u32::from(c - b'0')) & 0xffff;
            digits = true;
            if w > 255 {
                return None;
            }
        } else {
            // A hex letter: not part of an IPv4 address, not a delimiter.
            return None;
        }
        if i >= 4 {
            return None;
        }
        pos += 1;
    }
}

/// Writes an IPv6 address as the kernel's `%pI6c` does
/// (`ip6_compressed_string()`): the first longest run of two or more zero
/// words as `::`, IPv4-mapped and ISATAP addresses with a dotted tail.
pub(crate) fn fmt_ipv6_compressed(a: &[u8; 16], f: &mut impl fmt::Write) -> fmt::Result {
    let word = |i: usize| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]);
    let v4mapped = a[..10] == [0; 10] && a[10] == 0xff && a[11] == 0xff;
    let isatap = (a[8] | 0x02) == 0x02 && a[9] == 0 && a[10] == 0x5e && a[11] == 0xfe;
    let range = if v4mapped || isatap { 6 } else { 8 };
    let (mut longest, mut colonpos) = (1, None);
    for i in 0..range {
        let run = (i..range).take_while(|j| word(*j) == 0).count();
        if run > longest {
            longest = run;
            colonpos = Some(i);
        }
    }
    let mut need_colon = false;
    let mut i = 0;
    while i < range {
        if colonpos == Some(i) {
            if need_colon || i == 0 {
                f.write_char(':')?;
            }
            f.write_char(':')?;
            need_colon = false;
            i += longest;
            continue;
        }
        if need_colon {
            f.write_char(':')?;
        }
        write!(f, "{:x}", word(i))?;
        need_colon = true;
        i += 1;
    }
    if range == 6 {
        if need_colon {
            f.write_char(':')?;
        }
        write!(f, "{}.{}.{}.{}", a[12], a[13], a[14], a[15])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    #[test]
    fn in4_pton_like_the_kernel() {
        let cases: &[(&[u8], Option<[u8; 4]>)] = &[
            (b"192.0.2.1", Some([192, 0, 2, 1])),
            (b"192.0.2.1\n", Some([192, 0, 2, 1])),
            (b"10.0.0.1 x", Some([10, 0, 0, 1])),
            (b"1.2.3.4:80", Some([1, 2, 3, 4])),
            (b"1.2.3.4xyz", Some([1, 2, 3, 4])),
            (b"1.2.3.4abc", None),
            (b"1.2.3", None),
            (b"1.2.3.4.5", None),
            (b"1..3.4", None),
            (b"256.1.1.1", None),
            (b"", None),
            (b"nosuchdev", None),
            (b"-1", None),
        ];
        for (input, want) in cases {
            assert_eq!(in4_pton(input), *want, "{:?}", core::str::from_utf8(input));
        }
    }

    #[test]
    fn c_string_and_bytes() {
        assert_eq!(c_string(b"eth0\0x"), b"eth0");
        assert_eq!(c_string(b"\0\x01"), b"");
        let mut s = String::new();
        use core::fmt::Write;
        write!(s, "{}", Bytes(b"\xc3(ok\xff")).unwrap();
        assert_eq!(s, "\\xc3(ok\\xff");
    }

    #[test]
    fn ipv6_like_pi6c() {
        fn words(w: [u16; 8]) -> [u8; 16] {
            let mut a = [0u8; 16];
            for (i, x) in w.iter().enumerate() {
                a[2 * i..2 * i + 2].copy_from_slice(&x.to_be_bytes());
            }
            a
        }
        let cases: &[([u16; 8], &str)] = &[
            ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], "2001:db8::1"),
            ([0; 8], "::"),
            ([0, 0, 0, 0, 0, 0, 0, 1], "::1"),
            ([0xfe80, 0, 0, 0, 0, 0, 0, 0], "fe80::"),
            ([1, 0, 1, 0, 1, 0, 1, 0], "1:0:1:0:1:0:1:0"),
            ([1, 0, 0, 1, 0, 0, 0, 1], "1:0:0:1::1"),
            ([0, 0, 1, 0, 0, 1, 0, 0], "::1:0:0:1:0:0"),
            ([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304], "::ffff:1.2.3.4"),
            (
                [0xfe80, 0, 0, 0, 0, 0x5efe, 0x0a00, 0x0001],
                "fe80::5efe:10.0.0.1",
            ),
        ];
        for (w, want) in cases {
            let mut s = String::new();
            fmt_ipv6_compressed(&words(*w), &mut s).unwrap();
            assert_eq!(s, *want);
        }
    }
}
