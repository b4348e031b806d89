//! Frames as the decoder yields them (borrowed, allocation-free) and as owned values.

use super::Mode;
use super::label::Label;

/// Where one valid group's fields lie in the decoder's frame buffer.
///
/// A decoder keeps [`MAX_GROUPS`](super::decoder::MAX_GROUPS) of these for its life, so they
/// are kept small (6 bytes): the fields are stored one after the other with one separator
/// between them (`LABEL SEP [HORODATE SEP] VALUE`, see `group::parse`), so the start of the
/// horodate and of the value follow from the lengths and are not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GroupSpan {
    pub label: Option<Label>,
    pub start: u16,
    pub label_len: u8,
    /// Length of the horodate; 0 when the group has none (a horodate is never empty).
    pub horodate_len: u8,
    pub value_len: u8,
}

impl GroupSpan {
    /// Where the value starts: after the label, its separator, and the horodate and its
    /// separator if any.
    pub fn value_start(&self) -> usize {
        let horodate = match self.horodate_len {
            0 => 0,
            n => usize::from(n) + 1,
        };
        usize::from(self.start) + usize::from(self.label_len) + 1 + horodate
    }
}

/// A complete frame (STX … ETX) borrowed from the decoder: valid only inside the callback that
/// receives it, so the decoder can reuse its buffers and never allocate per frame.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    pub(crate) mode: Mode,
    pub(crate) buf: &'a [u8],
    pub(crate) spans: &'a [GroupSpan],
    pub(crate) dropped: u32,
}

/// One valid group of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group<'a> {
    /// The label, if it is one this decoder knows.
    pub label: Option<Label>,
    /// The label as sent (known or not).
    pub name: &'a str,
    /// The horodate (standard mode), e.g. `E240715101502`.
    pub horodate: Option<&'a str>,
    /// The value exactly as sent (padding spaces kept: see [`Group::text`]).
    pub value: &'a str,
}

impl<'a> Group<'a> {
    /// The value as a person reads it: free text (NGTF, LTARF, MSG1, MSG2), which meters send
    /// padded with spaces or not, without its padding; any other value as sent. The one place
    /// where padding is removed, so that every reader sees the same text.
    pub fn text(&self) -> &'a str {
        match self.label.map(|l| l.spec().charset) {
            Some(super::label::Charset::Printable) => self.value.trim_matches(' '),
            _ => self.value,
        }
    }
}

/// Bytes in the frame buffer are masked to 7 bits, so they are always valid UTF-8.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

impl<'a> Frame<'a> {
    /// The frame's mode (the mode of all its valid groups).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Number of groups of this frame that were dropped (bad checksum, format or size).
    pub fn dropped_groups(&self) -> u32 {
        self.dropped
    }

    /// True when every group of the frame was valid: only then does the absence of a group
    /// mean something.
    pub fn is_clean(&self) -> bool {
        self.dropped == 0
    }

    /// Number of valid groups.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when the frame has no valid group (never the case for a yielded frame).
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The valid groups in stream order.
    pub fn groups(&self) -> impl ExactSizeIterator<Item = Group<'a>> + 'a {
        let buf = self.buf;
        self.spans.iter().map(move |s| {
            let start = usize::from(s.start);
            let label_end = start + usize::from(s.label_len);
            let horodate = (s.horodate_len > 0).then(|| {
                let h = label_end + 1;
                ascii(&buf[h..h + usize::from(s.horodate_len)])
            });
            let v = s.value_start();
            Group {
                label: s.label,
                name: ascii(&buf[start..label_end]),
                horodate,
                value: ascii(&buf[v..v + usize::from(s.value_len)]),
            }
        })
    }

    /// The first group with this known label.
    pub fn get(&self, label: Label) -> Option<Group<'a>> {
        self.groups().find(|g| g.label == Some(label))
    }

    /// A copy that outlives the decoder callback.
    pub fn to_owned(&self) -> OwnedFrame {
        OwnedFrame {
            mode: self.mode,
            groups: self.groups().map(OwnedGroup::from).collect(),
            dropped: self.dropped,
        }
    }
}

impl std::fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("mode", &self.mode)
            .field("dropped", &self.dropped)
            .field("groups", &self.groups().collect::<Vec<_>>())
            .finish()
    }
}

/// An owned frame: what tests compare, what the encoder takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedFrame {
    pub mode: Mode,
    pub groups: Vec<OwnedGroup>,
    /// Groups dropped while decoding (always 0 for a frame built to be encoded).
    pub dropped: u32,
}

/// An owned group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedGroup {
    pub name: String,
    pub horodate: Option<String>,
    pub value: String,
}

impl OwnedGroup {
    /// A group without horodate.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        OwnedGroup {
            name: name.into(),
            horodate: None,
            value: value.into(),
        }
    }

    /// A horodated group (standard mode).
    pub fn horodated(
        name: impl Into<String>,
        horodate: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        OwnedGroup {
            name: name.into(),
            horodate: Some(horodate.into()),
            value: value.into(),
        }
    }
}

impl From<Group<'_>> for OwnedGroup {
    fn from(g: Group<'_>) -> Self {
        OwnedGroup {
            name: g.name.to_owned(),
            horodate: g.horodate.map(str::to_owned),
            value: g.value.to_owned(),
        }
    }
}
