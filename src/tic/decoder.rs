//! The streaming, push-based TIC decoder.
//!
//! Bytes arrive in chunks of any size; every decision is taken on a framing byte (STX, ETX,
//! EOT, LF, CR), so the frames and counters that come out do not depend on how the stream was
//! split. Memory is fixed at construction: one frame buffer and one span table, reused for every
//! frame, so steady-state decoding never allocates.
//!
//! Defects of real streams that the decoder accepts or survives:
//! - ports mis-set to 8N1: every byte is masked with `& 0x7F`;
//! - a capture or a freshly opened port that starts or ends mid-frame;
//! - EOT (or a new STX) cutting a long frame when a three-phase meter switches to short frames;
//! - a tty left in cooked mode, where every CR became LF and ETX was swallowed: groups ending in
//!   LF are accepted when they validate, and once a run of them is seen the stream is flagged as
//!   cooked ([`Decoder::looks_like_cooked_tty`]) and a frame ends at the next STX instead.

use super::Mode;
use super::control::{CR, EOT, ETX, LF, STX};
use super::frame::{Frame, Group, GroupSpan};
use super::group::{self, FormatError, GroupError, ParsedGroup};

/// Longest group accepted, in bytes between LF and CR. The longest group of the specification
/// (PJOURF+1) has 109; this leaves room for unknown labels.
pub const MAX_GROUP_LEN: usize = 256;

/// Longest frame accepted, in bytes from STX to ETX.
///
/// Every decoder holds a buffer of this size for its whole life, and a process may run one per
/// meter (10 000 TCP meters, issue 13), so it is sized from the specification rather than
/// generously: a frame with every standard label once (three-phase, producer, PJOURF+1 and
/// PPOINTE; no meter sends them all) is 1 727 bytes, the longest fixture (three-phase Tempo)
/// 1 374, a single-phase producer frame 1 093, a historic frame at most 536. 4096 leaves
/// 2.4 times the first for unknown labels and longer free text; a longer frame is a size
/// error (its STX or ETX was lost), not a frame.
pub const MAX_FRAME_LEN: usize = 4096;

/// Size of the frame buffer: the longest frame and a group being read (a frame is checked
/// against [`MAX_FRAME_LEN`] at each framing byte, so at most one group runs past it).
const BUF_LEN: usize = MAX_FRAME_LEN + MAX_GROUP_LEN;

/// Most valid groups kept for one frame, a span each for the decoder's life (see
/// [`MAX_FRAME_LEN`] for why it matters): a frame with every standard label once has 71
/// groups, the longest fixture 56; 256 is 3.6 times the first. More groups in one frame are
/// a size error.
pub const MAX_GROUPS: usize = 256;

/// Groups outside a frame at the start of a session that are taken for the tail of a frame the
/// opening cut: more than a frame holds (every standard label once is 71 groups).
pub const SESSION_HEAD_GROUPS: u64 = 100;

/// Valid groups in a row that must end with LF instead of CR before the stream is taken for a
/// cooked tty.
const COOKED_TTY_STREAK: u32 = 4;

/// Counters since the decoder was created. All are cumulative and never decrease.
///
/// The words are those of docs/metrics.md ("Words"): a *frame* is complete (STX … ETX) with
/// at least one valid group; it is *clean* when every group was valid, else it is a *frame
/// with errors*; an *interrupted* frame was cut before its end and is not a frame.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DecoderStats {
    /// Bytes fed.
    pub bytes: u64,
    /// Frames yielded, clean or with errors.
    pub frames: u64,
    /// Clean frames yielded: every group valid. `teleinfo_frames_total` counts these.
    pub clean_frames: u64,
    /// Valid groups, inside or outside a frame.
    pub groups: u64,
    /// Groups whose checksum did not match.
    pub checksum_errors: u64,
    /// Groups whose checksum matched but whose shape did not (width, characters, fields), or
    /// that were cut by ETX.
    pub format_errors: u64,
    /// Groups or frames longer than [`MAX_GROUP_LEN`] / [`MAX_FRAME_LEN`] / [`MAX_GROUPS`].
    pub size_errors: u64,
    /// Frames cut by EOT, by a new STX before their ETX, or by the end of the input.
    pub interrupted: u64,
    /// Of `format_errors`: groups of a known label whose value has the wrong width.
    pub width_errors: u64,
    /// Of `format_errors`: groups with characters their label does not allow (or a label
    /// that is not one).
    pub charset_errors: u64,
    /// Of `groups`: valid groups whose label this decoder does not know (`TENSION 230` on
    /// some older meters). They stay in their frame and are never exported.
    pub unknown_groups: u64,
    /// Of `groups`: valid groups outside any frame, their STX and ETX lost. The groups that
    /// come before the first frame mark of a session are the tail of a frame the opening
    /// cut, not lost marks: they count only if the session ends, or more than
    /// [`SESSION_HEAD_GROUPS`] of them arrive, without any frame mark.
    pub loose_groups: u64,
    /// Of `groups`: valid groups ended by LF instead of CR (a tty in cooked mode).
    pub lf_groups: u64,
    /// Groups (valid or not) that arrived with a byte whose bit 7 was set: a port read as
    /// 8N1 instead of 7E1 (decoded anyway, masked).
    pub high_bit_groups: u64,
}

