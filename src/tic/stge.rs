//! The standard-mode status register STGE (54E §6.2.3.14).
//!
//! Eight hexadecimal digits, most significant first, read as an *unsigned* 32-bit word: the top
//! bits (mobile peak) are set during peak days, which overflows a signed integer.

/// Colour of a Tempo day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TempoColor {
    Blue,
    White,
    Red,
}

impl TempoColor {
    /// Lower-case English name, as used in metric labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            TempoColor::Blue => "blue",
            TempoColor::White => "white",
            TempoColor::Red => "red",
        }
    }

    /// Decodes the 2-bit field of STGE: 0 none/unknown, 1 blue, 2 white, 3 red.
    pub const fn from_bits(bits: u32) -> Option<TempoColor> {
        match bits & 0b11 {
            1 => Some(TempoColor::Blue),
            2 => Some(TempoColor::White),
            3 => Some(TempoColor::Red),
            _ => None,
        }
    }
}

/// State of the cut-off device (organe de coupure), STGE bits 1-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutoffDevice {
    Closed,
    OpenOverPower,
    OpenOverVoltage,
    OpenLoadShedding,
    OpenRemoteOrder,
    OpenOverheatingHighCurrent,
    OpenOverheatingLowCurrent,
    /// Code 7 is not assigned by the specification.
    Reserved,
}

/// The decoded STGE word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stge(pub u32);

impl Stge {
    /// Parses the 8 hexadecimal digits of the group value.
    pub fn parse(value: &str) -> Option<Stge> {
        // from_str_radix alone would accept a leading '+'.
        if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(value, 16).ok().map(Stge)
    }

    fn bit(self, n: u32) -> bool {
        self.0 >> n & 1 == 1
    }

    fn field(self, shift: u32, width: u32) -> u32 {
        self.0 >> shift & ((1 << width) - 1)
    }

    /// A field of at most 8 bits, as a byte (its low byte is all of it).
    fn small_field(self, shift: u32, width: u32) -> u8 {
        debug_assert!(width <= 8);
        self.field(shift, width).to_le_bytes()[0]
    }

    /// Bit 0: the dry contact is open.
    pub fn dry_contact_open(self) -> bool {
        self.bit(0)
    }
    /// Bits 1-3 as the raw code 0-7 (0 = closed).
    pub fn cutoff_device_code(self) -> u8 {
        self.small_field(1, 3)
    }
    /// Bits 1-3 decoded.
    pub fn cutoff_device(self) -> CutoffDevice {
        match self.cutoff_device_code() {
            0 => CutoffDevice::Closed,
            1 => CutoffDevice::OpenOverPower,
            2 => CutoffDevice::OpenOverVoltage,
            3 => CutoffDevice::OpenLoadShedding,
            4 => CutoffDevice::OpenRemoteOrder,
            5 => CutoffDevice::OpenOverheatingHighCurrent,
            6 => CutoffDevice::OpenOverheatingLowCurrent,
            _ => CutoffDevice::Reserved,
        }
    }
    /// Bit 4: the distributor's terminal cover is open.
    pub fn cover_open(self) -> bool {
        self.bit(4)
    }
    /// Bit 6: over-voltage on a phase.
    pub fn overvoltage(self) -> bool {
        self.bit(6)
    }
    /// Bit 7: the reference power is exceeded (the standard-mode overload signal).
    pub fn overload(self) -> bool {
        self.bit(7)
    }
    /// Bit 8: the meter runs in producer mode.
    pub fn producer(self) -> bool {
        self.bit(8)
    }
    /// Bit 9: active energy flows to the grid.
    pub fn injecting(self) -> bool {
        self.bit(9)
    }
    /// Bits 10-13 + 1: the supplier index (1-10) energy is counted on now.
    pub fn supplier_index(self) -> u8 {
        self.small_field(10, 4) + 1
    }
    /// Bits 14-15 + 1: the distributor index (1-4) energy is counted on now.
    pub fn distributor_index(self) -> u8 {
        self.small_field(14, 2) + 1
    }
    /// Bit 16: the real-time clock is degraded.
    pub fn clock_degraded(self) -> bool {
        self.bit(16)
    }
    /// Bit 17: the TIC runs in standard mode.
    pub fn standard_mode(self) -> bool {
        self.bit(17)
    }
    /// Bits 19-20: Euridis output state (0 disabled, 1 enabled, 3 enabled with security).
    pub fn euridis(self) -> u8 {
        self.small_field(19, 2)
    }
    /// Bits 21-22: CPL status (0 new/unlocked, 1 new/locked, 2 registered).
    pub fn cpl_status(self) -> u8 {
        self.small_field(21, 2)
    }
    /// Bit 23: CPL synchronised.
    pub fn cpl_synchronised(self) -> bool {
        self.bit(23)
    }
    /// Bits 24-25: today's Tempo colour.
    pub fn tempo_today(self) -> Option<TempoColor> {
        TempoColor::from_bits(self.field(24, 2))
    }
    /// Bits 26-27: tomorrow's Tempo colour (None = not known yet).
    pub fn tempo_tomorrow(self) -> Option<TempoColor> {
        TempoColor::from_bits(self.field(26, 2))
    }
    /// Bits 28-29: mobile-peak notice in progress (0 none, 1-3 = PM1-PM3).
    pub fn mobile_peak_notice(self) -> u8 {
        self.small_field(28, 2)
    }
    /// Bits 30-31: mobile peak in progress (0 none, 1-3 = PM1-PM3).
    pub fn mobile_peak_active(self) -> u8 {
        self.small_field(30, 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_real_registers() {
        // TeleinfoMySensors capture, NTARF 01.
        let s = Stge::parse("003A0001").unwrap();
        assert!(s.dry_contact_open());
        assert_eq!(s.supplier_index(), 1);
        assert!(s.standard_mode());
        assert_eq!((s.euridis(), s.cpl_status()), (3, 1));
        assert!(!s.producer() && !s.overload());

        // openHAB fixture: producer, index 2, today blue.
        let s = Stge::parse("013A0501").unwrap();
        assert!(s.producer());
        assert_eq!(s.supplier_index(), 2);
        assert_eq!(s.tempo_today(), Some(TempoColor::Blue));

        // Tempo HP white.
        let s = Stge::parse("423ACD01").unwrap();
        assert_eq!(s.supplier_index(), 4);
        assert_eq!(s.tempo_today(), Some(TempoColor::White));
        assert_eq!(s.mobile_peak_active(), 1);
    }

    #[test]
    fn top_bits_do_not_overflow() {
        let s = Stge::parse("FFFFFFFF").unwrap();
        assert_eq!(s.0, u32::MAX);
        assert_eq!((s.mobile_peak_notice(), s.mobile_peak_active()), (3, 3));
        assert_eq!(s.cutoff_device(), CutoffDevice::Reserved);
    }

    #[test]
    fn fixture_tri_tempo() {
        let s = Stge::parse("1D3A0400").unwrap();
        assert_eq!(s.tempo_today(), Some(TempoColor::Blue));
        assert_eq!(s.tempo_tomorrow(), Some(TempoColor::Red));
        assert_eq!(s.mobile_peak_notice(), 1);
        assert_eq!(s.supplier_index(), 2);
        assert!(!s.overload() && s.cutoff_device() == CutoffDevice::Closed);
    }

    #[test]
    fn rejects_non_hex_and_wrong_width() {
        assert_eq!(Stge::parse("003A000"), None);
        assert_eq!(Stge::parse("003A000G"), None);
        assert_eq!(Stge::parse("+03A0001"), None);
    }
}
