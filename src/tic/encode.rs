//! The inverse of the decoder: groups and frames as a meter sends them.
//!
//! Every group written is re-parsed with the decoder's own rules before it is accepted, so the
//! encoder can never produce a group the decoder would reject (the demo meter relies on it).

use super::Mode;
use super::checksum::checksum;
use super::control::{CR, ETX, LF, STX};
use super::frame::{OwnedFrame, OwnedGroup};
use super::group::{self, GroupError};

/// Why a group cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("historic groups have no horodate ({label})")]
    HorodateInHistoricMode { label: String },
    #[error("group {label:?} contains a framing or separator byte where it cannot")]
    ForbiddenByte { label: String },
    #[error("group {label:?} would not decode: {source}")]
    Invalid {
        label: String,
        #[source]
        source: GroupError,
    },
}

/// Appends one group (LF … CR) to `out`. On error `out` is left unchanged.
pub fn write_group(
    out: &mut Vec<u8>,
    mode: Mode,
    label: &str,
    horodate: Option<&str>,
    value: &str,
) -> Result<(), EncodeError> {
    let sep = mode.separator();
    let err_label = || label.to_owned();
    if mode == Mode::Historic && horodate.is_some() {
        return Err(EncodeError::HorodateInHistoricMode { label: err_label() });
    }
    let is_control = |b: &u8| *b < 0x20 || *b >= 0x7F;
    if label.bytes().any(|b| b == sep || is_control(&b))
        || horodate.is_some_and(|h| h.bytes().any(|b| b == sep || is_control(&b)))
        || value.bytes().any(|b| b == b'\t' || is_control(&b))
    {
        return Err(EncodeError::ForbiddenByte { label: err_label() });
    }
    let start = out.len();
    out.push(LF);
    out.extend_from_slice(label.as_bytes());
    out.push(sep);
    if let Some(h) = horodate {
        out.extend_from_slice(h.as_bytes());
        out.push(sep);
    }
    out.extend_from_slice(value.as_bytes());
    let zone_end = match mode {
        Mode::Historic => out.len(),
        Mode::Standard => out.len() + 1,
    };
    out.push(sep);
    let chk = checksum(&out[start + 1..zone_end]);
    out.push(chk);
    if let Err(source) = group::parse(&out[start + 1..]) {
        out.truncate(start);
        return Err(EncodeError::Invalid {
            label: err_label(),
            source,
        });
    }
    out.push(CR);
    Ok(())
}

/// Writes a frame group by group into a buffer the caller owns (and may reuse).
pub struct FrameWriter<'a> {
    out: &'a mut Vec<u8>,
    mode: Mode,
}

impl<'a> FrameWriter<'a> {
    /// Starts a frame: appends STX.
    pub fn new(out: &'a mut Vec<u8>, mode: Mode) -> Self {
        out.push(STX);
        FrameWriter { out, mode }
    }

    /// Appends a group without horodate.
    pub fn group(&mut self, label: &str, value: &str) -> Result<&mut Self, EncodeError> {
        write_group(self.out, self.mode, label, None, value)?;
        Ok(self)
    }

    /// Appends a horodated group (standard mode).
    pub fn horodated(
        &mut self,
        label: &str,
        horodate: &str,
        value: &str,
    ) -> Result<&mut Self, EncodeError> {
        write_group(self.out, self.mode, label, Some(horodate), value)?;
        Ok(self)
    }

    /// Ends the frame: appends ETX.
    pub fn finish(self) {
        self.out.push(ETX);
    }
}

/// Appends a whole frame (STX, its groups, ETX). On error `out` is left unchanged.
pub fn write_frame(out: &mut Vec<u8>, frame: &OwnedFrame) -> Result<(), EncodeError> {
    let start = out.len();
    let writer = FrameWriter::new(out, frame.mode);
    for OwnedGroup {
        name,
        horodate,
        value,
    } in &frame.groups
    {
        if let Err(e) = write_group(writer.out, frame.mode, name, horodate.as_deref(), value) {
            writer.out.truncate(start);
            return Err(e);
        }
    }
    writer.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_worked_examples() {
        let mut out = Vec::new();
        write_group(&mut out, Mode::Historic, "ADCO", None, "031762120162").unwrap();
        write_group(&mut out, Mode::Standard, "SINSTS", None, "00432").unwrap();
        write_group(&mut out, Mode::Standard, "DATE", Some("E200426181830"), "").unwrap();
        assert_eq!(
            out,
            b"\nADCO 031762120162 6\r\nSINSTS\t00432\tO\r\nDATE\tE200426181830\t\tA\r"
        );
    }

    #[test]
    fn refuses_what_the_decoder_would_reject() {
        let mut out = Vec::new();
        assert!(matches!(
            write_group(&mut out, Mode::Historic, "PAPP", None, "750"),
            Err(EncodeError::Invalid { .. })
        ));
        assert!(matches!(
            write_group(&mut out, Mode::Standard, "X", None, "a\tb"),
            Err(EncodeError::ForbiddenByte { .. })
        ));
        assert!(matches!(
            write_group(&mut out, Mode::Historic, "X", Some("H200426181830"), "1"),
            Err(EncodeError::HorodateInHistoricMode { .. })
        ));
        assert!(out.is_empty());
    }
}