impl DecoderStats {
    /// Frames yielded with at least one bad group dropped (their valid groups still count).
    pub fn frames_with_errors(&self) -> u64 {
        self.frames.saturating_sub(self.clean_frames)
    }
}

/// What the decoder hands out, for [`Decoder::feed_sink`].
///
/// The exporter wants frames only ([`Decoder::feed`] takes a closure for them). A tool that
/// shows a capture also wants the valid groups that arrive outside any frame: a capture copied
/// as text from a web page or a terminal has lost its STX and ETX, and a port opened mid-frame
/// starts with the tail of one. Such groups are counted in [`DecoderStats::groups`] either way.
pub trait Sink {
    /// Whether [`Sink::loose_group`] is wanted. When false, a group outside a frame is not
    /// even assembled, so frame-only decoding costs nothing more.
    const LOOSE_GROUPS: bool = false;

    /// A complete frame.
    fn frame(&mut self, frame: &Frame<'_>);

    /// A valid group outside any frame, with its mode.
    fn loose_group(&mut self, _mode: Mode, _group: Group<'_>) {}
}

/// The sink of [`Decoder::feed`]: frames to a closure, no loose groups.
struct Frames<F>(F);

impl<F: FnMut(&Frame<'_>)> Sink for Frames<F> {
    #[inline(always)]
    fn frame(&mut self, frame: &Frame<'_>) {
        (self.0)(frame)
    }
}

/// The state of a streaming TIC decoder. See the module documentation.
pub struct Decoder {
    /// Valid groups of the current frame, then the group being read, in `buf[..len]`;
    /// allocated once at its maximum size.
    buf: Box<[u8; BUF_LEN]>,
    len: usize,
    /// Spans of the valid groups of the current frame, in `spans[..span_count]`; allocated
    /// once at its maximum size.
    spans: Box<[GroupSpan; MAX_GROUPS]>,
    span_count: usize,
    /// Where the group being read starts in `buf`.
    group_start: usize,
    /// The group being read exceeded [`MAX_GROUP_LEN`]; its extra bytes were not kept.
    group_overflow: bool,
    /// A byte of the group being read had bit 7 set (before masking).
    group_high_bit: bool,
    in_group: bool,
    in_frame: bool,
    /// Bytes since the current frame's STX.
    frame_len: usize,
    frame_mode: Option<Mode>,
    frame_dropped: u32,
    lf_streak: u32,
    /// The last group was cut by an LF and was invalid: that LF was probably a corrupted byte
    /// inside a group, so what follows it is the tail of that group. Such a tail can pass its
    /// checksum by chance (a dropped block whose bytes sum to a multiple of 64, as `ISOU` in
    /// `ISOUSC 20 8` → `SC 20 8`); with a known label its width check catches it, so the next
    /// group is refused only if its label is unknown.
    suspect_next: bool,
    /// A CR ended a group and no group started since: a control byte other than LF here is
    /// a corrupted LF, and starts the next group (see [`Decoder::feed_sink`]). Not cleared by
    /// STX, ETX or EOT (one store less per group): a stray byte right after those starts a
    /// group that fails, as noise should.
    after_cr: bool,
    /// An STX or ETX was seen since the session began ([`Decoder::finish`] ends one).
    mark_seen: bool,
    /// Valid groups outside a frame before the session's first frame mark (see
    /// [`DecoderStats::loose_groups`]).
    unmarked_groups: u64,
    cooked: bool,
    stats: DecoderStats,
}

/// True for the bytes that drive the state machine (after masking to 7 bits).
#[allow(
    clippy::cast_possible_truncation,
    reason = "the index runs below 256, and try_from is not const"
)]
static IS_FRAMING: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = (b & 0x7F) as u8;
        table[b] = c == STX || c == ETX || c == EOT || c == LF || c == CR;
        b += 1;
    }
    table
};

