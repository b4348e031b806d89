//! The TIC protocol: pure, synchronous, no I/O.
//!
//! Bytes go into a [`Decoder`], complete [`Frame`]s come out together with counted errors.
//! [`encode`] is the inverse and is used by the demo meter, the tests and the fuzz targets.
//! [`value`] turns the text of a group into typed readings with units, and [`display`] renders
//! those as a person reads them.

pub mod checksum;
pub mod decoder;
pub mod display;
pub mod encode;
pub mod frame;
pub mod group;
pub mod horodate;
pub mod label;
pub mod stge;
pub mod value;

pub use decoder::{Decoder, DecoderStats, Sink};
pub use encode::{EncodeError, FrameWriter};
pub use frame::{Frame, Group, OwnedFrame, OwnedGroup};
pub use group::GroupError;
pub use horodate::Horodate;
pub use label::Label;
pub use stge::Stge;

/// The two TIC output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Legacy format of electronic meters (CBEMM, CBETM) and of a Linky left in its factory
    /// setting: 1200 Bd, fields separated by SP, checksum method 1.
    Historic,
    /// Linky format: 9600 Bd, fields separated by HT, optional horodates, checksum method 2.
    Standard,
}

impl Mode {
    /// The field separator of this mode.
    pub const fn separator(self) -> u8 {
        match self {
            Mode::Historic => b' ',
            Mode::Standard => b'\t',
        }
    }

    /// The line speed the meter uses in this mode, in bauds.
    pub const fn baud_rate(self) -> u32 {
        match self {
            Mode::Historic => 1200,
            Mode::Standard => 9600,
        }
    }

    /// The lower-case name used in JSON output and metric labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Historic => "historic",
            Mode::Standard => "standard",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Control bytes of the framing layer (after masking to 7 bits).
pub mod control {
    /// Start of frame.
    pub const STX: u8 = 0x02;
    /// End of frame.
    pub const ETX: u8 = 0x03;
    /// Frame interrupted; transmission resumes at the next STX.
    pub const EOT: u8 = 0x04;
    /// Start of group.
    pub const LF: u8 = 0x0A;
    /// End of group.
    pub const CR: u8 = 0x0D;
}