/// Index of the first framing byte of `input`, or its length.
///
/// The decoder's one search: the content of every group is scanned here for its CR, so it
/// tests 8 bytes at a time (one branch per word, not per byte; `memchr` finds one to three
/// bytes, and five are framing). Masked to 7 bits and XORed
/// with HT, the five framing bytes become 0x0B, 0x0A, 0x0D, 0x03, 0x04: non-zero and below
/// 0x0E, while HT (frequent in standard mode) becomes zero and is skipped. Every framing byte
/// is flagged; other control bytes can be too (as can bytes above one, through a borrow), but
/// never text. So the lowest flag is the answer when the table confirms it, and only a word
/// with a stray control byte is looked at bytewise. The last bytes are read as one word that
/// overlaps the previous ones, rather than one by one.
fn find_framing_byte(input: &[u8]) -> usize {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const HT: u64 = 0x0909_0909_0909_0909;
    /// High bit of each byte below `n` (and maybe of bytes above such a byte; bytes ≤ 0x7F).
    const fn below(x: u64, n: u64) -> u64 {
        x.wrapping_sub(ONES * n) & !x & HIGH
    }
    /// The first framing byte of `word` at or after byte `from`, if any.
    fn in_word(word: &[u8; 8], from: usize) -> Option<usize> {
        let x = (u64::from_le_bytes(*word) & LOW7) ^ HT;
        let flags = below(x, 0x0E) & !below(x, 1) & (u64::MAX << (8 * from));
        if flags == 0 {
            return None;
        }
        let first = flags.trailing_zeros() as usize / 8;
        if IS_FRAMING[usize::from(word[first])] {
            return Some(first);
        }
        // A control byte that is not framing: rare, look at the rest of the word bytewise.
        (first + 1..8).find(|&j| IS_FRAMING[usize::from(word[j])])
    }
    let mut words = input.chunks_exact(8);
    let mut i = 0;
    for word in &mut words {
        if let Some(j) = word.first_chunk().and_then(|word| in_word(word, 0)) {
            return i + j;
        }
        i += 8;
    }
    let tail = words.remainder();
    if tail.is_empty() {
        return i;
    }
    match input.last_chunk::<8>() {
        // The last 8 bytes: the first `8 - tail.len()` were scanned already.
        Some(last) => in_word(last, 8 - tail.len()).map_or(input.len(), |j| i + j + tail.len() - 8),
        None => {
            i + tail
                .iter()
                .position(|&b| IS_FRAMING[usize::from(b)])
                .unwrap_or(tail.len())
        }
    }
}

/// Scans the group content that starts `rest` for a plain CR that [`Decoder::whole_group`] can
/// take in one step: no byte before it has bit 7 set, none is a control byte other than HT.
///
/// `Ok(n)`: the CR is at `n`, and `n` is at most [`MAX_GROUP_LEN`]. `Err(n)`: there is no such
/// CR, and the first `n` bytes are plain text (no framing byte among them), so the byte-level
/// steps start their own scan at `n` instead of scanning the same bytes again. On 32-byte reads
/// nearly every chunk ends inside a group, whose head is scanned here only.
///
/// Eight bytes at a time, as in [`find_framing_byte`], with the bit-7 test folded into the
/// same flags; the last bytes are one word that overlaps the previous ones, so a CR near the
/// end of a chunk is found too, and fewer than eight bytes go bytewise.
#[inline(always)]
fn find_clean_cr(rest: &[u8]) -> Result<usize, usize> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const HT: u64 = 0x0909_0909_0909_0909;
    // Bytes of seven bits, HT turned into zero: a byte is flagged when it is below 0x20 (no
    // carry into bit 7 from adding 0x60) but not zero (a carry from adding 0x7F), or when its
    // own bit 7 is set. Each byte is exact, no carry crosses a byte, so the lowest flag is the
    // first byte this step cannot take.
    let flags = |w: u64| {
        let x = (w & LOW7) ^ HT;
        ((x.wrapping_add(ONES * 0x7F) & !x.wrapping_add(ONES * 0x60)) | w) & HIGH
    };
    // A CR past the longest group is not taken: no need to look further (nor to count words).
    let rest = &rest[..rest.len().min(MAX_GROUP_LEN + 1)];
    let stop = |n: usize| if rest[n] == CR { Ok(n) } else { Err(n) };
    let Some(&last) = rest.last_chunk::<8>() else {
        let n = rest
            .iter()
            .position(|&b| b >= 0x80 || is_stray(b))
            .ok_or(rest.len())?;
        return stop(n);
    };
    let mut words = rest.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let f = word
            .first_chunk()
            .map_or(0, |w| flags(u64::from_le_bytes(*w)));
        if f != 0 {
            return stop(at + f.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = words.remainder().len();
    if tail == 0 {
        return Err(at);
    }
    // The last 8 bytes: the first `8 - tail` were scanned already.
    let f = flags(u64::from_le_bytes(last)) & (u64::MAX << (8 * (8 - tail)));
    if f == 0 {
        return Err(rest.len());
    }
    stop(rest.len() - 8 + f.trailing_zeros() as usize / 8)
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with its buffers allocated once, at their maximum size.
    pub fn new() -> Self {
        Decoder {
            buf: vec![0; BUF_LEN]
                .into_boxed_slice()
                .try_into()
                .unwrap_or_else(|_| unreachable!("the slice has BUF_LEN bytes")),
            len: 0,
            spans: vec![EMPTY_SPAN; MAX_GROUPS]
                .into_boxed_slice()
                .try_into()
                .unwrap_or_else(|_| unreachable!("the slice has MAX_GROUPS spans")),
            span_count: 0,
            group_start: 0,
            group_overflow: false,
            group_high_bit: false,
            in_group: false,
            in_frame: false,
            frame_len: 0,
            frame_mode: None,
            frame_dropped: 0,
            lf_streak: 0,
            suspect_next: false,
            after_cr: false,
            mark_seen: false,
            unmarked_groups: 0,
            cooked: false,
            stats: DecoderStats::default(),
        }
    }

    /// Counters since creation.
    pub fn stats(&self) -> DecoderStats {
        self.stats
    }

    /// True when the stream looks like it went through a tty in cooked mode (CR turned into
    /// LF, ETX swallowed): the port should be set raw (`stty raw`).
    pub fn looks_like_cooked_tty(&self) -> bool {
        self.cooked
    }

    /// Feeds a chunk of bytes; calls `on_frame` for each complete frame, in order.
    pub fn feed<F: FnMut(&Frame<'_>)>(&mut self, input: &[u8], on_frame: F) {
        self.feed_sink(input, &mut Frames(on_frame));
    }

    /// Feeds a chunk of bytes; hands `sink` each complete frame and, if it asks for them, each
    /// valid group outside any frame, in stream order.
    pub fn feed_sink<S: Sink>(&mut self, input: &[u8], sink: &mut S) {
        self.stats.bytes += input.len() as u64;
        let mut pos = 0;
        while pos < input.len() {
            // Inside a group (most often just after its LF): while groups end in this chunk,
            // take each in one step. The scan that stops them tells how many of the next bytes
            // are plain text, so the byte-level steps below do not scan those again.
            let mut plain = 0;
            if self.in_group {
                let (taken, clean) = self.whole_groups(&input[pos..], sink);
                pos += taken;
                plain = clean;
            }
            let rest = &input[pos..];
            // Between groups and between frames the next byte is often framing itself (LF after
            // CR, ETX after the last group, STX after ETX): no scan then.
            let n = match rest.get(plain) {
                Some(&b) if !IS_FRAMING[usize::from(b)] => {
                    plain + find_framing_byte(&rest[plain..])
                }
                _ => plain,
            };
            let (data, rest) = rest.split_at(n);
            if self.in_group {
                self.push_content(data);
            } else if !data.is_empty()
                && std::mem::take(&mut self.after_cr)
                && is_stray(data[0] & 0x7F)
            {
                // A group that follows a CR with a control byte instead of its LF (real:
                // `EASF03\t001548023\t;\r\x0eEASF04\t002860327\tA`): the LF was corrupted
                // into that byte. Read the group; `finish_group` trims the stray byte, and the
                // checksum judges the rest.
                self.in_group = true;
                self.group_start = self.len;
                self.push_content(data);
            }
            if self.in_frame {
                self.frame_len = self.frame_len.saturating_add(n);
            }
            let Some(&byte) = rest.first() else {
                break;
            };
            pos += n + 1;
            if self.in_frame {
                self.frame_len = self.frame_len.saturating_add(1);
            }
            self.on_framing_byte(byte & 0x7F, sink);
        }
    }

    /// Ends the input: a frame still open is counted as interrupted and discarded. The decoder
    /// can be fed again afterwards (e.g. after a source was re-opened).
    pub fn finish(&mut self) {
        if self.in_frame {
            self.stats.interrupted += 1;
        }
        // A whole session without a frame mark: its groups were loose after all.
        if !self.mark_seen && self.unmarked_groups < SESSION_HEAD_GROUPS {
            self.stats.loose_groups += self.unmarked_groups;
        }
        self.mark_seen = false;
        self.unmarked_groups = 0;
        self.reset_frame();
        self.in_frame = false;
        self.in_group = false;
    }

    /// Reads the group that goes on at `rest` in one step, when its CR is in the chunk: the
    /// state machine's per-segment work (scan, masked copy into the buffer, counters, framing
    /// byte) is done once per group instead of once per byte run. A group that starts here
    /// (its LF just read) is judged from the input slice, its fields copied once, if kept;
    /// one whose head came in the previous chunk gets its tail copied after it and is judged
    /// from the buffer ([`Decoder::finish_group`]), as a serial read of a few bytes cuts
    /// nearly every group. This is what keeps decoding well ahead of every peer
    /// (teleinfo-parser 150–220 MB/s, goteleinfo 40–80 MB/s) and cheap on a Pi.
    ///
    /// Anything unusual (a byte with bit 7 set, a stray control byte, another framing byte
    /// first, a group or frame too long, the CR not in the chunk) stops it, and the byte-level
    /// steps of [`Decoder::feed_sink`] handle the group as before: same state, same counters,
    /// so the result never depends on which step read a group.
    ///
    /// The LF that follows a CR is taken in the same step (the next group starts there), so
    /// a run of groups is one loop. Returns the bytes consumed, and how many bytes after them
    /// are plain text (see [`find_clean_cr`]).
    #[inline(always)]
    fn whole_groups<S: Sink>(&mut self, rest: &[u8], sink: &mut S) -> (usize, usize) {
        let mut pos = 0;
        loop {
            match self.whole_group(&rest[pos..], sink) {
                Ok(n) => pos += n,
                Err(plain) => return (pos, plain),
            }
            if !self.lf_after_cr(rest, &mut pos) {
                return (pos, 0);
            }
        }
    }

    /// Takes the LF at `rest[*pos]` right after a CR, as `on_framing_byte` does, when it is
    /// one and the frame has room for it; false otherwise.
    #[inline(always)]
    fn lf_after_cr(&mut self, rest: &[u8], pos: &mut usize) -> bool {
        match rest.get(*pos) {
            Some(&LF) if !self.in_frame || self.frame_len < MAX_FRAME_LEN => {
                self.frame_len += usize::from(self.in_frame);
                self.in_group = true;
                self.group_start = self.len;
                *pos += 1;
                true
            }
            _ => false,
        }
    }

    /// Counts the bytes of a group up to its CR into the frame, or says the frame would grow
    /// too long: then the byte-level steps count it as a size error.
    #[inline(always)]
    fn frame_has_room(&mut self, n: usize) -> bool {
        if self.in_frame {
            let frame_len = self.frame_len + n + 1;
            if frame_len > MAX_FRAME_LEN {
                return false;
            }
            self.frame_len = frame_len;
        }
        true
    }

    /// The group that goes on at `rest`, up to its CR: `Ok` with the bytes consumed (CR
    /// included), or `Err` with the number of plain bytes ahead. A group that starts here (its
    /// LF just read) is judged in place; one whose head came in an earlier chunk (at most the
    /// first group of a chunk) gets its tail copied after the head and is judged from the
    /// buffer, as the byte-level steps would, without their scan for each piece.
    #[inline(always)]
    fn whole_group<S: Sink>(&mut self, rest: &[u8], sink: &mut S) -> Result<usize, usize> {
        let n = find_clean_cr(rest)?;
        let head_in_buffer = self.len > self.group_start;
        // LF CR: nothing to judge, the byte-level steps abandon it without a count.
        if (n == 0 && !head_in_buffer) || !self.frame_has_room(n) {
            return Err(0);
        }
        self.in_group = false;
        self.after_cr = true;
        if head_in_buffer {
            self.push_content(&rest[..n]);
            self.finish_group(CR, sink);
        } else {
            // No stray byte to trim: `find_clean_cr` stops at any control byte but HT.
            self.judge_group(Some(&rest[..n]), CR, sink);
        }
        self.group_start = self.len;
        Ok(n + 1)
    }

    fn push_content(&mut self, data: &[u8]) {
        let used = self.len - self.group_start;
        let room = MAX_GROUP_LEN.saturating_sub(used);
        let take = if data.len() > room {
            self.group_overflow = true;
            room
        } else {
            data.len()
        };
        let old = self.len;
        self.len += take;
        // Every byte comes through here, where the copy already reads it: a clean 7E1 stream
        // pays nothing for the count.
        self.group_high_bit |= copy_masked(&mut self.buf[old..], &data[..take]);
    }

    fn on_framing_byte<S: Sink>(&mut self, byte: u8, sink: &mut S) {
        if self.in_frame && self.frame_len > MAX_FRAME_LEN {
            // A frame that never ends: count it once and resynchronise on the next STX.
            self.stats.size_errors += 1;
            self.abandon_group();
            self.reset_frame();
            self.in_frame = false;
        }
        // CR and LF come twice per group: test them first with plain branches, which follow
        // the stream's CR, LF, CR, LF rhythm, rather than through a `match` that compiles to a
        // jump table whose indirect branch was mispredicted at nearly every framing byte.
        if byte == CR {
            self.after_cr = self.in_group;
            if self.in_group {
                self.finish_group(CR, sink);
            }
            self.in_group = false;
            self.group_start = self.len;
        } else if byte == LF {
            if self.in_group && self.len > self.group_start {
                self.finish_group(LF, sink);
            } else {
                self.abandon_group();
            }
            self.in_group = true;
            self.group_start = self.len;
        } else {
            self.on_frame_byte(byte, sink);
        }
    }

    /// STX, ETX and EOT: once per frame.
    #[inline(never)]
    fn on_frame_byte<S: Sink>(&mut self, byte: u8, sink: &mut S) {
        if byte != EOT {
            self.mark_seen = true;
        }
        match byte {
            STX => {
                if self.in_frame {
                    self.abandon_group();
                    if self.cooked && self.span_count != 0 {
                        // Cooked tty: ETX never arrives, a frame ends where the next begins.
                        self.emit_frame(sink);
                    } else {
                        self.stats.interrupted += 1;
                    }
                } else {
                    self.abandon_group();
                }
                self.reset_frame();
                self.in_frame = true;
                self.frame_len = 1;
            }
            ETX => {
                if self.in_group && self.len > self.group_start {
                    // A group cut by the end of its frame.
                    self.stats.format_errors += 1;
                    self.frame_dropped += u32::from(self.in_frame);
                }
                self.abandon_group();
                self.lf_streak = 0;
                self.cooked = false;
                if self.in_frame {
                    self.emit_frame(sink);
                }
                self.reset_frame();
                self.in_frame = false;
            }
            EOT => {
                self.abandon_group();
                if self.in_frame {
                    self.stats.interrupted += 1;
                }
                self.reset_frame();
                self.in_frame = false;
            }
            // IS_FRAMING lets only the five framing bytes through; CR and LF were handled.
            _ => {}
        }
    }

    /// Validates the group just read and keeps it in the frame if it belongs to one.
    fn finish_group<S: Sink>(&mut self, terminator: u8, sink: &mut S) {
        if std::mem::take(&mut self.group_high_bit) {
            self.stats.high_bit_groups += 1;
        }
        if std::mem::take(&mut self.group_overflow) {
            self.suspect_next = false;
            self.stats.size_errors += 1;
            self.drop_group();
            return;
        }
        if !self.trim_stray_bytes() {
            // Only stray control bytes between two groups (NULs before the first LF of a
            // port just opened, a `\r\r\n`): nothing was lost, nothing to count.
            self.abandon_group();
            return;
        }
        self.judge_group(None, terminator, sink);
    }

    /// Parses the group read (from `content`, or when `None` from the frame buffer at
    /// `group_start`), then keeps it or counts it as an error.
    #[inline(always)]
    fn judge_group<S: Sink>(&mut self, content: Option<&[u8]>, terminator: u8, sink: &mut S) {
        let suspect = std::mem::take(&mut self.suspect_next);
        let bytes = content.unwrap_or(&self.buf[self.group_start..self.len]);
        match group::parse(bytes) {
            Ok(parsed) if suspect && parsed.label.is_none() => {
                self.stats.format_errors += 1;
                self.drop_group();
            }
            Ok(parsed) => self.take_group(&parsed, content, terminator, sink),
            Err(error) => {
                self.count_error(error);
                self.suspect_next = terminator == LF;
                self.drop_group();
            }
        }
    }

    /// Counts a valid group, then keeps it in its frame, or hands it to the sink as a loose
    /// group if it belongs to none. A group judged in place (`content`) is copied into the
    /// frame buffer here, once, and only when kept.
    fn take_group<S: Sink>(
        &mut self,
        parsed: &ParsedGroup,
        content: Option<&[u8]>,
        terminator: u8,
        sink: &mut S,
    ) {
        let start = self.group_start;
        if let Some(content) = content
            && (self.in_frame || S::LOOSE_GROUPS)
        {
            // No byte of it has bit 7 set (see `find_clean_cr`): the copy masks nothing.
            copy_masked(&mut self.buf[start..], &content[..parsed.value_end]);
            self.len = start + parsed.value_end;
        }
        self.stats.groups += 1;
        self.stats.unknown_groups += u64::from(parsed.label.is_none());
        if terminator == LF {
            self.stats.lf_groups += 1;
            self.lf_streak += 1;
            self.cooked |= self.lf_streak >= COOKED_TTY_STREAK;
        } else {
            self.lf_streak = 0;
            self.cooked = false;
        }
        if !self.in_frame {
            self.count_loose_group();
            if S::LOOSE_GROUPS {
                let spans = [span(start, parsed)];
                let view = Frame {
                    mode: parsed.mode,
                    buf: &self.buf[..self.len],
                    spans: &spans,
                    dropped: 0,
                };
                if let Some(group) = view.groups().next() {
                    sink.loose_group(parsed.mode, group);
                }
            }
            self.len = start;
            return;
        }
        if *self.frame_mode.get_or_insert(parsed.mode) != parsed.mode {
            // A group of the other mode inside a frame is noise that happened to pass.
            self.stats.format_errors += 1;
            self.drop_group();
            return;
        }
        if self.span_count == MAX_GROUPS {
            self.stats.size_errors += 1;
            self.drop_group();
            return;
        }
        self.spans[self.span_count] = span(start, parsed);
        self.span_count += 1;
        // Keep the fields, drop the separator and checksum.
        self.len = start + parsed.value_end;
    }

    /// Counts an invalid group under its cause.
    fn count_error(&mut self, error: GroupError) {
        match error {
            GroupError::Checksum { .. } => self.stats.checksum_errors += 1,
            GroupError::Format(e) => {
                self.stats.format_errors += 1;
                match e {
                    FormatError::BadWidth { .. } => self.stats.width_errors += 1,
                    FormatError::BadCharacters(_)
                    | FormatError::NonPrintableValue
                    | FormatError::BadLabel => self.stats.charset_errors += 1,
                    _ => {}
                }
            }
        }
    }

    /// Counts a valid group outside any frame, holding back those before the session's first
    /// frame mark (see [`DecoderStats::loose_groups`]).
    fn count_loose_group(&mut self) {
        if self.mark_seen {
            self.stats.loose_groups += 1;
            return;
        }
        self.unmarked_groups += 1;
        match self.unmarked_groups.cmp(&SESSION_HEAD_GROUPS) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => self.stats.loose_groups += SESSION_HEAD_GROUPS,
            std::cmp::Ordering::Greater => self.stats.loose_groups += 1,
        }
    }

    /// Removes stray control bytes (not HT, not framing) from both ends of the group being
    /// read, moving it back to `group_start`. Such bytes are never part of a group: a label
    /// starts with a letter and a checksum is in 0x20..=0x5F. Real streams have them: NULs
    /// before the first group of a port just opened, a form feed between a checksum and its
    /// CR (`PRM\t01658465929589\tN\x0c`), a corrupted LF before a label. The checksum then
    /// judges what is left, so a byte that replaced part of the group is still caught.
    /// Returns false when nothing is left.
    #[inline(always)]
    fn trim_stray_bytes(&mut self) -> bool {
        let content = &self.buf[self.group_start..self.len];
        match (content.first(), content.last()) {
            // Nearly every group: nothing to trim.
            (Some(&first), Some(&last)) if !is_stray(first) && !is_stray(last) => return true,
            (None, _) | (_, None) => return false,
            _ => {}
        }
        let lead = content.iter().take_while(|&&b| is_stray(b)).count();
        let trail = content[lead..]
            .iter()
            .rev()
            .take_while(|&&b| is_stray(b))
            .count();
        if lead + trail == content.len() {
            return false;
        }
        if lead > 0 {
            self.buf
                .copy_within(self.group_start + lead..self.len, self.group_start);
        }
        self.len -= lead + trail;
        true
    }

    /// Discards the group being read and counts it against the frame.
    fn drop_group(&mut self) {
        self.frame_dropped += u32::from(self.in_frame);
        self.len = self.group_start;
    }

    /// Discards the group being read without counting it (it was cut by a frame boundary).
    fn abandon_group(&mut self) {
        // Outside a group `group_start` is the end of the kept groups: nothing is lost.
        self.len = self.group_start;
        self.group_overflow = false;
        self.group_high_bit = false;
        self.in_group = false;
    }

    fn emit_frame<S: Sink>(&mut self, sink: &mut S) {
        let Some(mode) = self.frame_mode else {
            return; // no valid group: nothing to yield, its groups were already counted
        };
        self.stats.frames += 1;
        if self.frame_dropped == 0 {
            self.stats.clean_frames += 1;
        }
        sink.frame(&Frame {
            mode,
            buf: &self.buf[..self.len],
            spans: &self.spans[..self.span_count],
            dropped: self.frame_dropped,
        });
    }

    fn reset_frame(&mut self) {
        self.len = 0;
        self.span_count = 0;
        self.group_start = 0;
        self.group_overflow = false;
        self.frame_len = 0;
        self.frame_mode = None;
        self.frame_dropped = 0;
        self.suspect_next = false;
    }
}

/// A control byte that is neither HT (a field separator) nor framing: never part of a group.
#[inline]
fn is_stray(b: u8) -> bool {
    b < 0x20 && b != b'\t'
}

/// A span to fill the tables with.
const EMPTY_SPAN: GroupSpan = GroupSpan {
    label: None,
    start: 0,
    label_len: 0,
    horodate_len: 0,
    value_len: 0,
};

/// Where the fields of a group parsed at `start` of the frame buffer lie.
#[inline]
fn span(start: usize, parsed: &ParsedGroup) -> GroupSpan {
    let span = GroupSpan {
        label: parsed.label,
        start: offset(start),
        label_len: len8(parsed.label_end),
        horodate_len: parsed.horodate.map_or(0, |(a, b)| len8(b - a)),
        value_len: len8(parsed.value_end - parsed.value_start),
    };
    debug_assert_eq!(span.value_start(), start + parsed.value_start);
    span
}

/// Copies `src` to the start of `dest` masked to 7 bits, and says whether a byte had bit 7 set
/// (a port read as 8N1).
///
/// The pieces copied are short (a group, or the part of one that a chunk holds), where a call
/// to `memcpy` and a byte loop cost more than the copy: this moves eight bytes at a time, the
/// last eight as one word that overlaps the previous ones.
#[inline]
fn copy_masked(dest: &mut [u8], src: &[u8]) -> bool {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let dest = &mut dest[..src.len()];
    let Some(&last) = src.last_chunk::<8>() else {
        let mut seen = 0;
        for (d, &s) in dest.iter_mut().zip(src) {
            seen |= s;
            *d = s & 0x7F;
        }
        return seen >= 0x80;
    };
    let mut seen = u64::from_le_bytes(last);
    for (d, s) in dest.chunks_exact_mut(8).zip(src.chunks_exact(8)) {
        let w = s.first_chunk().map_or(0, |w| u64::from_le_bytes(*w));
        seen |= w;
        d.copy_from_slice(&(w & LOW7).to_le_bytes());
    }
    let n = dest.len();
    dest[n - 8..].copy_from_slice(&(u64::from_le_bytes(last) & LOW7).to_le_bytes());
    seen & !LOW7 != 0
}

/// Offsets into the frame buffer fit in u16: the buffer never exceeds
/// `MAX_FRAME_LEN + MAX_GROUP_LEN` bytes (asserted below), so the cast never truncates.
#[allow(
    clippy::cast_possible_truncation,
    reason = "bounded by the frame buffer, see above"
)]
fn offset(n: usize) -> u16 {
    debug_assert!(n <= usize::from(u16::MAX));
    n as u16
}

/// Field lengths fit in u8: a field is shorter than a group, and a group never exceeds
/// `MAX_GROUP_LEN` bytes (asserted below), so the cast never truncates.
#[allow(
    clippy::cast_possible_truncation,
    reason = "bounded by MAX_GROUP_LEN, see above"
)]
fn len8(n: usize) -> u8 {
    debug_assert!(n <= usize::from(u8::MAX));
    n as u8
}

const _: () = assert!(MAX_FRAME_LEN + MAX_GROUP_LEN <= u16::MAX as usize);
const _: () = assert!(MAX_GROUP_LEN <= u8::MAX as usize + 1);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Everything {
        events: Vec<String>,
    }

    impl Sink for Everything {
        const LOOSE_GROUPS: bool = true;
        fn frame(&mut self, frame: &Frame<'_>) {
            self.events.push(format!("frame of {}", frame.len()));
        }
        fn loose_group(&mut self, mode: Mode, group: Group<'_>) {
            self.events
                .push(format!("{mode} {} {:?}", group.name, group.value));
        }
    }

    #[test]
    fn groups_outside_frames_reach_a_sink_that_asks_and_count_either_way() {
        let input = b"\nIINST 007 ^\r\x02\nADCO 021728123456 @\r\nPAPP 01520 )\r\x03\
                      \nSINSTS\t00432\tO\r\nPAPP 01520 X\r";
        let mut sink = Everything::default();
        let mut decoder = Decoder::new();
        decoder.feed_sink(input, &mut sink);
        assert_eq!(
            sink.events,
            [
                "historic IINST \"007\"",
                "frame of 2",
                "standard SINSTS \"00432\"",
            ]
        );
        let mut plain = Decoder::new();
        let mut frames = 0;
        plain.feed(input, |_| frames += 1);
        assert_eq!(frames, 1);
        assert_eq!(plain.stats(), decoder.stats());
        assert_eq!(
            (plain.stats().groups, plain.stats().checksum_errors),
            (4, 1)
        );
    }

    /// What one meter's decoder costs (issue 13: 10 000 meters in one process): the struct
    /// and its two boxed tables, allocated once. 12 736 bytes before the limits were sized
    /// from the specification (8 192-byte frames, 512 spans of 8 bytes).
    #[test]
    fn a_decoder_holds_about_six_kilobytes() {
        assert_eq!(std::mem::size_of::<GroupSpan>(), 6);
        let heap = BUF_LEN + MAX_GROUPS * std::mem::size_of::<GroupSpan>();
        let total = std::mem::size_of::<Decoder>() + heap;
        assert_eq!(heap, 4096 + 256 + 256 * 6);
        assert!(total <= 6 * 1024, "{total} bytes");
    }

    #[test]
    fn masked_copy_agrees_with_a_byte_loop() {
        for len in 0..40usize {
            for high in [None, Some(0), Some(len / 2), Some(len.saturating_sub(1))] {
                let mut src: Vec<u8> = (0..len)
                    .map(|i| b'0' + u8::try_from(i % 64).unwrap())
                    .collect();
                if let Some(at) = high.filter(|&at| at < len) {
                    src[at] |= 0x80;
                }
                let mut dest = [0xAAu8; 48];
                let seen = copy_masked(&mut dest, &src);
                let masked: Vec<u8> = src.iter().map(|b| b & 0x7F).collect();
                assert_eq!(&dest[..len], &masked[..], "{len} {high:?}");
                assert!(dest[len..].iter().all(|&b| b == 0xAA));
                assert_eq!(seen, src.iter().any(|&b| b >= 0x80), "{len} {high:?}");
            }
        }
    }

    #[test]
    fn whole_group_scan_agrees_with_a_byte_loop() {
        let plain = |rest: &[u8]| {
            let Some(n) = rest.iter().position(|&b| b >= 0x80 || is_stray(b)) else {
                return Err(rest.len());
            };
            if rest[n] == CR && n <= MAX_GROUP_LEN {
                Ok(n)
            } else {
                Err(n)
            }
        };
        for byte in 0..=255u8 {
            for len in 0..40 {
                for at in 0..len {
                    let mut v = vec![b'A'; len];
                    v[at] = byte;
                    if len > 1 && at + 1 < len {
                        v[len - 1] = CR;
                    }
                    assert_eq!(find_clean_cr(&v), plain(&v), "{byte:#x} {len} {at}");
                }
            }
        }
        let mut long = vec![b'\t'; MAX_GROUP_LEN + 16];
        long[MAX_GROUP_LEN] = CR;
        assert_eq!(find_clean_cr(&long), Ok(MAX_GROUP_LEN));
        long.swap(MAX_GROUP_LEN, MAX_GROUP_LEN + 1);
        assert_eq!(find_clean_cr(&long), Err(MAX_GROUP_LEN + 1));
        // The scan stops after the longest group: what it read is plain.
        long[MAX_GROUP_LEN + 1] = b'\t';
        assert_eq!(find_clean_cr(&long), Err(MAX_GROUP_LEN + 1));
    }

    #[test]
    fn framing_scan_agrees_with_the_table_at_every_offset() {
        for framing in 0..=255u8 {
            for len in 0..40 {
                for at in 0..len {
                    let mut v = vec![b'\t'; len];
                    v[at] = framing;
                    let expected = if IS_FRAMING[usize::from(framing)] {
                        at
                    } else {
                        len
                    };
                    assert_eq!(find_framing_byte(&v), expected, "{framing:#x} {len} {at}");
                }
            }
        }
    }
}
